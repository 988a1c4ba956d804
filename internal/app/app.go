// Package app chooses the mode (GitHub Action or CLI), wires configuration, client and
// dispatch together, and is the one place where errors become messages, hints and exit
// codes.
package app

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/dispatch"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/version"
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
	return runner{getenv: getenv, stdout: stdout, stderr: stderr, clock: ghclient.RealClock{}}.main(ctx, args)
}

// runner holds what one run depends on; tests replace the clock and the attempt timeout
// so that retries and waits cost no real time.
type runner struct {
	getenv         func(string) string
	stdout, stderr io.Writer
	clock          ghclient.Clock
	attemptTimeout time.Duration // 0: ghclient.DefaultAttemptTimeout
}

func (r runner) main(ctx context.Context, args []string) int {
	if len(args) == 0 {
		if r.getenv("GITHUB_ACTIONS") == "true" {
			return r.runAction(ctx)
		}
		fmt.Fprint(r.stderr, helpText)
		fmt.Fprintln(r.stderr, "\nerror: no command given (outside GitHub Actions, use: dispatch trigger …)")
		return ExitBadInput
	}
	switch args[0] {
	case "trigger":
		return r.runCLI(ctx, args[1:])
	case "help", "-h", "--help", "-help":
		fmt.Fprint(r.stdout, helpText)
		return ExitOK
	case "version", "--version", "-version":
		fmt.Fprintf(r.stdout, "dispatch %s\n", version.Version)
		return ExitOK
	}
	fmt.Fprintf(r.stderr, "error: unknown command %q\nrun 'dispatch help' for usage\n", args[0])
	return ExitBadInput
}

// outcome is what one run did: the result of each dispatch and, for a dry run, the
// request that would have been sent.
type outcome struct {
	results []dispatch.Result
	preview *ghclient.RecordedRequest
}

func (o outcome) ok() bool {
	for _, r := range o.results {
		if !r.OK() {
			return false
		}
	}
	return true
}

// execute sends the configured event, or in a dry run records the exact request instead.
// The whole of it is bounded by the configured timeout; audit hears about every attempt.
func (r runner) execute(ctx context.Context, cfg *config.Config, audit func(dispatch.Event, ghclient.Attempt)) outcome {
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	opts := ghclient.Options{BaseURL: cfg.APIURL, Token: cfg.Token, Policy: ghclient.Policy{
		MaxAttempts:    cfg.MaxAttempts,
		AttemptTimeout: r.attemptTimeout,
		Deadline:       r.clock.Now().Add(cfg.Timeout),
		Clock:          r.clock,
	}}
	var rec *ghclient.Recorder
	if cfg.DryRun {
		rec = &ghclient.Recorder{}
		opts.Transport = rec
		audit = nil
	}
	client := ghclient.New(opts)
	res := dispatch.Send(ctx, client, dispatch.Event{
		Repository:    cfg.Repository,
		EventType:     cfg.EventType,
		ClientPayload: cfg.ClientPayload,
	}, dispatch.Options{Now: r.clock.Now, OnAttempt: audit})
	out := outcome{results: []dispatch.Result{res}}
	if rec != nil && res.OK() {
		res.Status, res.HTTPStatus, res.DispatchedAt, res.Attempts, res.Header = dispatch.StatusDryRun, 0, "", 0, nil
		out.results[0] = res
		if len(rec.Requests) == 1 {
			out.preview = &rec.Requests[0]
		}
	}
	return out
}

// auditLine is one line of the delivery log: target, event, attempt, answer, request ID,
// and the wait before the next attempt with its reason. It never holds the token.
func auditLine(ev dispatch.Event, a ghclient.Attempt) string {
	line := fmt.Sprintf("%s %q attempt %d/%d: %s", ev.Repository, ev.EventType, a.N, a.Max, a.Answer())
	if a.RequestID != "" {
		line += ", request ID " + a.RequestID
	}
	line += fmt.Sprintf(", took %s", a.Took.Round(time.Millisecond))
	switch {
	case a.Retry:
		line += fmt.Sprintf("; retrying in %s: %s", a.Wait.Round(100*time.Millisecond), a.Why)
	case a.GaveUp != "":
		line += fmt.Sprintf("; %s; gave up %s", a.Why, a.GaveUp)
	}
	return line
}
