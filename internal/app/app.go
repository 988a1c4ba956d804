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
	if len(args) == 0 {
		if getenv("GITHUB_ACTIONS") == "true" {
			return runAction(ctx, getenv, stdout)
		}
		fmt.Fprint(stderr, helpText)
		fmt.Fprintln(stderr, "\nerror: no command given (outside GitHub Actions, use: dispatch trigger …)")
		return ExitBadInput
	}
	switch args[0] {
	case "trigger":
		return runCLI(ctx, args[1:], getenv, stdout, stderr)
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, helpText)
		return ExitOK
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "dispatch %s\n", version.Version)
		return ExitOK
	}
	fmt.Fprintf(stderr, "error: unknown command %q\nrun 'dispatch help' for usage\n", args[0])
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
func execute(ctx context.Context, cfg *config.Config) outcome {
	opts := ghclient.Options{BaseURL: cfg.APIURL, Token: cfg.Token}
	var rec *ghclient.Recorder
	if cfg.DryRun {
		rec = &ghclient.Recorder{}
		opts.Transport = rec
	}
	client := ghclient.New(opts)
	res := dispatch.Send(ctx, client, dispatch.Event{
		Repository:    cfg.Repository,
		EventType:     cfg.EventType,
		ClientPayload: cfg.ClientPayload,
	}, time.Now)
	out := outcome{results: []dispatch.Result{res}}
	if rec != nil && res.OK() {
		res.Status, res.HTTPStatus, res.DispatchedAt, res.Header = dispatch.StatusDryRun, 0, "", nil
		out.results[0] = res
		if len(rec.Requests) == 1 {
			out.preview = &rec.Requests[0]
		}
	}
	return out
}
