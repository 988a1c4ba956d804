package preflight

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

// peakHeap runs f while sampling the heap's live objects every millisecond, and returns
// the highest sample.
func peakHeap(f func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	f()
	close(done)
	return peak.Load()
}

// BenchmarkPreflightBounds measures what preflight costs on repositories built to make it
// costly: eight workflow files of just under 1 MiB whose bulk is a flow mapping under
// env: (peak-heap-MiB), 40 repositories of 25 workflow files none of which listens, and
// one repository of 1,000 (requests, each a GET of GitHub's).
func BenchmarkPreflightBounds(b *testing.B) {
	b.Run("8 files of 1 MiB", func(b *testing.B) {
		c := newChecker(b)
		big := "jobs: {}\nenv: {L: {" + strings.Repeat("a, ", (MaxFileBytesForBench-40)/3) + "}}\n"
		for i := range 8 {
			on := "on:\n  push:\n"
			if i == 7 {
				on = "on:\n  repository_dispatch:\n    types: [e]\n"
			}
			c.f.AddWorkflow("octo/data", githubfake.Workflow{Path: fmt.Sprintf(".github/workflows/w%d.yml", i), RepositoryDispatch: i == 7, File: on + big})
		}
		var peak uint64
		for b.Loop() {
			before := len(c.f.Requests())
			peak = max(peak, peakHeap(func() { c.check(repository("e")) }))
			b.ReportMetric(float64(len(c.f.Requests())-before), "requests")
		}
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	})
	b.Run("40 repositories of 25 files", func(b *testing.B) {
		c := newChecker(b)
		var targets []event.Target
		for r := range 40 {
			repo := event.Repo{Owner: "octo", Name: fmt.Sprintf("r%02d", r)}
			c.f.AddRepo(repo.String())
			for i := range 25 {
				c.f.AddWorkflow(repo.String(), githubfake.Workflow{Path: fmt.Sprintf(".github/workflows/w%02d.yml", i), WorkflowDispatch: true})
			}
			t := repository("e")
			t.Repo = repo
			targets = append(targets, t)
		}
		for b.Loop() {
			before := len(c.f.Requests())
			c.check(targets...)
			b.ReportMetric(float64(len(c.f.Requests())-before), "requests")
		}
	})
	b.Run("1000 files", func(b *testing.B) {
		c := newChecker(b)
		for i := range 1000 {
			c.f.AddWorkflow("octo/data", githubfake.Workflow{Path: fmt.Sprintf(".github/workflows/w%04d.yml", i), WorkflowDispatch: true})
		}
		for b.Loop() {
			before := len(c.f.Requests())
			c.check(repository("e"))
			b.ReportMetric(float64(len(c.f.Requests())-before), "requests")
		}
	})
}

// MaxFileBytesForBench is just under the largest file read (1 MiB).
const MaxFileBytesForBench = 1<<20 - 64
