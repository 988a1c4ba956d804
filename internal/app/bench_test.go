package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

// BenchmarkWaitedRun measures one `dispatch trigger --wait completed` in process: the
// repository_dispatch, finding the run by its distinct ID, and following it through a
// 2-minute queue and a 10-minute run, with waits on a virtual clock. It reports what a
// waited run costs GitHub: requests, and those that count against the rate limit (a
// conditional request answered 304 does not).
func BenchmarkWaitedRun(b *testing.B) {
	clock := githubfake.NewClock()
	f := githubfake.Standard(b, clock)
	f.SetRateLimit(1 << 30)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/refresh.yml", RepositoryDispatch: true,
		RunName: receiverRunName, Queued: 2 * time.Minute, Running: 10 * time.Minute})
	env := map[string]string{"GITHUB_TOKEN": githubfake.TestToken}
	b.ReportAllocs()
	for b.Loop() {
		if r := runCLIModeClock(b, clock, env, "trigger", "--repository", "octo/data", "--event-type", "e",
			"--api-url", f.URL(), "--wait", "completed", "--json"); r.code != ExitOK {
			b.Fatalf("exit %d: %s", r.code, r.stderr)
		}
	}
	b.StopTimer()
	reqs := f.Requests()
	costly := f.RateLimitUsed()
	b.ReportMetric(float64(len(reqs))/float64(b.N), "requests/run")
	b.ReportMetric(float64(costly)/float64(b.N), "rate-limit-cost/run")
}

// BenchmarkFanOut50 measures one step that dispatches to 50 repositories with concurrency
// 20, pacing raised out of the way so that it measures the action's own overhead.
func BenchmarkFanOut50(b *testing.B) {
	f := githubfake.Standard(b, nil)
	f.SetRateLimit(1 << 30)
	var names []string
	for i := range 50 {
		names = append(names, fmt.Sprintf("org%d/repo-%02d", i%5, i))
		f.AddRepo(names[i])
	}
	list := strings.Join(names, ",")
	env := func(k string) string { return map[string]string{"GITHUB_TOKEN": githubfake.TestToken}[k] }
	b.ReportAllocs()
	for b.Loop() {
		var stdout, stderr strings.Builder
		rn := testRunner(env, &stdout, &stderr) // no pacing
		if code := rn.main(context.Background(), []string{"trigger", "--repository", list, "--event-type", "release",
			"--api-url", f.URL(), "--concurrency", "20", "--json"}); code != ExitOK {
			b.Fatalf("exit %d: %s", code, stderr.String())
		}
	}
	b.StopTimer()
	if n := len(f.Dispatches()); n < 50*b.N {
		b.Fatalf("%d dispatches for %d runs", n, b.N)
	}
}

// BenchmarkExplainFailedRun measures what explaining a failed run costs GitHub: the
// requests after the run completed (jobs, annotations of each failed job, the log of the
// first few), for a run with one failed job of two.
func BenchmarkExplainFailedRun(b *testing.B) {
	clock := githubfake.NewClock()
	f := githubfake.Standard(b, clock)
	f.SetRateLimit(1 << 30)
	f.AddWorkflow("octo/data", failingTests())
	env := map[string]string{"GITHUB_TOKEN": githubfake.TestToken}
	b.ReportAllocs()
	for b.Loop() {
		if r := runCLIModeClock(b, clock, env, "trigger", "--repository", "octo/data", "--event-type", "e",
			"--api-url", f.URL(), "--wait", "completed", "--json"); r.code != ExitFailed {
			b.Fatalf("exit %d: %s", r.code, r.stderr)
		}
	}
	b.StopTimer()
	explaining, storage := 0, len(f.StorageRequests())
	for _, r := range f.Requests() {
		if strings.HasSuffix(r.Path, "/jobs") || strings.Contains(r.Path, "/check-runs/") || strings.HasSuffix(r.Path, "/logs") {
			explaining++
		}
	}
	b.ReportMetric(float64(explaining)/float64(b.N), "api-requests/explanation")
	b.ReportMetric(float64(storage)/float64(b.N), "storage-requests/explanation")
}
