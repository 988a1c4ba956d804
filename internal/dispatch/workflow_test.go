package dispatch

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
	"github.com/MrSunshyne/dispatch-action/internal/workflows"
)

// A workflow given by its name is looked up: exactly, else ignoring case; none or several
// of that name fail with the names there are, and nothing is sent.
func TestWorkflowByName(t *testing.T) {
	t.Parallel()
	f, c := client(t, ghclient.Policy{})
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", Name: "Deploy", WorkflowDispatch: true})
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/a.yml", Name: "Twin", WorkflowDispatch: true})
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/b.yml", Name: "twin", WorkflowDispatch: true})
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/c.yml", Name: "TWIN", WorkflowDispatch: true})
	send := func(name string) Receipt {
		return Send(context.Background(), c, event.Target{Event: event.WorkflowDispatch, Repo: data, Workflow: name, WorkflowByName: true, Inputs: event.EmptyObject}, Options{})
	}
	if r := send("deploy"); !r.OK() || r.Ref != "main" || strings.Trim(r.WorkflowKey, "0123456789") != "" || r.WorkflowKey == "" {
		t.Fatalf("by name, ignoring case: %+v", r)
	}
	if r := send("Twin"); !r.OK() {
		t.Errorf("exact among several ignoring case: %v", r.Err)
	}
	dispatched := len(f.Requests())
	for _, name := range []string{"Nope", "tWIN"} {
		r := send(name)
		var e *workflows.NameError
		if !errors.As(r.Err, &e) || e.Many != (name == "tWIN") || !strings.Contains(r.Err.Error(), `"Deploy" (.github/workflows/deploy.yml)`) {
			t.Errorf("%s: %v", name, r.Err)
		}
	}
	for _, req := range f.Requests()[dispatched:] {
		if req.Method != "GET" {
			t.Errorf("sent %s %s", req.Method, req.Path)
		}
	}
}

// Without a ref, the default branch is read first; when it cannot be, nothing is sent
// and the error says which step failed.
func TestTheDefaultBranch(t *testing.T) {
	t.Parallel()
	f, c := client(t, ghclient.Policy{})
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true})
	gone := Send(context.Background(), c, event.Target{Event: event.WorkflowDispatch, Repo: event.Repo{Owner: "octo", Name: "gone"}, Workflow: "deploy.yml", Inputs: event.EmptyObject}, Options{})
	if gone.OK() || gone.HTTPStatus != 404 || !strings.HasPrefix(gone.Err.Error(), "finding the default branch for ref: ") || errors.Unwrap(gone.Err) == nil {
		t.Errorf("%+v", gone)
	}
	f.Script(githubfake.Fault{Path: "/repos/octo/data", Status: 200, Body: `{"id":1,"name":"data","full_name":"octo/data","default_branch":"a b"}`})
	bad := Send(context.Background(), c, event.Target{Event: event.WorkflowDispatch, Repo: data, Workflow: "deploy.yml", Inputs: event.EmptyObject}, Options{})
	if bad.OK() || !strings.Contains(bad.Err.Error(), "names no valid branch") {
		t.Errorf("%+v", bad)
	}
}

// A dispatch cut short says whether it may have arrived, and how to tell.
func TestSendErrorSaysWhatMayHaveArrived(t *testing.T) {
	t.Parallel()
	timedOut := ghclient.Check(context.DeadlineExceeded)
	cancelled := ghclient.Check(context.Canceled)
	for _, tc := range []struct {
		e    *sendError
		want string
	}{
		{&sendError{err: cancelled, delivery: DeliveryNotSent}, "not sent: cancelled before the request went out"},
		{&sendError{err: timedOut, delivery: DeliveryUnanswered, distinctID: "abc"}, `sent, but the timeout ran out before GitHub answered: the event may have been accepted; its distinct_id "abc" tells it apart`},
		{&sendError{err: timedOut, delivery: DeliveryAnswered, last: ghclient.Attempt{Sent: true, Status: 502}, gaveUp: "after 2 attempts"},
			"GitHub answered 502 Bad Gateway, and the timeout ran out before the request was sent again: the event may have been accepted (a server error can come after GitHub processed it); check the receiving repository's Actions tab before sending it again; gave up after 2 attempts"},
		{&sendError{err: cancelled, delivery: DeliveryAnswered, last: ghclient.Attempt{Sent: true, Status: 429}}, "GitHub answered 429 Too Many Requests, and cancelled before the request was sent again"},
	} {
		if got := tc.e.Error(); !strings.HasPrefix(got, tc.want) {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
}

func TestInputsLimitError(t *testing.T) {
	t.Parallel()
	r, _ := ghclient.ParseRelease("3.19.2")
	e := &InputsLimitError{Release: r, Inputs: 11, IDAdded: true}
	if !strings.Contains(e.Error(), "not sent: GitHub Enterprise Server 3.19 takes at most 10 workflow inputs, and this dispatch has 11, distinct_id (added to find the run) included") {
		t.Errorf("%q", e.Error())
	}
}

// A distinct_id sent among the inputs is reported, also where GitHub names the run itself.
func TestADistinctIDSentIsReported(t *testing.T) {
	t.Parallel()
	f, c := client(t, ghclient.Policy{})
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true, Inputs: []string{"distinct_id"}})
	r := Send(context.Background(), c, event.Target{Event: event.WorkflowDispatch, Repo: data, Workflow: "deploy.yml", Ref: "main",
		Inputs: event.Object(`{"distinct_id":"abc"}`), DistinctID: "abc"}, Options{})
	if !r.OK() || r.RunID == 0 || r.DistinctID != "abc" || r.IDInInputs {
		t.Errorf("%+v", r)
	}
}

// A workflow by name is found among all the repository's workflows, not only the first
// hundred.
func TestWorkflowByNameOnTheSecondPage(t *testing.T) {
	t.Parallel()
	f, c := client(t, ghclient.Policy{})
	for i := range 130 {
		f.AddWorkflow("octo/data", githubfake.Workflow{Path: fmt.Sprintf(".github/workflows/w%d.yml", i), Name: fmt.Sprintf("W %d", i), WorkflowDispatch: true})
	}
	r := Send(context.Background(), c, event.Target{Event: event.WorkflowDispatch, Repo: data, Workflow: "W 120", WorkflowByName: true, Ref: "main", Inputs: event.EmptyObject}, Options{})
	if !r.OK() || r.WorkflowKey == "" {
		t.Errorf("%+v", r)
	}
}
