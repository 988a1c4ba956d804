package pipeline

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/commitstatus"
	"github.com/MrSunshyne/dispatch-action/internal/runs"
	"github.com/MrSunshyne/dispatch-action/internal/untrusted"
)

// Cleanup is what Finish did after the step's outcome was reported.
type Cleanup struct {
	// Changed: a target's outcome changed (a run was cancelled), so the outputs are to be
	// written again.
	Changed bool
	// Warnings: each run cancelled, each clean-up request that could not be made (named
	// per target, with why), each App token not revoked.
	Warnings []string
}

// revokeShare is the part of the clean-up budget kept for revoking App tokens, which
// comes last: the cancels need them.
const revokeShare = 6

// Finish does the clean-up the step still owes once its outcome has been reported: the
// final status of every target that ended while the step was ending, the cancel of every
// run it gave up on or that failed fast (cancel-run-on-abort, cancel-run-on-failure),
// then revoking App tokens. Everything goes out
// together, at most Options.CleanupInFlight requests at once, unpaced and within
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
	var refused []string // the targets whose final status GitHub refused
	var why *commitstatus.PostError
	for i, l := range s.lives {
		c.Changed = c.Changed || changed[i]
		s.Results[i] = l.res
		c.Warnings = append(c.Warnings, l.notes(s.Ending, budget)...)
		if pe := l.refused(); pe != nil {
			refused, why = append(refused, l.res.Label()), pe
		}
	}
	if why != nil {
		c.Warnings = append(c.Warnings, untrusted.Line(fmt.Sprintf("the final commit status of %s: %s", strings.Join(refused, ", "), why.Warning(s.status.cli)), 0))
	}
	for _, w := range s.status.all() {
		if !slices.Contains(before, w) {
			c.Warnings = append(c.Warnings, w)
		}
	}
	for _, err := range s.clients.revoke(ctx, budget) { // each within what ctx has left
		c.Warnings = append(c.Warnings, err.Error())
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
		err := s.cleaning.Do(ctx, func() error {
			c, err := s.clients.cleanup(ctx, l.res.Repo, deadline)
			if err == nil {
				err = (&runs.Client{API: c, Repo: l.res.Repo, Clock: s.o.Clock, Server: s.clients.server}).Cancel(ctx, id)
			}
			return err
		})
		switch {
		case err == nil:
			l.owed.cancel, l.res.Run.Cancelled, changed = 0, true, true
			l.note(finishing, fmt.Sprintf("run %d was cancelled, as %s asks, %s", id, l.owed.input, l.owed.why), nil)
		case finishing || ctx.Err() == nil:
			l.owed.cancel = 0
			l.note(finishing, fmt.Sprintf("run %d could not be cancelled (%s)", id, l.owed.input), err)
		}
	}
	if l.owed.final {
		err := s.cleaning.Do(ctx, func() error { return s.status.final(ctx, s.clients.status(deadline), l.res) })
		switch {
		case err == nil:
			l.owed.final = false
		case !finishing && ctx.Err() == nil: // said as any status GitHub would not take is
			l.owed.final = false
			s.status.keep(err)
		case finishing:
			l.owed.final = false
			l.note(true, fmt.Sprintf("the final commit status %q was not posted", s.status.poster.Context(l.res.Index)), err)
		}
	}
	return changed
}

// note records what the clean-up did, or could not (err): in Finish, for its warnings,
// each named with the target and why; while the step goes on, among the run's warnings,
// reported with the target.
func (l *life) note(finishing bool, what string, err error) {
	switch {
	case finishing:
		l.undone = append(l.undone, undone{what: what, why: err})
	case err != nil:
		l.res.Run.Warnings = append(l.res.Run.Warnings, what+": "+err.Error())
	default:
		l.res.Run.Warnings = append(l.res.Run.Warnings, what)
	}
}

// refused is GitHub's refusal of the target's final status in Finish, if it was refused.
func (l *life) refused() *commitstatus.PostError {
	for _, u := range l.undone {
		if pe := refusal(u.why); pe != nil {
			return pe
		}
	}
	return nil
}

// notes are the target's clean-up in Finish as warnings, each naming the target and, for
// what could not be done, the true reason: the step's ending and the budget, or GitHub's
// answer.
func (l *life) notes(ending Ending, budget time.Duration) []string {
	var out []string
	for _, u := range l.undone {
		msg := fmt.Sprintf("%s: %s", l.res.Label(), u.what)
		switch {
		case refusal(u.why) != nil: // said once for every target, by Finish
			continue
		case u.why == nil:
		case errors.Is(u.why, context.DeadlineExceeded) || errors.Is(u.why, context.Canceled):
			msg += fmt.Sprintf(": %s and the %s left for the clean-up ran out", ending.words(), budget)
		default:
			msg += ": " + u.why.Error()
		}
		out = append(out, untrusted.Line(msg, 0))
	}
	return out
}
