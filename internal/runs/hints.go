package runs

import (
	"fmt"

	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
)

// What the user can do about each failure of following a run, said by the error that
// knows it, in the action's words or the CLI's.

// pick is the CLI's words when asked and given, else the action's.
func pick(cli bool, action, cliWords string) string {
	if cli && cliWords != "" {
		return cliWords
	}
	return action
}

// Hint says how to wait longer, or to follow the run later.
func (e *StillRunningError) Hint(cli bool) string {
	return pick(cli, fmt.Sprintf("raise wait-timeout (a timeout left empty grows with it), or follow the run later in another step with run-id: %d", e.RunID),
		fmt.Sprintf("raise --wait-timeout, or follow the run later: dispatch watch --repository %s --run-id %d", e.Repo, e.RunID))
}

// Hint says which names a job answers to.
func (e *JobsNotFoundError) Hint(cli bool) string {
	const f = "give %s the names the run lists (above): a job's name:, or its key when it has none; a name also matches the jobs of its matrix, \"build (ubuntu-latest, 20)\", and of the reusable workflow it calls, \"deploy / compile\""
	return pick(cli, fmt.Sprintf(f, `input "jobs"`), fmt.Sprintf(f, "--jobs"))
}

// Hint says how to check the run's ID, or what happened to a run that vanished.
func (e *RunNotFoundError) Hint(cli bool) string {
	if e.Vanished {
		return "the run was deleted, or the token lost access to " + e.Repo.String() + "'s Actions, while it was waited for: see the repository's Actions tab"
	}
	if ghclient.CauseOf(e.Err).Forge == ghclient.Gitea {
		return pick(cli, fmt.Sprintf("check the run ID and the repository: a run's ID is in its address, …/%s/actions/runs/ID. Gitea answers 404 too when the token may not read the repository: it needs the read:repository scope", e.Repo),
			fmt.Sprintf("check --run-id and --repository: a run's ID is in its address, …/%s/actions/runs/ID. Gitea answers 404 too when the token may not read the repository: it needs the read:repository scope", e.Repo))
	}
	return pick(cli, fmt.Sprintf("check the run ID and the repository: a run's ID is in its address, …/%s/actions/runs/ID. GitHub answers 404 too when the token may not read the repository's Actions: it needs Actions: read (with github.token: permissions: { actions: read })", e.Repo),
		fmt.Sprintf("check --run-id and --repository: a run's ID is in its address, …/%s/actions/runs/ID. GitHub answers 404 too when the token may not read the repository's Actions: it needs Actions: read", e.Repo))
}

// Hint says how to upload the outputs, when the artifact was not as expected (a GitHub
// failure reading it says nothing of its own).
func (e *OutputsError) Hint(cli bool) string {
	if e.Err != nil {
		return ""
	}
	return pick(cli, "in the run, write a JSON object to outputs.json and upload it with actions/upload-artifact under the name given in outputs-artifact (examples/receive-with-outputs.yml)",
		"in the run, write a JSON object to outputs.json and upload it with actions/upload-artifact under the name given in --outputs-artifact (examples/receive-with-outputs.yml)")
}

// Hint is the exact change the receiving workflow needs so its runs can be found.
func (e *NotFoundError) Hint(bool) string { return RunNameHint(e.Query.Event) }

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

// Hint says where the failure shows, and how to let the step pass whatever it was.
func (e *ConclusionError) Hint(cli bool) string {
	return pick(cli, "open the run for its logs. To let this step pass whatever the run's conclusion, set fail-on-conclusion: false and read the conclusion output",
		"open the run for its logs. To exit 0 whatever the run's conclusion, add --fail-on-conclusion=false")
}
