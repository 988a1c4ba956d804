package pipeline

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/config"
)

// BenchmarkEndingStep is what an ending step costs: 30 targets with status-context and
// cancel-run-on-abort, 20 in flight (the most concurrency allows) waiting for their runs
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
	in.CancelRunOnAbort = "true"
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
