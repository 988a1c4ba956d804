package event

import "testing"

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
// client_payload always present, return_run_details only when asked for.
func TestBodies(t *testing.T) {
	t.Parallel()
	if got := string(RepositoryDispatchBody("a<b", Object(`{"h":"<&>"}`))); got != `{"event_type":"a<b","client_payload":{"h":"<&>"}}`+"\n" {
		t.Errorf("repository_dispatch body %q", got)
	}
	if got := string(RepositoryDispatchBody("e", EmptyObject)); got != `{"event_type":"e","client_payload":{}}`+"\n" {
		t.Errorf("empty payload body %q", got)
	}
	if got := string(WorkflowDispatchBody("main", Object(`{"env":"prod"}`), true)); got != `{"ref":"main","inputs":{"env":"prod"},"return_run_details":true}`+"\n" {
		t.Errorf("workflow body %q", got)
	}
	if got := string(WorkflowDispatchBody("main", nil, false)); got != `{"ref":"main"}`+"\n" {
		t.Errorf("workflow body without inputs %q", got)
	}
}
