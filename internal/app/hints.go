package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/dispatch"
	"github.com/MrSunshyne/dispatch-action/internal/ghapp"
	"github.com/MrSunshyne/dispatch-action/internal/runs"
)

// hint says what to do about a failed dispatch, chosen by its cause. In action mode it
// speaks workflow YAML, in the CLI it speaks shell.
func hint(m config.Mode, r dispatch.Result, now time.Time) string {
	action := m == config.ActionMode
	var rl *github.RateLimitError
	var abuse *github.AbuseRateLimitError
	switch {
	case errors.As(r.Err, &rl):
		wait := rl.Rate.Reset.Time.Sub(now).Round(time.Second)
		if wait < 0 {
			wait = 0
		}
		return fmt.Sprintf("the token's hourly request limit is used up; it resets at %s (in %s). Wait until then, or use a GitHub App, whose limit is separate and higher",
			rl.Rate.Reset.Time.UTC().Format(time.RFC3339), wait)
	case errors.As(r.Err, &abuse):
		return "GitHub's secondary rate limit stopped the request (too many content-creating requests in a short time). Wait at least a minute and send fewer dispatches at once"
	}
	switch {
	case errors.Is(r.Err, errWaitCancelled), errors.Is(r.Err, context.Canceled):
		return ""
	case errors.Is(r.Err, errWaitTimeout), errors.Is(r.Err, context.DeadlineExceeded):
		if action {
			return "raise the timeout input (it bounds the whole step, waiting included)"
		}
		return "raise --timeout (it bounds the whole run, waiting included)"
	}
	var notInstalled *ghapp.NotInstalledError
	if errors.As(r.Err, &notInstalled) {
		return fmt.Sprintf("install the App on %s (its settings: Install App) with access to %s, or check the App ID; the App's owner can see where it is installed",
			notInstalled.Owner, r.Repository)
	}
	var jwtRefused *ghapp.JWTRefusedError
	if errors.As(r.Err, &jwtRefused) {
		return "check that app-id is the App's ID (or client ID) and that app-private-key is one of its current private keys (App settings, Private keys); a deleted key stops working at once"
	}
	var appPerm *ghapp.PermissionError
	if errors.As(r.Err, &appPerm) {
		return "in the App's settings, under Permissions, grant Repository permissions: Contents: Read and write for repository_dispatch, Actions: Read and write for workflow_dispatch (Actions: Read to wait for runs); then approve the new permissions on each installation"
	}
	var notFound *runs.NotFoundError
	if errors.As(r.Err, &notFound) {
		return notFound.RunNameHint()
	}
	var concl *conclusionError
	if errors.As(r.Err, &concl) {
		if action {
			return "open the run for its logs. To let this step pass whatever the run's conclusion, set fail-on-conclusion: false and read the conclusion output"
		}
		return "open the run for its logs. To exit 0 whatever the run's conclusion, add --fail-on-conclusion=false"
	}

	// The status and headers of the answer that failed: the dispatch's, or a later poll's.
	status, header := r.HTTPStatus, r.Header
	var er *github.ErrorResponse
	if errors.As(r.Err, &er) && er.Response != nil {
		status, header = er.Response.StatusCode, er.Response.Header
	}
	if r.DispatchedAt != "" && status == http.StatusNotFound {
		return "the run was found but could not be read: the token may lack Actions: read on " + r.Repository
	}
	switch status {
	case http.StatusNotFound:
		if action {
			return fmt.Sprintf("check that %q is spelled right and that the token can see it: GitHub answers 404, not 403, for a private repository the token cannot read. "+
				"The default github.token reaches only this workflow's own repository; for another repository store a fine-grained token with Contents: write on %s (or a classic token with the repo scope) as a secret and pass token: ${{ secrets.DISPATCH_TOKEN }}",
				r.Repository, r.Repository)
		}
		return fmt.Sprintf("check that %q is spelled right and that the token can see it: GitHub answers 404, not 403, for a private repository the token cannot read. "+
			"Use a fine-grained token with Contents: write on %s (or a classic token with the repo scope): export GITHUB_TOKEN=<token>",
			r.Repository, r.Repository)
	case http.StatusUnauthorized:
		if action {
			return "the token is invalid, expired or revoked: create a new one and update the secret you pass as the token input"
		}
		return "the token in GITHUB_TOKEN (or GH_TOKEN) is invalid, expired or revoked: create a new one and export GITHUB_TOKEN=<new token>"
	case http.StatusForbidden:
		need := header.Get("X-Accepted-GitHub-Permissions")
		if need == "" {
			need = neededPermission(r)
		}
		scope, level, _ := strings.Cut(need, "=")
		ui := fmt.Sprintf("%s%s: %s", strings.ToUpper(scope[:1]), scope[1:], level)
		doing := "dispatch to"
		if r.DispatchedAt != "" {
			doing = "read the runs of"
		}
		if action {
			return fmt.Sprintf("the token may not %s %s: it needs %s (%s). With github.token, add to the job:  permissions: { %s: %s }. "+
				"With a fine-grained token or a GitHub App, grant %s on %s; a classic token needs the repo scope. Organisations may also require SSO authorisation of the token",
				doing, r.Repository, ui, need, scope, level, ui, r.Repository)
		}
		return fmt.Sprintf("the token may not %s %s: it needs %s (%s). Give the fine-grained token %s on %s (a classic token needs the repo scope), authorise it for SSO if the organisation asks, then export GITHUB_TOKEN=<token>",
			doing, r.Repository, ui, need, ui, r.Repository)
	case http.StatusUnprocessableEntity:
		in := func(name string) string { return config.Label(m, name) }
		if r.Event == config.EventWorkflowDispatch {
			if strings.Contains(r.Error, config.DistinctIDKey) {
				return "this server cannot return the run, so the action sent distinct_id among the inputs to find it: declare it in the workflow (on.workflow_dispatch.inputs.distinct_id, required: false) and put ${{ inputs.distinct_id }} in its run-name"
			}
			return fmt.Sprintf("GitHub refused the event: check that %s declares on: workflow_dispatch on the ref, that %s exists, and that %s only names inputs the workflow declares", in("workflow"), in("ref"), in("inputs"))
		}
		return fmt.Sprintf("GitHub refused the event: check %s (1–100 characters) and %s (a JSON object with at most 10 top-level properties)", in("event-type"), in("client-payload"))
	case http.StatusTooManyRequests:
		wait := "at least a minute"
		if ra := header.Get("Retry-After"); ra != "" {
			wait = ra + " seconds (GitHub's Retry-After)"
		}
		return "GitHub is rate limiting this token: wait " + wait + " before sending again, and send fewer requests at once"
	case http.StatusBadRequest:
		return "GitHub could not read the request; if api-url points at a proxy or an old Enterprise Server, check that it passes JSON bodies and the X-GitHub-Api-Version header through"
	}
	if status >= 500 {
		return "GitHub had a server error. The event may or may not have been delivered: check the receiving repository's Actions tab before sending it again"
	}
	if status == 0 {
		if action {
			return "GitHub did not answer: check the api-url input (for Enterprise Server: https://HOST/api/v3) and the runner's network"
		}
		return "GitHub did not answer: check --api-url (for Enterprise Server: https://HOST/api/v3), your network and proxy settings"
	}
	return ""
}

// neededPermission is the fine-grained permission the failed step needed, when GitHub did
// not name it: writing contents for repository_dispatch, actions for workflow_dispatch,
// reading actions to find or follow a run.
func neededPermission(r dispatch.Result) string {
	switch {
	case r.DispatchedAt != "":
		return "actions=read"
	case r.Event == config.EventWorkflowDispatch:
		return "actions=write"
	}
	return "contents=write"
}
