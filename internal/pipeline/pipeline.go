// Package pipeline owns the life of each target of a step, from the checked configuration
// to its outcome: the client of its credential, the event sent, its run found, waited for
// and explained, its commit status (pending, then final), and its run cancelled when the
// step gives up on it. The promises that must hold on every exit path are kept here, once:
//
//   - a status posted pending always gets its final one, under the context it was first
//     posted with;
//   - the clean-up of an ending step (final statuses, cancels) is neither refused by the
//     step's deadline nor spaced out by the pace of content-creating requests: it goes out
//     together, a bounded number in flight, within a budget that fits the runner's cancel
//     window, and what still could not be done is named per target with its true reason;
//   - when the step is cancelled or runs out of time, Run returns at once with every
//     target's outcome so that the caller reports first, and Finish does the clean-up
//     after; targets never started need no request at all.
//
// A target is known by its place (event.Target.Index), never by its contents.
package pipeline

import (
	"context"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/outcome"
	"github.com/MrSunshyne/dispatch-action/internal/pool"
	"github.com/MrSunshyne/dispatch-action/internal/runs"
)

// Progress hears what happens as it happens. Its methods may be called from several
// goroutines at once (one per target in flight).
type Progress interface {
	Attempt(target string, a ghclient.Attempt) // every dispatch attempt; failed poll requests
	Sent(r outcome.Result)                     // a dispatch was accepted or failed
	Run(r runs.Run)                            // a run was found, or changed status
	Mask(secret string)                        // a new secret (an App token) exists
}

// Silent is the Progress of a dry run, or of a caller that only wants the outcome.
type Silent struct{}

// Attempt implements Progress.
func (Silent) Attempt(string, ghclient.Attempt) {}

// Sent implements Progress.
func (Silent) Sent(outcome.Result) {}

// Run implements Progress.
func (Silent) Run(runs.Run) {}

// Mask implements Progress.
func (Silent) Mask(string) {}

// Options are what a step depends on besides its configuration; tests replace the clock
// and the timeouts so that waits cost no real time.
type Options struct {
	Getenv         func(string) string // the runner's environment, for its proxy
	Clock          ghclient.Clock      // nil: the wall clock
	AttemptTimeout time.Duration       // of one request; 0: ghclient.DefaultAttemptTimeout
	Pace           time.Duration       // content-creating requests this far apart per credential; 0: none
	// CleanupBudget bounds the clean-up of the step (Finish) and each target's own, on
	// the wall clock and the Clock alike; 0: DefaultCleanupBudget.
	CleanupBudget time.Duration
	// InFlight bounds the requests in flight at once besides the sends (preflight's reads,
	// the clean-up's requests); 0: DefaultInFlight.
	InFlight int
	Progress Progress // nil: Silent
}

// DefaultCleanupBudget is what the clean-up of an ending step may take: the runner sends
// SIGTERM 7.5 s after the SIGINT that cancels a job, and kills the step 2.5 s later; the
// report is written first, in milliseconds, and the clean-up ends before SIGTERM.
const DefaultCleanupBudget = 6 * time.Second

// DefaultInFlight is how many requests besides the sends go at once: preflight's reads
// are not spaced like content-creating requests, and a burst of a few dozen clean-up
// statuses and cancels stays well inside GitHub's secondary limits (100 concurrent
// requests, 80 content-creating a minute); a few at a time finish them in round trips.
const DefaultInFlight = 8

func (o Options) withDefaults() Options {
	if o.Clock == nil {
		o.Clock = ghclient.RealClock{}
	}
	if o.Getenv == nil {
		o.Getenv = func(string) string { return "" }
	}
	if o.CleanupBudget <= 0 {
		o.CleanupBudget = DefaultCleanupBudget
	}
	if o.InFlight <= 0 {
		o.InFlight = DefaultInFlight
	}
	if o.Progress == nil {
		o.Progress = Silent{}
	}
	return o
}

// Ending is why a step stopped before its targets were done.
type Ending string

// The endings.
const (
	Completed Ending = ""          // every target ran its course
	Cancelled Ending = "cancelled" // the job was cancelled (the step got a signal)
	TimedOut  Ending = "timed out" // the step's timeout ran out
)

// NotSentError is a target never started because the step ended first.
type NotSentError struct{ Ending Ending }

func (e *NotSentError) Error() string {
	return "not sent: " + e.Ending.Words() + " before this target's turn"
}

// Is makes a NotSentError an ErrNotSent.
func (e *NotSentError) Is(target error) bool { return target == ErrNotSent }

// Step is one run of the action (or of a CLI command): its targets' outcomes, and what it
// still owes once they are reported.
type Step struct {
	Results []outcome.Result           // one for each target, in the targets' order
	Preview []ghclient.RecordedRequest // a dry run's requests, in order
	// Notes: what went wrong without failing a target (Note.Warning), and what a person
	// should know that is no failure (what preflight could not read), in order.
	Notes []Note
	// Refused: preflight refused the step; every target failed, nothing was sent.
	Refused  bool
	Ending   Ending // why the step stopped early, if it did
	cfg      *config.Config
	o        Options
	clients  *clients
	status   *statuses // nil: no commit statuses
	lives    []*life
	deadline time.Time       // the step's timeout, by the Clock
	logs     *runs.LogBudget // what the failed jobs' log tails may hold, all targets together
	requests *pool.Pool      // preflight's reads and the clean-up's requests in flight
}

// Run sends every target's event (at most cfg.Concurrency at once, paced per credential)
// and follows its run as configured, all within cfg.Timeout; in a dry run it records the
// exact requests instead. It returns as soon as every target has ended (a cancelled or
// timed-out step ends them at once), leaving the clean-up it could not do to Finish.
func Run(ctx context.Context, cfg *config.Config, o Options) (s *Step) {
	o = o.withDefaults()
	if cfg.DryRun {
		o.Progress = Silent{}
	}
	s = &Step{cfg: cfg, o: o, logs: runs.NewLogBudget(runs.StepLogBytes), requests: pool.New(o.InFlight)}
	defer s.survive()
	s.deadline = o.Clock.Now().Add(cfg.Timeout)
	stepCtx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	s.clients = newClients(cfg, o, s.deadline)
	s.status = newStatuses(cfg, s.clients)
	s.lives = make([]*life, len(cfg.Targets))
	for i, t := range cfg.Targets {
		s.lives[i] = &life{s: s, res: outcome.Result{Target: t}}
	}
	concurrency := cfg.Concurrency
	if cfg.DryRun {
		concurrency = 1 // one at a time: the preview keeps the input order
	}
	if s.Refused = s.forge(stepCtx) || s.preflight(stepCtx); !s.Refused {
		fanOut(stepCtx, cfg.Targets, s.clients.order, concurrency,
			func(ctx context.Context, t event.Target) *life { return s.lives[t.Index].live(ctx) },
			func(t event.Target, err error) *life { return s.lives[t.Index].failed(err) })
	}
	s.Ending = s.ending(ctx, stepCtx)
	for _, l := range s.lives {
		if l.notStarted() {
			l.res.Fail(&NotSentError{Ending: s.Ending})
		}
		s.Results = append(s.Results, l.res)
	}
	s.Preview = s.clients.preview()
	s.Notes = append(s.Notes, s.status.all()...)
	for _, l := range s.lives {
		s.Notes = append(s.Notes, l.notes...)
	}
	s.Notes = append(s.Notes, s.clients.deprecations()...)
	return s
}

// survive turns a bug outside any one target into every target's failure, so that the
// step still reports its outcome and Finish still revokes what was minted.
func (s *Step) survive() {
	r := recover()
	if r == nil {
		return
	}
	err := InternalError(r)
	s.Results = s.Results[:0]
	for i, t := range s.cfg.Targets {
		res := outcome.Result{Target: t}
		res.Fail(err)
		s.Results = append(s.Results, res)
		if i < len(s.lives) {
			s.lives[i].res, s.lives[i].owed = res, owed{}
		}
	}
}

// ending is why the step stopped early: its parent context's cancellation, or its own
// timeout (by the context, or by the Clock the waits go by).
func (s *Step) ending(parent, stepCtx context.Context) Ending {
	switch {
	case parent.Err() != nil:
		return Cancelled
	case stepCtx.Err() != nil || !s.o.Clock.Now().Before(s.deadline):
		return TimedOut
	}
	return Completed
}
