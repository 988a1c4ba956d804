package config

import (
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/MrSunshyne/dispatch-action/internal/event"
)

// Field is one of the CLI's -f or -F key=value pairs, as gh takes them: -f (--raw-field)
// sends the value as a string; -F (--field) reads true, false, null and integers as JSON
// and @PATH as the contents of a file.
type Field struct {
	Key, Value string
	Typed      bool // -F
}

// Flags registers a flag for every input the CLI takes, named like the input, and gh's
// habits: -R and --repo for --repository, -f/--raw-field and -F/--field for the fields of
// the inputs or payload. A boolean flag may stand alone (--dry-run) or take a value
// (--fail-on-conclusion=false); Build checks the value as it checks the action's input. A
// flag given twice is recorded (Twice), except --repository (-R), whose values add up to
// several targets, and the fields, which add up.
func (in *Inputs) Flags(fs *flag.FlagSet) {
	for name, p := range in.fields() {
		if actionOnly[name] {
			continue
		}
		v := &flagValue{in: in, name: name, p: p, isBool: boolInputs[name], adds: name == "repository"}
		fs.Var(v, name, "")
		if name == "repository" {
			fs.Var(v, "R", "")
			fs.Var(v, "repo", "")
		}
	}
	for name, r := range removed {
		fs.Var(removedFlag{in: in, name: name, isBool: r.wasBool}, name, "")
	}
	for _, f := range []struct {
		names []string
		typed bool
	}{{[]string{"f", "raw-field"}, false}, {[]string{"F", "field"}, true}} {
		v := &fieldFlag{in: in, typed: f.typed}
		for _, name := range f.names {
			fs.Var(v, name, "")
		}
	}
}

// flagValue is the flag of one input: its value, and every value when given twice.
type flagValue struct {
	in     *Inputs
	name   string
	p      *string
	isBool bool
	adds   bool // several values add up (comma-separated)
	set    bool
}

func (v *flagValue) String() string {
	if v == nil || v.p == nil {
		return ""
	}
	return *v.p
}

func (v *flagValue) Set(s string) error {
	switch {
	case !v.set:
		*v.p = s
	case v.adds:
		*v.p += "," + s
	default:
		if v.in.Twice == nil {
			v.in.Twice = map[string][]string{}
		}
		if len(v.in.Twice[v.name]) == 0 {
			v.in.Twice[v.name] = []string{*v.p}
		}
		v.in.Twice[v.name] = append(v.in.Twice[v.name], s)
	}
	v.set = true
	return nil
}

func (v *flagValue) IsBoolFlag() bool { return v.isBool }

// fieldFlag is -f or -F: each use adds a field.
type fieldFlag struct {
	in    *Inputs
	typed bool
}

func (f *fieldFlag) String() string { return "" }
func (f *fieldFlag) Set(s string) error {
	key, value, ok := strings.Cut(s, "=")
	if !ok || strings.TrimSpace(key) == "" {
		return fmt.Errorf("%q is not key=value", s)
	}
	f.in.Fields = append(f.in.Fields, Field{Key: key, Value: value, Typed: f.typed})
	return nil
}

// twice: a flag given more than once is a problem naming every value, so none is
// dropped without a word.
func (b *builder) twice() {
	for _, name := range slices.Sorted(maps.Keys(b.in.Twice)) {
		var q []string
		for _, v := range b.in.Twice[name] {
			q = append(q, strconv.Quote(v))
		}
		b.bad(name, "is given %d times (%s): give it once", len(q), strings.Join(q, ", "))
	}
}

// fields: the CLI's -f and -F pairs as the JSON object of the workflow's inputs (with
// --workflow) or of the client payload; not together with that input's JSON.
func (b *builder) fields() {
	if len(b.in.Fields) == 0 {
		return
	}
	input, target := "client-payload", &b.in.ClientPayload
	if strings.TrimSpace(b.in.Workflow) != "" {
		input, target = "inputs", &b.in.WorkflowInputs
	}
	if t := strings.TrimSpace(*target); t != "" && t != "{}" {
		b.bad(input, "is given, and so are -f/-F fields: give the JSON or the fields, not both")
		return
	}
	obj := map[string]any{}
	var order []string
	for _, f := range b.in.Fields {
		if _, dup := obj[f.Key]; dup {
			b.bad(input, "has the field %q twice (-f/-F): give each key once", f.Key)
			continue
		}
		obj[f.Key] = b.fieldValue(input, f)
		order = append(order, f.Key)
	}
	*target = orderedJSON(obj, order)
}

// fieldValue is a field's value as gh reads it: -f a string; -F true, false, null or an
// integer as JSON, @PATH a file's contents, anything else a string.
func (b *builder) fieldValue(input string, f Field) any {
	if !f.Typed {
		return f.Value
	}
	switch v := f.Value; {
	case v == "true" || v == "false":
		return v == "true"
	case v == "null":
		return nil
	case strings.HasPrefix(v, "@"):
		return b.atFile(input, v, event.MaxDispatchBodyBytes)
	default:
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
		return v
	}
}

// orderedJSON is obj as a JSON object with its keys in order.
func orderedJSON(obj map[string]any, order []string) string {
	var b strings.Builder
	b.WriteString("{")
	for i, k := range order {
		if i > 0 {
			b.WriteString(",")
		}
		key, _ := json.Marshal(k)
		val, _ := json.Marshal(obj[k])
		b.Write(key)
		b.WriteString(":")
		b.Write(val)
	}
	b.WriteString("}")
	return b.String()
}
