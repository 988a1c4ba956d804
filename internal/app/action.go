package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/sethvargo/go-githubactions"

	"github.com/MrSunshyne/dispatch-action/internal/actionio"
	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/dispatch"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
)

// runAction runs as a Docker container action: inputs from INPUT_* variables, outputs to
// GITHUB_OUTPUT, a step summary, and workflow commands (annotations, masks) on stdout.
func (rn runner) runAction(ctx context.Context) int {
	getenv, stdout := rn.getenv, rn.stdout
	raw := githubactions.New(githubactions.WithGetenv(getenv), githubactions.WithWriter(stdout))
	in := config.ActionInputs(raw.GetInput, getenv)
	if in.Token != "" {
		// First thing: the runner hides the token in every later log line. This command is
		// the only place the token is ever written, and the runner consumes it.
		raw.AddMask(in.Token)
	}
	red := redactor{secret: in.Token}
	gha := githubactions.New(githubactions.WithGetenv(getenv), githubactions.WithWriter(red.Writer(stdout)))

	cfg, problems := config.Build(config.ActionMode, in)
	if problems != nil {
		for _, p := range problems {
			gha.WithFieldsMap(map[string]string{"title": "Invalid input " + p.Input}).Errorf("%s", p.Error())
		}
		gha.Errorf("nothing was sent: fix the %d problem(s) above", len(problems))
		return ExitBadInput
	}

	gha.Group("Delivery log")
	out := rn.execute(ctx, cfg, func(ev dispatch.Event, a ghclient.Attempt) { gha.Infof("%s", auditLine(ev, a)) })
	gha.EndGroup()
	now := rn.clock.Now()
	for _, r := range out.results {
		switch r.Status {
		case dispatch.StatusDryRun:
			gha.Infof("Dry run: nothing was sent. The exact request:")
			gha.Group("Request to " + r.Repository)
			if out.preview != nil {
				renderRequest(red.Writer(stdout), out.preview)
			}
			gha.EndGroup()
		case dispatch.StatusDispatched:
			gha.Infof("Dispatched %q to %s: GitHub answered %d (request ID %s)", r.EventType, r.Repository, r.HTTPStatus, r.RequestID)
		default:
			msg := fmt.Sprintf("dispatch of %q to %s failed: %s", r.EventType, r.Repository, r.Error)
			if h := hint(config.ActionMode, r, now); h != "" {
				msg += "\nhint: " + h
			}
			gha.WithFieldsMap(map[string]string{"title": "Dispatch failed"}).Errorf("%s", msg)
		}
	}

	code := ExitOK
	if !out.ok() {
		code = ExitFailed
	}
	w := actionio.New(gha, getenv)
	if err := w.SetOutputs(red.outputs(actionOutputs(out.results))); err != nil {
		if errors.Is(err, actionio.ErrNotSet) {
			gha.Warningf("outputs were not written: %v (is this running outside a workflow?)", err)
		} else {
			gha.Errorf("outputs were not written: %v", err)
			code = ExitFailed
		}
	}
	if err := w.AddStepSummary(red.String(summaryMarkdown(out.results, cfg.APIURL))); err != nil {
		gha.Warningf("step summary was not written: %v", err)
	}
	return code
}

// actionOutputs are the step's outputs, named as in action.yml. The single-dispatch
// outputs describe the first (today: the only) target.
func actionOutputs(results []dispatch.Result) []actionio.Output {
	first := results[0]
	return []actionio.Output{
		{Name: "repository", Value: first.Repository},
		{Name: "event-type", Value: first.EventType},
		{Name: "dispatched-at", Value: first.DispatchedAt},
		{Name: "request-id", Value: first.RequestID},
		{Name: "results", Value: resultsJSON(results)},
	}
}

func (r redactor) outputs(outs []actionio.Output) []actionio.Output {
	for i := range outs {
		outs[i].Value = r.String(outs[i].Value)
	}
	return outs
}
