package app

import (
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
	f := githubfake.NewServer(b)
	f.AddToken(githubfake.Token{Value: testToken})
	f.SetRateLimit(1 << 30)
	clock := githubfake.NewClock()
	f.SetClock(clock)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/refresh.yml", RepositoryDispatch: true,
		RunName: receiverRunName, Queued: 2 * time.Minute, Running: 10 * time.Minute})
	env := map[string]string{"GITHUB_TOKEN": testToken}
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
