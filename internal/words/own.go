package words

import (
	"errors"
	"fmt"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/dispatch"
	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghapp"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/pipeline"
	"github.com/MrSunshyne/dispatch-action/internal/runs"
	"github.com/MrSunshyne/dispatch-action/internal/workflows"
)

// both is the same words in each mode, made by f from the mode's name of an input.
func both(f func(in func(name string) string) string) phrasing {
	return phrasing{action: f(func(n string) string { return config.Label(config.ActionMode, n) }),
		cli: f(func(n string) string { return config.Label(config.CLIMode, n) })}
}

// ownPhrasing is the hint of a failure of the project's own (an error type of a package
// below), by its facts; ok is false for any other failure, whose hint is by its cause.
func ownPhrasing(err error) (p phrasing, ok bool) {
	if p, ok := runPhrasing(err); ok {
		return p, true
	}
	if p, ok := appPhrasing(err); ok {
		return p, true
	}
	if e, ok := errors.AsType[*dispatch.InputsLimitError](err); ok {
		return inputsLimit(e), true
	}
	if _, ok := errors.AsType[*workflows.NameError](err); ok {
		return phrasing{action: "give the workflow input one of the names listed exactly, or the workflow's file name (deploy.yml) or numeric ID, which are unique"}, true
	}
	if e, ok := errors.AsType[*ghclient.UnsupportedError](err); ok && e.What == ghclient.UnsupportedRepositoryDispatch {
		return phrasing{action: "give the receiving workflow `on: workflow_dispatch` (with inputs for what the payload carried) and send it with the inputs workflow: FILE and inputs: JSON",
			cli: "give the receiving workflow `on: workflow_dispatch` (with inputs for what the payload carried) and send it with --workflow FILE --inputs JSON"}, true
	}
	if e, ok := errors.AsType[*pipeline.NotSentError](err); ok {
		if e.Ending == pipeline.Cancelled {
			return phrasing{}, true
		}
		return noTurnPhrasing, true
	}
	if e, ok := errors.AsType[*pipeline.PreflightError](err); ok {
		return preflightHint(e), true
	}
	return phrasing{}, false
}

// noTurnPhrasing says how to give every target its turn.
var noTurnPhrasing = phrasing{action: "raise the timeout input, or leave it empty: then it fits the targets (one content-creating request a second per token, or per App installation) plus a margin",
	cli: "raise --timeout, or leave it out: then it fits the targets (one content-creating request a second per token, or per App installation) plus a margin"}

// The advice given in more than one place, worded once.
const (
	// declareID is how a workflow_dispatch's run is found by the distinct ID sent among
	// its inputs.
	declareID = "declare the input distinct_id (required: false) in the receiving workflow and put ${{ inputs.distinct_id }} in its run-name"
	// addTrigger is how a workflow takes workflow_dispatch.
	addTrigger = "add `on: workflow_dispatch` to it, on the ref dispatched to"
)

// timedOutPhrasing says how to give the step more time.
var timedOutPhrasing = phrasing{action: "raise the timeout input (it bounds the whole step, waiting included)", cli: "raise --timeout (it bounds the whole run, waiting included)"}

// inputsLimit says how to send fewer inputs.
func inputsLimit(e *dispatch.InputsLimitError) phrasing {
	if e.Limit == event.MaxWorkflowInputs {
		return both(func(in func(string) string) string {
			return fmt.Sprintf("GitHub takes at most %d workflow inputs, and a server that cannot name the run (Enterprise Server before 3.21) needs distinct_id among them to find it: "+
				"send at most %d in %s (several values as one JSON string), or do not wait for the run", event.MaxWorkflowInputs, event.MaxWorkflowInputs-1, in("inputs"))
		})
	}
	return both(func(in func(string) string) string {
		return fmt.Sprintf("GitHub Enterprise Server before 3.20 takes at most %d workflow inputs (github.com and 3.20 or later: 25): send fewer in %s, for example several values as one JSON string; "+
			"when waiting for the run on a server before 3.21, distinct_id is one of them", dispatch.OldMaxWorkflowInputs, in("inputs"))
	})
}

// runPhrasing is the hint of a failure of following a run.
func runPhrasing(err error) (phrasing, bool) {
	switch {
	case errors.Is(err, runs.ErrCancelled):
		return phrasing{}, true
	case errors.Is(err, runs.ErrTimeout):
		return timedOutPhrasing, true
	}
	if e, ok := errors.AsType[*runs.StillRunningError](err); ok {
		return phrasing{action: fmt.Sprintf("raise wait-timeout (a timeout left empty grows with it), or follow the run later in another step with run-id: %d", e.RunID),
			cli: fmt.Sprintf("raise --wait-timeout, or follow the run later: dispatch watch --repository %s --run-id %d", e.Repo, e.RunID)}, true
	}
	if _, ok := errors.AsType[*runs.JobsNotFoundError](err); ok {
		return both(func(in func(string) string) string {
			return fmt.Sprintf("give %s the names the run lists (above): a job's name:, or its key when it has none; a name also matches the jobs of its matrix, \"build (ubuntu-latest, 20)\", and of the reusable workflow it calls, \"deploy / compile\"", in("jobs"))
		}), true
	}
	if e, ok := errors.AsType[*runs.RunNotFoundError](err); ok {
		return runNotFound(e), true
	}
	if e, ok := errors.AsType[*runs.OutputsError](err); ok {
		if e.Err != nil { // a failure reading it, which has no hint of its own
			return phrasing{}, true
		}
		return both(func(in func(string) string) string {
			return "in the run, write a JSON object to outputs.json and upload it with actions/upload-artifact under the name given in " + in("outputs-artifact") + " (examples/receive-with-outputs.yml)"
		}), true
	}
	if e, ok := errors.AsType[*runs.NotFoundError](err); ok {
		return phrasing{action: RunNameHint(e.Query.Event)}, true
	}
	if _, ok := errors.AsType[*runs.ConclusionError](err); ok {
		return phrasing{action: "open the run for its logs. To let this step pass whatever the run's conclusion, set fail-on-conclusion: false and read the conclusion output",
			cli: "open the run for its logs. To exit 0 whatever the run's conclusion, add --fail-on-conclusion=false"}, true
	}
	if _, ok := errors.AsType[*runs.AmbiguousError](err); ok {
		return phrasing{action: "set add-distinct-id: true, " + declareID + ": the run is then found by it",
			cli: "pass --add-distinct-id, " + declareID + ": the run is then found by it"}, true
	}
	if _, ok := errors.AsType[*runs.FailFastError](err); ok {
		return phrasing{action: "open the job for its logs. To wait for the whole run instead, leave fail-fast unset",
			cli: "open the job for its logs. To wait for the whole run instead, leave out --fail-fast"}, true
	}
	return phrasing{}, false
}

// runNotFound says how to check the run's ID, or what happened to a run that vanished.
func runNotFound(e *runs.RunNotFoundError) phrasing {
	if e.Vanished {
		return phrasing{action: "the run was deleted, or the token lost access to " + e.Repo.String() + "'s Actions, while it was waited for: see the repository's Actions tab"}
	}
	need := "GitHub answers 404 too when the token may not read the repository's Actions: it needs Actions: read"
	if ghclient.CauseOf(e.Err).Forge == ghclient.Gitea {
		need = "Gitea answers 404 too when the token may not read the repository: it needs the read:repository scope"
		return phrasing{action: fmt.Sprintf("check the run ID and the repository: a run's ID is in its address, …/%s/actions/runs/ID. %s", e.Repo, need),
			cli: fmt.Sprintf("check --run-id and --repository: a run's ID is in its address, …/%s/actions/runs/ID. %s", e.Repo, need)}
	}
	return phrasing{action: fmt.Sprintf("check the run ID and the repository: a run's ID is in its address, …/%s/actions/runs/ID. %s (with github.token: permissions: { actions: read })", e.Repo, need),
		cli: fmt.Sprintf("check --run-id and --repository: a run's ID is in its address, …/%s/actions/runs/ID. %s", e.Repo, need)}
}

// RunNameHint is the exact change a receiving workflow of kind needs so that its runs can
// be found by their distinct ID.
func RunNameHint(kind event.Kind) string {
	if kind == event.WorkflowDispatch {
		return "the workflow must declare the input and put it in its run title:\n" +
			"  on:\n    workflow_dispatch:\n      inputs:\n        distinct_id:\n          required: false\n" +
			"  run-name: ${{ github.workflow }} ${{ inputs.distinct_id }}"
	}
	return "the receiving workflow must put the ID in its run title, with this line at the top level:\n" +
		"  run-name: ${{ github.event.action }} ${{ github.event.client_payload.distinct_id }}"
}

// appPhrasing is the hint of a failure of the App's authentication.
func appPhrasing(err error) (phrasing, bool) {
	if e, ok := errors.AsType[*ghapp.NotInstalledError](err); ok {
		return phrasing{action: fmt.Sprintf("install the App on %s (its settings: Install App) with access to %s/%s, or check the App ID; the App's owner can see where it is installed", e.Owner, e.Owner, e.Repo)}, true
	}
	if e, ok := errors.AsType[*ghapp.JWTRefusedError](err); ok {
		keys := "check that app-id is the App's ID (or client ID) and that app-private-key is one of its current private keys (App settings, Private keys); a deleted key stops working at once"
		if !e.ClocksApart() {
			return phrasing{action: keys}, true
		}
		way := "ahead of"
		if e.Skew > 0 {
			way = "behind"
		}
		return phrasing{action: fmt.Sprintf("the runner's clock is %s %s GitHub's, which checks the App's JWT against its own: "+
			"the action signed it again by GitHub's time and it was still refused. Set the runner's clock right (NTP), then %s",
			e.Skew.Abs().Round(time.Second), way, keys)}, true
	}
	if e, ok := errors.AsType[*ghapp.NotCoveredError](err); ok {
		return phrasing{action: fmt.Sprintf("add %s/%s to the App's installation on %s (the App's settings: Install App, Repository access), or check that the repository exists; the other targets were sent", e.Owner, e.Repo, e.Owner)}, true
	}
	if _, ok := errors.AsType[*ghapp.PermissionError](err); ok {
		return phrasing{action: "in the App's settings, under Permissions, grant Repository permissions: Contents: Read and write for repository_dispatch, Actions: Read and write for workflow_dispatch (Actions: Read to wait for runs); then approve the new permissions on each installation"}, true
	}
	return phrasing{}, false
}
