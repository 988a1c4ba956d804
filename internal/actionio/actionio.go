// Package actionio writes what an action hands to the runner: step outputs and the step
// summary. It goes through go-githubactions' file commands but never panics: an unset or
// unwritable GITHUB_OUTPUT or GITHUB_STEP_SUMMARY comes back as an error, and every output
// value is written with a fresh random heredoc delimiter, so no value can end its own
// output and set another (go-githubactions' SetOutput uses one fixed delimiter).
package actionio

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/sethvargo/go-githubactions"
)

// MaxSummaryBytes is the runner's limit for one step's summary.
const MaxSummaryBytes = 1 << 20

// Output is one step output.
type Output struct {
	Name  string
	Value string
}

// ErrNotSet reports that the runner did not give the file to write to (for example when
// the binary runs outside a workflow with GITHUB_ACTIONS=true).
var ErrNotSet = errors.New("is not set")

// Writer writes file commands for one step.
type Writer struct {
	gha    *githubactions.Action
	getenv func(string) string
}

// New returns a Writer that finds the runner's files through getenv.
func New(gha *githubactions.Action, getenv func(string) string) *Writer {
	return &Writer{gha: gha, getenv: getenv}
}

// SetOutputs appends the outputs to GITHUB_OUTPUT in order.
func (w *Writer) SetOutputs(outs []Output) error {
	var b strings.Builder
	for _, o := range outs {
		delim, err := delimiterFor(o.Value)
		if err != nil {
			return err
		}
		// Lines end as go-githubactions ends them: CRLF on Windows, as the runner expects there.
		fmt.Fprintf(&b, "%s<<%s%s%s%s%s%s", o.Name, delim, githubactions.EOF, o.Value, githubactions.EOF, delim, githubactions.EOF)
	}
	return w.fileCommand("output", "GITHUB_OUTPUT", strings.TrimSuffix(b.String(), githubactions.EOF))
}

// AddStepSummary appends Markdown to GITHUB_STEP_SUMMARY.
func (w *Writer) AddStepSummary(markdown string) error {
	if len(markdown) > MaxSummaryBytes {
		return fmt.Errorf("step summary of %d bytes is over the runner's limit of %d", len(markdown), MaxSummaryBytes)
	}
	return w.fileCommand("step-summary", "GITHUB_STEP_SUMMARY", markdown)
}

// fileCommand issues a go-githubactions file command, turning its panic into an error.
func (w *Writer) fileCommand(name, env, msg string) (err error) {
	if w.getenv(env) == "" {
		return fmt.Errorf("%s %w", env, ErrNotSet)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("writing %s: %v", env, r)
		}
	}()
	w.gha.IssueFileCommand(&githubactions.Command{Name: name, Message: msg})
	return nil
}

// delimiterFor returns a random delimiter that occurs nowhere in value, as the runner
// requires of a heredoc delimiter.
func delimiterFor(value string) (string, error) {
	for range 8 {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", fmt.Errorf("making an output delimiter: %w", err)
		}
		d := "ghadelimiter_" + hex.EncodeToString(b[:])
		if !strings.Contains(value, d) {
			return d, nil
		}
	}
	return "", errors.New("could not find an output delimiter absent from the value")
}

// ParseOutputs reads a GITHUB_OUTPUT file the way the runner does (name=value lines and
// name<<DELIMITER heredocs). It refuses a heredoc that never closes and a name set twice.
func ParseOutputs(s string) (map[string]string, error) {
	out := map[string]string{}
	s = strings.ReplaceAll(s, "\r\n", "\n") // Windows
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if line == "" {
			continue
		}
		var name, value string
		if n, delim, ok := strings.Cut(line, "<<"); ok && !strings.Contains(n, "=") {
			var val []string
			for i++; i < len(lines) && lines[i] != delim; i++ {
				val = append(val, lines[i])
			}
			if i == len(lines) {
				return nil, fmt.Errorf("output %q: delimiter %q never closes", n, delim)
			}
			name, value = n, strings.Join(val, "\n")
		} else if n, v, ok := strings.Cut(line, "="); ok {
			name, value = n, v
		} else {
			return nil, fmt.Errorf("line %d is neither name=value nor name<<delimiter: %q", i+1, line)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("output %q is set twice", name)
		}
		out[name] = value
	}
	return out, nil
}
