package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
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
	f.WithoutContract() // the action's time, not the fake's checks
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
		if code := rn.run(context.Background(), []string{"trigger", "--repository", list, "--event-type", "release",
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

// BenchmarkCompletionToExit measures, on the real clock, how long after a run completes
// the waiting step exits, and how many requests that count against the rate limit the
// whole waited run cost, for a run of 40 s (5 s queued, 35 s in progress).
func BenchmarkCompletionToExit(b *testing.B) {
	f := githubfake.Standard(b, nil)
	f.SetRateLimit(1 << 30)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/r.yml", RepositoryDispatch: true,
		RunName: receiverRunName, Queued: 5 * time.Second, Running: 35 * time.Second})
	env := map[string]string{"GITHUB_TOKEN": githubfake.TestToken}
	var latest time.Duration
	for b.Loop() {
		used, before := f.RateLimitUsed(), len(f.Requests())
		var stdout, stderr strings.Builder
		rn := testRunner(func(k string) string { return env[k] }, &stdout, &stderr)
		rn.clock = ghclient.RealClock{}
		if code := rn.run(context.Background(), []string{"trigger", "--repository", "octo/data", "--event-type", "e",
			"--api-url", f.URL(), "--wait", "completed", "--json"}); code != ExitOK {
			b.Fatalf("exit %d: %s", code, stderr.String())
		}
		exit := time.Now()
		created := f.Requests()[before].At.Truncate(time.Second) // the dispatch's answer: the run exists
		latest = max(latest, exit.Sub(created.Add(40*time.Second)))
		b.ReportMetric(float64(f.RateLimitUsed()-used), "billable-requests")
		b.ReportMetric(float64(len(f.Requests())-before), "requests")
	}
	b.ReportMetric(latest.Seconds(), "s-completion-to-exit")
}

// BenchmarkFeatureCosts reports what each of jobs, targets and status-context costs
// GitHub, in requests and in requests that count against the rate limit, each against the
// same work without it: a workflow_dispatch (github.com: the run named in the answer)
// whose build job ends after 20 s of a 10-minute run.
func BenchmarkFeatureCosts(b *testing.B) {
	for _, c := range []struct {
		name string
		args []string
	}{
		{"whole-run", []string{"--repository", "octo/data", "--workflow", "ci.yml", "--ref", "main", "--wait", "completed"}},
		{"jobs=build", []string{"--repository", "octo/data", "--workflow", "ci.yml", "--ref", "main", "--wait", "completed", "--jobs", "build"}},
		{"two-steps", nil}, // the next case's two events, sent as two steps
		{"targets=2", []string{"--targets", `[{"repository":"octo/data","event-type":"e"},{"repository":"octo/other","workflow":"ci.yml","ref":"main"}]`}},
		{"status-context", []string{"--repository", "octo/data", "--workflow", "ci.yml", "--ref", "main", "--wait", "completed", "--jobs", "build",
			"--status-context", "ci", "--status-commit", "octo/data@" + strings.Repeat("a", 40)}},
	} {
		b.Run(c.name, func(b *testing.B) {
			clock := githubfake.NewClock()
			f := githubfake.Standard(b, clock)
			f.SetRateLimit(1 << 30)
			for _, repo := range []string{"octo/data", "octo/other"} {
				f.AddWorkflow(repo, githubfake.Workflow{Path: ".github/workflows/ci.yml", WorkflowDispatch: true, Queued: 5 * time.Second,
					Running: 10 * time.Minute, Jobs: []githubfake.Job{{Name: "build", Finishes: 20 * time.Second}, {Name: "test"}}})
			}
			steps := [][]string{c.args}
			if c.args == nil {
				steps = [][]string{{"--repository", "octo/data", "--event-type", "e"}, {"--repository", "octo/other", "--workflow", "ci.yml", "--ref", "main"}}
			}
			env := map[string]string{"GITHUB_TOKEN": githubfake.TestToken}
			for b.Loop() {
				for _, args := range steps {
					if r := runCLIModeClock(b, clock, env, append([]string{"trigger", "--api-url", f.URL(), "--json"}, args...)...); r.code != ExitOK {
						b.Fatalf("exit %d: %s", r.code, r.stderr)
					}
				}
			}
			b.ReportMetric(float64(len(f.Requests()))/float64(b.N), "requests/op")
			b.ReportMetric(float64(f.RateLimitUsed())/float64(b.N), "billable/op")
		})
	}
}

// BenchmarkPreflight measures what preflight costs, for 1 and for 50 targets (50
// repositories, each with three workflow files, one listening): requests and rate-limit
// cost per step, and the wall time of the whole step with pacing out of the way (the
// action's and the fake's own time), with preflight check against off.
func BenchmarkPreflight(b *testing.B) {
	for _, n := range []int{1, 50} {
		for _, mode := range []string{"off", "check"} {
			b.Run(fmt.Sprintf("%d targets/%s", n, mode), func(b *testing.B) {
				f := githubfake.Standard(b, nil)
				f.SetRateLimit(1 << 30)
				f.WithoutContract() // the action's time, not the fake's checks
				var names []string
				for i := range n {
					names = append(names, fmt.Sprintf("org%d/repo-%02d", i%5, i))
					f.AddWorkflow(names[i], githubfake.Workflow{Path: ".github/workflows/refresh.yml", RepositoryDispatch: true, Types: []string{"release"}})
					f.AddWorkflow(names[i], githubfake.Workflow{Path: ".github/workflows/ci.yml"})
					f.AddWorkflow(names[i], githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true})
				}
				env := func(k string) string { return map[string]string{"GITHUB_TOKEN": githubfake.TestToken}[k] }
				before, used := len(f.Requests()), f.RateLimitUsed()
				for b.Loop() {
					var stdout, stderr strings.Builder
					rn := testRunner(env, &stdout, &stderr) // no pacing
					if code := rn.run(context.Background(), []string{"trigger", "--repository", strings.Join(names, ","), "--event-type", "release",
						"--api-url", f.URL(), "--concurrency", "20", "--json", "--preflight", mode}); code != ExitOK {
						b.Fatalf("exit %d: %s", code, stderr.String())
					}
				}
				b.ReportMetric(float64(len(f.Requests())-before)/float64(b.N), "requests/step")
				b.ReportMetric(float64(f.RateLimitUsed()-used)/float64(b.N), "rate-limit-cost/step")
			})
		}
	}
}
