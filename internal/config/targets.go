package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/MrSunshyne/dispatch-action/internal/event"
)

// The targets input: several events, each with its repository, sent in one step, and
// checked as a whole before anything is sent.

// targetKeys are the keys an entry of targets may have.
var targetKeys = []string{"repository", "event-type", "client-payload", "workflow", "inputs", "ref"}

// targetEntry is one entry of targets as given: each key's value as text (an object's
// as compact JSON), and the keys it has.
type targetEntry struct {
	fields map[string]string
	keys   []string // in the order given
}

// targetList: every entry of targets, each problem named with its entry's index
// (targets[2].inputs). An entry names its own repository and event, so the inputs that
// name them for the whole step cannot be given too.
func (b *builder) targetList() {
	in := b.in
	for _, f := range []struct {
		input, value string
		object       bool // an empty object says nothing either
	}{ // in a fixed order: problems are reported in it
		{"repository", in.Repository, false}, {"event-type", in.EventType, false}, {"workflow", in.Workflow, false},
		{"ref", in.Ref, false}, {"client-payload", in.ClientPayload, true}, {"inputs", in.WorkflowInputs, true},
		{"run-id", in.RunID, false},
	} {
		if v := strings.TrimSpace(f.value); v != "" && !(f.object && v == "{}") {
			b.bad(f.input, "cannot be used together with targets: each entry of targets names its repository and its event")
		}
	}
	entries, err := ParseTargetList(in.Targets)
	var ee *EntryError
	switch {
	case errors.As(err, &ee):
		b.entryProblem(ee.Index, ee.Key, "%v", ee.Err)
		return
	case err != nil:
		b.bad("targets", "%v", err)
		return
	}
	if len(entries) > MaxTargets {
		b.bad("targets", "has %d entries: at most %d, GitHub's limit of content-creating requests an hour", len(entries), MaxTargets)
		return
	}
	seen := map[string]int{}
	for i, e := range entries {
		t, key, ok := b.targetEntry(i, e, len(entries))
		if !ok {
			continue
		}
		if j, dup := seen[key]; dup {
			b.entryProblem(i, "", "sends the same event to the same repository as targets[%d]: remove one", j)
			continue
		}
		seen[key] = i
		b.c.Targets = append(b.c.Targets, t)
	}
}

// entryProblem reports a problem with entry i of targets, or with one of its keys.
func (b *builder) entryProblem(i int, key, format string, args ...any) {
	label := fmt.Sprintf("targets[%d]", i)
	if key != "" {
		label += "." + key
	}
	b.problems = append(b.problems, Problem{Input: "targets", Label: label, Rule: fmt.Sprintf(format, args...)})
}

// targetEntry checks entry i of n: its keys, its repository and its event. Each entry has
// its own distinct ID (the same repository may be named twice), so the key that tells two
// entries apart is of the event as written, before the ID is added.
func (b *builder) targetEntry(i int, e targetEntry, n int) (event.Target, string, bool) {
	before := len(b.problems)
	bad := func(key, format string, args ...any) { b.entryProblem(i, key, format, args...) }
	for _, k := range e.keys {
		if !slices.Contains(targetKeys, k) {
			bad("", "has the key %q: an entry takes %s", k, strings.Join(targetKeys, ", "))
		}
	}
	for k, v := range e.fields { // as the runner trims an input, so that "deploy " is deploy
		e.fields[k] = strings.TrimSpace(v)
	}
	repo, err := ParseRepository(e.fields["repository"])
	if err != nil {
		bad("repository", "%v", err)
	} else {
		b.repoItems = append(b.repoItems, repoItem{text: e.fields["repository"], bad: bad})
	}
	id := b.in.DistinctID
	if n > 1 && id != "" {
		id += "-" + strconv.Itoa(i+1)
	}
	ev := eventInputs{eventType: e.fields["event-type"], payload: e.fields["client-payload"], payloadInput: "client-payload",
		workflow: e.fields["workflow"], ref: e.fields["ref"], inputs: e.fields["inputs"]}
	t, _ := b.event(ev, bad, id)
	t.Repo = repo
	written, _ := b.event(ev, func(string, string, ...any) {}, "") // as written: no ID of ours
	written.Repo = repo
	return t, targetKey(written), len(b.problems) == before
}

// targetKey is what makes two targets the same event to the same repository.
func targetKey(t event.Target) string {
	return strings.Join([]string{strings.ToLower(t.Repo.String()), string(t.Event), t.EventType, string(t.ClientPayload),
		strings.ToLower(t.Workflow), t.Ref, string(t.Inputs)}, "\x00")
}

// ParseTargetList reads the targets input: a JSON array of objects, or the same as YAML (a
// list of mappings). Each value of repository, event-type, workflow and ref is text;
// client-payload and inputs are objects (or JSON text of one). Keys may not repeat.
func ParseTargetList(s string) ([]targetEntry, error) {
	s = strings.TrimSpace(s)
	var list []targetEntry
	var err error
	if strings.HasPrefix(s, "[") && json.Valid([]byte(s)) {
		list, err = targetsFromJSON([]byte(s))
	} else {
		list, err = targetsFromYAML(s)
	}
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, errors.New("is an empty list: give at least one entry, such as [{\"repository\": \"owner/name\", \"event-type\": \"deploy\"}]")
	}
	return list, nil
}

// EntryError is a problem with the form of entry Index of targets (or of its Key).
type EntryError struct {
	Index int
	Key   string
	Err   error
}

func (e *EntryError) Error() string {
	label := fmt.Sprintf("targets[%d]", e.Index)
	if e.Key != "" {
		label += "." + e.Key
	}
	return label + ": " + e.Err.Error()
}

// targetsFromJSON reads a JSON array of objects.
func targetsFromJSON(b []byte) ([]targetEntry, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("is not a JSON array of objects: %w", err)
	}
	if len(raw) > MaxTargets {
		return nil, fmt.Errorf("has %d entries: at most %d, GitHub's limit of content-creating requests an hour", len(raw), MaxTargets)
	}
	list := make([]targetEntry, 0, len(raw))
	for i, r := range raw {
		e, err := entryFromJSON(r)
		if err != nil {
			err.Index = i
			return nil, err
		}
		list = append(list, e)
	}
	return list, nil
}

// entryFromJSON reads one object of the JSON form (valid JSON already), refusing a key
// given twice.
func entryFromJSON(r json.RawMessage) (targetEntry, *EntryError) {
	dec := json.NewDecoder(bytes.NewReader(r))
	dec.UseNumber()
	if tok, _ := dec.Token(); tok != json.Delim('{') {
		return targetEntry{}, &EntryError{Err: fmt.Errorf("is %s, not an object such as {\"repository\": \"owner/name\", \"event-type\": \"deploy\"}", jsonKind(tok))}
	}
	e := targetEntry{fields: map[string]string{}}
	for dec.More() {
		kt, _ := dec.Token()
		key := kt.(string) // inside an object the decoder only yields string keys
		var v json.RawMessage
		_ = dec.Decode(&v)
		if _, dup := e.fields[key]; dup {
			return targetEntry{}, &EntryError{Err: fmt.Errorf("has the key %q twice", key)}
		}
		text, err := fieldText(key, v)
		if err != nil {
			return targetEntry{}, &EntryError{Key: key, Err: err}
		}
		e.fields[key] = text
		e.keys = append(e.keys, key)
	}
	return e, nil
}

// fieldText is a value of the JSON form as the event's inputs take it: a string's text, an
// object's JSON.
func fieldText(key string, v json.RawMessage) (string, error) {
	if !slices.Contains(targetKeys, key) {
		return string(v), nil // refused as a key, with the others
	}
	switch v[0] {
	case '"':
		var s string
		err := json.Unmarshal(v, &s)
		return s, err
	case '{':
		if key == "client-payload" || key == "inputs" {
			return string(v), nil
		}
	}
	if key == "client-payload" || key == "inputs" {
		return "", fmt.Errorf("is %s: give an object", jsonKind(jsonToken(v)))
	}
	return "", fmt.Errorf("is %s: give it as text", jsonKind(jsonToken(v)))
}

func jsonToken(v json.RawMessage) json.Token {
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	tok, _ := dec.Token()
	return tok
}

// targetsFromYAML reads a YAML list of mappings: one document, keys given once (a merge
// key, "<<: *base", brings in the keys of another mapping that this one does not set).
func targetsFromYAML(s string) ([]targetEntry, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(strings.NewReader(s))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("is neither a JSON array nor a YAML list: %w", yamlLine(err))
	}
	var more yaml.Node
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		return nil, errors.New("holds more than one YAML document (a line \"---\" starts another): give every entry in one list")
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.SequenceNode {
		return nil, errors.New("is not a list: give a JSON array of objects, or a YAML list of mappings (each entry starting with \"- repository: owner/name\")")
	}
	var list []targetEntry
	for i, n := range doc.Content[0].Content {
		e, err := entryFromYAML(resolve(n))
		if err != nil {
			err.Index = i
			return nil, err
		}
		list = append(list, e)
	}
	return list, nil
}

// parserErrors are go.yaml.in/yaml/v3's messages of its parser (not its scanner), whose
// line it reports 0-based: one line too early.
var parserErrors = []string{"did not find expected <document start>", "did not find expected node content", "did not find expected key",
	"did not find expected '-' indicator", "did not find expected ',' or ']'", "did not find expected ',' or '}'"}

var yamlLinePrefix = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^yaml: line (\d+): `) }) // compiled when first used, not at every start

// yamlLineError is a YAML error with its line as the user counts it.
type yamlLineError struct {
	msg string
	err error
}

func (e *yamlLineError) Error() string { return e.msg }
func (e *yamlLineError) Unwrap() error { return e.err }

// yamlLine corrects the line of a parser error.
func yamlLine(err error) error {
	m := yamlLinePrefix().FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	rest := err.Error()[len(m[0]):]
	for _, p := range parserErrors {
		if strings.HasPrefix(rest, p) {
			n, _ := strconv.Atoi(m[1])
			return &yamlLineError{msg: fmt.Sprintf("yaml: line %d: %s", n+1, rest), err: err}
		}
	}
	return err
}

// entryFromYAML reads one mapping of the YAML form.
func entryFromYAML(n *yaml.Node) (targetEntry, *EntryError) {
	if n.Kind != yaml.MappingNode {
		return targetEntry{}, &EntryError{Err: errors.New("is not a mapping: give each entry as \"- repository: owner/name\" with \"event-type: …\" or \"workflow: …\" below it")}
	}
	budget := maxKeys
	kvs, err := pairs(n, 0, &budget)
	if err != nil {
		return targetEntry{}, &EntryError{Err: err}
	}
	e := targetEntry{fields: map[string]string{}}
	for _, kv := range kvs {
		key, v := kv.key, kv.value
		var text string
		switch {
		case v.Kind == yaml.ScalarNode && v.Tag != "!!null":
			text = v.Value // client-payload and inputs may be given as JSON text too
		case v.Kind == yaml.MappingNode && (key == "client-payload" || key == "inputs"):
			j := &jsonWriter{budget: 1 << 20, keys: budget}
			if err := j.node(v); err != nil {
				return targetEntry{}, &EntryError{Key: key, Err: err}
			}
			text = j.String()
		case key == "client-payload" || key == "inputs":
			return targetEntry{}, &EntryError{Key: key, Err: errors.New("is not a mapping: give an object")}
		default:
			return targetEntry{}, &EntryError{Key: key, Err: errors.New("is not text")}
		}
		e.fields[key] = text
		e.keys = append(e.keys, key)
	}
	return e, nil
}

// pair is one key of a YAML mapping and its value (aliases followed).
type pair struct {
	key   string
	value *yaml.Node
}

// maxMergeDepth bounds merge keys within merge keys, and maxKeys the keys an entry's
// mappings may hold, merged or aliased ones counted each time: aliases can make a small
// document large (a body GitHub takes, 64 KB, holds far fewer).
const (
	maxMergeDepth = 10
	maxKeys       = 1 << 16
)

// pairs are a mapping's keys and values as YAML defines them: each key once (a key given
// twice is refused, as JSON's form refuses it), and the keys of the mappings a merge key
// ("<<") names after them, those this mapping does not set, the first named first.
func pairs(n *yaml.Node, depth int, budget *int) ([]pair, error) {
	if depth > maxMergeDepth {
		return nil, errors.New("has merge keys nested too deep")
	}
	if *budget -= len(n.Content) / 2; *budget < 0 {
		return nil, errTooManyKeys
	}
	var own, merged []pair
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		if k.ShortTag() == "!!merge" {
			from, err := mergeSources(v, depth, budget)
			if err != nil {
				return nil, err
			}
			merged = append(merged, from...)
			continue
		}
		if seen[k.Value] {
			return nil, fmt.Errorf("has the key %q twice", k.Value)
		}
		seen[k.Value] = true
		own = append(own, pair{k.Value, v})
	}
	for _, p := range merged {
		if !seen[p.key] {
			seen[p.key] = true
			own = append(own, p)
		}
	}
	return own, nil
}

// mergeSources are the pairs of what a merge key names: a mapping, or a list of them.
func mergeSources(v *yaml.Node, depth int, budget *int) ([]pair, error) {
	sources := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		sources = v.Content
	}
	var out []pair
	for _, src := range sources {
		if src = resolve(src); src.Kind != yaml.MappingNode {
			return nil, errors.New("has a merge key (<<) that names no mapping")
		}
		ps, err := pairs(src, depth+1, budget)
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
	}
	return out, nil
}

// resolve follows an alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// jsonWriter writes a YAML node as JSON, within a budget of bytes: aliases can make a
// small document large.
type jsonWriter struct {
	bytes.Buffer
	budget int // bytes
	keys   int // mapping keys visited (pairs)
}

var (
	errTooLarge    = errors.New("is larger than 1 MiB as JSON")
	errTooManyKeys = fmt.Errorf("has more than %d keys, counting those that merge keys and aliases bring in each time", maxKeys)
)

func (j *jsonWriter) write(s string) error {
	if j.Len()+len(s) > j.budget {
		return errTooLarge
	}
	_, err := io.WriteString(j, s)
	return err
}

func (j *jsonWriter) node(n *yaml.Node) error {
	n = resolve(n)
	switch n.Kind {
	case yaml.MappingNode:
		return j.mapping(n)
	case yaml.SequenceNode:
		if err := j.write("["); err != nil {
			return err
		}
		for i, c := range n.Content {
			if i > 0 {
				if err := j.write(","); err != nil {
					return err
				}
			}
			if err := j.node(c); err != nil {
				return err
			}
		}
		return j.write("]")
	case yaml.ScalarNode:
		s, err := scalarJSON(n)
		if err != nil {
			return err
		}
		return j.write(s)
	}
	return fmt.Errorf("has a YAML %v where JSON has no equivalent", n.Tag)
}

func (j *jsonWriter) mapping(n *yaml.Node) error {
	kvs, err := pairs(n, 0, &j.keys)
	if err != nil {
		return err
	}
	if err := j.write("{"); err != nil {
		return err
	}
	for i, kv := range kvs {
		if i > 0 {
			if err := j.write(","); err != nil {
				return err
			}
		}
		k, _ := json.Marshal(kv.key)
		if err := j.write(string(k) + ":"); err != nil {
			return err
		}
		if err := j.node(kv.value); err != nil {
			return err
		}
	}
	return j.write("}")
}

// leadingZero is a number written with a leading zero (a postcode, a version part): YAML
// 1.1 reads 01234 as octal, YAML 1.2 as 1234; either way not what was written.
var leadingZero = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[-+]?0[0-9_]`) }) // compiled when first used, not at every start

// scalarJSON is a YAML scalar as JSON, by its resolved type.
func scalarJSON(n *yaml.Node) (string, error) {
	if tag := n.ShortTag(); (tag == "!!int" || tag == "!!float") && leadingZero().MatchString(n.Value) {
		b, err := json.Marshal(n.Value) // kept as written, as text
		return string(b), err
	}
	switch n.ShortTag() {
	case "!!null":
		return "null", nil
	case "!!bool":
		return strings.ToLower(n.Value), nil
	case "!!int":
		if json.Valid([]byte(n.Value)) {
			return n.Value, nil // as written, however long
		}
		if i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64); err == nil {
			return strconv.FormatInt(i, 10), nil // 0x1F, 0o17
		}
	case "!!float":
		f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return "", fmt.Errorf("has %q, a number JSON cannot hold", n.Value)
		}
		if json.Valid([]byte(n.Value)) {
			return n.Value, nil // as written
		}
		return strconv.FormatFloat(f, 'g', -1, 64), nil
	}
	b, err := json.Marshal(n.Value)
	return string(b), err
}
