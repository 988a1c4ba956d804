package app

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

// failingTests is a receiver whose runs fail in job "test", step "Run tests", with
// annotations and a log that holds workflow commands of its own.
func failingTests() githubfake.Workflow {
	return githubfake.Workflow{Path: ".github/workflows/ci.yml", RepositoryDispatch: true, RunName: receiverRunName,
		Conclusion: "failure", Queued: 10 * time.Second, Running: time.Minute,
		Jobs: []githubfake.Job{
			{Name: "lint", Conclusion: "success", Steps: []githubfake.Step{{Name: "Lint"}}},
			{Name: "test", Steps: []githubfake.Step{{Name: "Checkout"}, {Name: "Run tests", Conclusion: "failure"}},
				Annotations: []githubfake.Annotation{
					{Level: "warning", Message: "deprecated call", Path: "a.go", Line: 3},
					{Level: "failure", Title: "TestParse", Message: "want 2, got 3", Path: "parse_test.go", Line: 42},
				},
				Log: "2026-11-28T12:00:00.0000000Z ##[group]Run go test ./...\n" +
					"2026-11-28T12:00:01.0000000Z ok   pkg/a\n" +
					"2026-11-28T12:00:02.0000000Z ::error file=parse_test.go,line=42::want 2, got 3\n" +
					"2026-11-28T12:00:03.0000000Z ::add-mask::not-a-secret\n" +
					"2026-11-28T12:00:04.0000000Z FAIL pkg/parse\n"},
		}}
}

func TestFailedRunExplained(t *testing.T) {
	t.Parallel()
	f, clock := waitFake(t)
	f.AddWorkflow("octo/data", failingTests())
	run := runActionModeClock(t, clock, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "event-type": "e",
		"api-url": f.URL(), "wait": "completed", "log-lines": "3"}, nil)
	if run.code != ExitFailed {
		t.Fatalf("exit %d\n%s", run.code, run.stdout)
	}
	// The annotation names the job and step, and the downstream annotation.
	if !strings.Contains(run.stdout, "%0Ajob test, step Run tests failed: ") || !strings.Contains(run.stdout, "failure: parse_test.go:42: TestParse: want 2, got 3") ||
		strings.Contains(run.stdout, "job lint") {
		t.Errorf("annotation does not explain:\n%s", run.stdout)
	}
	// The log tail: the last 3 lines, timestamps cut, between stop-commands.
	lines := strings.Split(run.stdout, "\n")
	start := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "::stop-commands::") {
			start = i
		}
	}
	if start < 0 || lines[start-1] != "::group::Last 3 log lines of job test (octo/data)" {
		t.Fatalf("no log group:\n%s", run.stdout)
	}
	token := strings.TrimPrefix(lines[start], "::stop-commands::")
	want := []string{"::error file=parse_test.go,line=42::want 2, got 3", "::add-mask::not-a-secret", "FAIL pkg/parse", "::" + token + "::", "::endgroup::"}
	if got := lines[start+1 : start+6]; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("log tail:\n%s", strings.Join(got, "\n"))
	}
	for i, l := range lines {
		if (strings.HasPrefix(l, "::error file=") || strings.HasPrefix(l, "::add-mask::not")) && (i <= start || i >= start+4) {
			t.Errorf("a downstream command outside stop-commands: %q", l)
		}
	}
	// The summary and results.
	if !strings.Contains(run.summary, "**Why the run failed**") || !strings.Contains(run.summary, "job <code>test</code>") ||
		!strings.Contains(run.summary, "at step <code>Run tests</code>") || !strings.Contains(run.summary, "want 2, got 3") {
		t.Errorf("summary:\n%s", run.summary)
	}
	rs := results(t, run.outputs)
	jobs, _ := rs[0]["failed_jobs"].([]any)
	if len(jobs) != 1 || jobs[0].(map[string]any)["name"] != "test" || jobs[0].(map[string]any)["failed_steps"].([]any)[0] != "Run tests" {
		t.Errorf("failed_jobs %v", rs[0]["failed_jobs"])
	}
	// The log came from the storage host, without the token.
	st := f.StorageRequests()
	if len(st) != 1 || st[0].Header.Get("Authorization") != "" || !strings.HasPrefix(st[0].Path, "/logs/") {
		t.Errorf("storage received %+v", st)
	}
}

// Without Checks: read the explanation still names the job and step; the annotations are
// a warning with the permission to grant; the step fails as the run did.
func TestExplanationWithoutChecksRead(t *testing.T) {
	t.Parallel()
	f, clock := waitFake(t)
	f.AddToken(githubfake.Token{Value: "ghp_nochecks0123456789", Permissions: map[string]string{"contents": "write", "actions": "read"}})
	f.AddWorkflow("octo/data", failingTests())
	run := runActionModeClock(t, clock, map[string]string{"token": "ghp_nochecks0123456789", "repository": "octo/data", "event-type": "e",
		"api-url": f.URL(), "wait": "completed", "log-lines": "0"}, nil)
	if run.code != ExitFailed || !strings.Contains(run.stdout, "job test, step Run tests failed") ||
		!strings.Contains(run.stdout, "::warning::octo/data: the jobs' annotations could not be read") || !strings.Contains(run.stdout, "Checks: read") {
		t.Errorf("exit %d\n%s", run.code, run.stdout)
	}
	if n := len(f.StorageRequests()); n != 0 {
		t.Errorf("log-lines 0 fetched %d logs", n)
	}
}

func TestCancelRunOnAbort(t *testing.T) {
	t.Parallel()
	long := githubfake.Workflow{Path: ".github/workflows/long.yml", RepositoryDispatch: true, RunName: receiverRunName, Running: time.Hour}
	for _, tc := range []struct {
		name   string
		cancel string
		signal bool
		want   bool
	}{
		{"wait-timeout ran out", "on-abort", false, true},
		{"the job was cancelled", "on-abort", true, true},
		{"not by default", "", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, clock := waitFake(t)
			f.AddWorkflow("octo/data", long)
			env := map[string]string{"GITHUB_TOKEN": githubfake.TestToken}
			args := []string{"trigger", "--repository", "octo/data", "--event-type", "e", "--api-url", f.URL(), "--wait", "completed", "--wait-timeout", "2m"}
			if tc.cancel != "" {
				args = append(args, "--cancel-run", tc.cancel)
			}
			var stdout, stderr strings.Builder
			rn := testRunner(func(k string) string { return env[k] }, &stdout, &stderr)
			rn.clock = clock
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.signal {
				rn.clock = signalAfterSleeps{Clock: clock, cancel: cancel, after: 3}
			}
			code := rn.run(ctx, args)
			got := len(f.Cancelled()) == 1
			if code != ExitFailed || got != tc.want {
				t.Fatalf("exit %d, cancelled %v\n%s", code, f.Cancelled(), stderr.String())
			}
			if tc.want && !strings.Contains(stderr.String(), "was cancelled, as --cancel-run on-abort asks") {
				t.Errorf("not said:\n%s", stderr.String())
			}
		})
	}
}

// signalAfterSleeps cancels the step's context on the nth sleep, as a SIGTERM would.
type signalAfterSleeps struct {
	*githubfake.Clock
	cancel context.CancelFunc
	after  int
}

func (c signalAfterSleeps) Sleep(ctx context.Context, d time.Duration) error {
	if len(c.Sleeps()) >= c.after {
		c.cancel()
		return ctx.Err()
	}
	return c.Clock.Sleep(ctx, d)
}

// run-id: nothing is dispatched; the run is followed and the outputs set.
func TestAwaitAnExistingRun(t *testing.T) {
	t.Parallel()
	f, clock := waitFake(t)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/r.yml", RepositoryDispatch: true, RunName: receiverRunName})
	first := runActionModeClock(t, clock, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "event-type": "e",
		"api-url": f.URL(), "wait": "started"}, nil)
	id := first.outputs["run-id"]
	if first.code != ExitOK || id == "" {
		t.Fatalf("exit %d\n%s", first.code, first.stdout)
	}
	run := runActionModeClock(t, clock, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "run-id": id, "api-url": f.URL()}, nil)
	o := run.outputs
	if run.code != ExitOK || len(f.Dispatches()) != 1 || o["run-id"] != id || o["conclusion"] != "success" || o["run-status"] != "completed" {
		t.Fatalf("exit %d, %d dispatches, outputs %v\n%s", run.code, len(f.Dispatches()), o, run.stdout)
	}
	if rs := results(t, o); rs[0]["status"] != "followed" || rs[0]["event"] != "repository_dispatch" {
		t.Errorf("results %v", rs)
	}
	cli := runCLIModeClock(t, clock, map[string]string{"GITHUB_TOKEN": githubfake.TestToken}, "watch", "--repository", "octo/data", "--run-id", id, "--api-url", f.URL())
	if cli.code != ExitOK || !strings.Contains(cli.stdout, "Run "+id+" completed: success") || len(f.Dispatches()) != 1 {
		t.Errorf("watch: exit %d\n%s%s", cli.code, cli.stdout, cli.stderr)
	}
	if bad := runCLIMode(t, map[string]string{"GITHUB_TOKEN": githubfake.TestToken}, "watch", "--repository", "octo/data"); bad.code != ExitBadInput {
		t.Errorf("watch without --run-id: exit %d", bad.code)
	}
}

func TestRunOutputs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		artifacts map[string]map[string]string
		code      int
		want      string
	}{
		{"round trip", map[string]map[string]string{"dispatch-outputs": {"outputs.json": "{\n  \"version\": \"1.2.3\",\n  \"n\": [1, 2]\n}\n"}}, ExitOK, `{"version":"1.2.3","n":[1,2]}`},
		{"missing artifact", map[string]map[string]string{"other": {"outputs.json": "{}"}}, ExitFailed, "has no such artifact"},
		{"not an object", map[string]map[string]string{"dispatch-outputs": {"outputs.json": "[1,2]"}}, ExitFailed, "outputs.json is not a JSON object"},
		{"no outputs.json", map[string]map[string]string{"dispatch-outputs": {"other.txt": "x"}}, ExitFailed, "holds no outputs.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, clock := waitFake(t)
			f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/r.yml", RepositoryDispatch: true, RunName: receiverRunName, Artifacts: tc.artifacts})
			run := runActionModeClock(t, clock, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "event-type": "e",
				"api-url": f.URL(), "wait": "completed", "outputs-artifact": "dispatch-outputs"}, nil)
			if run.code != tc.code {
				t.Fatalf("exit %d\n%s", run.code, run.stdout)
			}
			if tc.code == ExitOK {
				if run.outputs["run-outputs"] != tc.want {
					t.Errorf("run-outputs %q", run.outputs["run-outputs"])
				}
				if st := f.StorageRequests(); len(st) != 1 || st[0].Header.Get("Authorization") != "" {
					t.Errorf("storage received %+v", st)
				}
				return
			}
			if !strings.Contains(run.stdout, tc.want) || !strings.Contains(run.stdout, "actions/upload-artifact") {
				t.Errorf("no error with a hint:\n%s", run.stdout)
			}
		})
	}
}

func TestWorkflowByName(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	wf := f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", Name: "Deploy app", WorkflowDispatch: true})
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/a.yml", Name: "Twice", WorkflowDispatch: true})
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/b.yml", Name: "Twice", WorkflowDispatch: true})
	run := runActionMode(t, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "workflow": "Deploy app", "ref": "main", "api-url": f.URL()}, nil)
	if run.code != ExitOK || f.Runs() != 1 {
		t.Fatalf("exit %d, %d runs\n%s", run.code, f.Runs(), run.stdout)
	}
	last := f.Requests()[len(f.Requests())-1]
	if last.Path != "/repos/octo/data/actions/workflows/"+strconv.FormatInt(wf.ID, 10)+"/dispatches" {
		t.Errorf("dispatched to %s", last.Path)
	}
	for name, want := range map[string]string{"Nope": `no workflow is named "Nope"`, "Twice": `more than one workflow is named "Twice"`} {
		before := f.Runs()
		run := runActionMode(t, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "workflow": name, "ref": "main", "api-url": f.URL()}, nil)
		if run.code != ExitFailed || f.Runs() != before || !strings.Contains(run.stdout, want) || !strings.Contains(run.stdout, `"Deploy app" (.github/workflows/deploy.yml)`) {
			t.Errorf("%s: exit %d\n%s", name, run.code, run.stdout)
		}
	}
}

// An App installation without Checks: read still gets a token (the optional permission is
// dropped), and the step goes on.
func TestAppWithoutChecksStillFollows(t *testing.T) {
	t.Parallel()
	f, clock := waitFake(t)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/r.yml", RepositoryDispatch: true, RunName: receiverRunName})
	f.AddApp(githubfake.App{ID: "424242", PublicKey: &testKey().PublicKey, Installations: map[string]*githubfake.Installation{
		"octo": {ID: 11, Repos: []string{"data"}, Permissions: map[string]string{"contents": "write", "actions": "read"}},
	}})
	run := runActionModeClock(t, clock, map[string]string{"repository": "octo/data", "event-type": "e", "api-url": f.URL(), "wait": "completed",
		"app-id": "424242", "app-private-key": keyPEM()}, nil)
	minted := f.MintedTokens()
	if run.code != ExitOK || len(minted) != 1 || minted[0].Permissions["checks"] != "" || minted[0].Permissions["actions"] != "read" {
		t.Fatalf("exit %d, minted %+v\n%s", run.code, minted, run.stdout)
	}
}

// A dry run does not look the name up: the request shows WORKFLOW_ID and says what it
// stands for, and nothing is sent.
func TestWorkflowByNameDryRun(t *testing.T) {
	t.Parallel()
	run := runCLIMode(t, nil, "trigger", "--repository", "octo/data", "--workflow", "Deploy app", "--ref", "main", "--dry-run")
	if run.code != ExitOK || !strings.Contains(run.stdout, "POST https://api.github.com/repos/octo/data/actions/workflows/WORKFLOW_ID/dispatches") ||
		!strings.Contains(run.stdout, "(WORKFLOW_ID stands for the ID of the workflow named in workflow") {
		t.Errorf("exit %d\n%s%s", run.code, run.stdout, run.stderr)
	}
}

// Twenty runs that fail in ten jobs with five long annotations each would make a summary
// over the runner's 1 MiB: it stays under, the stepResult table whole, with a note of what
// was left out (that the step's log still has).
func TestSummaryStaysUnderTheRunnersLimit(t *testing.T) {
	t.Parallel()
	f, clock := waitFake(t)
	long := strings.Repeat("é", 600)
	var jobs []githubfake.Job
	for i := range 10 {
		j := githubfake.Job{Name: fmt.Sprintf("job-%d", i), Steps: []githubfake.Step{{Name: "Run", Conclusion: "failure"}}}
		for k := range 5 {
			j.Annotations = append(j.Annotations, githubfake.Annotation{Level: "failure", Message: fmt.Sprintf("%d %s", k, long), Path: "a.go", Line: k + 1})
		}
		jobs = append(jobs, j)
	}
	var repos []string
	for i := range 20 {
		repos = append(repos, fmt.Sprintf("octo/r%02d", i))
		f.AddWorkflow(repos[i], githubfake.Workflow{Path: ".github/workflows/ci.yml", RepositoryDispatch: true, RunName: receiverRunName, Conclusion: "failure", Jobs: jobs})
	}
	run := runActionModeClock(t, clock, map[string]string{"token": githubfake.TestToken, "repository": strings.Join(repos, "\n"), "event-type": "e",
		"api-url": f.URL(), "wait": "completed", "log-lines": "0", "concurrency": "20"}, nil)
	if run.code != ExitFailed {
		t.Fatalf("exit %d\n%s", run.code, run.stdout)
	}
	if len(run.summary) > 1<<20 || len(run.summary) < 900<<10 {
		t.Fatalf("summary of %d bytes", len(run.summary))
	}
	for _, r := range repos {
		if !strings.Contains(run.summary, "| ["+r+"]") && !strings.Contains(run.summary, "| "+r+" |") {
			t.Errorf("the stepResult table lacks %s", r)
		}
	}
	if !strings.Contains(run.summary, "_Left out to stay within GitHub's limit of 1024 KiB for a step summary: ") ||
		!strings.Contains(run.summary, "The step's log has them all._") || strings.Contains(run.stdout, "step summary was not written") {
		t.Errorf("no note of what was left out:\n%s", run.summary[len(run.summary)-600:])
	}
}

// A run that does not exist is not a failed dispatch: nothing was sent, and the step says
// the run was not found, with the permission that would also let it be read.
func TestFollowingARunThatDoesNotExist(t *testing.T) {
	t.Parallel()
	f, clock := waitFake(t)
	cli := runCLIModeClock(t, clock, map[string]string{"GITHUB_TOKEN": githubfake.TestToken}, "watch", "--repository", "octo/data", "--run-id", "424242", "--api-url", f.URL())
	if cli.code != ExitFailed || !strings.Contains(cli.stderr, "\nerror: run 424242 not found in octo/data: GitHub answered 404 Not Found") ||
		!strings.Contains(cli.stderr, "hint: check --run-id and --repository") || !strings.Contains(cli.stderr, "Actions: read") ||
		strings.Contains(cli.stdout+cli.stderr, "no valid link") || strings.Contains(cli.stderr, "dispatch to") || strings.Contains(cli.stderr, "Contents: write") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", cli.code, cli.stdout, cli.stderr)
	}
	run := runActionModeClock(t, clock, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "run-id": "424242", "api-url": f.URL()}, nil)
	if run.code != ExitFailed || !strings.Contains(run.stdout, "::error title=Run failed::run 424242 not found in octo/data") || strings.Contains(run.stdout, "Dispatch failed") {
		t.Errorf("exit %d\n%s", run.code, run.stdout)
	}
	if len(f.Dispatches()) != 0 {
		t.Errorf("%d dispatches", len(f.Dispatches()))
	}
}

// A run deleted while the step waits for it: the step says it disappeared.
func TestRunThatVanishesWhileWaited(t *testing.T) {
	t.Parallel()
	f, clock := waitFake(t)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/refresh.yml", RepositoryDispatch: true, RunName: receiverRunName,
		Running: 10 * time.Minute, Vanishes: 2 * time.Minute})
	run := runActionModeClock(t, clock, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "event-type": "e",
		"api-url": f.URL(), "wait": "completed"}, nil)
	if run.code != ExitFailed || !strings.Contains(run.stdout, "GitHub accepted the event, but run "+run.outputs["run-id"]+" disappeared from octo/data while it was waited for") ||
		!strings.Contains(run.stdout, "the run was deleted, or the token lost access") || run.outputs["run-status"] != "in_progress" {
		t.Errorf("exit %d, outputs %v\n%s", run.code, run.outputs, run.stdout)
	}
}
