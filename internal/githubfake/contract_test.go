package githubfake

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// recordingTB stands in for a test, keeping what the fake reports.
type recordingTB struct {
	mu     sync.Mutex
	errors []string
}

func (r *recordingTB) Helper()        {}
func (r *recordingTB) Cleanup(func()) {}
func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// The contract check can fail a test: a request the description refuses but the fake
// accepted (a query parameter that is not a number) is reported to the test that sent it.
func TestContractViolationFailsTheTest(t *testing.T) {
	t.Parallel()
	tb := &recordingTB{}
	f := NewServer(tb)
	defer f.Close()
	f.AddRepo("octo/data")
	f.AddToken(Token{Value: "good"})
	if code, _, _ := call(t, f, "GET", "/repos/octo/data/actions/runs?per_page=lots", ""); code != 200 {
		t.Fatalf("status %d", code)
	}
	f.Violations() // waits for the check
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if len(tb.errors) != 1 || !strings.Contains(tb.errors[0], "actions/list-workflow-runs-for-repo") || !strings.Contains(tb.errors[0], "per_page") {
		t.Errorf("reported %q", tb.errors)
	}
}

// Answers are checked against the response schema of the operation and status: a
// workflow run without its required fields, a status the operation does not document, a
// wrong type, are each a violation; the allowances (a 401 on any operation, the search
// syntax of created) are not.
func TestAnswersCheckedAgainstTheDescription(t *testing.T) {
	t.Parallel()
	d, err := GHES319.description()
	if err != nil {
		t.Fatal(err)
	}
	json := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	get := func(target string, status int, answer string) []string {
		path, query, _ := strings.Cut(target, "?")
		return d.check(exchange{method: "GET", path: path, query: query, header: http.Header{}, status: status, answerHeader: json,
			answer: []byte(answer), fullAnswer: true})
	}
	if p := get("/repos/octo/data/actions/runs/1", 200, `{"id":1,"status":"queued"}`); len(p) != 1 || !strings.Contains(p[0], "is missing") {
		t.Errorf("a run without its required fields: %q", p)
	}
	if p := get("/repos/octo/data/actions/runs", 200, `{"total_count":"one","workflow_runs":[]}`); len(p) != 1 || !strings.Contains(p[0], "total_count") {
		t.Errorf("a count that is not a number: %q", p)
	}
	if p := get("/repos/octo/data/actions/runs/1", 418, `{"message":"teapot"}`); len(p) != 1 || !strings.Contains(p[0], "status is not supported") {
		t.Errorf("an undocumented status: %q", p)
	}
	if p := get("/repos/octo/data/actions/runs/1", 401, `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}`); len(p) != 0 {
		t.Errorf("401 is allowed everywhere: %q", p)
	}
	if p := get("/repos/octo/data/actions/runs?created=%3E%3D2026-01-01T00%3A00%3A00Z", 200, `{"total_count":0,"workflow_runs":[]}`); len(p) != 0 {
		t.Errorf("created takes the search syntax: %q", p)
	}
	if p := get("/repos/octo/data/nothing", 200, `{}`); len(p) != 1 || !strings.Contains(p[0], "no such operation") {
		t.Errorf("an operation the description does not have: %q", p)
	}
}

// Every allowance applies to some server's description, says what and why, and the
// descriptions of every server load with them.
func TestAllowancesAndDescriptions(t *testing.T) {
	t.Parallel()
	for _, a := range Allowances {
		if a.Change == "" || len(a.Reason) < 40 || a.Operation == "" {
			t.Errorf("allowance %+v: what and why must be said", a)
		}
	}
	for _, s := range Servers {
		d, err := s.description()
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		for _, id := range Operations {
			found := false
			for _, r := range d.routes {
				for _, op := range r.item.Operations() {
					found = found || op.OperationID == id
				}
			}
			if !found {
				t.Errorf("%s: no operation %s", s.Name, id)
			}
		}
		body, err := dispatchBody(d.doc)
		if err != nil {
			t.Fatal(err)
		}
		if got := *body.Properties["inputs"].Value.MaxProps; int(got) != s.MaxWorkflowInputs() {
			t.Errorf("%s: inputs up to %d, want %d", s.Name, got, s.MaxWorkflowInputs())
		}
		if _, ok := body.Properties["return_run_details"]; ok != s.ReturnsRunDetails() {
			t.Errorf("%s: return_run_details described %v", s.Name, ok)
		}
	}
}
