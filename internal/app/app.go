// Package app chooses the mode (GitHub Action or CLI), runs the pipeline, reports its
// outcome with each failure's hint (package words), and is the one place where outcomes
// become exit codes.
package app

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/outcome"

	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/pipeline"
	"github.com/MrSunshyne/dispatch-action/internal/report"
	"github.com/MrSunshyne/dispatch-action/internal/untrusted"
	"github.com/MrSunshyne/dispatch-action/internal/words"
)

// Exit codes, documented in the README.
const (
	ExitOK       = 0 // every event was accepted (or, in a dry run, would have been sent)
	ExitFailed   = 1 // a dispatch failed, or its outcome could not be reported
	ExitBadInput = 2 // bad input or usage: nothing was sent
)

// Main runs the program with the given arguments (without the program name), environment
// lookup and output streams, and returns the exit code. It reads no global state.
func Main(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	return runner{getenv: getenv, stdout: stdout, stderr: stderr, clock: ghclient.RealClock{}, newID: newDistinctID, pace: event.PaceInterval}.main(ctx, args)
}

// newDistinctID returns a fresh random ID that marks the run a dispatch starts: 96 bits of
// the runtime's ChaCha8, seeded by the OS. Not a secret: crypto/rand would slow the start.
func newDistinctID() string {
	var b [12]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
	binary.LittleEndian.PutUint32(b[8:], rand.Uint32())
	return hex.EncodeToString(b[:])
}

// runner holds what one run depends on; tests replace the clock and the attempt timeout
// so that retries and waits cost no real time.
type runner struct {
	getenv         func(string) string
	stdout, stderr io.Writer
	clock          ghclient.Clock
	newID          func() string // a fresh distinct ID
	pace           time.Duration // content-creating requests this far apart per credential; 0: none
}

func (rn runner) main(ctx context.Context, args []string) (code int) {
	defer func() {
		// A bug anywhere else still ends the step with exit 1 and an error it can show.
		if r := recover(); r != nil {
			msg := untrusted.Line(pipeline.InternalError(r).Error(), 0)
			if len(args) == 0 && rn.getenv("GITHUB_ACTIONS") == "true" {
				fmt.Fprintf(rn.stdout, "::error title=Internal error::%s\n", msg)
			} else {
				fmt.Fprintf(rn.stderr, "error: %s\n", msg)
			}
			code = ExitFailed
		}
	}()
	if len(args) == 0 {
		if rn.getenv("GITHUB_ACTIONS") == "true" {
			return rn.runAction(ctx)
		}
		fmt.Fprint(rn.stderr, helpText())
		fmt.Fprintln(rn.stderr, "\nerror: no command given (outside GitHub Actions, use: dispatch trigger …)")
		return ExitBadInput
	}
	return rn.runCommand(ctx, args)
}

// reporter is how a mode shows a run: progress as it happens, then the dry run's
// requests, each failure with its hint, and what the mode writes at the end; then what
// the clean-up did after it.
type reporter interface {
	pipeline.Progress
	preview(reqs []ghclient.RecordedRequest)
	warn(msg string)
	note(msg string) // what a person should know of an outcome that is not a failure
	failed(r outcome.Result, hint string)
	// finish writes what the mode writes at the end and returns the exit code, code
	// unless writing failed.
	finish(results []outcome.Result, warnings []string, code int) int
	// amend adds what the clean-up did once finish has written: its warnings, and the
	// outputs again when results changed.
	amend(results []outcome.Result, changed bool, warnings []string)
}

// deliver executes a checked configuration and reports it the same way in both modes:
// the report first, then the clean-up the step owes (which a cancelled job has only
// seconds for), then what the clean-up changed.
func (rn runner) deliver(ctx context.Context, cfg *config.Config, rep reporter) int {
	st := pipeline.Run(ctx, cfg, pipeline.Options{Getenv: rn.getenv, Clock: rn.clock, Pace: rn.pace, Progress: rep})
	if cfg.DryRun && len(st.Preview) > 0 {
		rep.preview(st.Preview)
	}
	code, warnings, notes := ExitOK, []string{}, []string{}
	for _, n := range st.Notes {
		if n.Warning() {
			warnings = append(warnings, words.Note(cfg.Mode, n))
		} else {
			notes = append(notes, words.Note(cfg.Mode, n))
		}
	}
	for _, r := range st.Results {
		for _, n := range report.Notes(r) {
			rep.note(n)
		}
		if !r.OK() {
			code = ExitFailed
			rep.failed(r, words.Hint(cfg, r, rn.clock.Now(), rn.getenv("GITEA_ACTIONS") == "true"))
		}
		warnings = append(warnings, words.Warnings(cfg.Mode, r)...)
	}
	for _, n := range notes {
		rep.note(n)
	}
	if st.Refused {
		code = ExitBadInput // like bad input: nothing was sent
	}
	for _, w := range warnings {
		rep.warn(w)
	}
	code = rep.finish(st.Results, warnings, code)
	if c := st.Finish(ctx); c.Changed || len(c.Notes) > 0 {
		var warnings []string
		for _, n := range c.Notes {
			warnings = append(warnings, words.Note(cfg.Mode, n))
		}
		rep.amend(st.Results, c.Changed, warnings)
	}
	return code
}
