package report

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-githubactions"

	"github.com/MrSunshyne/dispatch-action/internal/actionio"
	"github.com/MrSunshyne/dispatch-action/internal/dispatch"
	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/outcome"
	"github.com/MrSunshyne/dispatch-action/internal/runs"
)

// result is a result of a workflow_dispatch of deploy.yml to octo/data, the second of two
// targets.
func result() outcome.Result {
	return outcome.Result{Target: event.Target{Index: 1, Of: 2, Repo: event.Repo{Owner: "octo", Name: "data"}, Event: event.WorkflowDispatch, Workflow: "deploy.yml"},
		Receipt: dispatch.Receipt{Ref: "main", HTTPStatus: 204, RequestID: "AB:CD"}}
}

// Each line names its target by its place, says what happened, and is one line whatever
// the server's text holds.
func TestLines(t *testing.T) {
	t.Parallel()
	sent := result()
	sent.Status = outcome.Dispatched
	notSent := result()
	notSent.Fail(errors.New("GitHub answered 404\n::error::injected"))
	accepted := result()
	accepted.Receipt.Accepted = time.Now()
	accepted.Fail(errors.New("the run concluded \"failure\""))
	followed := result()
	followed.FollowOnly = true
	followed.Fail(errors.New("run 5 was not found"))
	for _, tc := range []struct{ got, want string }{
		{SentLine(sent), "#2 Dispatched workflow deploy.yml on main in octo/data: GitHub answered 204 (request ID AB:CD)"},
		{FailureLine(notSent), "#2 dispatch to octo/data deploy.yml@main failed: GitHub answered 404 ::error::injected (request ID AB:CD)"},
		{FailureLine(accepted), `#2 octo/data deploy.yml@main: GitHub accepted the event, but the run concluded "failure"`},
		{FailureLine(followed), "#2 run 5 was not found (request ID AB:CD)"},
		{RunLine(runs.Run{ID: 5}), "Run 5: (no valid link)"},
		{RunLine(runs.Run{ID: 5, Status: runs.StatusInProgress, HTMLURL: "https://github.com/o/r/actions/runs/5"}), "Run 5 is in progress: https://github.com/o/r/actions/runs/5"},
		{RunLine(runs.Run{ID: 5, Status: runs.StatusCompleted, Conclusion: runs.ConclusionSuccess, HTMLURL: "u"}), "Run 5 completed: success  u"},
		{AuditLine("octo/data \"e\"", ghclient.Attempt{N: 1, Max: 3, Status: 502, RequestID: "X", Retry: true, Wait: 2 * time.Second, Why: "a server error"}),
			`octo/data "e" attempt 1/3: 502 Bad Gateway, request ID X, took 0s; retrying in 2s: a server error`},
		{AuditLine("t", ghclient.Attempt{N: 3, Max: 3, Status: 502, Why: "a server error", GaveUp: "after 3 attempts"}),
			"t attempt 3/3: 502 Bad Gateway, took 0s; a server error; gave up after 3 attempts"},
		{LogTailTitle(sent, runs.FailedJob{Name: "build", LogTail: []string{"a", "b"}}), "#2 Last 2 log lines of job build (octo/data)"},
	} {
		if tc.got != tc.want {
			t.Errorf("got  %q\nwant %q", tc.got, tc.want)
		}
	}
}

func TestFailedJobLines(t *testing.T) {
	t.Parallel()
	r := result()
	r.Run.FailedJobs = []runs.FailedJob{{Name: "build", URL: "https://github.com/j/1", FailedSteps: []string{"test", "lint"},
		Annotations: []runs.Annotation{{Level: "failure", Path: "a.go", Line: 3, Title: "vet", Message: "unused\nvariable"}, {Level: "warning", Message: "slow"}}},
		{Name: "deploy"}}
	want := []string{"job build, step test, step lint failed: https://github.com/j/1", "  failure: a.go:3: vet: unused variable", "  warning: slow", "job deploy failed"}
	if got := FailedJobLines(r); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

// A dry run prints each request as sent, the credential hidden, and says what its
// placeholders stand for.
func TestRequests(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	Requests(&b, []ghclient.RecordedRequest{
		{Method: "POST", URL: "https://api.github.com/repos/o/r/actions/workflows/" + dispatch.PlaceholderWorkflowID + "/dispatches",
			Header: http.Header{"Authorization": {"Bearer ghp_secret"}, "Accept": {"application/vnd.github+json"}}, Body: []byte(`{"ref":"` + ghclient.PlaceholderBranch + `"}`)},
		{Method: "POST", URL: "https://api.github.com/repos/o/r/dispatches", Header: http.Header{}, Body: []byte("{}\n")},
	})
	out := b.String()
	for _, want := range []string{"POST https://api.github.com/repos/o/r/dispatches\n", "Accept: application/vnd.github+json\nAuthorization: Bearer ***\n",
		"Authorization: (none: no token is set", "Content-Length: 3\n\n{}\n", "stands for the repository's default branch", "stands for the ID of the workflow"} {
		if !strings.Contains(out, want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "ghp_secret") {
		t.Error("the token is printed")
	}
}

// The delivery log groups the attempts, and a line a person watches for closes the group.
func TestActionLog(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	l := NewActionLog(githubactions.New(githubactions.WithWriter(&b)))
	l.Detail("attempt 1")
	l.Detail("attempt 2")
	l.Info("Run 5 is queued")
	l.Close()
	l.Detail("attempt 3")
	l.Close()
	want := "::group::Delivery log\nattempt 1\nattempt 2\n::endgroup::\nRun 5 is queued\n::group::Delivery log\nattempt 3\n::endgroup::\n"
	if b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
}

// Secrets never reach a writer or an output, including one added while in use.
func TestRedactorWritersAndOutputs(t *testing.T) {
	t.Parallel()
	r := NewRedactor("ghp_token1")
	var b bytes.Buffer
	w := r.Writer(&b)
	announced := false
	r.AddWhile("ghs_minted", func() { announced = true })
	if _, err := w.Write([]byte("a ghp_token1 b ghs_minted\n")); err != nil || b.String() != "a *** b ***\n" || !announced {
		t.Errorf("wrote %q, announced %v", b.String(), announced)
	}
	outs := r.Outputs([]actionio.Output{{Name: "results", Value: `{"error":"ghs_minted"}`}})
	if outs[0].Value != `{"error":"***"}` {
		t.Errorf("output %q", outs[0].Value)
	}
}

// The outputs of one target describe it; of several, what they share and the results.
func TestOutputs(t *testing.T) {
	t.Parallel()
	one := result()
	one.Of, one.Index = 1, 0
	one.Status, one.Receipt.DistinctID = outcome.Dispatched, "id1"
	one.Run.Run = runs.Run{ID: 7, HTMLURL: "https://github.com/octo/data/actions/runs/7", Status: runs.StatusCompleted}
	got := map[string]string{}
	for _, o := range Outputs([]outcome.Result{one}) {
		got[o.Name] = o.Value
	}
	if len(got) != 7 || got["run-id"] != "7" || got["run-url"] == "" || got["distinct-id"] != "id1" || got["run-status"] != "completed" {
		t.Errorf("one target: %v", got)
	}
	two := one
	two.Receipt.DistinctID = "id2"
	got = map[string]string{}
	for _, o := range Outputs([]outcome.Result{one, two}) {
		got[o.Name] = o.Value
	}
	if len(got) != 2 || got["distinct-id"] != "" || !strings.HasPrefix(got["results"], `[{"repository":"octo/data"`) {
		t.Errorf("two targets: %v", got)
	}
}

// The clean-up's section is one line a warning, within its bound, with a note of what did
// not fit.
func TestCleanupSummary(t *testing.T) {
	t.Parallel()
	s := CleanupSummary([]string{"run 5 was cancelled | <b>x</b>"})
	if !strings.Contains(s, "**After the report**") || !strings.Contains(s, `- run 5 was cancelled \| &lt;b&gt;x&lt;/b&gt;`) {
		t.Errorf("%q", s)
	}
	var many []string
	for range 200 {
		many = append(many, strings.Repeat("w", 100))
	}
	if s := CleanupSummary(many); len(s) > maxCleanupBytes || !strings.Contains(s, "warning") {
		t.Errorf("%d bytes: %q", len(s), s[len(s)-200:])
	}
}

func TestNotes(t *testing.T) {
	t.Parallel()
	r := result()
	r.Run = runs.Outcome{Run: runs.Run{ID: 5, Status: runs.StatusInProgress}, Conclusion: runs.ConclusionSuccess, Jobs: []runs.Job{{Name: "build"}},
		Outputs: []byte(`{"v":"1"}`)}
	want := []string{"#2 octo/data: judged by the jobs named, build: success; the run goes on (in progress)", `#2 octo/data: run outputs {"v":"1"}`}
	if got := Notes(r); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q", got)
	}
	r.Run = runs.Outcome{Run: runs.Run{ID: 5, Status: runs.StatusCompleted, Conclusion: runs.ConclusionSuccess}, Conclusion: runs.ConclusionSuccess}
	if got := Notes(r); len(got) != 0 {
		t.Errorf("nothing to say: %q", got)
	}
}
