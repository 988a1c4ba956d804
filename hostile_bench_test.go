//go:build unix

package main

import (
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

// BenchmarkHostileAnswers runs the real binary (a child process, the real clock) against
// the fake misbehaving in each way the action must survive, and reports the child's peak
// resident memory and the time from start to exit. Targets: under 64 MiB, and within
// wait-timeout (5s here) or timeout (10s here) plus 5 s. Run with -benchtime 1x.
func BenchmarkHostileAnswers(b *testing.B) {
	bin := buildBinary(b)
	wait := []string{"--wait", "started", "--wait-timeout", "5s"}
	cases := []struct {
		name  string
		setup func(f *githubfake.Fake)
		args  []string
	}{
		{"100MB error body", func(f *githubfake.Fake) { f.Script(githubfake.Fault{Status: 422, BodyBytes: 100 << 20}) }, nil},
		{"200MB run listing", func(f *githubfake.Fake) {
			for range 20 {
				f.Script(githubfake.Fault{Path: "/actions/runs", Status: 200, BodyBytes: 200 << 20})
			}
		}, wait},
		{"endless run pages", func(f *githubfake.Fake) { f.SetHostile(githubfake.Hostile{EndlessRuns: true}) }, wait},
		{"trickling run listing", func(f *githubfake.Fake) {
			for range 20 {
				f.Script(githubfake.Fault{Path: "/actions/runs", Status: 200, Body: `{"total_count":1,"workflow_runs":[]}`, Trickle: 100 * time.Millisecond})
			}
		}, wait},
		{"hanging run reads", func(f *githubfake.Fake) {
			for range 20 {
				f.Script(githubfake.Fault{Path: "/actions/runs", Hang: true})
			}
		}, wait},
		{"redirect loop", func(f *githubfake.Fake) {
			for range 10 {
				f.Script(githubfake.Fault{Path: "/dispatches", Status: 307, Header: http.Header{"Location": {"/repos/octo/data/dispatches"}}})
			}
		}, nil},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			var peak int64
			var longest time.Duration
			for b.Loop() {
				f := githubfake.Standard(b, nil)
				f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/r.yml", RepositoryDispatch: true,
					RunName: "r ${{ github.event.client_payload.distinct_id }}"})
				tc.setup(f)
				// Hostile answers to the dispatch and the run's reads: preflight's reads would take the first fault instead.
				cmd := exec.Command(bin, append([]string{"trigger", "--repository", "octo/data", "--event-type", "e", "--api-url", f.URL(), "--preflight", "off"}, tc.args...)...)
				cmd.Env = []string{"GITHUB_TOKEN=" + githubfake.TestToken}
				start := time.Now()
				out, _ := cmd.CombinedOutput()
				took := time.Since(start)
				longest = max(longest, took)
				if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 1 {
					b.Fatalf("exit %v, want 1\n%s", cmd.ProcessState, out)
				}
				if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > peak {
					peak = ru.Maxrss
				}
				if testing.Verbose() {
					fmt.Printf("%s: exit 1 after %s\n%s\n", tc.name, took.Round(time.Millisecond), lastLines(out, 3))
				}
			}
			b.ReportMetric(float64(peak)/1024, "peak-RSS-MiB")
			b.ReportMetric(longest.Seconds(), "s-to-exit")
		})
	}
}

func lastLines(b []byte, n int) string {
	end := len(b)
	for i := len(b) - 1; i >= 0 && n > 0; i-- {
		if b[i] == '\n' && i != len(b)-1 {
			n--
			if n == 0 {
				return string(b[i+1 : end])
			}
		}
	}
	return string(b)
}

// BenchmarkLogTails runs the real binary against twenty runs that fail in three jobs each,
// whose logs are 600 lines of 30,000 characters (18 MB), with log-lines 500: the peak
// resident memory must stay under 64 MiB however long the lines. Run with -benchtime 1x.
func BenchmarkLogTails(b *testing.B) {
	bin := buildBinary(b)
	line := "2026-11-28T12:00:00.0000000Z " + strings.Repeat("x", 30_000) + "\n"
	log := strings.Repeat(line, 600)
	wf := githubfake.Workflow{Path: ".github/workflows/ci.yml", RepositoryDispatch: true, Conclusion: "failure",
		RunName: "ci ${{ github.event.client_payload.distinct_id }}", Queued: 10 * time.Millisecond, Running: 10 * time.Millisecond,
		Jobs: []githubfake.Job{{Name: "a", Log: log, Steps: []githubfake.Step{{Name: "s", Conclusion: "failure"}}},
			{Name: "b", Log: log, Steps: []githubfake.Step{{Name: "s", Conclusion: "failure"}}},
			{Name: "c", Log: log, Steps: []githubfake.Step{{Name: "s", Conclusion: "failure"}}}}}
	var peak int64
	for b.Loop() {
		f := githubfake.Standard(b, nil)
		f.WithoutContract() // 54 MB of logs a run: measure the binary, not the fake's checks
		var repos []string
		for i := range 20 {
			repos = append(repos, fmt.Sprintf("octo/r%02d", i))
			f.AddWorkflow(repos[i], wf)
		}
		cmd := exec.Command(bin, "trigger", "--repository", strings.Join(repos, ","), "--event-type", "e", "--api-url", f.URL(),
			"--wait", "completed", "--log-lines", "500", "--concurrency", "20")
		cmd.Env = []string{"GITHUB_TOKEN=" + githubfake.TestToken}
		out, _ := cmd.CombinedOutput()
		if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 1 || !strings.Contains(string(out), "Last 500 log lines of job a") {
			b.Fatalf("exit %v\n%s", cmd.ProcessState, lastLines(out, 20))
		}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > peak {
			peak = ru.Maxrss
		}
	}
	b.ReportMetric(float64(peak)/1024, "peak-RSS-MiB")
}
