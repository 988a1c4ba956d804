// Package event is the vocabulary of what is sent: the target repository, the two kinds
// of event, what to wait for, GitHub's limits on what an event carries, and the exact JSON
// bodies sent. (A run's vocabulary, its status and conclusion, is the runs package's.) It
// imports nothing of the project, so every other package may use it.
package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Repo is a repository as owner and name.
type Repo struct {
	Owner string
	Name  string
}

// String returns "owner/name".
func (r Repo) String() string { return r.Owner + "/" + r.Name }

// Path is the repository's REST path below the API root, "repos/owner/name/", escaped.
func (r Repo) Path() string {
	return "repos/" + url.PathEscape(r.Owner) + "/" + url.PathEscape(r.Name) + "/"
}

// IsWorkflowFile reports whether name is a workflow file's name: GitHub reads the files
// in .github/workflows that end in .yml or .yaml.
func IsWorkflowFile(name string) bool {
	return strings.HasSuffix(name, ".yml") || strings.HasSuffix(name, ".yaml")
}

// Target is one event to send, and where: a repository_dispatch (EventType,
// ClientPayload) or a workflow_dispatch (Workflow, Ref, Inputs) to Repo.
type Target struct {
	// Index is the target's place among the step's targets (0-based), from the input that
	// named it to the report: it, not the target's contents, tells two targets apart. Of is
	// how many the step has.
	Index, Of     int
	Repo          Repo
	Event         Kind   // "" when nothing is sent (a run followed by its ID)
	EventType     string // repository_dispatch
	ClientPayload Object // repository_dispatch; holds distinct_id when the run is to be found
	Workflow      string // workflow_dispatch: file name, numeric ID or (WorkflowByName) name
	// WorkflowByName: Workflow is the workflow's name: line, resolved before sending.
	WorkflowByName bool
	Ref            string // workflow_dispatch, as given; "" means the default branch
	Inputs         Object // workflow_dispatch ({} when none)
	// DistinctID identifies the run the event starts and lets receivers deduplicate; ""
	// when none is sent. A workflow_dispatch carries it among its inputs when they hold it,
	// when GitHub cannot name the run itself (older Enterprise Server), and to Gitea.
	DistinctID string
}

// Label names the dispatch in logs: `owner/name "event-type"`, or for workflow_dispatch
// `owner/name deploy.yml@ref`, with ref the ref sent (without "@ref" while it is not known);
// after its Place when the step has several targets.
func (t Target) Label(ref string) string { return t.Place() + t.Name(ref) }

// Name is Label without the place.
func (t Target) Name(ref string) string {
	if t.Event == WorkflowDispatch {
		l := t.Repo.String() + " " + t.Workflow
		if ref != "" {
			l += "@" + ref
		}
		return l
	}
	return fmt.Sprintf("%s %q", t.Repo, t.EventType)
}

// Place is "#N " (1-based, as status contexts number targets) when the step has several
// targets, so that every message names the one it is about; "" for a single target.
func (t Target) Place() string {
	if t.Of < 2 {
		return ""
	}
	return fmt.Sprintf("#%d ", t.Index+1)
}

// Kind is the kind of event sent.
type Kind string

// The two kinds of event.
const (
	RepositoryDispatch Kind = "repository_dispatch"
	WorkflowDispatch   Kind = "workflow_dispatch"
)

// Wait says how far to follow the run an event started.
type Wait string

// Values of the wait input.
const (
	WaitNone      Wait = "none"      // send only
	WaitStarted   Wait = "started"   // find the run
	WaitCompleted Wait = "completed" // find it and wait for its conclusion
)

// GitHub's documented limits on what an event carries.
const (
	MaxEventTypeLength      = 100         // characters of event_type
	MaxPayloadProperties    = 10          // top-level properties of client_payload
	MaxDispatchBodyBytes    = 64*1024 - 1 // the whole repository_dispatch body is under 64 KB
	MaxWorkflowInputs       = 25          // properties of workflow_dispatch inputs
	MaxWorkflowInputsLength = 65535       // characters of the inputs object
)

// PaceInterval is how far apart GitHub asks one credential's content-creating requests to
// be ("at least one second between each request" in bulk); it keeps any minute at 60,
// under the limit of 80.
const PaceInterval = time.Second

// DistinctIDKey is the property (of client_payload, or of a workflow's inputs) that
// carries the unique ID the receiving workflow puts in its run-name, so its run can be
// found.
const DistinctIDKey = "distinct_id"

// Object is a compacted JSON object: a client_payload or a workflow's inputs.
type Object json.RawMessage

// EmptyObject is {}.
var EmptyObject = Object("{}")

// props are the object's top-level properties (none if it is not an object).
func (o Object) props() map[string]json.RawMessage {
	var m map[string]json.RawMessage
	_ = json.Unmarshal(o, &m)
	return m
}

// StringProperty returns a non-empty string property of the object.
func (o Object) StringProperty(key string) (string, bool) {
	var v string
	if raw, ok := o.props()[key]; ok && json.Unmarshal(raw, &v) == nil && v != "" {
		return v, true
	}
	return "", false
}

// Has reports whether the object has the key, whatever its value.
func (o Object) Has(key string) bool {
	_, ok := o.props()[key]
	return ok
}

// Len is the number of top-level properties.
func (o Object) Len() int { return len(o.props()) }

// WithDistinctID returns the object with distinct_id set to id, first, unless it has a
// distinct_id already, which it keeps. This is the one place the ID is added.
func (o Object) WithDistinctID(id string) Object {
	if o.Has(DistinctIDKey) {
		return o
	}
	k, _ := json.Marshal(DistinctIDKey)
	v, _ := json.Marshal(id)
	out := append([]byte("{"), k...)
	out = append(out, ':')
	out = append(out, v...)
	if rest := bytes.TrimPrefix(o, []byte("{")); len(rest) > 1 {
		out = append(out, ',')
		out = append(out, rest...)
	} else {
		out = append(out, '}')
	}
	return out
}

// AsStrings is the object with every number and boolean written as the string of its
// JSON text (true → "true", 2.5 → "2.5"), in the same order: the inputs as Gitea takes
// them (it refuses any value that is not a string; GitHub turns them into strings itself).
func (o Object) AsStrings() Object {
	dec := json.NewDecoder(bytes.NewReader(o))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return o
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for dec.More() {
		key, err := dec.Token()
		var raw json.RawMessage
		if err != nil || dec.Decode(&raw) != nil {
			return o
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.Write(jsonString(key.(string)))
		b.WriteByte(':')
		if len(raw) > 0 && raw[0] != '"' && raw[0] != '{' && raw[0] != '[' && string(raw) != "null" {
			raw = jsonString(string(raw))
		}
		b.Write(raw)
	}
	b.WriteByte('}')
	return Object(b.Bytes())
}

// RepositoryDispatchBody is the exact body of POST /repos/{owner}/{repo}/dispatches,
// encoded as go-github encodes a request (HTML characters not escaped, trailing newline).
func RepositoryDispatchBody(eventType string, payload Object) []byte {
	if len(payload) == 0 {
		payload = Object("null") // as encoding/json writes an empty json.RawMessage
	}
	return body("event_type", eventType, "client_payload", payload)
}

// WorkflowDispatchBody is the exact body of a workflow_dispatch. (return_run_details, which
// 2022-11-28 knows on github.com and Enterprise Server 3.21, is never sent: those servers
// speak 2026-03-10, which always names the run and has no such key.)
func WorkflowDispatchBody(ref string, inputs Object) []byte {
	return body("ref", ref, "inputs", inputs)
}

// body is {"<key>":<value as a JSON string>,"<objKey>":<obj, compacted>} and a newline,
// exactly as encoding/json writes a struct of a string and a json.RawMessage with
// `omitempty` (an empty obj is left out), without escaping HTML. It is written here, not by
// reflection: a struct's first encoding costs every step's start a quarter of a
// millisecond (docs/benchmarks.md). The event package's tests hold it to encoding/json.
func body(key, value, objKey string, obj Object) []byte {
	b := bytes.NewBufferString(`{"` + key + `":`)
	b.Write(jsonString(value))
	if len(obj) > 0 {
		b.WriteString(`,"` + objKey + `":`)
		if err := json.Compact(b, obj); err != nil {
			// Objects reach here checked by config, so this cannot happen; fail loudly if it does.
			panic(fmt.Sprintf("encoding a checked request body: %v", err))
		}
	}
	b.WriteString("}\n")
	return b.Bytes()
}

// jsonString is s as encoding/json writes a string without escaping HTML: as it is, quoted,
// when it has only printable ASCII and neither a quote nor a backslash (event types and
// refs nearly always), else by encoding/json itself.
func jsonString(s string) []byte {
	for i := range len(s) {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			_ = enc.Encode(s) // a string always encodes
			return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
		}
	}
	return []byte(`"` + s + `"`)
}

// CheckRef applies git's rules for a branch or tag name, enough to refuse what cannot be
// one: spaces, control characters, "..", a leading "-", and the characters ~^:?*[\.
func CheckRef(ref string) error {
	if len(ref) > 255 {
		return errors.New("is longer than 255 characters")
	}
	if strings.HasPrefix(ref, "-") || strings.HasSuffix(ref, "/") || strings.HasSuffix(ref, ".lock") || strings.Contains(ref, "..") || strings.Contains(ref, "@{") {
		return fmt.Errorf("%q is not a valid branch or tag name", ref)
	}
	for _, c := range ref {
		if c <= ' ' || c == 0x7f || strings.ContainsRune("~^:?*[\\", c) {
			return fmt.Errorf("%q has %q, which a branch or tag name cannot have", ref, c)
		}
	}
	return nil
}
