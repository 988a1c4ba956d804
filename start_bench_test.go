package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

// BenchmarkStart measures one dispatch as a whole process, start to exit: the dispatch
// binary, built as it ships (static, stripped), (`trigger --preflight off`, one repository_dispatch) against barepost
// (testdata/barepost), a bare Go program that makes the same POST and nothing else, both
// against the same loopback fake, alternately. docs/benchmarks.md records the ratio.
func BenchmarkStart(b *testing.B) {
	dir := b.TempDir()
	for name, pkg := range map[string]string{"dispatch": ".", "barepost": "./testdata/barepost"} {
		build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", filepath.Join(dir, name), pkg)
		build.Env = append(os.Environ(), "CGO_ENABLED=0") // static, as the image and the releases ship it
		if out, err := build.CombinedOutput(); err != nil {
			b.Fatalf("building %s: %v\n%s", name, err, out)
		}
	}
	f := githubfake.Standard(b, nil)
	f.SetRateLimit(1 << 30)
	f.WithoutContract()
	env := append(os.Environ(), "GH_TOKEN="+githubfake.TestToken, "GITHUB_ACTIONS=")
	run := func(b *testing.B, args ...string) {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	b.Run("dispatch", func(b *testing.B) {
		for b.Loop() {
			run(b, filepath.Join(dir, "dispatch"), "trigger", "--repository", "octo/data", "--event-type", "e", "--api-url", f.URL(), "--preflight", "off")
		}
	})
	b.Run("barepost", func(b *testing.B) {
		for b.Loop() {
			run(b, filepath.Join(dir, "barepost"), f.URL(), "octo/data", "e")
		}
	})
}
