package app

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/outcome"
	"github.com/MrSunshyne/dispatch-action/internal/untrusted"

	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/dispatch"
	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghapp"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/pipeline"
	"github.com/MrSunshyne/dispatch-action/internal/runs"
)

// reason is what a failed Result calls for the user to do; reasonOf decides it once and
// phrase words it for each mode.
type reason int

const (
	noHint reason = iota
	primaryLimit
	secondaryLimit
	tooManyRequests
	outOfTime
	appNotInstalled
	appJWTRefused
	appPermission
	runNameMissing
	runConcluded
	runUnreadable
	repoNotFound
	tokenRefused
	permissionMissing
	idInputUndeclared
	workflowRefused
	eventRefused
	requestUnreadable
	serverFault
	noAnswer
	badAnswer
	outputsUnreadable
	workflowUnknown
	noTurn
	inputsLimit
	runNotFound
	runVanished
	untrustedCert
	appTokenRefused
	stillRunning
	proxyFailed
	notGitHub
	jobsMissing
)

// reasonOf classifies a failed Result by its error's type and, else, its GitHub cause.
func reasonOf(r outcome.Result) reason {
	if why, ok := typedReason(r.Err); ok {
		return why
	}
	return causeReason(r)
}

// typedReason is the reason of a failure an error type of the project's names.
func typedReason(err error) (reason, bool) {
	var notInstalled *ghapp.NotInstalledError
	var jwtRefused *ghapp.JWTRefusedError
	var appPerm *ghapp.PermissionError
	var notFound *runs.NotFoundError
	var concl *runs.ConclusionError
	var outputs *runs.OutputsError
	var wfName *dispatch.WorkflowNameError
	var limit *dispatch.InputsLimitError
	var gone *runs.RunNotFoundError
	var still *runs.StillRunningError
	var noJobs *runs.JobsNotFoundError
	var notSent *pipeline.NotSentError
	switch {
	case errors.As(err, &still):
		return stillRunning, true
	case errors.As(err, &noJobs):
		return jobsMissing, true
	case errors.As(err, &limit):
		return inputsLimit, true
	case errors.As(err, &gone) && gone.Vanished:
		return runVanished, true
	case errors.As(err, &gone):
		return runNotFound, true
	case errors.As(err, &outputs) && outputs.Err == nil:
		return outputsUnreadable, true
	case errors.As(err, &wfName):
		return workflowUnknown, true
	case errors.Is(err, runs.ErrCancelled), errors.As(err, &notSent) && notSent.Ending == pipeline.Cancelled:
		return noHint, true
	case errors.Is(err, runs.ErrTimeout), errors.Is(err, dispatch.ErrNotSent):
		return outOfTime, true
	case errors.As(err, &notInstalled):
		return appNotInstalled, true
	case errors.As(err, &jwtRefused):
		return appJWTRefused, true
	case errors.As(err, &appPerm):
		return appPermission, true
	case errors.As(err, &notFound):
		return runNameMissing, true
	case errors.As(err, &concl):
		return runConcluded, true
	}
	return noHint, false
}

// causeReason is the reason of a failed request, by what GitHub answered.
func causeReason(r outcome.Result) reason {
	c := ghclient.CauseOf(r.Err)
	switch c.Kind {
	case ghclient.Cancelled:
		return noHint
	case ghclient.TimedOut:
		return outOfTime
	case ghclient.NoTurn:
		return noTurn
	case ghclient.RateLimited:
		switch {
		case c.Primary:
			return primaryLimit
		case c.Status == http.StatusTooManyRequests:
			return tooManyRequests
		}
		return secondaryLimit
	case ghclient.NotFound:
		if r.Delivered() {
			return runUnreadable
		}
		return repoNotFound
	case ghclient.Unauthorized:
		return tokenRefused
	case ghclient.Forbidden:
		return permissionMissing
	case ghclient.Validation:
		switch {
		case r.Receipt.IDInInputs:
			return idInputUndeclared
		case r.Event == event.WorkflowDispatch:
			return workflowRefused
		}
		return eventRefused
	case ghclient.BadRequest:
		return requestUnreadable
	case ghclient.ServerError:
		return serverFault
	case ghclient.Network:
		if c.Proxy != "" {
			return proxyFailed
		}
		return noAnswer
	case ghclient.NotGitHub:
		return notGitHub
	case ghclient.Untrusted:
		return untrustedCert
	case ghclient.BadAnswer:
		return badAnswer
	}
	return noHint
}

// phrasing is a hint in each mode's words: action mode speaks workflow YAML, the CLI
// speaks shell. An empty cli means the same words in both.
type phrasing struct{ action, cli string }

// hint says what to do about a failed Result, in mode m's words.
func hint(cfg *config.Config, r outcome.Result, now time.Time) string {
	why := reasonOf(r)
	if why == tokenRefused && cfg.App != nil {
		why = appTokenRefused // not the token input: the App's installation token
	}
	p := phrase(why, r, now)
	if cfg.Mode == config.CLIMode && p.cli != "" {
		return p.cli
	}
	return p.action
}

func phrase(why reason, r outcome.Result, now time.Time) phrasing {
	c := ghclient.CauseOf(r.Err)
	repo := r.Repo.String()
	switch why {
	case primaryLimit:
		wait := max(c.Reset.Sub(now).Round(time.Second), 0)
		return phrasing{action: fmt.Sprintf("the token's hourly request limit is used up; it resets at %s (in %s). Wait until then, or use a GitHub App, whose limit is separate and higher",
			c.Reset.UTC().Format(time.RFC3339), wait)}
	case secondaryLimit:
		return phrasing{action: "GitHub's secondary rate limit stopped the request (too many content-creating requests in a short time). Wait at least a minute and send fewer dispatches at once"}
	case tooManyRequests:
		wait := "at least a minute"
		if c.HasRetryAfter {
			wait = fmt.Sprintf("%d seconds (GitHub's Retry-After)", int(c.RetryAfter/time.Second))
		}
		return phrasing{action: "GitHub is rate limiting this token: wait " + wait + " before sending again, and send fewer requests at once"}
	case outOfTime:
		return phrasing{action: "raise the timeout input (it bounds the whole step, waiting included)",
			cli: "raise --timeout (it bounds the whole run, waiting included)"}
	case appNotInstalled:
		var e *ghapp.NotInstalledError
		errors.As(r.Err, &e)
		return phrasing{action: fmt.Sprintf("install the App on %s (its settings: Install App) with access to %s, or check the App ID; the App's owner can see where it is installed", e.Owner, repo)}
	case appJWTRefused:
		var e *ghapp.JWTRefusedError
		errors.As(r.Err, &e)
		keys := "check that app-id is the App's ID (or client ID) and that app-private-key is one of its current private keys (App settings, Private keys); a deleted key stops working at once"
		if e.Skew.Abs() > 30*time.Second {
			way := "ahead of"
			if e.Skew > 0 {
				way = "behind"
			}
			return phrasing{action: fmt.Sprintf("the runner's clock is %s %s GitHub's, which checks the App's JWT against its own: "+
				"the action signed it again by GitHub's time and it was still refused. Set the runner's clock right (NTP), then %s",
				e.Skew.Abs().Round(time.Second), way, keys)}
		}
		return phrasing{action: keys}
	case appTokenRefused:
		return phrasing{action: "GitHub refused the App's installation token, new as it was: the installation may have been suspended, " +
			"or no longer include " + repo + " (the App's settings, Install App); app-id and app-private-key are right, or no token would have been minted"}
	case appPermission:
		return phrasing{action: "in the App's settings, under Permissions, grant Repository permissions: Contents: Read and write for repository_dispatch, Actions: Read and write for workflow_dispatch (Actions: Read to wait for runs); then approve the new permissions on each installation"}
	case permissionMissing:
		return permissionPhrasing(r, c)
	case noTurn:
		return phrasing{action: "raise the timeout input, or leave it empty: then it fits the targets (one content-creating request a second per token, or per App installation) plus a margin",
			cli: "raise --timeout, or leave it out: then it fits the targets (one content-creating request a second per token, or per App installation) plus a margin"}
	case outputsUnreadable:
		return phrasing{action: "in the run, write a JSON object to outputs.json and upload it with actions/upload-artifact under the name given in outputs-artifact (examples/receive-with-outputs.yml)",
			cli: "in the run, write a JSON object to outputs.json and upload it with actions/upload-artifact under the name given in --outputs-artifact (examples/receive-with-outputs.yml)"}
	case workflowUnknown:
		return phrasing{action: "give the workflow input one of the names listed exactly, or the workflow's file name (deploy.yml) or numeric ID, which are unique"}
	case inputsLimit:
		const f = "GitHub Enterprise Server before 3.20 takes at most %d workflow inputs (github.com and 3.20 or later: 25): send fewer in %s, for example several values as one JSON string; " +
			"when the step waits for the run on a server before 3.21, distinct_id is one of them"
		return phrasing{action: fmt.Sprintf(f, dispatch.OldMaxWorkflowInputs, config.Label(config.ActionMode, "inputs")),
			cli: fmt.Sprintf(f, dispatch.OldMaxWorkflowInputs, config.Label(config.CLIMode, "inputs"))}
	}
	if p, ok := runPhrasing(why, r); ok {
		return p
	}
	return requestPhrasing(why, r)
}

// runPhrasing words the hints about a run that was found, or looked for, after GitHub
// accepted the event.
func runPhrasing(why reason, r outcome.Result) (phrasing, bool) {
	repo := r.Repo.String()
	switch why {
	case runNameMissing:
		var e *runs.NotFoundError
		errors.As(r.Err, &e)
		return phrasing{action: runNameHint(e.Query.Event)}, true
	case runConcluded:
		return phrasing{action: "open the run for its logs. To let this step pass whatever the run's conclusion, set fail-on-conclusion: false and read the conclusion output",
			cli: "open the run for its logs. To exit 0 whatever the run's conclusion, add --fail-on-conclusion=false"}, true
	case runUnreadable:
		return phrasing{action: "the run was found but could not be read: the token may lack Actions: read on " + repo}, true
	case stillRunning:
		return phrasing{action: fmt.Sprintf("raise wait-timeout (a timeout left empty grows with it), or follow the run later in another step with run-id: %d", r.RunID()),
			cli: fmt.Sprintf("raise --wait-timeout, or follow the run later: dispatch watch --repository %s --run-id %d", repo, r.RunID())}, true
	case jobsMissing:
		const f = "give %s the names the run lists (above): a job's name:, or its key when it has none; a name also matches the jobs of its matrix, \"build (ubuntu-latest, 20)\", and of the reusable workflow it calls, \"deploy / compile\""
		return phrasing{action: fmt.Sprintf(f, config.Label(config.ActionMode, "jobs")), cli: fmt.Sprintf(f, config.Label(config.CLIMode, "jobs"))}, true
	case runNotFound:
		return phrasing{action: fmt.Sprintf("check the run ID and the repository: a run's ID is in its address, …/%s/actions/runs/ID. GitHub answers 404 too when the token may not read the repository's Actions: it needs Actions: read (with github.token: permissions: { actions: read })", repo),
			cli: fmt.Sprintf("check --run-id and --repository: a run's ID is in its address, …/%s/actions/runs/ID. GitHub answers 404 too when the token may not read the repository's Actions: it needs Actions: read", repo)}, true
	case runVanished:
		return phrasing{action: "the run was deleted, or the token lost access to " + repo + "'s Actions, while the step waited: see the repository's Actions tab"}, true
	}
	return phrasing{}, false
}

// requestPhrasing words the hints about a request GitHub refused or did not answer.
func requestPhrasing(why reason, r outcome.Result) phrasing {
	repo := r.Repo.String()
	in := func(name string) string { return config.Label(config.ActionMode, name) }
	switch why {
	case repoNotFound:
		seen := fmt.Sprintf("check that %q is spelled right and that the token can see it: GitHub answers 404, not 403, for a private repository the token cannot read. ", repo)
		return phrasing{
			action: seen + fmt.Sprintf("The default github.token reaches only this workflow's own repository; for another repository store a fine-grained token with Contents: write on %s (or a classic token with the repo scope) as a secret and pass token: ${{ secrets.DISPATCH_TOKEN }}", repo),
			cli:    seen + fmt.Sprintf("Use a fine-grained token with Contents: write on %s (or a classic token with the repo scope): export GITHUB_TOKEN=<token>", repo)}
	case tokenRefused:
		return phrasing{action: "the token is invalid, expired or revoked: create a new one and update the secret you pass as the token input",
			cli: "the token in GITHUB_TOKEN (or GH_TOKEN) is invalid, expired or revoked: create a new one and export GITHUB_TOKEN=<new token>"}
	case idInputUndeclared:
		return phrasing{action: "this server cannot return the run, so the action sent distinct_id among the inputs to find it: declare it in the workflow (on.workflow_dispatch.inputs.distinct_id, required: false) and put ${{ inputs.distinct_id }} in its run-name"}
	case workflowRefused:
		cli := func(name string) string { return config.Label(config.CLIMode, name) }
		const f = "GitHub refused the event: check that %s declares on: workflow_dispatch on the ref, that %s exists, and that %s only names inputs the workflow declares"
		return phrasing{action: fmt.Sprintf(f, in("workflow"), in("ref"), in("inputs")), cli: fmt.Sprintf(f, cli("workflow"), cli("ref"), cli("inputs"))}
	case eventRefused:
		const f = "GitHub refused the event: check %s (1–100 characters) and %s (a JSON object with at most 10 top-level properties)"
		return phrasing{action: fmt.Sprintf(f, in("event-type"), in("client-payload")),
			cli: fmt.Sprintf(f, config.Label(config.CLIMode, "event-type"), config.Label(config.CLIMode, "client-payload"))}
	case requestUnreadable:
		return phrasing{action: "GitHub could not read the request; if api-url points at a proxy or an old Enterprise Server, check that it passes JSON bodies and the X-GitHub-Api-Version header through"}
	case serverFault:
		return phrasing{action: "GitHub had a server error. The event may or may not have been delivered: check the receiving repository's Actions tab before sending it again"}
	case badAnswer:
		return phrasing{action: "the server at the api-url input did not answer as GitHub does: check api-url (for Enterprise Server: https://HOST/api/v3) and any proxy in between",
			cli: "the server at --api-url did not answer as GitHub does: check --api-url (for Enterprise Server: https://HOST/api/v3) and any proxy in between"}
	case proxyFailed:
		return phrasing{action: fmt.Sprintf("nothing was sent: check the runner's proxy settings (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) and that the proxy %s lets the runner reach the API", ghclient.CauseOf(r.Err).Proxy)}
	case notGitHub:
		return phrasing{action: "a proxy, firewall or login portal (SSO) answered instead of GitHub, so the event was not delivered: check the api-url input and what stands between the runner and GitHub; it was not retried",
			cli: "a proxy, firewall or login portal (SSO) answered instead of GitHub, so the event was not delivered: check --api-url and what stands between this machine and GitHub (a VPN or proxy login?); it was not retried"}
	case untrustedCert:
		return phrasing{action: "this runner does not trust the server's certificate. For an Enterprise Server with a certificate from your own CA, " +
			"give the step that CA's certificate (PEM) in a file and set SSL_CERT_FILE to it in the step's env: (SSL_CERT_DIR takes a directory); " +
			"the file then replaces the default bundle for the step. The Docker action sees only the workspace, as /github/workspace: " +
			"SSL_CERT_FILE: /github/workspace/ca.pem; the portable action: SSL_CERT_FILE: ${{ github.workspace }}/ca.pem",
			cli: "this machine does not trust the server's certificate: for an Enterprise Server with a certificate from your own CA, " +
				"export SSL_CERT_FILE=/path/to/ca.pem (its PEM certificate; it replaces the default bundle for the command) or SSL_CERT_DIR=/path/to/dir"}
	case noAnswer:
		return phrasing{action: "GitHub did not answer: check the api-url input (for Enterprise Server: https://HOST/api/v3) and the runner's network",
			cli: "GitHub did not answer: check --api-url (for Enterprise Server: https://HOST/api/v3), your network and proxy settings"}
	}
	return phrasing{}
}

// permissionPhrasing names the permission a 403 asked for: GitHub's (ghclient keeps it
// only when it reads as scope=level), else the one the failed step needs.
func permissionPhrasing(r outcome.Result, c ghclient.Cause) phrasing {
	need := c.Permission
	if need == "" {
		need = neededPermission(r)
	}
	scope, level, _ := strings.Cut(need, "=")
	ui := fmt.Sprintf("%s%s: %s", strings.ToUpper(scope[:1]), scope[1:], level)
	doing := "dispatch to"
	if r.Delivered() {
		doing = "read the runs of"
	}
	repo := r.Repo.String()
	return phrasing{
		action: fmt.Sprintf("the token may not %s %s: it needs %s (%s). With github.token, add to the job:  permissions: { %s: %s }. "+
			"With a fine-grained token or a GitHub App, grant %s on %s; a classic token needs the repo scope. Organisations may also require SSO authorisation of the token",
			doing, repo, ui, need, scope, level, ui, repo),
		cli: fmt.Sprintf("the token may not %s %s: it needs %s (%s). Give the fine-grained token %s on %s (a classic token needs the repo scope), authorise it for SSO if the organisation asks, then export GITHUB_TOKEN=<token>",
			doing, repo, ui, need, ui, repo),
	}
}

// neededPermission is the fine-grained permission the failed step needed, when GitHub did
// not name it: writing contents for repository_dispatch, actions for workflow_dispatch,
// reading actions to find or follow a run.
func neededPermission(r outcome.Result) string {
	switch {
	case r.Delivered():
		return "actions=read"
	case r.Event == event.WorkflowDispatch:
		return "actions=write"
	}
	return "contents=write"
}

// runNameHint is the exact change the receiving workflow needs so its runs can be found.
func runNameHint(kind event.Kind) string {
	if kind == event.WorkflowDispatch {
		return "the workflow must declare the input and put it in its run title:\n" +
			"  on:\n    workflow_dispatch:\n      inputs:\n        distinct_id:\n          required: false\n" +
			"  run-name: ${{ github.workflow }} ${{ inputs.distinct_id }}"
	}
	return "the receiving workflow must put the ID in its run title, with this line at the top level:\n" +
		"  run-name: ${{ github.event.action }} ${{ github.event.client_payload.distinct_id }}"
}

// duplicateWarning says that a retried event may arrive twice, and what receivers can
// deduplicate on.
func duplicateWarning(r outcome.Result) string {
	on := "set add-distinct-id: true (--add-distinct-id=true) so that every event carries a distinct_id receivers can deduplicate on"
	if r.Receipt.DistinctID != "" {
		on = fmt.Sprintf("receivers can deduplicate on its distinct_id %q", r.Receipt.DistinctID)
	}
	return untrusted.Line(fmt.Sprintf("%s: an attempt GitHub may have accepted (a server error or a lost connection) was sent again, so the event may arrive twice; %s", r.Label(), on), 0)
}
