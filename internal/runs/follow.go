package runs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
)

// What following a run means: how long, what counts as its end, the reasons it ends
// early, and what comes after (cancel, explain, read outputs).

// Dispatched is what is known of a dispatch whose run is to be followed.
type Dispatched struct {
	Event      event.Kind
	Workflow   string    // workflow_dispatch: its runs are listed, not the repository's
	DistinctID string    // the run's title carries it
	Accepted   time.Time // when GitHub accepted the event
	RunID      int64     // set when GitHub named the run
	RunURL     string
	// Unnamed: a workflow_dispatch the server accepted without naming the run where it was
	// asked to (a 204): its run is found by elimination (Query.Elimination) unless its
	// distinct ID is in the title. Ref, and when Bracketed, Before and Upto (the newest run
	// of the workflow just before it was sent and just after it was accepted) tell it from
	// the others.
	Unnamed      bool
	Ref          string
	Bracketed    bool
	Before, Upto int64
}

// Follow says how far to follow a run, and for how long.
type Follow struct {
	Wait        event.Wait // started or completed
	WaitTimeout time.Duration
	// StepDeadline ends the wait earlier than WaitTimeout when the step's timeout is
	// nearer.
	StepDeadline     time.Time
	FailOnConclusion bool // a completed run that did not succeed is a *ConclusionError
	// Jobs: with WaitCompleted, wait for these jobs of the run only, and judge them
	// instead of the run (names as the jobs input gives them).
	Jobs []string
	// FailFast: with WaitCompleted, the first job waited for that fails ends the wait.
	FailFast bool
}

// Errors that end following a run early, after the event was delivered.
var (
	ErrCancelled = errors.New("cancelled while waiting for the run")
	ErrTimeout   = errors.New("the timeout ran out while waiting for the run")
)

// ConclusionError fails a step whose run (or the jobs it waited for) did not succeed
// (fail-on-conclusion).
type ConclusionError struct {
	Conclusion Conclusion
	URL        string
	Jobs       string // the jobs judged (JobNames), when not the whole run
}

func (e *ConclusionError) Error() string {
	what := "the run"
	if e.Jobs != "" {
		what = "the jobs " + e.Jobs + " of the run"
	}
	return fmt.Sprintf("%s concluded %q, not \"success\": %s", what, e.Conclusion, e.URL)
}

// Follow finds the run a dispatch started (unless GitHub named it) and, with
// WaitCompleted, waits for it (or for the jobs named), within wait-timeout and the step's
// deadline. onChange hears of the run when it is known and at each change of its status.
// It returns the last state seen, the jobs named as last listed, and why following
// failed, if it did.
func (p *Client) Follow(ctx context.Context, d Dispatched, f Follow, onChange func(Run)) (Run, []Job, error) {
	deadline := p.Clock.Now().Add(f.WaitTimeout)
	if !f.StepDeadline.IsZero() && f.StepDeadline.Before(deadline) {
		deadline = f.StepDeadline
	}
	// Requests end by the deadline too, body reads included, however slowly GitHub answers;
	// the last look starts early enough to finish before it.
	wctx, cancel := context.WithTimeout(ctx, deadline.Sub(p.Clock.Now()))
	defer cancel()
	start := p.Clock.Now()
	last := lastLookAt(start, deadline)
	run, err := p.locate(wctx, d, f.Wait, last, onChange)
	var jobs []Job
	if err == nil && f.Wait == event.WaitCompleted {
		run, jobs, err = p.Wait(wctx, run.ID, run, f.Jobs, f.FailFast, last, onChange)
	}
	wholeWait(err, deadline.Sub(start))
	switch {
	case errors.Is(err, context.Canceled):
		return run, jobs, ErrCancelled
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil:
		return run, jobs, ErrTimeout
	case errors.Is(err, context.DeadlineExceeded):
		return run, jobs, errAnswerPastDeadline
	case err != nil:
		return run, jobs, err
	}
	if c := judged(run, jobs, f.Jobs); f.Wait == event.WaitCompleted && f.FailOnConclusion && c != ConclusionSuccess {
		e := &ConclusionError{Conclusion: c, URL: run.HTMLURL}
		if len(f.Jobs) > 0 && len(jobs) > 0 {
			e.Jobs = JobNames(jobs, 30)
		}
		return run, jobs, e
	}
	return run, jobs, nil
}

// wholeWait makes an error of running out of time say the whole wait it was given,
// whatever part of it each look took.
func wholeWait(err error, waited time.Duration) {
	var notFound *NotFoundError
	var still *StillRunningError
	var noJobs *JobsNotFoundError
	switch {
	case errors.As(err, &notFound):
		notFound.Waited = waited
	case errors.As(err, &still):
		still.Waited = waited
	case errors.As(err, &noJobs) && !noJobs.RunDone:
		noJobs.Waited = waited
	}
}

// judged is the conclusion the step judges: the run's, or with jobs named, theirs
// together ("" until what is judged has completed).
func judged(run Run, jobs []Job, names []string) Conclusion {
	if len(names) == 0 || run.Status == StatusCompleted && len(jobs) == 0 && run.Conclusion != ConclusionSuccess {
		// no jobs to judge, or the run ended without the jobs named (it never started
		// them: a startup_failure, a cancel): the run's conclusion is the step's
		return run.Conclusion
	}
	if _, missing, completed := named(jobs, names); len(missing) > 0 || !completed {
		return ""
	}
	return JobsConclusion(jobs)
}

// StillRunningError says wait-timeout (or timeout) ran out before the run (or the jobs
// waited for) completed.
type StillRunningError struct {
	Status Status // the run's
	Waited time.Duration
	URL    string   // the run's, when it is known
	Jobs   []string // the jobs waited for that had not completed
	Repo   event.Repo
	RunID  int64
}

func (e *StillRunningError) Error() string {
	msg := fmt.Sprintf("the run was still %s after %s, when the wait ran out (wait-timeout, or timeout if nearer)", e.Status.Words(), e.Waited.Round(time.Second))
	if len(e.Jobs) > 0 {
		msg = fmt.Sprintf("the jobs %s had not completed after %s, when the wait ran out (wait-timeout, or timeout if nearer)", strings.Join(e.Jobs, ", "), e.Waited.Round(time.Second))
	}
	if e.URL != "" {
		msg += ": " + e.URL
	}
	return msg
}

// GaveUp reports whether following a run ended because the step gave up on it: cancelled,
// or out of time (wait-timeout or timeout), as opposed to the run failing or GitHub
// refusing a request.
func GaveUp(err error) bool {
	var still *StillRunningError
	return errors.Is(err, ErrCancelled) || errors.Is(err, ErrTimeout) || errors.Is(err, errAnswerPastDeadline) || errors.As(err, &still)
}

// errAnswerPastDeadline: GitHub was still answering when the wait's deadline came.
var errAnswerPastDeadline = errors.New("wait-timeout (or timeout, whichever is nearer) ran out while GitHub was still answering")

// locate finds the run: the one GitHub named (read at once when only its start is waited
// for), or the one whose title carries the distinct ID.
func (p *Client) locate(ctx context.Context, d Dispatched, wait event.Wait, deadline time.Time, onChange func(Run)) (Run, error) {
	if d.RunID == 0 {
		q := Query{Event: d.Event, DistinctID: d.DistinctID, Since: d.Accepted}
		if d.Event == event.WorkflowDispatch {
			q.Workflow = d.Workflow // the runs endpoint takes its numeric ID or file name
		}
		if d.Unnamed {
			q.Elimination, q.Branch, q.Bracketed, q.After, q.Upto = true, d.Ref, d.Bracketed, d.Before, d.Upto
		}
		run, err := p.Find(ctx, q, deadline)
		if err == nil {
			onChange(run)
		}
		return run, err
	}
	// GitHub named the run: show it at once, then read its state. (A run given by its ID
	// is shown once read: it may not exist.)
	known := Run{ID: d.RunID, HTMLURL: d.RunURL}
	if d.RunURL != "" {
		onChange(known)
	}
	if wait != event.WaitStarted {
		return known, nil
	}
	run, err := p.Get(ctx, d.RunID)
	if err != nil {
		return known, err
	}
	onChange(run)
	return run, nil
}

// After says what to do once following a run ended.
type After struct {
	LogLines        int        // of each failed job's log (0: none)
	Logs            *LogBudget // what all targets' log tails may hold together (nil: no bound)
	OutputsArtifact string     // read outputs.json from this artifact of a successful run
}

// Outcome is all that following a run found out.
type Outcome struct {
	Run Run
	// Conclusion is what the step judged: the run's, or with jobs named, theirs together
	// ("" until it, or they, completed).
	Conclusion Conclusion
	Jobs       []Job // with jobs named: the ones waited for, as last listed
	Err        error // why following failed (or the run did, with FailOnConclusion)
	FailedJobs []FailedJob
	Outputs    json.RawMessage
	Cancelled  bool        // the step cancelled the run (set by the step's clean-up)
	FailFast   string      // the job whose failure ended the wait (fail-fast); "" when none did
	Shortfalls []Shortfall // what could not be done without failing: a permission missing, logs left out
}

// FollowThrough follows the run (Follow), then explains it (or the jobs waited for) if it
// completed without success, or reads its outputs artifact if it (or they) succeeded.
// (Cancelling a run the step gave up on is the step's clean-up: pipeline.) A missing permission for the explanation or the outputs is a
// warning; a missing or malformed outputs artifact is the Outcome's Err.
func (p *Client) FollowThrough(ctx context.Context, d Dispatched, f Follow, a After, onChange func(Run)) Outcome {
	o := Outcome{}
	o.Run, o.Jobs, o.Err = p.Follow(ctx, d, f, onChange)
	o.Conclusion = judged(o.Run, o.Jobs, f.Jobs)
	id := o.Run.ID                                          // a run GitHub named is known whatever follows
	if ff, ok := errors.AsType[*FailFastError](o.Err); ok { // judged by the job that failed, explained alone
		o.Conclusion, o.FailFast = ff.Job.Conclusion, ff.Job.Name
		o.FailedJobs, o.Shortfalls = p.Explain(ctx, id, []string{ff.Job.Name}, a.LogLines, a.Logs)
		return o
	}
	if o.Conclusion == "" || id == 0 {
		return o
	}
	if o.Conclusion != ConclusionSuccess {
		o.FailedJobs, o.Shortfalls = p.Explain(ctx, id, f.Jobs, a.LogLines, a.Logs)
		return o
	}
	if a.OutputsArtifact != "" && o.Err == nil {
		out, err := p.Outputs(ctx, id, a.OutputsArtifact)
		switch kind := ghclient.CauseOf(err).Kind; {
		case err == nil:
			o.Outputs = out
		case kind == ghclient.Forbidden || kind == ghclient.NotFound:
			o.Shortfalls = append(o.Shortfalls, Shortfall{Kind: Unreadable, What: "the run's artifacts", Permission: "actions=read", Err: err})
		default:
			o.Err = err
		}
	}
	return o
}
