// Package app chooses the mode (GitHub Action or CLI), wires configuration, client and
// dispatch together, and is the one place where errors become messages, hints and exit
// codes.
package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/outcome"

	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/dispatch"
	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/untrusted"
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

// newDistinctID returns a fresh random ID that marks the run a dispatch starts.
func newDistinctID() string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("reading random bytes: %v", err)) // crypto/rand does not fail on Linux
	}
	return hex.EncodeToString(b[:])
}

// runner holds what one run depends on; tests replace the clock and the attempt timeout
// so that retries and waits cost no real time.
type runner struct {
	getenv         func(string) string
	stdout, stderr io.Writer
	clock          ghclient.Clock
	attemptTimeout time.Duration // 0: ghclient.DefaultAttemptTimeout
	newID          func() string // a fresh distinct ID
	pace           time.Duration // content-creating requests this far apart per credential; 0: none
	revokeTimeout  time.Duration // per App token at the end; 0: revokeEach
}

func (rn runner) main(ctx context.Context, args []string) (code int) {
	defer func() {
		// A bug anywhere else still ends the step with exit 1 and an error it can show.
		if r := recover(); r != nil {
			msg := untrusted.Line(dispatch.InternalError(r).Error(), 0)
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
		fmt.Fprint(rn.stderr, helpText)
		fmt.Fprintln(rn.stderr, "\nerror: no command given (outside GitHub Actions, use: dispatch trigger …)")
		return ExitBadInput
	}
	return rn.runCommand(ctx, args)
}

// executeSafely is execute, with a bug outside any one target turned into every target's
// failure, so that the step still writes its outputs and summary (App tokens are revoked
// by execute's own deferred call).
func (rn runner) executeSafely(ctx context.Context, cfg *config.Config, p progress) (out stepResult) {
	defer func() {
		if r := recover(); r != nil {
			err := dispatch.InternalError(r)
			out = stepResult{}
			for _, t := range cfg.Targets {
				res := outcome.Result{Target: t}
				res.Fail(err)
				out.results = append(out.results, res)
			}
		}
	}()
	return rn.execute(ctx, cfg, p)
}

// reporter is how a mode shows a run: progress as it happens, then the dry run's
// requests, each failure with its hint, and what the mode writes at the end.
type reporter interface {
	progress
	preview(reqs []ghclient.RecordedRequest)
	warn(msg string)
	failed(r outcome.Result, hint string)
	// finish writes what the mode writes at the end and returns the exit code, code
	// unless writing failed.
	finish(out stepResult, code int) int
}

// deliver executes a checked configuration and reports it the same way in both modes.
func (rn runner) deliver(ctx context.Context, cfg *config.Config, rep reporter) int {
	out := rn.executeSafely(ctx, cfg, rep)
	if cfg.DryRun && len(out.preview) > 0 {
		rep.preview(out.preview)
	}
	now := rn.clock.Now()
	code := ExitOK
	for _, r := range out.results {
		if !r.OK() {
			code = ExitFailed
			rep.failed(r, hint(cfg, r, now))
		}
		if r.Receipt.MayBeDuplicate {
			out.warnings = append(out.warnings, duplicateWarning(r))
		}
		for _, w := range r.Run.Warnings {
			out.warnings = append(out.warnings, untrusted.Line(r.Repo.String()+": "+w, 0))
		}
	}
	for _, w := range out.warnings {
		rep.warn(w)
	}
	return rep.finish(out, code)
}
