package pipeline

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/commitstatus"
	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/runs"
)

// Cleanup is what Finish did after the step's outcome was reported.
type Cleanup struct {
	// Changed: a target's outcome changed (a run was cancelled), so the outputs are to be
	// written again.
	Changed bool
	// Notes: each run cancelled, each clean-up request that could not be made (per
	// target, with why), each App token not revoked; all of them warnings.
	Notes []Note
}

// revokeShare is the part of the clean-up budget kept for revoking App tokens, which
// comes last: the cancels need them.
const revokeShare = 6

// Finish does the clean-up the step still owes once its outcome has been reported: the
// final status of every target that ended while the step was ending, the cancel of every
// run it gave up on or that failed fast (cancel-run: on-abort, on-failure),
// then revoking App tokens. Everything goes out
// together, at most Options.InFlight requests at once, unpaced and within
// Options.CleanupBudget, even when ctx is already cancelled. Step.Results are updated.
func (s *Step) Finish(ctx context.Context) Cleanup {
	budget := s.o.CleanupBudget
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), budget)
	defer cancel()
	owedCtx, owedCancel := context.WithTimeout(ctx, budget-budget/revokeShare)
	defer owedCancel()
	deadline := s.o.Clock.Now().Add(budget - budget/revokeShare)
	before := s.status.all()
	changed := make([]bool, len(s.lives))
	var wg sync.WaitGroup
	for i, l := range s.lives {
		if l.owed != (owed{}) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				changed[i] = l.cleanUp(owedCtx, deadline, true)
			}()
		}
	}
	wg.Wait()
	var c Cleanup
	var refused []event.Target // the targets whose final status GitHub refused
	var why *commitstatus.PostError
	for i, l := range s.lives {
		c.Changed = c.Changed || changed[i]
		s.Results[i] = l.res
		for _, n := range l.undone {
			switch pe := refusal(n.Err); {
			case pe != nil: // said once for every target, below
				refused, why = append(refused, *n.Target), pe
				continue
			case errors.Is(n.Err, context.DeadlineExceeded) || errors.Is(n.Err, context.Canceled):
				n.Ending, n.Budget = s.Ending, budget
			}
			c.Notes = append(c.Notes, n)
		}
	}
	if why != nil {
		c.Notes = append(c.Notes, Note{Kind: FinalRefused, Targets: refused, Err: why})
	}
	for _, n := range s.status.all() {
		if !slices.ContainsFunc(before, func(b Note) bool { return b.Err == n.Err }) {
			c.Notes = append(c.Notes, n)
		}
	}
	for _, err := range s.clients.revoke(ctx, budget, s.requests) { // each within what ctx has left
		c.Notes = append(c.Notes, Note{Kind: NotRevoked, Err: err})
	}
	return c
}

// cleanUp does what the ended target owes, with clean-up clients bound by deadline: the
// cancel first, then the final status (which then shows the run's last state). While the
// step goes on (finishing false) what its ending interrupts stays owed, for Finish;
// finishing, whatever fails is recorded as undone. It reports whether the outcome changed.
func (l *life) cleanUp(ctx context.Context, deadline time.Time, finishing bool) (changed bool) {
	s := l.s
	if id := l.owed.cancel; id != 0 {
		err := s.requests.Do(ctx, func() error {
			c, err := s.clients.cleanup(ctx, l.res.Repo, deadline)
			if err == nil {
				err = (&runs.Client{API: c, Repo: l.res.Repo, Clock: s.o.Clock, Server: s.clients.server}).Cancel(ctx, id)
			}
			return err
		})
		n := l.noteOf(RunCancelled)
		n.Run, n.Input, n.FailedJob = id, l.owed.input, l.owed.failedJob
		switch {
		case err == nil:
			l.owed.cancel, l.res.Run.Cancelled, changed = 0, true, true
			l.note(finishing, n)
		case finishing || ctx.Err() == nil:
			l.owed.cancel = 0
			n.Kind, n.Err = RunNotCancelled, err
			l.note(finishing, n)
		}
	}
	if l.owed.final {
		err := s.requests.Do(ctx, func() error { return s.status.final(ctx, s.clients.status(deadline), l.res) })
		switch {
		case err == nil:
			l.owed.final = false
		case !finishing && ctx.Err() == nil: // said as any status GitHub would not take is
			l.owed.final = false
			s.status.keep(err)
		case finishing:
			l.owed.final = false
			n := l.noteOf(FinalNotPosted)
			n.Context, n.Err = s.status.poster.Context(l.res.Index), err
			l.note(true, n)
		}
	}
	return changed
}

// noteOf is a note of kind about the target, as it was sent (its ref resolved).
func (l *life) noteOf(kind NoteKind) Note {
	t := l.res.Target
	t.Ref = l.res.SentRef()
	return Note{Kind: kind, Target: &t}
}

// note records what the clean-up did, or could not: in Finish, for its notes; while the
// step goes on, for the step's, reported with the outcome.
func (l *life) note(finishing bool, n Note) {
	if finishing {
		l.undone = append(l.undone, n)
	} else {
		l.notes = append(l.notes, n)
	}
}
