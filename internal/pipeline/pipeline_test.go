package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/dispatch"
	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
	"github.com/MrSunshyne/dispatch-action/internal/outcome"
	"github.com/MrSunshyne/dispatch-action/internal/runs"
)

const (
	statusToken = "ghs_STATUS0123456789abcdefghijklmnopqrs"
	callerSHA   = "0123456789abcdef0123456789abcdef01234567"
)

// fakeWith is a fake on clock with repositories octo/r0 … octo/r(n-1), each with a
// workflow_dispatch workflow deploy.yml whose runs take running, and the caller's
// repository octo/self, where the status token may post commit statuses.
func fakeWith(t *testing.T, clock githubfake.Now, n int, running time.Duration) *githubfake.Fake {
	t.Helper()
	f := githubfake.Standard(t, clock)
	f.AddRepo("octo/self")
	f.AddToken(githubfake.Token{Value: statusToken, Permissions: map[string]string{"statuses": "write"}})
	for i := range n {
		repo := fmt.Sprintf("octo/r%d", i)
		f.AddRepo(repo)
		f.AddWorkflow(repo, githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true, Queued: time.Second, Running: running})
	}
	return f
}

// repos names octo/r0 … octo/r(n-1), one per line.
func repos(n int) string {
	var names []string
	for i := range n {
		names = append(names, fmt.Sprintf("octo/r%d", i))
	}
	return strings.Join(names, "\n")
}

// inputs waits for deploy.yml in the n repositories, with a commit status of each on the
// caller's commit (a push to octo/self on the fake's server).
func inputs(f *githubfake.Fake, n int) config.Inputs {
	return config.Inputs{Token: githubfake.TestToken, Repository: repos(n), Workflow: "deploy.yml", APIURL: f.URL(), Wait: "completed",
		StatusContext: "deploy", StatusToken: statusToken, DistinctID: "abc", Concurrency: "20",
		Caller: config.Caller{Repository: "octo/self", SHA: callerSHA, EventName: "push", APIURL: f.URL(), ServerURL: f.WebURL(), RunID: "99"}}
}

func build(t *testing.T, m config.Mode, in config.Inputs) *config.Config {
	t.Helper()
	cfg, ps := config.Build(m, in)
	if ps != nil {
		t.Fatal(ps)
	}
	return cfg
}

// byContext groups the statuses the fake accepted by context, in the order received.
func byContext(f *githubfake.Fake) map[string][]githubfake.CommitStatus {
	out := map[string][]githubfake.CommitStatus{}
	for _, st := range f.Statuses() {
		out[st.Context] = append(out[st.Context], st)
	}
	return out
}

// noneLeftPending fails unless every context's last status is final.
func noneLeftPending(t *testing.T, f *githubfake.Fake, want int) {
	t.Helper()
	got := byContext(f)
	for ctx, sts := range got {
		if last := sts[len(sts)-1]; last.State == "pending" {
			t.Errorf("%q left pending: %+v", ctx, sts)
		}
	}
	if len(got) != want {
		t.Errorf("%d contexts, want %d: %v", len(got), want, got)
	}
}

// TestAFollowedRunsStatusStaysUnderItsContext: following a run by its ID (run-id), the
// target's event becomes the run's; its final status still replaces its pending one.
func TestAFollowedRunsStatusStaysUnderItsContext(t *testing.T) {
	t.Parallel()
	clock := githubfake.NewClock()
	f := fakeWith(t, clock, 1, time.Minute)
	in := inputs(f, 1)
	in.StatusContext, in.Wait = "", "started"
	first := Run(t.Context(), build(t, config.ActionMode, in), Options{Clock: clock})
	id := first.Results[0].RunID()
	if id == 0 {
		t.Fatalf("no run: %+v", first.Results[0])
	}
	in = inputs(f, 1)
	in.Workflow, in.RunID = "", fmt.Sprint(id)
	st := Run(t.Context(), build(t, config.ActionMode, in), Options{Clock: clock})
	if c := st.Finish(t.Context()); !st.Results[0].OK() || st.Results[0].Event != event.WorkflowDispatch || len(c.Warnings) > 0 {
		t.Fatalf("%+v %v", st.Results[0], c)
	}
	sts := f.Statuses()
	if len(sts) != 2 || sts[0].Context != "deploy" || sts[1].Context != "deploy" || sts[0].State != "pending" || sts[1].State != "success" {
		t.Errorf("statuses %+v", sts)
	}
}

// TestTheTimeoutEndingManyWaitsStillCleansUp: dispatches go a second apart, so the step's
// timeout, not wait-timeout, ends the later targets' waits, all at once. Every final
// status and every cancel still goes out (the pace and the step's deadline refused them).
func TestTheTimeoutEndingManyWaitsStillCleansUp(t *testing.T) {
	t.Parallel()
	clock := githubfake.NewClock()
	f := fakeWith(t, clock, 6, time.Hour)
	in := inputs(f, 6)
	in.WaitTimeout, in.Timeout, in.CancelRunOnAbort = "2m", "2m2s", "true"
	st := Run(t.Context(), build(t, config.ActionMode, in), Options{Clock: clock, Pace: event.PaceInterval})
	c := st.Finish(t.Context())
	noneLeftPending(t, f, 6)
	if got := f.Cancelled(); len(got) != 6 {
		t.Errorf("cancelled %v, want the 6 runs", got)
	}
	for _, r := range st.Results {
		var still *runs.StillRunningError
		if !errors.As(r.Err, &still) || !r.Run.Cancelled {
			t.Errorf("%s: %v, cancelled %v", r.Repo, r.Err, r.Run.Cancelled)
		}
	}
	if len(c.Warnings) > 0 || len(st.Warnings) > 0 {
		t.Errorf("warnings %q %q", st.Warnings, c.Warnings)
	}
}

// stuckClock is a clock on which nothing waited for ever comes: a wait ends only with its
// context, as a long wait does when the job is cancelled.
type stuckClock struct{ now time.Time }

func (c stuckClock) Now() time.Time { return c.now }
func (c stuckClock) Sleep(ctx context.Context, _ time.Duration) error {
	<-ctx.Done()
	return ctx.Err()
}

// cancelledMidWait runs n targets whose runs are waited for when the job is cancelled,
// once all the statuses it expects pending have arrived; it returns the step as Run left
// it and the statuses received by then.
func cancelledMidWait(t *testing.T, f *githubfake.Fake, in config.Inputs, pending int, o Options) (*Step, []githubfake.CommitStatus) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() {
		for len(f.Statuses()) < pending && ctx.Err() == nil {
			time.Sleep(2 * time.Millisecond)
		}
		cancel() // as the runner's SIGINT does
	}()
	st := Run(ctx, build(t, config.ActionMode, in), o)
	return st, f.Statuses()
}

// TestACancelledJobReportsFirstThenPostsEveryFinalStatus: 14 targets waiting when the job
// is cancelled. Run returns without a clean-up request (the report comes first), each
// target failed because the step was cancelled; Finish then posts all 14 final statuses at
// once, not a second apart.
func TestACancelledJobReportsFirstThenPostsEveryFinalStatus(t *testing.T) {
	t.Parallel()
	clock := stuckClock{now: time.Now()}
	f := fakeWith(t, clock, 14, time.Hour)
	in := inputs(f, 14)
	in.CancelRunOnAbort = "true"
	st, before := cancelledMidWait(t, f, in, 14, Options{Clock: clock})
	if st.Ending != Cancelled || len(before) != 14 || len(f.Cancelled()) != 0 {
		t.Fatalf("ending %q; before the report %d statuses, %d cancels", st.Ending, len(before), len(f.Cancelled()))
	}
	for _, r := range st.Results {
		if !errors.Is(r.Err, runs.ErrCancelled) || r.Run.Cancelled {
			t.Errorf("%s: %v", r.Repo, r.Err)
		}
	}
	c := st.Finish(context.Background())
	noneLeftPending(t, f, 14)
	if len(f.Cancelled()) != 14 || !c.Changed {
		t.Errorf("cancelled %v, changed %v", f.Cancelled(), c.Changed)
	}
	for _, r := range st.Results {
		if !r.Run.Cancelled {
			t.Errorf("%s: not marked cancelled", r.Repo)
		}
	}
	for _, w := range c.Warnings {
		if !strings.Contains(w, "was cancelled, as cancel-run-on-abort asks") {
			t.Errorf("warning %q", w)
		}
	}
	for _, sts := range byContext(f) {
		if last := sts[len(sts)-1]; last.State != "error" || !strings.Contains(last.Description, "cancelled") {
			t.Errorf("final %+v", last)
		}
	}
}

// TestTargetsNeverStartedCostNothing: of 30 targets two at a time, the ones never started
// when the job is cancelled need no request: only the started ones get a final status.
func TestTargetsNeverStartedCostNothing(t *testing.T) {
	t.Parallel()
	clock := stuckClock{now: time.Now()}
	f := fakeWith(t, clock, 30, time.Hour)
	in := inputs(f, 30)
	in.Concurrency = "2"
	st, _ := cancelledMidWait(t, f, in, 2, Options{Clock: clock})
	st.Finish(context.Background())
	notSent := 0
	for _, r := range st.Results {
		var ns *NotSentError
		if errors.As(r.Err, &ns) {
			notSent++
			if ns.Ending != Cancelled || !errors.Is(r.Err, dispatch.ErrNotSent) || r.Receipt.Delivery != dispatch.DeliveryNotSent ||
				r.Error() != "not sent: the step was cancelled before this target's turn" {
				t.Errorf("%s: %v", r.Repo, r.Err)
			}
		}
	}
	if started := len(f.Dispatches()) + len(f.Requests()); notSent < 27 || started == 0 {
		t.Fatalf("%d not sent", notSent)
	}
	noneLeftPending(t, f, 30-notSent)
}

// TestWhatCouldNotBeCleanedUpIsNamedWithItsTrueReason: the statuses hang and the clean-up
// budget runs out: each target is named, with the job's cancellation, not a timeout.
func TestWhatCouldNotBeCleanedUpIsNamedWithItsTrueReason(t *testing.T) {
	t.Parallel()
	clock := stuckClock{now: time.Now()}
	f := fakeWith(t, clock, 3, time.Hour)
	in := inputs(f, 3)
	st, _ := cancelledMidWait(t, f, in, 3, Options{Clock: clock, CleanupBudget: 300 * time.Millisecond, AttemptTimeout: time.Second})
	hang := githubfake.Fault{Path: "/statuses/", Hang: true}
	f.Script(hang, hang, hang)
	start := time.Now()
	c := st.Finish(context.Background())
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the clean-up took %s", took)
	}
	if len(c.Warnings) != 3 {
		t.Fatalf("warnings %q", c.Warnings)
	}
	for i, w := range c.Warnings {
		want := fmt.Sprintf("#%d octo/r%d deploy.yml@main: the final commit status \"deploy / octo/r%d\" was not posted: the step was cancelled and the 300ms left for the clean-up ran out", i+1, i, i)
		if w != want {
			t.Errorf("warning\n%q, want\n%q", w, want)
		}
	}
}

// TestAStatusRefusedInTheCleanUpIsOneWarning: GitHub refuses the status token's
// permission: one warning naming it, not one per target.
func TestAStatusRefusedInTheCleanUpIsOneWarning(t *testing.T) {
	t.Parallel()
	clock := stuckClock{now: time.Now()}
	f := fakeWith(t, clock, 3, time.Hour)
	st, _ := cancelledMidWait(t, f, inputs(f, 3), 3, Options{Clock: clock})
	f.Script(githubfake.Fault{Path: "/statuses/", Status: 403, Body: `{"message":"Resource not accessible by integration"}`},
		githubfake.Fault{Path: "/statuses/", Status: 403, Body: `{"message":"Resource not accessible by integration"}`},
		githubfake.Fault{Path: "/statuses/", Status: 403, Body: `{"message":"Resource not accessible by integration"}`})
	c := st.Finish(context.Background())
	if len(c.Warnings) != 1 || !strings.HasPrefix(c.Warnings[0], "the final commit status of #1 octo/r0 deploy.yml@main, #2 octo/r1 deploy.yml@main, #3 octo/r2 deploy.yml@main: ") ||
		!strings.Contains(c.Warnings[0], "permissions: statuses: write") {
		t.Errorf("warnings %q", c.Warnings)
	}
}

// TestStatusesGoToTheCallersServerWithItsToken: the targets are on one server, the
// calling workflow on another: the status token reaches only the caller's.
func TestStatusesGoToTheCallersServerWithItsToken(t *testing.T) {
	t.Parallel()
	clock := githubfake.NewClock()
	targets := fakeWith(t, clock, 1, time.Minute)
	caller := githubfake.Standard(t, clock)
	caller.AddRepo("octo/self")
	caller.AddToken(githubfake.Token{Value: statusToken, Permissions: map[string]string{"statuses": "write"}})
	in := inputs(targets, 1)
	in.Caller.APIURL = caller.URL()
	st := Run(t.Context(), build(t, config.ActionMode, in), Options{Clock: clock})
	st.Finish(t.Context())
	if !st.Results[0].OK() || len(targets.Statuses()) != 0 {
		t.Fatalf("%+v; statuses on the targets' server %+v", st.Results[0], targets.Statuses())
	}
	for _, r := range targets.Requests() {
		if strings.Contains(r.Header.Get("Authorization"), statusToken) || strings.Contains(r.Path, "/statuses/") {
			t.Errorf("the targets' server received %s %s with the status token", r.Method, r.Path)
		}
	}
	sts := caller.Statuses()
	if len(sts) != 2 || sts[1].State != "success" || sts[1].Token != statusToken || sts[1].SHA != callerSHA {
		t.Errorf("statuses on the caller's server %+v", sts)
	}
}

// TestADryRunPreviewsWithoutCleanUp: a dry run records the dispatch and the pending
// status, and owes nothing.
func TestADryRunPreviewsWithoutCleanUp(t *testing.T) {
	t.Parallel()
	in := inputs(githubfake.Standard(t, nil), 2)
	in.DryRun, in.Ref = "true", "main"
	st := Run(t.Context(), build(t, config.CLIMode, in), Options{Clock: githubfake.NewClock()})
	if len(st.Preview) != 4 || st.Results[0].Status != outcome.DryRun {
		t.Fatalf("preview %d requests, %+v", len(st.Preview), st.Results[0])
	}
	if c := st.Finish(t.Context()); c.Changed || len(c.Warnings) > 0 {
		t.Errorf("%+v", c)
	}
}

// panicky panics the first time the step asks it the time, as a bug would.
type panicky struct {
	once sync.Once
	ghclient.Clock
}

func (p *panicky) Now() time.Time {
	p.once.Do(func() { panic("boom") })
	return p.Clock.Now()
}

// TestABugOutsideATargetFailsEveryTarget: the step still has an outcome to report.
func TestABugOutsideATargetFailsEveryTarget(t *testing.T) {
	t.Parallel()
	in := inputs(githubfake.Standard(t, nil), 2)
	st := Run(t.Context(), build(t, config.ActionMode, in), Options{Clock: &panicky{Clock: githubfake.NewClock()}})
	if len(st.Results) != 2 || st.Results[1].OK() || !strings.Contains(st.Results[1].Error(), "internal error: boom") {
		t.Fatalf("%+v", st.Results)
	}
	if c := st.Finish(t.Context()); c.Changed {
		t.Errorf("%+v", c)
	}
}
