//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

// BenchmarkCLIProcess measures a whole CLI run as a user or a service sees it: process
// start to exit, one dispatch to the fake on loopback (preflight on, as by default: a
// receiving workflow is there to be read). It reports the child's peak
// resident memory as peak-RSS-KB.
func BenchmarkCLIProcess(b *testing.B) {
	bin := buildBinary(b)
	f := githubfake.NewServer(b)
	f.AddRepo("octo/data")
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/fetch.yml", RepositoryDispatch: true, Types: []string{"fetch-meetup-data"}})
	f.AddToken(githubfake.Token{Value: "ghp_benchmark0123456789"})
	env := []string{"GITHUB_TOKEN=ghp_benchmark0123456789"}

	var peak int64
	b.ResetTimer()
	for b.Loop() {
		cmd := exec.Command(bin, "trigger", "--repository", "octo/data", "--event-type", "fetch-meetup-data",
			"--client-payload", `{"source":"bench"}`, "--api-url", f.URL())
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("dispatch: %v\n%s", err, out)
		}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > peak {
			peak = ru.Maxrss
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(peak), "peak-RSS-KB")
	if len(f.Dispatches()) < b.N {
		b.Fatalf("%d dispatches for %d runs", len(f.Dispatches()), b.N)
	}
}

// buildBinary builds the static binary as released (CGO off, -trimpath, -s -w).
func buildBinary(b *testing.B) string {
	bin := filepath.Join(b.TempDir(), "dispatch")
	build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}
