package app

import (
	"strings"
	"testing"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

// ciWorkflow is a workflow_dispatch workflow whose jobs end at their own times: build
// after 20s, a matrix of tests after 40s (one fails), a reusable deploy workflow's jobs
// from 60s, the run itself after 30 minutes.
func ciWorkflow(f *githubfake.Fake, testConclusion string) {
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/ci.yml", WorkflowDispatch: true,
		Queued: 5 * time.Second, Running: 30 * time.Minute, Conclusion: "failure", Jobs: []githubfake.Job{
			{Name: "build", Finishes: 20 * time.Second, Conclusion: "success"},
			{Name: "test (ubuntu-latest, 20)", Finishes: 40 * time.Second, Conclusion: "success"},
			{Name: "test (windows-latest, 20)", Finishes: 45 * time.Second, Conclusion: testConclusion,
				Steps: []githubfake.Step{{Name: "Run tests", Conclusion: testConclusion}}},
			{Name: "deploy / compile", Appears: 60 * time.Second, Finishes: 90 * time.Second, Conclusion: "success"},
			{Name: "deploy / publish", Appears: 90 * time.Second, Finishes: 120 * time.Second, Conclusion: "failure"},
		}})
}

func jobsInputs(f *githubfake.Fake, jobs string) map[string]string {
	return map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "workflow": "ci.yml", "api-url": f.URL(),
		"wait": "completed", "jobs": jobs, "wait-timeout": "10m"}
}

// TestWaitForOneJob: waiting on build ends while the run still goes, with build's
// conclusion as the step's.
func TestWaitForOneJob(t *testing.T) {
	t.Parallel()
	f, clock := waitFake(t)
	ciWorkflow(f, "success")
	start := clock.Now()
	run := runActionModeClock(t, clock, jobsInputs(f, "build"), nil)
	if run.code != ExitOK {
		t.Fatalf("exit %d\n%s", run.code, run.stdout)
	}
	o := run.outputs
	if o["conclusion"] != "success" || o["run-status"] != "in_progress" {
		t.Errorf("conclusion %q, run-status %q", o["conclusion"], o["run-status"])
	}
	if waited := clock.Now().Sub(start); waited > time.Minute {
		t.Errorf("waited %s: the run goes on for 30m, build was done after 25s", waited)
	}
	r := results(t, o)[0]
	jobs, _ := r["jobs"].([]any)
	if len(jobs) != 1 || jobs[0].(map[string]any)["name"] != "build" || jobs[0].(map[string]any)["conclusion"] != "success" ||
		!strings.Contains(jobs[0].(map[string]any)["url"].(string), "/octo/data/actions/runs/") || r["conclusion"] != "success" {
		t.Errorf("results %v", r)
	}
	listed := 0
	for _, req := range f.Requests() {
		if strings.Contains(req.Path, "/jobs") {
			listed++
		}
	}
	if listed == 0 || listed > 12 {
		t.Errorf("%d job listings: one a poll, every few seconds", listed)
	}
	if !strings.Contains(run.summary, "jobs build: success") {
		t.Errorf("summary:\n%s", run.summary)
	}
}

// TestWaitForAMatrix: a name matches each job of its matrix; one failed, so they did.
func TestWaitForAMatrix(t *testing.T) {
	t.Parallel()
	f, clock := waitFake(t)
	ciWorkflow(f, "failure")
	run := runActionModeClock(t, clock, jobsInputs(f, "build, test"), nil)
	if run.code != ExitFailed {
		t.Fatalf("exit %d\n%s", run.code, run.stdout)
	}
	o := run.outputs
	if o["conclusion"] != "failure" || o["run-status"] != "in_progress" {
		t.Errorf("conclusion %q, run-status %q", o["conclusion"], o["run-status"])
	}
	if len(results(t, o)[0]["jobs"].([]any)) != 3 {
		t.Errorf("jobs %v", results(t, o)[0]["jobs"])
	}
	for _, want := range []string{`the jobs build, test (ubuntu-latest, 20), test (windows-latest, 20) of the run concluded "failure"`,
		"job test (windows-latest, 20), step Run tests failed"} {
		if !strings.Contains(run.stdout, want) {
			t.Errorf("log lacks %q:\n%s", want, run.stdout)
		}
	}
	if strings.Contains(run.stdout, "job deploy / publish") {
		t.Error("a job not waited for was explained")
	}
}

// TestWaitForAReusableWorkflow: deploy names the jobs of the workflow it calls, which
// appear later; the step waits until they all completed.
func TestWaitForAReusableWorkflow(t *testing.T) {
	t.Parallel()
	f, clock := waitFake(t)
	ciWorkflow(f, "success")
	run := runActionModeClock(t, clock, jobsInputs(f, "deploy"), nil)
	if run.code != ExitFailed || run.outputs["conclusion"] != "failure" {
		t.Fatalf("exit %d, conclusion %q\n%s", run.code, run.outputs["conclusion"], run.stdout)
	}
	if !strings.Contains(run.stdout, "job deploy / publish failed") {
		t.Errorf("log:\n%s", run.stdout)
	}
}

// TestJobThatIsNotThere: a name that matches no job fails the step with the run's jobs
// listed, once the run completed, or when the wait ran out while others ran.
func TestJobThatIsNotThere(t *testing.T) {
	t.Parallel()
	f, clock := waitFake(t)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/short.yml", WorkflowDispatch: true,
		Jobs: []githubfake.Job{{Name: "build"}, {Name: "lint"}}})
	in := jobsInputs(f, "deploy")
	in["workflow"] = "short.yml"
	run := runActionModeClock(t, clock, in, nil)
	want := `no job of the run is named "deploy"; its jobs: build, lint`
	if run.code != ExitFailed || !strings.Contains(run.stdout, want) || !strings.Contains(run.stdout, "hint: ") {
		t.Errorf("exit %d, want %q:\n%s", run.code, want, run.stdout)
	}

	f2, clock2 := waitFake(t)
	ciWorkflow(f2, "success")
	in = jobsInputs(f2, "Build, pack")
	in["wait-timeout"] = "3m"
	run = runActionModeClock(t, clock2, in, nil)
	want = `no job named "pack" appeared within 3m0s while the run's jobs ran; its jobs: build, test (ubuntu-latest, 20), test (windows-latest, 20), deploy / compile, deploy / publish`
	if run.code != ExitFailed || !strings.Contains(run.stdout, want) {
		t.Errorf("exit %d, want %q:\n%s", run.code, want, run.stdout)
	}
}

// TestJobCreatedLateIsWaitedFor: a called workflow's next job is created a moment after
// its first completed; the step does not take the first alone for the whole.
func TestJobCreatedLateIsWaitedFor(t *testing.T) {
	t.Parallel()
	f, clock := waitFake(t)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/release.yml", WorkflowDispatch: true,
		Queued: 5 * time.Second, Running: 10 * time.Minute, Jobs: []githubfake.Job{
			{Name: "deploy / compile", Finishes: 21 * time.Second, Conclusion: "success"},
			{Name: "deploy / publish", Appears: 24 * time.Second, Finishes: 40 * time.Second, Conclusion: "failure"},
		}})
	in := jobsInputs(f, "deploy")
	in["workflow"] = "release.yml"
	run := runActionModeClock(t, clock, in, nil)
	if run.code != ExitFailed || run.outputs["conclusion"] != "failure" || len(results(t, run.outputs)[0]["jobs"].([]any)) != 2 {
		t.Errorf("exit %d, conclusion %q, jobs %v\n%s", run.code, run.outputs["conclusion"], results(t, run.outputs)[0]["jobs"], run.stdout)
	}
}

// TestTheJudgementIsSaid: the jobs named succeeded in a run that failed: exit 0, and the
// output says which judgement was made; the outputs read from a run are printed, not only
// in --json.
func TestTheJudgementIsSaid(t *testing.T) {
	t.Parallel()
	f, clock := waitFake(t)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/ci.yml", WorkflowDispatch: true, Running: time.Minute, Conclusion: "failure",
		Jobs:      []githubfake.Job{{Name: "build", Conclusion: "success"}, {Name: "test", Conclusion: "failure"}},
		Artifacts: map[string]map[string]string{"dispatch-outputs": {"outputs.json": `{"version":"1.2.3"}`}}})
	run := runCLIModeClock(t, clock, map[string]string{"GH_TOKEN": githubfake.TestToken}, "trigger", "--repository", "octo/data", "--workflow", "ci.yml",
		"--api-url", f.URL(), "--wait", "completed", "--jobs", "build", "--outputs-artifact", "dispatch-outputs")
	if run.code != ExitOK || !strings.Contains(run.stdout, "octo/data: judged by the jobs named, build: success; the run itself concluded failure (its other jobs are not judged)") ||
		!strings.Contains(run.stdout, `octo/data: run outputs {"version":"1.2.3"}`) {
		t.Errorf("exit %d\n%s%s", run.code, run.stdout, run.stderr)
	}
}

// TestFailFastInBothCommands: trigger and watch stop at the first failed job, exit 1,
// naming and explaining it; the summary says why the wait ended.
func TestFailFastInBothCommands(t *testing.T) {
	t.Parallel()
	f, clock := waitFake(t)
	ciWorkflow(f, "failure") // test (windows-latest, 20) fails at 45 s of a 30-minute run
	run := runActionModeClock(t, clock, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "workflow": "ci.yml",
		"api-url": f.URL(), "wait": "completed", "fail-fast": "true"}, nil)
	r := results(t, run.outputs)[0]
	if run.code != ExitFailed || r["fail_fast"] != "test (windows-latest, 20)" || r["run_status"] == "completed" ||
		!strings.Contains(run.stdout, "job test (windows-latest, 20), step Run tests failed") || !strings.Contains(run.summary, "(fail-fast)") {
		t.Fatalf("exit %d, result %v\n%s\n%s", run.code, r, run.stdout, run.summary)
	}
	id := run.outputs["run-id"]
	watch := runCLIModeClock(t, clock, map[string]string{"GH_TOKEN": githubfake.TestToken}, "watch", "--repository", "octo/data", "--run-id", id,
		"--api-url", f.URL(), "--fail-fast")
	if watch.code != ExitFailed || !strings.Contains(watch.stderr, "so the wait ended there (fail-fast)") || !strings.Contains(watch.stderr, "leave out --fail-fast") {
		t.Errorf("watch: exit %d\n%s", watch.code, watch.stderr)
	}
}
