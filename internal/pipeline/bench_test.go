package pipeline

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

// BenchmarkEndingStep is what an ending step costs: 30 targets with status-context and
// cancel-run: on-abort, 20 in flight (the most concurrency allows) waiting for their runs
// when the job is cancelled, each answer taking latency as GitHub's do. It reports how
// long after the cancellation the report could start (report-ms), how long the clean-up
// then took (cleanup-ms), and the requests it made (cleanup-requests: final statuses and
// cancels; the 10 targets never started need none).
func BenchmarkEndingStep(b *testing.B) {
	for _, latency := range []time.Duration{0, 250 * time.Millisecond} {
		b.Run("latency="+latency.String(), func(b *testing.B) {
			var report, cleanup time.Duration
			var requests int
			for range b.N {
				r, c, n := endingStep(b, latency)
				report, cleanup, requests = report+r, cleanup+c, requests+n
			}
			b.ReportMetric(float64(report.Milliseconds())/float64(b.N), "report-ms")
			b.ReportMetric(float64(cleanup.Milliseconds())/float64(b.N), "cleanup-ms")
			b.ReportMetric(float64(requests)/float64(b.N), "cleanup-requests")
		})
	}
}

// endingStep runs one ending step and measures it.
func endingStep(b *testing.B, latency time.Duration) (report, cleanup time.Duration, requests int) {
	b.Helper()
	clock := stuckClock{now: time.Now()}
	f := fakeWith(b, clock, 30, time.Hour)
	in := inputs(f, 30)
	in.CancelRun = "on-abort"
	cfg, ps := config.Build(config.ActionMode, in)
	if ps != nil {
		b.Fatal(ps)
	}
	f.SetLatency(latency)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var cancelled time.Time
	go func() {
		for len(f.Statuses()) < 20 {
			time.Sleep(time.Millisecond)
		}
		cancelled = time.Now()
		cancel()
	}()
	st := Run(ctx, cfg, Options{Clock: clock})
	report = time.Since(cancelled)
	before := len(f.Requests())
	start := time.Now()
	st.Finish(context.Background())
	cleanup = time.Since(start)
	for _, r := range f.Requests()[before:] {
		if strings.Contains(r.Path, "/statuses/") || strings.HasSuffix(r.Path, "/cancel") {
			requests++
		}
	}
	if len(f.Cancelled()) != 20 {
		b.Fatalf("%d runs cancelled, want 20", len(f.Cancelled()))
	}
	return report, cleanup, requests
}

// BenchmarkPacedFanOut measures fan-out with GitHub's real pace (one content-creating
// request a second per credential, real clock): 120 targets on one token, and 60 targets
// over 12 App installations (5 each), which go in parallel. It reports the seconds from
// start to the last outcome; the target is N s + 2 s of the busiest credential's N targets.
func BenchmarkPacedFanOut(b *testing.B) {
	b.Run("120 targets, one token", func(b *testing.B) {
		f := githubfake.Standard(b, nil)
		f.SetRateLimit(1 << 30)
		pacedFanOut(b, sendTo(f, named(f, "octo/r", 120), "20"))
	})
	b.Run("60 targets, 12 App installations", func(b *testing.B) {
		f := githubfake.Standard(b, nil)
		f.SetRateLimit(1 << 30)
		inst := map[string]*githubfake.Installation{}
		var names []string
		for o := range 12 {
			owner := fmt.Sprintf("org%02d", o)
			in := &githubfake.Installation{ID: int64(500 + o), Permissions: map[string]string{"contents": "write"}}
			for r := range 5 {
				in.Repos = append(in.Repos, fmt.Sprintf("r%d", r))
				names = append(names, owner+"/"+in.Repos[r])
			}
			inst[owner] = in
		}
		f.AddApp(githubfake.App{ID: "424242", PublicKey: &appKey().PublicKey, Installations: inst})
		in := sendTo(f, names, "20")
		in.Token, in.AppID, in.AppPrivateKey, in.KeyFromEnv = "", "424242", appKeyPEM(), true
		pacedFanOut(b, in)
	})
}

func pacedFanOut(b *testing.B, in config.Inputs) {
	cfg, ps := config.Build(config.CLIMode, in)
	if ps != nil {
		b.Fatal(ps)
	}
	var longest time.Duration
	for b.Loop() {
		start := time.Now()
		st := Run(context.Background(), cfg, Options{Clock: ghclient.RealClock{}, Pace: event.PaceInterval})
		for _, r := range st.Results {
			if !r.OK() {
				b.Fatalf("%s: %v", r.Label(), r.Err)
			}
		}
		longest = max(longest, time.Since(start))
		st.Finish(context.Background())
	}
	b.ReportMetric(longest.Seconds(), "s-to-exit")
}
