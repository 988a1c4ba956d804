package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

const (
	statusToken = "ghs_STATUS0123456789abcdefghijklmnopqrs"
	headSHA     = "0123456789abcdef0123456789abcdef01234567"
	mergeSHA    = "ffffffffffffffffffffffffffffffffffffffff"
)

// prEvent writes a pull_request event's payload, as the runner gives it, and returns the
// environment of a step of that event.
func prEvent(t *testing.T) map[string]string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(path, []byte(`{"action":"synchronize","pull_request":{"number":12,"head":{"sha":"`+headSHA+`","ref":"feature"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": path, "GITHUB_SHA": mergeSHA,
		"GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ID": "99"}
}

// statusFake is a fake with a receiving workflow in octo/data and octo/other, the calling
// repository octo/self, and a status token that may only post commit statuses.
func statusFake(t *testing.T, conclusion string) (*githubfake.Fake, *githubfake.Clock) {
	f, clock := waitFake(t)
	f.AddRepo("octo/self")
	f.AddToken(githubfake.Token{Value: statusToken, Permissions: map[string]string{"statuses": "write"}})
	for _, repo := range []string{"octo/data", "octo/other"} {
		f.AddWorkflow(repo, githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true, Conclusion: conclusion,
			Queued: 3 * time.Second, Running: 20 * time.Second})
	}
	return f, clock
}

func statusInputs(f *githubfake.Fake, repos string) map[string]string {
	return map[string]string{"token": githubfake.TestToken, "repository": repos, "workflow": "deploy.yml", "api-url": f.URL(),
		"wait": "completed", "status-context": "deploy", "status-token": statusToken}
}

// TestStatusesGoPendingThenFinal: one status a target, on the pull request's head, pending
// with the run's link as soon as the run is known, then its result.
func TestStatusesGoPendingThenFinal(t *testing.T) {
	t.Parallel()
	f, clock := statusFake(t, "success")
	run := runActionModeClock(t, clock, statusInputs(f, "octo/data\nocto/other"), prEvent(t))
	if run.code != ExitOK {
		t.Fatalf("exit %d\n%s", run.code, run.stdout)
	}
	rs := results(t, run.outputs)
	byContext := map[string][]githubfake.CommitStatus{}
	for _, st := range f.Statuses() {
		if st.Repository != "octo/self" || st.SHA != headSHA || st.Token != statusToken {
			t.Errorf("status posted on %s@%s with %q", st.Repository, st.SHA, st.Token)
		}
		byContext[st.Context] = append(byContext[st.Context], st)
	}
	for i, repo := range []string{"octo/data", "octo/other"} {
		got := byContext["deploy / "+repo]
		url := rs[i]["run_url"].(string)
		if len(got) != 2 || got[0].State != "pending" || got[1].State != "success" || got[0].TargetURL != url || got[1].TargetURL != url {
			t.Errorf("%s: statuses %+v, want pending then success linking %s", repo, got, url)
		}
		if len(got) == 2 && !strings.HasPrefix(got[1].Description, repo+": run ") {
			t.Errorf("description %q", got[1].Description)
		}
	}
	if len(byContext) != 2 {
		t.Errorf("contexts %v", byContext)
	}
	if rest := strings.Replace(run.stdout, "::add-mask::"+statusToken+"\n", "", 1); strings.Contains(rest, statusToken) || strings.Contains(run.summary, statusToken) ||
		!strings.Contains(run.stdout, "::add-mask::"+statusToken) {
		t.Error("the status token is printed, or not masked first")
	}
}

// TestStatusOfAFailureAndOfAnEventRefused: a run that failed is a failure; an event GitHub
// refused is an error, linked to the calling run that explains it.
func TestStatusOfAFailureAndOfAnEventRefused(t *testing.T) {
	t.Parallel()
	f, clock := statusFake(t, "failure")
	in := statusInputs(f, "")
	delete(in, "repository")
	in["targets"] = `[{"repository": "octo/data", "workflow": "deploy.yml"}, {"repository": "octo/gone", "event-type": "deploy"}]`
	delete(in, "workflow")
	run := runActionModeClock(t, clock, in, prEvent(t))
	if run.code != ExitFailed {
		t.Fatalf("exit %d\n%s", run.code, run.stdout)
	}
	final := map[string]githubfake.CommitStatus{}
	for _, st := range f.Statuses() {
		final[st.Context] = st
	}
	if st := final["deploy / octo/data"]; st.State != "failure" || !strings.Contains(st.Description, "concluded failure") {
		t.Errorf("failed run: %+v", st)
	}
	if st := final["deploy / octo/gone"]; st.State != "error" || st.TargetURL != "https://github.com/octo/self/actions/runs/99" || !strings.Contains(st.Description, "404") {
		t.Errorf("refused event: %+v", st)
	}
}

// TestRefusedStatusOnlyWarns: without statuses: write the status is a warning naming the
// permission; the step's result is the run's, and no second status is tried.
func TestRefusedStatusOnlyWarns(t *testing.T) {
	t.Parallel()
	f, clock := statusFake(t, "success")
	f.AddToken(githubfake.Token{Value: "ghs_NOSTATUS", Permissions: map[string]string{"contents": "read"}, Kind: "integration"})
	in := statusInputs(f, "octo/data")
	in["status-token"] = "ghs_NOSTATUS"
	run := runActionModeClock(t, clock, in, prEvent(t))
	if run.code != ExitOK || run.outputs["conclusion"] != "success" {
		t.Fatalf("exit %d, conclusion %q\n%s", run.code, run.outputs["conclusion"], run.stdout)
	}
	if !strings.Contains(run.stdout, "::warning::the commit status \"deploy\" (pending) could not be posted on octo/self@0123456789ab") ||
		!strings.Contains(run.stdout, "permissions: statuses: write") {
		t.Errorf("warning:\n%s", run.stdout)
	}
	tried := 0
	for _, r := range f.Requests() {
		if strings.Contains(r.Path, "/statuses/") {
			tried++
		}
	}
	if tried != 1 || len(f.Statuses()) != 0 {
		t.Errorf("%d status requests, %d accepted", tried, len(f.Statuses()))
	}
}

// TestStatusWhenTheWaitRunsOut: the wait ran out, so the status says error, not pending.
func TestStatusWhenTheWaitRunsOut(t *testing.T) {
	t.Parallel()
	f, clock := statusFake(t, "success")
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/long.yml", WorkflowDispatch: true, Running: time.Hour})
	in := statusInputs(f, "octo/data")
	in["workflow"], in["wait-timeout"] = "long.yml", "2m"
	run := runActionModeClock(t, clock, in, map[string]string{"GITHUB_SHA": mergeSHA})
	if run.code != ExitFailed {
		t.Fatalf("exit %d\n%s", run.code, run.stdout)
	}
	sts := f.Statuses()
	if len(sts) != 2 || sts[0].State != "pending" || sts[1].State != "error" || sts[1].SHA != mergeSHA || !strings.Contains(sts[1].Description, "still in progress") {
		t.Errorf("statuses %+v", sts)
	}
}

// TestDryRunShowsTheStatus: a dry run prints the status it would post first.
func TestDryRunShowsTheStatus(t *testing.T) {
	t.Parallel()
	run := runCLIMode(t, map[string]string{"GITHUB_REPOSITORY": "octo/self", "GITHUB_SHA": mergeSHA},
		"trigger", "--repository", "octo/data", "--workflow", "deploy.yml", "--ref", "main", "--wait", "completed",
		"--status-context", "deploy", "--dry-run")
	if run.code != ExitOK {
		t.Fatalf("exit %d\n%s%s", run.code, run.stdout, run.stderr)
	}
	want := "POST https://api.github.com/repos/octo/self/statuses/" + mergeSHA
	if !strings.Contains(run.stdout, want) || !strings.Contains(run.stdout, `"state":"pending"`) || !strings.Contains(run.stdout, `"context":"deploy"`) {
		t.Errorf("preview lacks the status:\n%s", run.stdout)
	}
}

// TestAFollowedRunsFinalStatusReplacesItsPendingOne: with run-id the target's event
// becomes the run's; its final status still goes under the context its pending one had.
func TestAFollowedRunsFinalStatusReplacesItsPendingOne(t *testing.T) {
	t.Parallel()
	f, clock := statusFake(t, "success")
	first := runActionModeClock(t, clock, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "workflow": "deploy.yml",
		"api-url": f.URL(), "wait": "started"}, nil)
	in := statusInputs(f, "octo/data")
	delete(in, "workflow")
	in["run-id"] = first.outputs["run-id"]
	run := runActionModeClock(t, clock, in, prEvent(t))
	sts := f.Statuses()
	if run.code != ExitOK || len(sts) != 2 || sts[0].Context != "deploy" || sts[1].Context != "deploy" || sts[1].State != "success" {
		t.Errorf("exit %d, statuses %+v\n%s", run.code, sts, run.stdout)
	}
}

// stuckClock is a clock on which no wait ever ends but by its context: a long wait, when
// the job is cancelled.
type stuckClock struct{ now time.Time }

func (c stuckClock) Now() time.Time { return c.now }
func (c stuckClock) Sleep(ctx context.Context, _ time.Duration) error {
	<-ctx.Done()
	return ctx.Err()
}

// stamped notes when a line holding mark was first written.
type stamped struct {
	mu   sync.Mutex
	b    strings.Builder
	mark string
	at   time.Time
}

func (s *stamped) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.Write(p)
	if s.at.IsZero() && strings.Contains(s.b.String(), s.mark) {
		s.at = time.Now()
	}
	return len(p), nil
}

// TestACancelledStepReportsBeforeItCleansUp: the job is cancelled while 14 runs are waited
// for. The failures and the outputs are written before the first final status is sent,
// and then every status gets its final state, all within the runner's cancel window.
func TestACancelledStepReportsBeforeItCleansUp(t *testing.T) {
	t.Parallel()
	clock := stuckClock{now: time.Now()}
	f := githubfake.Standard(t, clock)
	f.AddRepo("octo/self")
	var names []string
	for i := range 14 {
		names = append(names, fmt.Sprintf("octo/s%d", i))
		f.AddRepo(names[i])
		f.AddWorkflow(names[i], githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true, Running: time.Hour})
	}
	dir := t.TempDir()
	vars := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": filepath.Join(dir, "o"), "GITHUB_STEP_SUMMARY": filepath.Join(dir, "s"),
		"GITHUB_REPOSITORY": "octo/self", "GITHUB_SHA": headSHA, "GITHUB_EVENT_NAME": "push", "GITHUB_API_URL": f.URL(),
		"INPUT_TOKEN": githubfake.TestToken, "INPUT_REPOSITORY": strings.Join(names, "\n"), "INPUT_WORKFLOW": "deploy.yml", "INPUT_API-URL": f.URL(),
		"INPUT_WAIT": "completed", "INPUT_STATUS-CONTEXT": "deploy", "INPUT_STATUS-TOKEN": githubfake.TestToken, "INPUT_CONCURRENCY": "20"}
	out := &stamped{mark: "::error title=Run failed::"}
	rn := testRunner(func(k string) string { return vars[k] }, out, out)
	rn.clock = clock
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() {
		for len(f.Statuses()) < 14 {
			time.Sleep(2 * time.Millisecond)
		}
		cancel() // the runner's SIGINT
	}()
	code := rn.run(ctx, nil)
	outputs, _ := os.ReadFile(vars["GITHUB_OUTPUT"])
	if code != ExitFailed || out.at.IsZero() || !strings.Contains(string(outputs), "cancelled while waiting for the run") {
		t.Fatalf("exit %d\n%s\n%s", code, out.b.String(), outputs)
	}
	last := map[string]githubfake.CommitStatus{}
	var firstFinal time.Time
	for _, r := range f.Requests() {
		if strings.Contains(r.Path, "/statuses/") && !strings.Contains(string(r.Body), `"pending"`) && (firstFinal.IsZero() || r.Arrived.Before(firstFinal)) {
			firstFinal = r.Arrived
		}
	}
	for _, st := range f.Statuses() {
		last[st.Context] = st
	}
	if len(last) != 14 || firstFinal.Before(out.at) {
		t.Errorf("%d contexts; the report at %s, the first final status at %s", len(last), out.at.Format(time.StampMicro), firstFinal.Format(time.StampMicro))
	}
	for c, st := range last {
		if st.State != "error" {
			t.Errorf("%s left %s", c, st.State)
		}
	}
}

// TestTheStatusGoesOnTheCommitTheEventIsAbout: on workflow_run the head of the run that
// triggered it, not GITHUB_SHA (the default branch's tip); status-commit says it
// outright; an event without a commit of its own, without status-commit, is refused
// before anything is sent.
func TestTheStatusGoesOnTheCommitTheEventIsAbout(t *testing.T) {
	t.Parallel()
	f, clock := statusFake(t, "success")
	f.AddRepo("octo/other-self")
	path := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(path, []byte(`{"workflow_run":{"id":1,"head_sha":"`+headSHA+`","head_branch":"feature"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"GITHUB_EVENT_NAME": "workflow_run", "GITHUB_EVENT_PATH": path, "GITHUB_SHA": mergeSHA}
	if run := runActionModeClock(t, clock, statusInputs(f, "octo/data"), env); run.code != ExitOK || f.Statuses()[0].SHA != headSHA {
		t.Fatalf("exit %d, statuses %+v\n%s", run.code, f.Statuses(), run.stdout)
	}
	in := statusInputs(f, "octo/data")
	in["status-commit"] = "octo/other-self@" + mergeSHA
	env["GITHUB_EVENT_NAME"] = "issue_comment"
	if run := runActionModeClock(t, clock, in, env); run.code != ExitOK {
		t.Fatalf("exit %d\n%s", run.code, run.stdout)
	}
	last := f.Statuses()[len(f.Statuses())-1]
	if last.SHA != mergeSHA || last.Repository != "octo/other-self" || last.State != "success" {
		t.Errorf("status-commit: %+v", last)
	}
	before := len(f.Requests())
	run := runActionModeClock(t, clock, statusInputs(f, "octo/data"), env)
	checkBadInput(t, f.Requests()[before:], run.code, run.stdout, `input "status-commit"`, "the issue_comment event has no commit of its own")
}

// TestTheSameTargetTwiceIsRefusedWhenWaiting: each entry would get its own distinct_id;
// still refused, nothing sent.
func TestTheSameTargetTwiceIsRefusedWhenWaiting(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	run := runActionMode(t, map[string]string{"token": githubfake.TestToken, "api-url": f.URL(), "wait": "completed", "repository": "",
		"targets": "- {repository: octo/data, workflow: deploy.yml}\n- {repository: octo/data, workflow: deploy.yml}"}, nil)
	checkBadInput(t, f.Requests(), run.code, run.stdout, "targets[1]", "sends the same event to the same repository as targets[0]")
}
