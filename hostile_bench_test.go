//go:build unix

package main

import (
	"fmt"
	"net/http"
	"os/exec"
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
				cmd := exec.Command(bin, append([]string{"trigger", "--repository", "octo/data", "--event-type", "e", "--api-url", f.URL()}, tc.args...)...)
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
