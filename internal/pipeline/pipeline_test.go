package pipeline

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/commitstatus"
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
func fakeWith(t testing.TB, clock githubfake.Now, n int, running time.Duration) *githubfake.Fake {
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
	if c := st.Finish(t.Context()); !st.Results[0].OK() || st.Results[0].Event != event.WorkflowDispatch || len(c.Notes) > 0 {
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
	in.WaitTimeout, in.Timeout, in.CancelRun = "2m", "2m2s", "on-abort"
	st := Run(t.Context(), build(t, config.ActionMode, in), Options{Clock: clock, Pace: event.PaceInterval})
	c := st.Finish(t.Context())
	noneLeftPending(t, f, 6)
	if got := f.Cancelled(); len(got) != 6 {
		t.Errorf("cancelled %v, want the 6 runs", got)
	}
	for _, r := range st.Results {
		// Given up on: still running at the deadline, or the deadline came while GitHub was
		// answering a poll (which depends on the machine's speed, not on the step).
		if !runs.GaveUp(r.Err) || !r.Run.Cancelled {
			t.Errorf("%s: %v, cancelled %v", r.Repo, r.Err, r.Run.Cancelled)
		}
	}
	// Each cancel is said once, whether it went out while the step went on or in Finish.
	// A pending status whose turn would come after the step's deadline is not posted, and
	// said (how many depends on when each run was found); nothing else is.
	cancels := 0
	for _, n := range append(st.Notes, c.Notes...) {
		switch {
		case n.Kind == RunCancelled:
			cancels++
		case n.Kind == StatusNotPosted && ghclient.CauseOf(n.Err).Kind == ghclient.NoTurn && strings.Contains(n.Err.Error(), "(pending)"):
		default:
			t.Errorf("note %+v", n)
		}
	}
	if cancels != 6 {
		t.Errorf("%d cancels said, want one for each of the 6 runs", cancels)
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
	return cancelledWhen(t, f, in, func() bool { return len(f.Statuses()) >= pending }, o)
}

// cancelledWhen runs the inputs, and cancels the job once ready.
func cancelledWhen(t *testing.T, f *githubfake.Fake, in config.Inputs, ready func() bool, o Options) (*Step, []githubfake.CommitStatus) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() {
		giveUp := time.Now().Add(time.Minute) // a test that never gets ready fails, not hangs
		for !ready() && ctx.Err() == nil && time.Now().Before(giveUp) {
			time.Sleep(2 * time.Millisecond)
		}
		cancel() // as the runner's SIGINT does
	}()
	st := Run(ctx, build(t, config.ActionMode, in), o)
	return st, f.Statuses()
}

// runsRead counts the requests that read one run: a wait has begun for each.
func runsRead(f *githubfake.Fake) (read int) {
	for _, r := range f.Requests() {
		if r.Method == "GET" && strings.Contains(r.Path, "/actions/runs/") && !strings.Contains(r.Path, "/jobs") {
			read++
		}
	}
	return read
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
	in.CancelRun = "on-abort"
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
	for _, n := range c.Notes {
		if n.Kind != RunCancelled || n.Input != "on-abort" || n.FailedJob != "" || n.Run == 0 || n.Target == nil || !n.Warning() {
			t.Errorf("note %+v", n)
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
			if ns.Ending != Cancelled || !errors.Is(r.Err, ErrNotSent) || r.Receipt.Delivery != dispatch.DeliveryNotSent ||
				r.Error() != "not sent: cancelled before this target's turn" {
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
	st, _ := cancelledMidWait(t, f, in, 3, Options{Clock: clock, CleanupBudget: 300 * time.Millisecond, AttemptTimeout: time.Minute})
	hang := githubfake.Fault{Path: "/statuses/", Hang: true}
	f.Script(hang, hang, hang)
	start := time.Now()
	c := st.Finish(context.Background())
	if took := time.Since(start); took > 30*time.Second { // a minute per attempt, had the budget not ended them
		t.Errorf("the clean-up took %s", took)
	}
	if len(c.Notes) != 3 {
		t.Fatalf("notes %+v", c.Notes)
	}
	for i, n := range c.Notes {
		if n.Kind != FinalNotPosted || n.Target.Index != i || n.Target.Ref != "main" || n.Context != fmt.Sprintf("deploy / octo/r%d", i) ||
			n.Ending != Cancelled || n.Budget != 300*time.Millisecond {
			t.Errorf("note %d: %+v", i, n)
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
	var pe *commitstatus.PostError
	if len(c.Notes) != 1 || c.Notes[0].Kind != FinalRefused || len(c.Notes[0].Targets) != 3 || c.Notes[0].Targets[2].Index != 2 ||
		!errors.As(c.Notes[0].Err, &pe) || !pe.Refused() {
		t.Errorf("notes %+v", c.Notes)
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
	if c := st.Finish(t.Context()); c.Changed || len(c.Notes) > 0 {
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

// appKey is the key of the App of the tests.
var appKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// recorder is a Progress that keeps what it heard.
type recorder struct {
	mu       sync.Mutex
	masked   []string
	sent     int
	runs     int
	attempts int
}

func (r *recorder) Attempt(string, ghclient.Attempt) { r.mu.Lock(); r.attempts++; r.mu.Unlock() }
func (r *recorder) Sent(outcome.Result)              { r.mu.Lock(); r.sent++; r.mu.Unlock() }
func (r *recorder) Run(runs.Run)                     { r.mu.Lock(); r.runs++; r.mu.Unlock() }
func (r *recorder) Mask(s string)                    { r.mu.Lock(); r.masked = append(r.masked, s); r.mu.Unlock() }

// TestAnAppsOwnersAreGroupedOnce: with a GitHub App, the targets of each owner share one
// installation token (minted once, masked first, scoped to that owner's repositories with
// the permissions of every event sent there and of cancelling); the clean-up of a
// cancelled job cancels each run with it, then revokes it.
func TestAnAppsOwnersAreGroupedOnce(t *testing.T) {
	t.Parallel()
	clock := stuckClock{now: time.Now()}
	f := fakeWith(t, clock, 0, 0)
	for _, repo := range []string{"octo/a", "octo/b", "other/c"} {
		f.AddWorkflow(repo, githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true, RepositoryDispatch: true, Running: time.Hour})
	}
	f.AddApp(githubfake.App{ID: "4242", PublicKey: &appKey().PublicKey, Installations: map[string]*githubfake.Installation{
		"octo":  {ID: 1, Repos: []string{"a", "b"}, Permissions: map[string]string{"contents": "write", "actions": "write", "checks": "read"}},
		"other": {ID: 2, Repos: []string{"c"}, Permissions: map[string]string{"actions": "write"}},
	}})
	key := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(appKey())})
	in := inputs(f, 0)
	in.Repository, in.Workflow, in.StatusContext, in.CancelRun = "", "", "", "on-abort"
	in.Token, in.AppID, in.AppPrivateKey = "", "4242", string(key)
	in.Targets = `[{"repository": "octo/a", "workflow": "deploy.yml"}, {"repository": "other/c", "workflow": "deploy.yml"}, {"repository": "octo/b", "event-type": "go"}]`
	heard := &recorder{}
	st, _ := cancelledWhen(t, f, in, func() bool { return runsRead(f) >= 2 }, Options{Clock: clock, Progress: heard})
	if st.Ending != Cancelled {
		t.Fatalf("ending %q", st.Ending)
	}
	c := st.Finish(context.Background())
	minted := f.MintedTokens()
	if len(minted) != 2 || len(heard.masked) != 2 || len(f.Revoked()) != 2 {
		t.Fatalf("minted %+v, masked %d, revoked %d", minted, len(heard.masked), len(f.Revoked()))
	}
	for _, m := range minted {
		want := map[int64]string{1: "a,b actions=write contents=write", 2: "c actions=write"}[m.Installation]
		var perms []string
		for k, v := range m.Permissions {
			if k != "checks" {
				perms = append(perms, k+"="+v)
			}
		}
		slices.Sort(perms)
		if got := strings.Join(m.Repos, ",") + " " + strings.Join(perms, " "); got != want {
			t.Errorf("installation %d: %q, want %q", m.Installation, got, want)
		}
	}
	// The runs GitHub named (workflow_dispatch) are known, so cancelled; repository_dispatch's
	// was still looked for.
	if n := len(f.Cancelled()); n != 2 || !c.Changed || heard.sent != 3 || heard.runs < 2 {
		t.Errorf("cancelled %v (changed %v), results %+v", f.Cancelled(), c.Changed, st.Results)
	}
}

// TestWaitTimeoutCancelsAtOnce: the wait ran out while the step goes on: the run is
// cancelled there and then, and said among the run's warnings.
func TestWaitTimeoutCancelsAtOnce(t *testing.T) {
	t.Parallel()
	clock := githubfake.NewClock()
	f := fakeWith(t, clock, 1, time.Hour)
	in := inputs(f, 1)
	in.StatusContext, in.WaitTimeout, in.CancelRun = "", "2m", "on-abort"
	st := Run(t.Context(), build(t, config.CLIMode, in), Options{Clock: clock})
	r := st.Results[0]
	if st.Ending != Completed || !r.Run.Cancelled || len(f.Cancelled()) != 1 || len(st.Notes) != 1 || st.Notes[0].Kind != RunCancelled || st.Notes[0].Run != r.RunID() {
		t.Fatalf("ending %q, %+v, notes %+v", st.Ending, r.Run, st.Notes)
	}
	if c := st.Finish(t.Context()); c.Changed || len(c.Notes) > 0 {
		t.Errorf("%+v", c)
	}
}

// TestAFinalStatusGitHubFailsIsAWarning: a server error on a final status is a warning
// with GitHub's answer; the target's result stands.
func TestAFinalStatusGitHubFailsIsAWarning(t *testing.T) {
	t.Parallel()
	clock := githubfake.NewClock()
	f2 := fakeWith(t, clock, 1, time.Minute)
	in2 := inputs(f2, 1)
	in2.MaxAttempts = "1"
	f2.Script(githubfake.Fault{Path: "/statuses/", Status: 200, After: true}, githubfake.Fault{Path: "/statuses/", Status: 502})
	st2 := Run(t.Context(), build(t, config.CLIMode, in2), Options{Clock: clock})
	st2.Finish(t.Context())
	if !st2.Results[0].OK() || len(st2.Notes) != 1 || st2.Notes[0].Kind != StatusNotPosted || !strings.Contains(st2.Notes[0].Err.Error(), "502") {
		t.Errorf("%+v\n%+v", st2.Results[0], st2.Notes)
	}
}

func TestNotSentSaysWhy(t *testing.T) {
	t.Parallel()
	timedOut, cancelled := &NotSentError{Ending: TimedOut}, &NotSentError{Ending: Cancelled}
	if timedOut.Error() != "not sent: the timeout ran out before this target's turn" || cancelled.Error() != "not sent: cancelled before this target's turn" ||
		!errors.Is(timedOut, ErrNotSent) {
		t.Errorf("%q %q", timedOut.Error(), cancelled.Error())
	}
	var s Silent
	s.Attempt("", ghclient.Attempt{})
	s.Sent(outcome.Result{})
	s.Run(runs.Run{})
	s.Mask("")
}

// TestFailFastCancelsTheRunWhenAsked: a job fails a minute into a 40-minute run: the
// wait ends, the run is cancelled there and then (cancel-run: on-failure), its status
// final; the polls were conditional, most answered 304.
func TestFailFastCancelsTheRunWhenAsked(t *testing.T) {
	t.Parallel()
	clock := githubfake.NewClock()
	f := fakeWith(t, clock, 0, 0)
	f.AddRepo("octo/r0")
	f.AddWorkflow("octo/r0", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true, Running: 40 * time.Minute, Conclusion: "failure",
		Jobs: []githubfake.Job{{Name: "build", Conclusion: "failure", Finishes: time.Minute}, {Name: "test", Conclusion: "success"}}})
	in := inputs(f, 1)
	in.FailFast, in.CancelRun = "true", "on-failure"
	st := Run(t.Context(), build(t, config.ActionMode, in), Options{Clock: clock})
	r := st.Results[0]
	if n := st.Notes; r.OK() || r.Run.FailFast != "build" || !r.Run.Cancelled || len(f.Cancelled()) != 1 || len(n) != 1 ||
		n[0].Kind != RunCancelled || n[0].Run != r.RunID() || n[0].Input != "on-failure" || n[0].FailedJob != "build" {
		t.Fatalf("%+v, notes %+v", r.Run, n)
	}
	st.Finish(t.Context())
	noneLeftPending(t, f, 1)
	var polls, unchanged int
	for _, q := range f.Requests() {
		if strings.HasSuffix(q.Path, "/jobs") {
			polls++
			if q.Status == 304 {
				unchanged++
			}
		}
	}
	if unchanged*2 < polls {
		t.Errorf("%d of %d job listings were conditional hits", unchanged, polls)
	}
}
