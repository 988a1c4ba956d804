package actionio

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sethvargo/go-githubactions"
)

func newWriter(env map[string]string) *Writer {
	getenv := func(k string) string { return env[k] }
	return New(githubactions.New(githubactions.WithGetenv(getenv), githubactions.WithWriter(&bytes.Buffer{})), getenv)
}

func TestSetOutputsUsesFreshDelimiters(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "out")
	w := newWriter(map[string]string{"GITHUB_OUTPUT": path})
	hostile := "line1\n_GitHubActionsFileCommandDelimeter_\nother<<EOF\nEOF"
	if err := w.SetOutputs([]Output{{"a", hostile}, {"b", "plain"}}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n") // CRLF on Windows
	// a<<D1, 4 value lines, D1, b<<D2, plain, D2, trailing empty
	if len(lines) != 10 || !strings.HasPrefix(lines[0], "a<<ghadelimiter_") || lines[5] != strings.TrimPrefix(lines[0], "a<<") ||
		lines[7] != "plain" || lines[8] != strings.TrimPrefix(lines[6], "b<<") || lines[0][3:] == lines[6][3:] {
		t.Fatalf("output file:\n%s", b)
	}
	if got := strings.Join(lines[1:5], "\n"); got != hostile {
		t.Errorf("value %q, want %q", got, hostile)
	}
}

func TestFileCommandErrorsInsteadOfPanics(t *testing.T) {
	t.Parallel()
	w := newWriter(map[string]string{})
	if err := w.SetOutputs([]Output{{"a", "b"}}); !errors.Is(err, ErrNotSet) {
		t.Errorf("unset GITHUB_OUTPUT: %v", err)
	}
	dir := t.TempDir()
	w = newWriter(map[string]string{"GITHUB_OUTPUT": dir, "GITHUB_STEP_SUMMARY": dir})
	if err := w.SetOutputs([]Output{{"a", "b"}}); err == nil || errors.Is(err, ErrNotSet) {
		t.Errorf("unwritable GITHUB_OUTPUT: %v", err)
	}
	if err := w.AddStepSummary("# hi"); err == nil {
		t.Error("unwritable GITHUB_STEP_SUMMARY gave no error")
	}
	if err := w.AddStepSummary(strings.Repeat("x", MaxSummaryBytes+1)); err == nil {
		t.Error("oversized summary gave no error")
	}
}

func TestParseOutputs(t *testing.T) {
	t.Parallel()
	got, err := ParseOutputs("a=1\nb<<D\nx\ny\nD\nc=\n")
	if err != nil || got["a"] != "1" || got["b"] != "x\ny" || got["c"] != "" || len(got) != 3 {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range []string{"a<<D\nx\n", "a=1\na=2\n", "junk\n"} {
		if _, err := ParseOutputs(bad); err == nil {
			t.Errorf("%q parsed without error", bad)
		}
	}
}
