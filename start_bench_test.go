package main

import (
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
// The binaries are copied once built: the linker writes its output through a memory
// mapping, and an executable whose pages were cached that way was measured to start up to
// 1.5 ms slower, at random, than the same bytes written by a plain copy (as an image's or a
// release's files are). The copies give all three the same footing.
func BenchmarkStart(b *testing.B) {
	dir := b.TempDir()
	bin := map[string]string{}
	for name, pkg := range map[string][]string{"dispatch": {"."}, "barepost": {"./testdata/barepost"}, "floor": {"-tags", "floor", "./testdata/barepost"}} {
		built := filepath.Join(dir, name+".linked")
		build := exec.Command("go", append([]string{"build", "-trimpath", "-ldflags=-s -w", "-o", built}, pkg...)...)
		build.Env = append(os.Environ(), "CGO_ENABLED=0") // static, as the image and the releases ship it
		if out, err := build.CombinedOutput(); err != nil {
			b.Fatalf("building %s: %v\n%s", name, err, out)
		}
		bin[name] = filepath.Join(dir, name)
		copyExecutable(b, built, bin[name])
	}
	f := githubfake.Standard(b, nil)
	f.SetRateLimit(1 << 30)
	f.WithoutContract()
	env := append(os.Environ(), "GH_TOKEN="+githubfake.TestToken, "GITHUB_ACTIONS=")
	cmds := [][]string{
		{bin["dispatch"], "trigger", "--repository", "octo/data", "--event-type", "e", "--api-url", f.URL(), "--preflight", "off"},
		{bin["barepost"], f.URL(), "octo/data", "e"},
		{bin["floor"], f.URL(), "octo/data", "e"},
	}
	var took [3]time.Duration
	for b.Loop() {
		for i, args := range cmds {
			cmd := exec.Command(args[0], args[1:]...)
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
