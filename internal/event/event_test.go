package event

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestWithDistinctID(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{`{}`, `{"distinct_id":"abc"}`},
		{`{"a":1}`, `{"distinct_id":"abc","a":1}`},
		{`{"distinct_id":"mine","a":1}`, `{"distinct_id":"mine","a":1}`}, // the user's own is kept
		{`{"x":"\"}"}`, `{"distinct_id":"abc","x":"\"}"}`},
	} {
		if got := string(Object(tc.in).WithDistinctID("abc")); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.in, got, tc.want)
		}
	}
	if v, ok := Object(`{"distinct_id":""}`).StringProperty(DistinctIDKey); ok {
		t.Errorf("an empty string is not an ID: %q", v)
	}
}

// The bodies are exactly what go-github would send: HTML not escaped, a trailing newline,
// client_payload always present, and never return_run_details.
func TestBodies(t *testing.T) {
	t.Parallel()
	if got := string(RepositoryDispatchBody("a<b", Object(`{"h":"<&>"}`))); got != `{"event_type":"a<b","client_payload":{"h":"<&>"}}`+"\n" {
		t.Errorf("repository_dispatch body %q", got)
	}
	if got := string(RepositoryDispatchBody("e", EmptyObject)); got != `{"event_type":"e","client_payload":{}}`+"\n" {
		t.Errorf("empty payload body %q", got)
	}
	if got := string(WorkflowDispatchBody("main", Object(`{"env":"prod"}`))); got != `{"ref":"main","inputs":{"env":"prod"}}`+"\n" {
		t.Errorf("workflow body %q", got)
	}
	if got := string(WorkflowDispatchBody("main", nil)); got != `{"ref":"main"}`+"\n" {
		t.Errorf("workflow body without inputs %q", got)
	}
}

// The bodies, written by hand, are byte for byte what encoding/json writes for the same
// structs (as go-github would send them), whatever the strings and objects.
func FuzzBodiesMatchEncodingJSON(f *testing.F) {
	for _, s := range []string{"e", "a<b&c>", "quote\"back\\slash", "tab\tnl\n\x00\x7f", "bad\xffutf8", "\u2028\u2029", "é—🙂", ""} {
		f.Add(s, `{"h":"<&>","n":[1, 2 ,{"x" : null}]}`)
		f.Add(s, "")
	}
	f.Fuzz(func(t *testing.T, s, obj string) {
		if obj != "" && (!json.Valid([]byte(obj)) || !strings.HasPrefix(strings.TrimSpace(obj), "{")) {
			t.Skip() // config lets only a JSON object through
		}
		encode := func(v any) []byte {
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(v); err != nil {
				t.Fatal(err)
			}
			return b.Bytes()
		}
		var raw json.RawMessage // nil when obj is empty, as an Object config never made
		if obj != "" {
			raw = json.RawMessage(obj)
		}
		want := encode(struct {
			EventType     string          `json:"event_type"`
			ClientPayload json.RawMessage `json:"client_payload"`
		}{s, raw})
		if got := RepositoryDispatchBody(s, Object(obj)); !bytes.Equal(got, want) {
			t.Errorf("repository_dispatch %q, %q:\n got %q\nwant %q", s, obj, got, want)
		}
		want = encode(struct {
			Ref    string          `json:"ref"`
			Inputs json.RawMessage `json:"inputs,omitempty"`
		}{s, raw})
		if got := WorkflowDispatchBody(s, Object(obj)); !bytes.Equal(got, want) {
			t.Errorf("workflow_dispatch %q, %q:\n got %q\nwant %q", s, obj, got, want)
		}
	})
}

// A target is named by its repository and event, after its place when the step has
// several.
func TestLabels(t *testing.T) {
	t.Parallel()
	rd := Target{Repo: Repo{Owner: "octo", Name: "data"}, Event: RepositoryDispatch, EventType: "deploy"}
	wd := Target{Repo: Repo{Owner: "octo", Name: "data"}, Event: WorkflowDispatch, Workflow: "ci.yml", Index: 2, Of: 3}
	for _, tc := range []struct{ got, want string }{
		{rd.Label(""), `octo/data "deploy"`},
		{wd.Label(""), "#3 octo/data ci.yml"},
		{wd.Label("main"), "#3 octo/data ci.yml@main"},
		{wd.Name("main"), "octo/data ci.yml@main"},
		{rd.Place(), ""},
		{Repo{Owner: "o", Name: "a b"}.Path(), "repos/o/a%20b/"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestObjectProperties(t *testing.T) {
	t.Parallel()
	o := Object(`{"a":"x","b":1,"c":""}`)
	if v, ok := o.StringProperty("a"); !ok || v != "x" {
		t.Errorf("a: %q %v", v, ok)
	}
	for _, k := range []string{"b", "c", "d"} {
		if _, ok := o.StringProperty(k); ok {
			t.Errorf("%s is not a non-empty string", k)
		}
	}
	if o.Len() != 3 || !o.Has("c") || o.Has("d") || Object("[1]").Len() != 0 {
		t.Errorf("Len %d", o.Len())
	}
}

// CheckRef refuses what git refuses in a branch or tag name.
func TestCheckRef(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"main", "release/v1.2", "feature-x", "v1.0.0"} {
		if err := CheckRef(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"-x", "a..b", "a/", "x.lock", "a@{1}", "a b", "a~1", "a^", "a:b", "a?", "a*", "a[", `a\b`, "a\x7f", strings.Repeat("a", 256)} {
		if err := CheckRef(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// Inputs as Gitea takes them: numbers and booleans as the strings of their JSON text, in
// the same order; strings, objects and arrays as they are.
func TestAsStrings(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{`{"debug":true,"count":3,"ratio":2.50,"env":"prod"}`, `{"debug":"true","count":"3","ratio":"2.50","env":"prod"}`},
		{`{"z":false,"a":"x"}`, `{"z":"false","a":"x"}`},
		{`{"say \"hi\"":1e3}`, `{"say \"hi\"":"1e3"}`},
		{`{}`, `{}`},
		{`not json`, `not json`},
	}
	for _, tc := range cases {
		if got := string(Object(tc.in).AsStrings()); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.in, got, tc.want)
		}
	}
}

// A name is compared by its edit distance, and the nearest names come first.
func TestNearest(t *testing.T) {
	t.Parallel()
	if d := EditDistance("deploy.yaml", "deploy.yml"); d != 1 {
		t.Errorf("distance %d", d)
	}
	if got := Nearest([]string{"ci.yml", "docs.yml", "deploy.yml"}, "deploy.yaml"); got[0] != "deploy.yml" || got[1] != "docs.yml" {
		t.Errorf("%v", got)
	}
}
