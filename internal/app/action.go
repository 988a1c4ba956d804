package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

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
	red := newRedactor(in.Token)
	gha := githubactions.New(githubactions.WithGetenv(getenv), githubactions.WithWriter(red.Writer(stdout)))

	cfg, problems := config.Build(config.ActionMode, in)
	if problems != nil {
		for _, p := range problems {
			gha.WithFieldsMap(map[string]string{"title": "Invalid input " + p.Input}).Errorf("%s", p.Error())
		}
		gha.Errorf("nothing was sent: fix the %d problem(s) above", len(problems))
		return ExitBadInput
	}

	log := &actionLog{gha: gha}
	out := rn.execute(ctx, cfg, hooks{
		attempt: func(target string, a ghclient.Attempt) { log.detail(auditLine(target, a)) },
		sent: func(r dispatch.Result) {
			if r.OK() {
				log.info(sentLine(r))
			}
		},
		run: func(_ dispatch.Result, run runs.Run) { log.info(runLine(run)) },
		mask: func(secret string) {
			// Before the secret is used, let alone printed.
			red.addWhile(secret, func() { raw.AddMask(secret) })
		},
	})
	log.close()
	if cfg.DryRun && len(out.preview) > 0 {
		gha.Infof("Dry run: nothing was sent. The exact requests:")
		gha.Group(fmt.Sprintf("%d request(s)", len(out.preview)))
		renderRequests(red.Writer(stdout), out.preview)
		gha.EndGroup()
	}
	now := rn.clock.Now()
	for _, r := range out.results {
		switch r.Status {
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

// actionLog writes the step's log: details (each attempt) in a collapsible "Delivery log"
// group, and what a person watches for (a dispatch accepted, a run and its status) outside
// it, so a run's link is never hidden in a collapsed group. Safe for concurrent use.
type actionLog struct {
	mu   sync.Mutex
	gha  *githubactions.Action
	open bool
}

func (l *actionLog) detail(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.open {
		l.gha.Group("Delivery log")
		l.open = true
	}
	l.gha.Infof("%s", line)
}

func (l *actionLog) info(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closeLocked()
	l.gha.Infof("%s", line)
}

func (l *actionLog) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closeLocked()
}

func (l *actionLog) closeLocked() {
	if l.open {
		l.gha.EndGroup()
		l.open = false
	}
}

// actionOutputs are the step's outputs, named as in action.yml. The single-dispatch
// outputs describe the first (today: the only) target.
func actionOutputs(results []dispatch.Result) []actionio.Output {
	if len(results) != 1 {
		// Several targets: only what is common to all, and the results.
		return []actionio.Output{
			{Name: "event-type", Value: results[0].EventType},
			{Name: "distinct-id", Value: results[0].DistinctID},
			{Name: "results", Value: resultsJSON(results)},
		}
	}
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

func (r *redactor) outputs(outs []actionio.Output) []actionio.Output {
	for i := range outs {
		outs[i].Value = r.String(outs[i].Value)
	}
	return outs
}
