package app

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/MrSunshyne/dispatch-action/internal/outcome"

	"github.com/sethvargo/go-githubactions"

	"github.com/MrSunshyne/dispatch-action/internal/actionio"
	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/report"
	"github.com/MrSunshyne/dispatch-action/internal/runs"
	"github.com/MrSunshyne/dispatch-action/internal/untrusted"
	"github.com/MrSunshyne/dispatch-action/internal/words"
)

// runAction runs as a Docker container action: inputs from INPUT_* variables, outputs to
// GITHUB_OUTPUT, a step summary, and workflow commands (annotations, masks) on stdout.
func (rn runner) runAction(ctx context.Context) int {
	getenv, stdout := rn.getenv, rn.stdout
	raw := githubactions.New(githubactions.WithGetenv(getenv), githubactions.WithWriter(stdout))
	in := config.ActionInputs(raw.GetInput, getenv)
	in.DistinctID = rn.newID()
	red := report.NewRedactor(in.Token)
	for i, token := range []string{in.Token, in.StatusToken} {
		if token != "" && (i == 0 || token != in.Token) {
			// First thing: the runner hides the token in every later log line. This command
			// is the only place a token is ever written, and the runner consumes it.
			raw.AddMask(token)
			red.Add(token)
		}
	}
	gha := githubactions.New(githubactions.WithGetenv(getenv), githubactions.WithWriter(red.Writer(stdout)))

	cfg, problems := config.Build(config.ActionMode, in)
	if problems != nil {
		for _, p := range problems {
			gha.WithFieldsMap(map[string]string{"title": "Invalid input " + p.Input}).Errorf("%s", p.Error())
		}
		gha.Errorf("nothing was sent: fix the %d problem(s) above", len(problems))
		return ExitBadInput
	}
	return rn.deliver(ctx, cfg, &actionReporter{gha: gha, raw: raw, red: red, log: report.NewActionLog(gha),
		stdout: stdout, getenv: getenv, cfg: cfg})
}

// actionReporter reports in action mode: workflow commands on stdout, outputs, summary.
type actionReporter struct {
	gha, raw *githubactions.Action // raw skips the redactor: only for ::add-mask::
	red      *report.Redactor
	log      *report.ActionLog
	stdout   io.Writer
	getenv   func(string) string
	cfg      *config.Config
}

func (a *actionReporter) Attempt(target string, at ghclient.Attempt) {
	a.log.Detail(report.AuditLine(target, at))
}

func (a *actionReporter) Sent(r outcome.Result) {
	if r.OK() {
		a.log.Info(report.SentLine(r))
	}
}

func (a *actionReporter) Run(run runs.Run) { a.log.Info(report.RunLine(run)) }

// mask hides a new secret before it is used, let alone printed.
func (a *actionReporter) Mask(secret string) {
	a.red.AddWhile(secret, func() { a.raw.AddMask(secret) })
}

func (a *actionReporter) preview(reqs []ghclient.RecordedRequest) {
	a.log.Close()
	a.gha.Group(words.DryRun(len(reqs)))
	report.Requests(a.red.Writer(a.stdout), reqs)
	a.gha.EndGroup()
}

func (a *actionReporter) note(msg string) { a.log.Info(msg) }

func (a *actionReporter) warn(msg string) {
	a.log.Close()
	a.gha.Warningf("%s", msg)
}

func (a *actionReporter) failed(r outcome.Result, hint string) {
	a.log.Close()
	msg := report.FailureLine(r)
	for _, line := range report.FailedJobLines(r) {
		msg += "\n" + line
	}
	if hint != "" {
		msg += "\nhint: " + hint
	}
	title := "Dispatch failed"
	if r.Delivered() || r.FollowOnly {
		title = "Run failed"
	}
	a.gha.WithFieldsMap(map[string]string{"title": title}).Errorf("%s", msg)
	// Downstream log lines are not the action's: between stop-commands, none acts.
	for _, j := range r.Run.FailedJobs {
		if len(j.LogTail) == 0 {
			continue
		}
		a.gha.Group(report.LogTailTitle(r, j))
		if err := untrusted.StopCommands(a.red.Writer(a.stdout), strings.Join(j.LogTail, "\n")); err != nil {
			a.gha.Warningf("the log of job %s was not shown: %v", untrusted.Line(j.Name, 0), err)
		}
		a.gha.EndGroup()
	}
}

func (a *actionReporter) finish(results []outcome.Result, warnings []string, code int) int {
	a.log.Close()
	if !a.outputs(results) {
		code = ExitFailed
	}
	w := actionio.New(a.gha, a.getenv)
	if err := w.AddStepSummary(a.red.String(report.Summary(results, a.cfg.APIURL, warnings))); err != nil {
		a.gha.Warningf("step summary was not written: %v", err)
	}
	return code
}

// outputs writes the outputs of results, and reports whether it could.
func (a *actionReporter) outputs(results []outcome.Result) bool {
	err := actionio.New(a.gha, a.getenv).SetOutputs(a.red.Outputs(report.Outputs(results)))
	switch {
	case err == nil:
	case errors.Is(err, actionio.ErrNotSet):
		a.gha.Warningf("outputs were not written: %v (is this running outside a workflow?)", err)
	default:
		a.gha.Errorf("outputs were not written: %v", err)
		return false
	}
	return true
}

// amend writes what the clean-up did: warnings, in the log and the summary, and the
// outputs again when results changed (the runner keeps an output's last value).
func (a *actionReporter) amend(results []outcome.Result, changed bool, warnings []string) {
	for _, w := range warnings {
		a.gha.Warningf("%s", w)
	}
	if changed {
		a.outputs(results)
	}
	if len(warnings) > 0 {
		if err := actionio.New(a.gha, a.getenv).AddStepSummary(a.red.String(report.CleanupSummary(warnings))); err != nil {
			a.gha.Warningf("step summary was not written: %v", err)
		}
	}
}
