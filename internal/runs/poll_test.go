package runs

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

// waited dispatches to the fake of wf and follows the run to its end.
func waited(t *testing.T, wf githubfake.Workflow, timeout time.Duration) (*githubfake.Fake, *githubfake.Clock) {
	t.Helper()
	f, clock, p := setup(t, wf)
	accepted := clock.Now()
	dispatch(t, p, "abc")
	run, _, err := p.Follow(context.Background(), Dispatched{Event: event.RepositoryDispatch, DistinctID: "abc", Accepted: accepted},
		Follow{Wait: event.WaitCompleted, WaitTimeout: timeout}, func(Run) {})
	if err != nil || run.Status != StatusCompleted {
		t.Fatalf("run %+v, error %v", run, err)
	}
	return f, clock
}

// A 30-minute run costs a handful of requests against the rate limit: polls answered 304
// are free, and while they are the polls stay a few seconds apart, so the end is seen at
// once.
func TestWaitingCostIsBounded(t *testing.T) {
	t.Parallel()
	f, clock := waited(t, githubfake.Workflow{RunName: runName, Queued: 10 * time.Minute, Running: 20 * time.Minute}, time.Hour)
	polls, costly := 0, 0
	for _, r := range f.Requests() {
		if r.Method == "GET" {
			polls++
			if r.Status != 304 {
				costly++
			}
		}
	}
	// Lists: nothing yet, then the run. Gets: queued, in progress, completed.
	if costly > 6 {
		t.Errorf("%d of %d polls cost rate limit, want at most 6", costly, polls)
	}
	if polls < 40 {
		t.Errorf("only %d polls for a 30-minute run: the test does not exercise long waits", polls)
	}
	if used := f.RateLimitUsed(); used != costly+1 {
		t.Errorf("fake counts %d rate-limited requests, want %d (the dispatch and %d polls)", used, costly+1, costly)
	}
	for i, d := range clock.Sleeps()[2:] {
		if d > 3*time.Second {
			t.Errorf("wait %d is %s while every answer was a free 304", i+2, d)
		}
	}
}

// Completion is noticed within seconds (of the clock) of the run completing, having
// spent one costly request per status change.
func TestCompletionNoticedWithinSeconds(t *testing.T) {
	t.Parallel()
	f, clock := waited(t, githubfake.Workflow{RunName: runName, Queued: 7 * time.Second, Running: 33 * time.Second}, 10*time.Minute)
	created := f.Requests()[0].ArrivedOn.Truncate(time.Second) // the fake creates the run as it accepts the event
	if late := clock.Now().Sub(created.Add(40 * time.Second)); late > 6*time.Second || late < 0 {
		t.Errorf("done %s after the run completed, want at most 6 s", late)
	}
	gets := 0
	for _, r := range f.Requests() {
		if r.Method == "GET" && strings.Contains(r.Path, "/actions/runs/") && r.Status == 200 {
			gets++
		}
	}
	if gets != 3 { // queued, in progress, completed
		t.Errorf("%d costly reads of the run, want 3: one per status", gets)
	}
}

// Answers that cost rate limit without any change (an ETag GitHub changes every time) make
// the polling back off, up to 20 s.
func TestCostlyAnswersBackOff(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	n := 0
	f, clock, p := setup(t, githubfake.Workflow{RunName: runName, Running: 5 * time.Minute})
	f.SetHostile(githubfake.Hostile{Rewrite: func(kind string, obj map[string]any) {
		if kind == "run" {
			mu.Lock()
			n++
			obj["noise"] = n // a new body, so a new ETag, every time
			mu.Unlock()
		}
	}})
	accepted := clock.Now()
	dispatch(t, p, "abc")
	if _, _, err := p.Follow(context.Background(), Dispatched{Event: event.RepositoryDispatch, DistinctID: "abc", Accepted: accepted},
		Follow{Wait: event.WaitCompleted, WaitTimeout: 10 * time.Minute}, func(Run) {}); err != nil {
		t.Fatal(err)
	}
	longest := time.Duration(0)
	for _, d := range clock.Sleeps() {
		longest = max(longest, d)
	}
	if longest != 20*time.Second {
		t.Errorf("longest wait %s, want the 20 s cap: %v", longest, clock.Sleeps())
	}
}
