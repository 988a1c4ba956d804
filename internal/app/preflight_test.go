package app

import (
	"strings"
	"testing"

	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

// posted are the POSTs the fake received: what preflight must never send.
func posted(f *githubfake.Fake) int { return len(posts(f)) }

// A workflow_dispatch whose inputs break the workflow's declarations is refused before
// anything is sent, every problem named at once with the input, the file and what is
// allowed; exit 2, as bad input.
func TestPreflightRefusesInputsTheWorkflowWouldRefuse(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true,
		Inputs: []string{"env", "dry", "count", "region"}, InputSpecs: map[string]githubfake.Input{
			"env":    {Type: "choice", Options: []string{"staging", "prod"}},
			"dry":    {Type: "boolean"},
			"count":  {Type: "number"},
			"region": {Required: true}}})
	run := runActionMode(t, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "workflow": "deploy.yml", "ref": "main",
		"inputs": `{"env":"qa","dry":"yes","count":"many","colour":"blue"}`, "api-url": f.URL(), "preflight": "check"}, nil)
	for _, want := range []string{
		`.github/workflows/deploy.yml at main: input "colour" is not declared (it declares env, dry, count, region)`,
		`input "env" is "qa", not one of its options (staging, prod)`,
		`input "dry" is "yes", but it is a boolean`,
		"deploy.yml: send true or false",
		`input "count" is "many", but it is a number`,
		`input "region" is required and has no default, but is not given`,
		"preflight: warn sends anyway",
	} {
		if !strings.Contains(run.stdout, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if run.code != ExitBadInput || posted(f) != 0 || !strings.Contains(run.outputs["results"], `"delivery":"not_sent"`) {
		t.Errorf("exit %d, %d POSTs, outputs %v\n%s", run.code, posted(f), run.outputs, run.stdout)
	}
}

// warn reports the same findings as warnings and sends; off reads nothing.
func TestPreflightWarnAndOff(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"warn", "off"} {
		f := githubfake.Standard(t, nil)
		run := runActionMode(t, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "event-type": "e", "api-url": f.URL(), "preflight": mode}, nil)
		warned := strings.Contains(run.stdout, "::warning::octo/data \"e\": preflight: no active workflow on the default branch listens for repository_dispatch type \"e\"") &&
			strings.Contains(run.stdout, "sent anyway: preflight is warn")
		if run.code != ExitOK || len(f.Dispatches()) != 1 || warned != (mode == "warn") || (mode == "off") != (len(f.Requests()) == 1) {
			t.Errorf("%s: exit %d, %d requests\n%s", mode, run.code, len(f.Requests()), run.stdout)
		}
	}
	run := runActionMode(t, map[string]string{"repository": "octo/data", "event-type": "e", "preflight": "maybe", "dry-run": "true"}, nil)
	checkBadInput(t, []int(nil), run.code, run.stdout, `input "preflight"`, `"maybe" is not one of check`)
}

// The dry run shows what preflight found, reading (with a token) and never sending, and
// says so; without a token it says that nothing was read.
func TestPreflightInTheDryRun(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	run := runCLIMode(t, map[string]string{"GH_TOKEN": githubfake.TestToken}, "trigger", "--repository", "octo/data", "--event-type", "e",
		"--api-url", f.URL(), "--dry-run", "--preflight", "check")
	if run.code != ExitBadInput || posted(f) != 0 || len(f.Requests()) == 0 || !strings.Contains(run.stderr, `listens for repository_dispatch type "e"`) ||
		!strings.Contains(run.stdout+run.stderr, "the dry run read the receiving workflows (nothing was sent)") {
		t.Errorf("exit %d, %d requests\n%s%s", run.code, len(f.Requests()), run.stdout, run.stderr)
	}
	run = runCLIMode(t, nil, "trigger", "--repository", "octo/data", "--event-type", "e", "--api-url", f.URL(), "--dry-run", "--preflight", "check")
	if run.code != ExitOK || !strings.Contains(run.stdout+run.stderr, "the receiving workflows were not read: a dry run reads them (never sends) only with a token") {
		t.Errorf("exit %d\n%s%s", run.code, run.stdout, run.stderr)
	}
}
