package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/pool"
)

// ErrNotSent marks targets never tried because the step was cancelled or timed out first.
var ErrNotSent = errors.New("not sent: cancelled or out of time before this target's turn")

// InternalError is a panic turned into an error: a bug, reported as such, for the target
// it happened to (or, from app, for the step).
func InternalError(r any) error { return fmt.Errorf("internal error: %v (please report it)", r) }

// byOwner orders targets round-robin by owner (the first of each owner, then the second
// of each, …), so that slots in flight go to different owners: with a GitHub App, each
// owner's installation token has a pace of its own.
func byOwner(targets []event.Target) []int {
	var owners []string
	by := map[string][]int{}
	for i, t := range targets {
		o := strings.ToLower(t.Repo.Owner)
		if _, ok := by[o]; !ok {
			owners = append(owners, o)
		}
		by[o] = append(by[o], i)
	}
	order := make([]int, 0, len(targets))
	for round := 0; len(order) < len(targets); round++ {
		for _, o := range owners {
			if round < len(by[o]) {
				order = append(order, by[o][round])
			}
		}
	}
	return order
}

// fanOut runs one for every target, at most concurrency at once, starting them in the
// order given (nil: the targets' order), and returns the results in the targets' order.
// Every target is attempted even when others fail; once ctx is done, the targets not yet
// started get failed(target, ErrNotSent), and a target whose run panicked gets
// failed(target, InternalError(…)).
func fanOut[R any](ctx context.Context, targets []event.Target, order []int, concurrency int,
	one func(context.Context, event.Target) R, failed func(event.Target, error) R) []R {
	results := make([]R, len(targets))
	run := func(i int) {
		defer func() {
			if r := recover(); r != nil { // a bug for one target is that target's failure
				results[i] = failed(targets[i], InternalError(r))
			}
		}()
		results[i] = one(ctx, targets[i])
	}
	skip := func(i int) { results[i] = failed(targets[i], ErrNotSent) }
	if len(targets) == 1 { // run here: a goroutine to start and wait for costs a step's start 0.7 ms
		if ctx.Err() != nil {
			skip(0)
		} else {
			run(0)
		}
		return results
	}
	if order == nil {
		order = make([]int, len(targets))
		for i := range order {
			order[i] = i
		}
	}
	p := pool.New(concurrency)
	for _, i := range order {
		if !p.Go(ctx, func() { run(i) }) { // cancelled: send nothing more, say so for the rest
			skip(i)
		}
	}
	p.Wait()
	return results
}
