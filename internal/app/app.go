// Package app chooses the mode (GitHub Action or CLI), wires configuration, client and
// dispatch together, and is the one place where errors become messages, hints and exit
// codes.
package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/dispatch"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/runs"
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
	return runner{getenv: getenv, stdout: stdout, stderr: stderr, clock: ghclient.RealClock{}, newID: newDistinctID, pace: githubPace}.main(ctx, args)
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
	pace           pace          // spacing of content-creating requests
}

func (rn runner) main(ctx context.Context, args []string) int {
	if len(args) == 0 {
		if rn.getenv("GITHUB_ACTIONS") == "true" {
			return rn.runAction(ctx)
		}
		fmt.Fprint(rn.stderr, helpText)
		fmt.Fprintln(rn.stderr, "\nerror: no command given (outside GitHub Actions, use: dispatch trigger …)")
		return ExitBadInput
	}
	switch args[0] {
	case "trigger":
		return rn.runCLI(ctx, args[1:])
	case "help", "-h", "--help", "-help":
		fmt.Fprint(rn.stdout, helpText)
		return ExitOK
	case "version", "--version", "-version":
		fmt.Fprintf(rn.stdout, "dispatch %s\n", version.Version)
		return ExitOK
	}
	fmt.Fprintf(rn.stderr, "error: unknown command %q\nrun 'dispatch help' for usage\n", args[0])
	return ExitBadInput
}

// outcome is what one run did: the result of each dispatch and, for a dry run, the
// request that would have been sent.
type outcome struct {
	results []dispatch.Result
	preview []ghclient.RecordedRequest
}

func (o outcome) ok() bool {
	for _, r := range o.results {
		if !r.OK() {
			return false
		}
	}
	return true
}

// follow finds the run a dispatch started (unless GitHub named it) and, if asked, waits
// for it to complete, within wait-timeout and the step's timeout.
func (rn runner) follow(ctx context.Context, client *github.Client, cfg *config.Config, repo config.Repo, res dispatch.Result, start time.Time, h hooks) dispatch.Result {
	deadline := rn.clock.Now().Add(cfg.WaitTimeout)
	if end := start.Add(cfg.Timeout); end.Before(deadline) {
		deadline = end
	}
	p := &runs.Poller{Client: client, Repo: repo, Clock: rn.clock, OnAttempt: h.attempt}
	changed := func(run runs.Run) {
		res.RunID, res.RunURL, res.RunStatus, res.Conclusion = run.ID, run.HTMLURL, run.Status, run.Conclusion
		if h.run != nil {
			h.run(res, run)
		}
	}
	var run runs.Run
	var err error
	if res.RunID != 0 {
		// GitHub named the run: show it at once, then read its state.
		if h.run != nil {
			h.run(res, runs.Run{ID: res.RunID, HTMLURL: res.RunURL})
		}
		if cfg.Wait == config.WaitStarted {
			run, err = p.Get(ctx, res.RunID)
			if err == nil {
				changed(run)
			}
		}
	} else {
		accepted, _ := time.Parse(time.RFC3339, res.DispatchedAt)
		run, err = p.Find(ctx, runs.Query{Event: cfg.Event, Workflow: workflowFilter(cfg), DistinctID: res.DistinctID, Since: accepted}, deadline)
		if err == nil {
			changed(run)
		}
	}
	if err == nil && cfg.Wait == config.WaitCompleted {
		run, err = p.Wait(ctx, res.RunID, run, deadline, changed)
		res.RunStatus, res.Conclusion = run.Status, run.Conclusion
	}
	switch {
	case errors.Is(err, context.Canceled):
		res.Fail(errWaitCancelled)
	case errors.Is(err, context.DeadlineExceeded):
		res.Fail(errWaitTimeout)
	case err != nil:
		res.Fail(err)
	case cfg.Wait == config.WaitCompleted && cfg.FailOnConclusion && res.Conclusion != "success":
		res.Fail(&conclusionError{conclusion: res.Conclusion, url: res.RunURL})
	}
	return res
}

// workflowFilter narrows the run listing to the dispatched workflow where that is safe: by
// numeric ID or file name, both of which the runs endpoint accepts.
func workflowFilter(cfg *config.Config) string {
	if cfg.Event == config.EventWorkflowDispatch {
		return cfg.Workflow
	}
	return ""
}

// Errors that end a wait early, after the event was delivered.
var (
	errWaitCancelled = errors.New("the step was cancelled while waiting for the run")
	errWaitTimeout   = errors.New("the step's timeout ran out while waiting for the run")
)

// conclusionError fails a step whose run did not succeed (fail-on-conclusion).
type conclusionError struct{ conclusion, url string }

func (e *conclusionError) Error() string {
	return fmt.Sprintf("the run concluded %q, not \"success\": %s", e.conclusion, e.url)
}

// auditLine is one line of the delivery log: target, event, attempt, answer, request ID,
// and the wait before the next attempt with its reason. It never holds the token.
func auditLine(target string, a ghclient.Attempt) string {
	line := fmt.Sprintf("%s attempt %d/%d: %s", target, a.N, a.Max, a.Answer())
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
