package runs

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

// follow dispatches one event to the fake of wf and waits for its run, or for jobs.
func follow(t *testing.T, wf githubfake.Workflow, jobs []string, timeout time.Duration) (Run, []Job, error) {
	t.Helper()
	_, clock, p := setup(t, wf)
	accepted := clock.Now()
	dispatch(t, p, "abc")
	return p.Follow(context.Background(), Dispatched{Event: event.RepositoryDispatch, DistinctID: "abc", Accepted: accepted},
		Follow{Wait: event.WaitCompleted, WaitTimeout: timeout, FailOnConclusion: true, Jobs: jobs}, func(Run) {})
}

// Waiting for named jobs: their conclusion, whatever the rest of the run does; a matrix's
// jobs by their name; a job that fails fails the wait.
func TestWaitForTheJobsNamed(t *testing.T) {
	t.Parallel()
	wf := githubfake.Workflow{RunName: runName, Running: 10 * time.Minute, Conclusion: "failure", Jobs: []githubfake.Job{
		{Name: "build (linux)", Conclusion: "success", Finishes: time.Minute}, {Name: "build (windows)", Conclusion: "success", Finishes: 2 * time.Minute},
		{Name: "test", Conclusion: "failure"}}}
	run, jobs, err := follow(t, wf, []string{"build"}, 30*time.Minute)
	if err != nil || run.Status == StatusCompleted || len(jobs) != 2 || JobsConclusion(jobs) != ConclusionSuccess {
		t.Fatalf("run %+v, jobs %+v, err %v", run, jobs, err)
	}
	if got := JobNames(jobs, 1); got != "build (linux) and 1 more" && got != "build (linux), …" && !strings.HasPrefix(got, "build (linux)") {
		t.Errorf("JobNames %q", got)
	}
	_, _, err = follow(t, wf, []string{"test"}, 30*time.Minute)
	var concl *ConclusionError
	if !errors.As(err, &concl) || concl.Jobs != "test" || !strings.Contains(err.Error(), `the jobs test of the run concluded "failure"`) {
		t.Errorf("err %v", err)
	}
}

// A name no job has: once the run completed, the wait fails listing the run's jobs; when
// the wait runs out while others ran, the same.
func TestJobsThatDoNotExist(t *testing.T) {
	t.Parallel()
	wf := githubfake.Workflow{RunName: runName, Running: time.Minute, Jobs: []githubfake.Job{{Name: "build"}}}
	_, _, err := follow(t, wf, []string{"deploy"}, 30*time.Minute)
	var missing *JobsNotFoundError
	if !errors.As(err, &missing) || !missing.RunDone || !strings.Contains(err.Error(), `"deploy"`) || !strings.Contains(err.Error(), "build") {
		t.Fatalf("err %v", err)
	}
	wf.Running = time.Hour
	_, _, err = follow(t, wf, []string{"deploy"}, 5*time.Minute)
	if !errors.As(err, &missing) || missing.RunDone || missing.Waited == 0 {
		t.Errorf("err %v", err)
	}
}

// The wait that runs out names the run, what it was doing and how to wait longer.
func TestStillRunning(t *testing.T) {
	t.Parallel()
	_, _, err := follow(t, githubfake.Workflow{RunName: runName, Running: time.Hour}, nil, 3*time.Minute)
	var still *StillRunningError
	if !errors.As(err, &still) || still.RunID == 0 || still.Repo != data || !GaveUp(err) {
		t.Fatalf("err %v", err)
	}
	if !strings.Contains(err.Error(), "the run was still in progress after 3m0s") {
		t.Errorf("%v", err)
	}
	still.Jobs = []string{"build"}
	if !strings.Contains(still.Error(), "the jobs build had not completed") {
		t.Errorf("%v", still)
	}
}

// Each error of following a run says what happened in one line.
func TestErrorsAreOneLine(t *testing.T) {
	t.Parallel()
	for _, err := range []error{&RunNotFoundError{Repo: data, ID: 5}, &RunNotFoundError{Repo: data, ID: 5, Vanished: true, Err: errors.New("404")},
		&NotFoundError{Query: Query{DistinctID: "abc"}, Waited: time.Minute, Checked: 3}, &OutputsError{Artifact: "o", Why: "is empty"}} {
		if msg := err.Error(); msg == "" || strings.ContainsAny(msg, "\n") {
			t.Errorf("%T: %q", err, msg)
		}
	}
	if errors.Unwrap(&RunNotFoundError{Err: context.Canceled}) != context.Canceled {
		t.Error("RunNotFoundError does not unwrap")
	}
}

// A run that ends without starting a job (startup_failure) is judged by its conclusion,
// and explained as a failed run is, not taken for a wrong job name.
func TestAStartupFailureWithJobsNamed(t *testing.T) {
	t.Parallel()
	_, _, err := follow(t, githubfake.Workflow{RunName: runName, Conclusion: "startup_failure"}, []string{"build"}, 30*time.Minute)
	var concl *ConclusionError
	if !errors.As(err, &concl) || concl.Conclusion != ConclusionStartupFailure || concl.Jobs != "" ||
		!strings.HasPrefix(err.Error(), `the run concluded "startup_failure"`) {
		t.Errorf("%v", err)
	}
}

// A failed job after the run's first hundred is explained, as the wait reads every page.
func TestAFailedJobOnTheSecondPageIsExplained(t *testing.T) {
	t.Parallel()
	var jobs []githubfake.Job
	for i := range 130 {
		jobs = append(jobs, githubfake.Job{Name: fmt.Sprintf("shard %d", i), Conclusion: "success"})
	}
	jobs[117] = githubfake.Job{Name: "shard 117", Conclusion: "failure", Steps: []githubfake.Step{{Name: "Run tests", Conclusion: "failure"}},
		Log: "2026-01-01T00:00:00.0000000Z boom\n"}
	_, o := completed(t, githubfake.Workflow{Conclusion: "failure", Jobs: jobs}, After{LogLines: 5, Logs: NewLogBudget(StepLogBytes)})
	if len(o.FailedJobs) != 1 || o.FailedJobs[0].Name != "shard 117" || strings.Join(o.FailedJobs[0].FailedSteps, ",") != "Run tests" ||
		strings.Join(o.FailedJobs[0].LogTail, "|") != "boom" {
		t.Errorf("%+v, shortfalls %+v", o.FailedJobs, o.Shortfalls)
	}
}

// fail-fast: the first job waited for that fails ends the wait within a poll of GitHub
// showing it, long before the run ends; a job not waited for does not.
func TestFailFast(t *testing.T) {
	t.Parallel()
	wf := githubfake.Workflow{RunName: runName, Running: 40 * time.Minute, Conclusion: "failure", Jobs: []githubfake.Job{
		{Name: "build", Conclusion: "success", Finishes: 30 * time.Second},
		{Name: "lint", Conclusion: "failure", Finishes: time.Minute, Steps: []githubfake.Step{{Name: "golangci", Conclusion: "failure"}}},
		{Name: "test", Conclusion: "failure", Finishes: 5 * time.Minute}}}
	for _, tc := range []struct {
		names     []string
		failed    string
		atMost    time.Duration
		wantNames int
	}{
		{nil, "lint", 90 * time.Second, 0},
		{[]string{"build", "test"}, "test", 6 * time.Minute, 2},
	} {
		_, clock, p := setup(t, wf)
		start := clock.Now()
		dispatch(t, p, "abc")
		o := p.FollowThrough(context.Background(), Dispatched{Event: event.RepositoryDispatch, DistinctID: "abc", Accepted: start},
			Follow{Wait: event.WaitCompleted, WaitTimeout: time.Hour, FailOnConclusion: true, Jobs: tc.names, FailFast: true}, After{}, func(Run) {})
		var ff *FailFastError
		if !errors.As(o.Err, &ff) || o.FailFast != tc.failed || o.Conclusion != ConclusionFailure || len(o.Jobs) != tc.wantNames ||
			len(o.FailedJobs) != 1 || o.FailedJobs[0].Name != tc.failed {
			t.Fatalf("%v: %+v", tc.names, o)
		}
		if waited := clock.Now().Sub(start); waited > tc.atMost || o.Run.Status == StatusCompleted {
			t.Errorf("%v: waited %s for a job that failed; the run %s", tc.names, waited, o.Run.Status)
		}
		if !strings.Contains(o.Err.Error(), "concluded \"failure\", so the wait ended there (fail-fast)") {
			t.Errorf("%v", o.Err)
		}
	}
}

// BenchmarkFailFast is what fail-fast costs and saves: a job fails 60 s into a
// 40-minute run. It reports how long after the failure the wait ended (virtual clock:
// the polls' own pace), the requests made while waiting and how many counted against the
// rate limit (a 304 does not).
func BenchmarkFailFast(b *testing.B) {
	var after time.Duration
	var requests, billable int
	for range b.N {
		clock := githubfake.NewClock()
		f := githubfake.Standard(b, clock)
		f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/refresh.yml", RepositoryDispatch: true, RunName: runName,
			Running: 40 * time.Minute, Queued: time.Second, Conclusion: "failure",
			Jobs: []githubfake.Job{{Name: "build", Conclusion: "failure", Finishes: time.Minute}, {Name: "test", Conclusion: "success"}}})
		base, _ := url.Parse(f.URL() + "/")
		p := &Client{API: ghclient.New(ghclient.Options{BaseURL: base, Token: githubfake.TestToken, Policy: ghclient.Policy{Clock: clock}}), Repo: data, Clock: clock}
		start := clock.Now()
		dispatch(b, p, "abc")
		before := len(f.Requests())
		o := p.FollowThrough(context.Background(), Dispatched{Event: event.RepositoryDispatch, DistinctID: "abc", Accepted: start},
			Follow{Wait: event.WaitCompleted, WaitTimeout: time.Hour, FailFast: true}, After{}, func(Run) {})
		if o.FailFast != "build" {
			b.Fatalf("%+v", o)
		}
		after += clock.Now().Sub(start.Add(time.Second + time.Minute)) // the job failed a minute after its run started
		for _, r := range f.Requests()[before:] {
			requests++
			if r.Status != 304 {
				billable++
			}
		}
	}
	b.ReportMetric(after.Seconds()/float64(b.N), "s-after-failure")
	b.ReportMetric(float64(requests)/float64(b.N), "requests")
	b.ReportMetric(float64(billable)/float64(b.N), "billable")
}

// A run that waits for approval says for whom once, when it starts waiting; the
// approvals stay with the run once it goes on.
func TestApprovalsReadWhenTheRunStartsWaiting(t *testing.T) {
	t.Parallel()
	f, clock, p := setup(t, githubfake.Workflow{RunName: runName, Running: time.Minute,
		Approval: &githubfake.Approval{Environment: "prod", Users: []string{"octocat"}, Teams: []string{"ops"}, WaitTimer: 3, Waits: 5 * time.Minute}})
	start := clock.Now()
	dispatch(t, p, "abc")
	var seen []string
	o := p.FollowThrough(context.Background(), Dispatched{Event: event.RepositoryDispatch, DistinctID: "abc", Accepted: start},
		Follow{Wait: event.WaitCompleted, WaitTimeout: time.Hour}, After{}, func(r Run) {
			if len(r.Approvals) > 0 {
				seen = append(seen, string(r.Status)+": "+r.Approvals[0].Words())
			}
		})
	want := "waiting: environment prod (reviewers: @octocat, team ops; wait timer 3 min) " + f.WebURL() + "/octo/data/deployments/activity_log?environments_filter=prod"
	if o.Err != nil || len(seen) == 0 || seen[0] != want || len(o.Run.Approvals) != 1 {
		t.Fatalf("%v, seen %q, approvals %+v", o.Err, seen, o.Run.Approvals)
	}
	reads := 0
	for _, r := range f.Requests() {
		if strings.HasSuffix(r.Path, "/pending_deployments") {
			reads++
		}
	}
	if reads != 1 {
		t.Errorf("read %d times", reads)
	}
	if got := (Approval{Environment: "dev"}).Words(); got != "environment dev" {
		t.Errorf("%q", got)
	}
}

// fail-fast ends the wait at a failed job only when its failure decides the run: a job
// its workflow lets continue on error (the run concludes success) does not end it, nor
// cancel anything; the run is waited for to its end and judged as GitHub judges it.
func TestFailFastSkipsAJobThatMayContinueOnError(t *testing.T) {
	t.Parallel()
	wf := githubfake.Workflow{RunName: runName, Running: 10 * time.Minute, Conclusion: "success",
		File: "name: CI\nrun-name: " + runName + "\non: repository_dispatch\njobs:\n  lint:\n    continue-on-error: true\n    runs-on: x\n  test:\n    runs-on: x\n",
		Jobs: []githubfake.Job{{Name: "lint", Conclusion: "failure", Finishes: time.Minute}, {Name: "test", Conclusion: "success"}}}
	_, clock, p := setup(t, wf)
	accepted := clock.Now()
	dispatch(t, p, "abc")
	run, _, err := p.Follow(context.Background(), Dispatched{Event: event.RepositoryDispatch, DistinctID: "abc", Accepted: accepted},
		Follow{Wait: event.WaitCompleted, WaitTimeout: 30 * time.Minute, FailOnConclusion: true, FailFast: true}, func(Run) {})
	if err != nil || run.Status != StatusCompleted || run.Conclusion != ConclusionSuccess {
		t.Errorf("run %+v, error %v", run, err)
	}
}
