package app

import (
	"context"
	"errors"
	"strconv"

	"github.com/sethvargo/go-githubactions"

	"github.com/MrSunshyne/dispatch-action/internal/actionio"
	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/dispatch"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/runs"
)

// runAction runs as a Docker container action: inputs from INPUT_* variables, outputs to
// GITHUB_OUTPUT, a step summary, and workflow commands (annotations, masks) on stdout.
func (rn runner) runAction(ctx context.Context) int {
	getenv, stdout := rn.getenv, rn.stdout
	raw := githubactions.New(githubactions.WithGetenv(getenv), githubactions.WithWriter(stdout))
	in := config.ActionInputs(raw.GetInput, getenv)
	in.DistinctID = rn.newID()
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
	grouped := true
	endGroup := func() {
		if grouped {
			gha.EndGroup()
			grouped = false
		}
	}
	out := rn.execute(ctx, cfg, hooks{
		attempt: func(target string, a ghclient.Attempt) { gha.Infof("%s", auditLine(target, a)) },
		sent: func(r dispatch.Result) {
			endGroup()
			if r.OK() {
				gha.Infof("%s", sentLine(r))
			}
		},
		run: func(_ dispatch.Result, run runs.Run) { gha.Infof("%s", runLine(run)) },
	})
	endGroup()
	now := rn.clock.Now()
	for _, r := range out.results {
		switch r.Status {
		case dispatch.StatusDryRun:
			gha.Infof("Dry run: nothing was sent. The exact request:")
			gha.Group("Request to " + r.Repository)
			renderRequests(red.Writer(stdout), out.preview)
			gha.EndGroup()
		case dispatch.StatusFailed:
			msg := failureLine(r)
			if h := hint(config.ActionMode, r, now); h != "" {
				msg += "\nhint: " + h
			}
			title := "Dispatch failed"
			if r.DispatchedAt != "" {
				title = "Run failed"
			}
			gha.WithFieldsMap(map[string]string{"title": title}).Errorf("%s", msg)
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
	runID := ""
	if first.RunID != 0 {
		runID = strconv.FormatInt(first.RunID, 10)
	}
	return []actionio.Output{
		{Name: "repository", Value: first.Repository},
		{Name: "event-type", Value: first.EventType},
		{Name: "dispatched-at", Value: first.DispatchedAt},
		{Name: "request-id", Value: first.RequestID},
		{Name: "distinct-id", Value: first.DistinctID},
		{Name: "run-id", Value: runID},
		{Name: "run-url", Value: first.RunURL},
		{Name: "run-status", Value: first.RunStatus},
		{Name: "conclusion", Value: first.Conclusion},
		{Name: "results", Value: resultsJSON(results)},
	}
}

func (r redactor) outputs(outs []actionio.Output) []actionio.Output {
	for i := range outs {
		outs[i].Value = r.String(outs[i].Value)
	}
	return outs
}
