package runs

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

// completed dispatches to a receiver of wf and follows its run to the end.
func completed(t *testing.T, wf githubfake.Workflow, a After) (*githubfake.Fake, Outcome) {
	t.Helper()
	wf.RunName = runName
	f, clock, p := setup(t, wf)
	accepted := clock.Now()
	dispatch(t, p, "abc")
	o := p.FollowThrough(context.Background(), Dispatched{Event: event.RepositoryDispatch, DistinctID: "abc", Accepted: accepted},
		Follow{Wait: event.WaitCompleted, WaitTimeout: time.Hour, FailOnConclusion: true}, a, func(Run) {})
	return f, o
}

// A failed run is explained: the jobs that did not succeed (not the skipped or
// successful ones), their failed steps, annotations failure first, and the tail of the
// first jobs' logs, timestamps cut.
func TestExplainAFailedRun(t *testing.T) {
	t.Parallel()
	wf := githubfake.Workflow{Conclusion: "failure", Jobs: []githubfake.Job{
		{Name: "lint", Conclusion: "success", Steps: []githubfake.Step{{Name: "Lint"}}},
		{Name: "docs", Conclusion: "skipped"},
		{Name: "test", Steps: []githubfake.Step{{Name: "Checkout"}, {Name: "Run tests", Conclusion: "failure"}},
			Annotations: []githubfake.Annotation{{Level: "warning", Message: "slow"}, {Level: "failure", Title: "T", Message: "want 2", Path: "a_test.go", Line: 4}},
			Log:         "2026-11-28T12:00:00.0000000Z one\n2026-11-28T12:00:01.0000000Z two\n2026-11-28T12:00:02.0000000Z three\n"},
	}}
	f, o := completed(t, wf, After{LogLines: 2})
	var concl *ConclusionError
	if !errors.As(o.Err, &concl) || concl.Conclusion != ConclusionFailure || len(o.Shortfalls) != 0 {
		t.Fatalf("outcome %+v", o)
	}
	if len(o.FailedJobs) != 1 {
		t.Fatalf("failed jobs %+v", o.FailedJobs)
	}
	j := o.FailedJobs[0]
	if j.Name != "test" || strings.Join(j.FailedSteps, ",") != "Run tests" || !strings.Contains(j.URL, "/job/") ||
		len(j.Annotations) != 2 || j.Annotations[0].Level != "failure" || j.Annotations[0].Line != 4 || strings.Join(j.LogTail, "|") != "two|three" {
		t.Errorf("job %+v", j)
	}
	if st := f.StorageRequests(); len(st) != 1 || st[0].Header.Get("Authorization") != "" {
		t.Errorf("the log was fetched %d times, or with the token", len(st))
	}
}

// Without the permission to read a run's jobs, the explanation is a warning naming the
// permission that would allow it.
func TestExplainWithoutActionsRead(t *testing.T) {
	t.Parallel()
	f, clock, p := setup(t, githubfake.Workflow{RunName: runName, Conclusion: "failure", Jobs: []githubfake.Job{{Name: "test"}}})
	accepted := clock.Now()
	dispatch(t, p, "abc")
	run, err := p.Find(context.Background(), Query{Event: event.RepositoryDispatch, DistinctID: "abc", Since: accepted}, clock.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	f.AddToken(githubfake.Token{Value: "narrow", Permissions: map[string]string{"contents": "write"}})
	narrow := &Client{API: ghclient.New(ghclient.Options{BaseURL: p.API.BaseURL, Token: "narrow"}), Repo: data, Clock: clock}
	jobs, short := narrow.Explain(context.Background(), run.ID, nil, 10, nil)
	if len(jobs) != 0 || len(short) != 1 || short[0].Kind != Unreadable || short[0].What != "the run's jobs" || short[0].Permission != "actions=read" ||
		ghclient.CauseOf(short[0].Err).Kind != ghclient.Forbidden {
		t.Errorf("jobs %v, shortfalls %+v", jobs, short)
	}
}

// The outputs artifact of a successful run: its outputs.json, compacted; a missing
// artifact or a file that is not a JSON object is the outcome's error, with the reason.
func TestOutputsArtifact(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		files map[string]map[string]string
		want  string // the outputs, or a fragment of the error
	}{
		{map[string]map[string]string{"out": {"outputs.json": "{\n \"v\": \"1.2.3\"\n}"}}, `{"v":"1.2.3"}`},
		{nil, `run 7001 has no such artifact`},
		{map[string]map[string]string{"out": {"outputs.json": "[1]"}}, "outputs.json is not a JSON object"},
		{map[string]map[string]string{"out": {"other.txt": "x"}}, "it holds no outputs.json at its top level"},
	} {
		_, o := completed(t, githubfake.Workflow{Artifacts: tc.files}, After{OutputsArtifact: "out"})
		got := string(o.Outputs)
		if o.Err != nil {
			got = o.Err.Error()
		}
		if !strings.Contains(got, tc.want) {
			t.Errorf("%v: got %q, want %q", tc.files, got, tc.want)
		}
	}
}

// A run the step gave up on (GaveUp) is left running by FollowThrough, and cancelled by
// Cancel (the fake says so); a run that completed meanwhile is not an error.
func TestCancelARunGivenUpOn(t *testing.T) {
	t.Parallel()
	f, clock, p := setup(t, githubfake.Workflow{RunName: runName, Running: time.Hour})
	accepted := clock.Now()
	dispatch(t, p, "abc")
	o := p.FollowThrough(context.Background(), Dispatched{Event: event.RepositoryDispatch, DistinctID: "abc", Accepted: accepted},
		Follow{Wait: event.WaitCompleted, WaitTimeout: 10 * time.Minute}, After{}, func(Run) {})
	var still *StillRunningError
	if !errors.As(o.Err, &still) || !GaveUp(o.Err) || o.Cancelled || len(f.Cancelled()) != 0 {
		t.Fatalf("outcome %+v, cancelled %v", o, f.Cancelled())
	}
	if err := p.Cancel(context.Background(), o.Run.ID); err != nil || len(f.Cancelled()) != 1 || f.Cancelled()[0] != o.Run.ID {
		t.Fatalf("cancel: %v, cancelled %v", err, f.Cancelled())
	}
	if err := p.Cancel(context.Background(), o.Run.ID); err != nil { // cancelled already: completed, 409
		t.Errorf("cancelling a completed run: %v", err)
	}
}
