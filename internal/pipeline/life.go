package pipeline

import (
	"context"
	"errors"
	"time"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/dispatch"
	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/outcome"
	"github.com/MrSunshyne/dispatch-action/internal/runs"
)

// noDeadline asks clients.status for the paced client of the step's own work.
var noDeadline time.Time

// life is one target's life: what became of it, and the clean-up it still owes. Only the
// target's own goroutine touches it while the step runs, and only Finish after.
type life struct {
	s       *Step
	res     outcome.Result
	started bool // its turn came: a target never started owes nothing
	owed    owed
	notes   []Note // what its clean-up did while the step went on
	undone  []Note // what Finish did of its clean-up, or could not, with why
}

// owed is the clean-up a target owes once it has ended.
type owed struct {
	final  bool  // its final commit status
	cancel int64 // its run, which the step gave up on (cancel-run: on-abort) or failed fast (on-failure); 0: none
	// input and failedJob: which value of cancel-run asked for the cancel, and the job whose failure
	// made it (on-failure; "" when the step gave up on the run).
	input, failedJob string
}

// live runs the target's life: its own work, then, while the step goes on, its clean-up.
// When the step is ending (cancelled or out of time) the clean-up is left to Finish, so
// that the outcome is reported first.
func (l *life) live(ctx context.Context) *life {
	l.started = true
	l.work(ctx)
	l.owe()
	if ctx.Err() == nil {
		l.cleanUp(ctx, l.s.o.Clock.Now().Add(l.s.o.CleanupBudget), false)
	}
	return l
}

// failed ends a target that could not run: never started (the step ended first), or
// whose run panicked (a bug, which still owes its final status).
func (l *life) failed(err error) *life {
	l.res = outcome.Result{Target: l.res.Target}
	l.res.Fail(err)
	if errors.Is(err, ErrNotSent) {
		l.res.Receipt.Delivery = dispatch.DeliveryNotSent
		return l
	}
	l.started = true
	l.owe()
	return l
}

// notStarted reports whether the target's turn never came.
func (l *life) notStarted() bool { return !l.started }

// work sends the target's event (or, with run-id, sends nothing) and follows its run as
// configured.
func (l *life) work(ctx context.Context) {
	s, cfg := l.s, l.s.cfg
	c, err := s.clients.target(ctx, l.res.Repo)
	if err != nil {
		l.res.Fail(err)
		l.res.Receipt.Delivery = dispatch.DeliveryNotSent
		s.o.Progress.Sent(l.res)
		return
	}
	if cfg.RunID != 0 {
		l.res.Status, l.res.FollowOnly = outcome.Followed, true
	} else {
		l.send(ctx, c)
		if cfg.DryRun {
			s.status.preview(ctx, l.res)
			return
		}
		s.o.Progress.Sent(l.res)
		if !l.res.OK() || cfg.Wait == event.WaitNone {
			return
		}
	}
	l.follow(ctx, c)
}

// send sends the event, and records its receipt; in a dry run, that nothing was sent.
func (l *life) send(ctx context.Context, c *github.Client) {
	s := l.s
	dopts := dispatch.Options{Now: s.o.Clock.Now, DryRun: s.cfg.DryRun, OnAttempt: s.o.Progress.Attempt, Server: s.clients.server}
	l.res.Receipt = dispatch.Send(ctx, c, l.res.Target, dopts)
	switch {
	case !l.res.Receipt.OK():
		l.res.Fail(l.res.Receipt.Err)
	case s.cfg.DryRun: // only what the dry run decided: the ref and the ID it would send
		l.res.Status, l.res.Receipt = outcome.DryRun, dispatch.Receipt{Ref: l.res.Receipt.Ref, DistinctID: l.res.Receipt.DistinctID}
	default:
		l.res.Status = outcome.Dispatched
	}
}

// follow finds and follows the run, and what comes after (runs.FollowThrough); its
// status goes pending as soon as the run is known.
func (l *life) follow(ctx context.Context, c *github.Client) {
	s, cfg, res := l.s, l.s.cfg, &l.res
	d := runs.Dispatched{Event: res.Event, Workflow: res.Receipt.WorkflowKey, DistinctID: res.Receipt.DistinctID,
		Accepted: res.Receipt.Accepted, RunID: res.Receipt.RunID, RunURL: res.Receipt.RunURL,
		Ref: res.Receipt.Ref, Unnamed: res.Event == event.WorkflowDispatch && res.Receipt.RunID == 0 && !res.Receipt.IDInInputs}
	if b := res.Receipt.Bracket; b != nil {
		d.Bracketed, d.Before, d.Upto = true, b.Before, b.Upto
	}
	if res.FollowOnly {
		d.RunID, d.Unnamed = cfg.RunID, false
	}
	pending := false
	onRun := func(run runs.Run) {
		s.o.Progress.Run(run)
		if !pending && run.ID != 0 { // known: its status links it
			pending = true
			s.status.pending(ctx, *res, run)
		}
	}
	runsOf := &runs.Client{API: c, Repo: res.Repo, Clock: s.o.Clock, Server: s.clients.server, OnAttempt: s.o.Progress.Attempt}
	res.Run = runsOf.FollowThrough(ctx, d,
		runs.Follow{Wait: cfg.Wait, WaitTimeout: cfg.WaitTimeout, StepDeadline: s.deadline, FailOnConclusion: cfg.FailOnConclusion, Jobs: cfg.Jobs,
			FailFast: cfg.FailFast},
		runs.After{LogLines: cfg.LogLines, Logs: s.logs, OutputsArtifact: cfg.OutputsArtifact},
		onRun)
	if res.FollowOnly && res.Run.Run.Event != "" {
		res.Event = res.Run.Run.Event // what started the run followed; its status context is its place's
	}
	if res.Run.Err != nil {
		res.Fail(res.Run.Err)
	}
}

// owe records the clean-up the ended target owes: its final status (when statuses are
// posted), and cancelling its run when the step gave up on it (cancel-run: on-abort).
func (l *life) owe() {
	cfg := l.s.cfg
	if cfg.DryRun {
		return
	}
	l.owed.final = l.s.status != nil
	id := l.res.RunID()
	switch {
	case id == 0 || l.res.Run.Err == nil:
	case cfg.CancelRunOnAbort && runs.GaveUp(l.res.Run.Err):
		l.owed.cancel, l.owed.input = id, "on-abort"
	case cfg.CancelRunOnFailure && l.res.Run.FailFast != "":
		l.owed.cancel, l.owed.input, l.owed.failedJob = id, "on-failure", l.res.Run.FailFast
	}
}
