package dispatch

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/MrSunshyne/dispatch-action/internal/event"
)

// ErrNotSent marks targets never tried because the step was cancelled or timed out first.
var ErrNotSent = errors.New("not sent: the step was cancelled or ran out of time before this target's turn")

// FanOut runs one for every target, at most concurrency at once, and returns the results
// in the targets' order. Every target is attempted even when others fail; once ctx is
// done, the targets not yet started get notSent's result, failed with ErrNotSent.
func FanOut(ctx context.Context, targets []event.Repo, concurrency int,
	one func(context.Context, event.Repo) Result, notSent func(event.Repo) Result) []Result {
	results := make([]Result, len(targets))
	skip := func(i int) {
		results[i] = notSent(targets[i])
		results[i].Fail(ErrNotSent)
	}
	slots := make(chan struct{}, max(concurrency, 1))
	var wg sync.WaitGroup
	for i, repo := range targets {
		select {
		case slots <- struct{}{}:
			if ctx.Err() != nil { // a slot and the cancellation arrived together
				<-slots
				skip(i)
				continue
			}
		case <-ctx.Done(): // cancelled: send nothing more, say so for the rest
			skip(i)
			continue
		}
		wg.Add(1)
		go func() {
			defer func() {
				if r := recover(); r != nil { // a bug for one target is that target's failure
					results[i] = notSent(repo)
					results[i].Fail(fmt.Errorf("internal error: %v (please report it)", r))
				}
				<-slots
				wg.Done()
			}()
			results[i] = one(ctx, repo)
		}()
	}
	wg.Wait()
	return results
}
