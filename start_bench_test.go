package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

// BenchmarkStart measures one dispatch as a whole process, start to exit: the dispatch
// binary, built as it ships (static, stripped), running `trigger --preflight off` (one
// repository_dispatch), against barepost (testdata/barepost), a bare Go program that makes
// the same POST and nothing else, both against the same loopback fake. A third binary is
// barepost built with -tags floor: the same POST, with every package dispatch links
// initialised and its signal watcher armed, which is as low as the step's own work could
// bring the figure. Each iteration runs the three in turn, so that the machine's drift
// reaches all alike; it reports the means, dispatch's ratio to barepost (which
// docs/benchmarks.md records) and the floor's.
//
// Each binary runs from startCopies copies, written with plain writes, in rotation. On a VM
// a copy of an executable starts persistently faster or slower than another copy of the
// same bytes (by up to 1.1 ms here, depending on where its cached pages landed; one as the
// linker writes it, through a memory mapping, by up to 1.5 ms): with one copy of each, the
// ratio was the luck of two files.
func BenchmarkStart(b *testing.B) {
	dir := b.TempDir()
	bin := map[string][]string{}
	for name, pkg := range map[string][]string{"dispatch": {"."}, "barepost": {"./testdata/barepost"}, "floor": {"-tags", "floor", "./testdata/barepost"}} {
		built := filepath.Join(dir, name+".linked")
		build := exec.Command("go", append([]string{"build", "-trimpath", "-ldflags=-s -w", "-o", built}, pkg...)...)
		build.Env = append(os.Environ(), "CGO_ENABLED=0") // static, as the image and the releases ship it
		if out, err := build.CombinedOutput(); err != nil {
			b.Fatalf("building %s: %v\n%s", name, err, out)
		}
		for i := range startCopies {
			bin[name] = append(bin[name], filepath.Join(dir, fmt.Sprintf("%s.%d", name, i)))
			copyExecutable(b, built, bin[name][i])
		}
	}
	f := githubfake.Standard(b, nil)
	f.SetRateLimit(1 << 30)
	f.WithoutContract()
	env := append(os.Environ(), "GH_TOKEN="+githubfake.TestToken, "GITHUB_ACTIONS=")
	cmds := [][]string{
		{"dispatch", "trigger", "--repository", "octo/data", "--event-type", "e", "--api-url", f.URL(), "--preflight", "off"},
		{"barepost", f.URL(), "octo/data", "e"},
		{"floor", f.URL(), "octo/data", "e"},
	}
	var took [3]time.Duration
	for n := 0; b.Loop(); n++ {
		for i, args := range cmds {
			cmd := exec.Command(bin[args[0]][n%startCopies], args[1:]...)
			cmd.Env = env
			start := time.Now()
			out, err := cmd.CombinedOutput()
			took[i] += time.Since(start)
			if err != nil {
				b.Fatalf("%v: %v\n%s", args, err, out)
			}
		}
	}
	ms := func(d time.Duration) float64 { return d.Seconds() * 1000 / float64(b.N) }
	b.ReportMetric(ms(took[0]), "dispatch-ms")
	b.ReportMetric(ms(took[1]), "barepost-ms")
	b.ReportMetric(took[0].Seconds()/took[1].Seconds(), "ratio")
	b.ReportMetric(took[2].Seconds()/took[1].Seconds(), "floor-ratio")
}

// startCopies is how many copies of each binary BenchmarkStart runs in rotation.
const startCopies = 6

// copyExecutable writes a fresh copy of the executable from, with plain writes.
func copyExecutable(b *testing.B, from, to string) {
	src, err := os.Open(from)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		b.Fatal(err)
	}
	// Through a plain reader, not *os.File: io.Copy between two files would use
	// copy_file_range, which may share the source's cached pages.
	if _, err := io.Copy(dst, io.LimitReader(src, 1<<30)); err != nil {
		b.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		b.Fatal(err)
	}
}
