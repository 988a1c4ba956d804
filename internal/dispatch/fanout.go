package dispatch

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
)

// Pace spaces content-creating requests so a step stays within GitHub's secondary limits
// by construction: at most 80 a minute and 500 an hour, and (as GitHub asks of bulk
// requests) one a second. Two token buckets: one request per Interval with no burst, and
// an hourly budget of HourBurst refilled one per HourInterval.
type Pace struct {
	Interval     time.Duration
	HourBurst    int
	HourInterval time.Duration
}

// GitHubPace is GitHub's pace: 1 per second keeps any minute at 60 (≤ 80); 50 at once plus one per 8 s
// keeps any hour at 50 + 450 = 500.
var GitHubPace = Pace{Interval: time.Second, HourBurst: 50, HourInterval: 8 * time.Second}

// Pacer builds the pace's limiters (x/time/rate) for the retry policy; nil when the pace
// has no interval (no pacing).
func (p Pace) Pacer() ghclient.Pacer {
	if p.Interval <= 0 {
		return nil
	}
	return limiters{rate.NewLimiter(rate.Every(p.Interval), 1), rate.NewLimiter(rate.Every(p.HourInterval), p.HourBurst)}
}

type limiters []*rate.Limiter

func (ls limiters) Wait(ctx context.Context) error {
	for _, l := range ls {
		if err := l.Wait(ctx); err != nil {
			return err
		}
	}
	return nil
}

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
