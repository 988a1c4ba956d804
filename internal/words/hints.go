// Package words says every fact the packages below return, in the words of each mode (the
// action speaks workflow YAML and inputs, the CLI shell and flags) and of each forge
// (GitHub, Enterprise Server, Gitea): what to do about a failed target (Hint: by the facts
// of the project's own failure, own.go, else by the classified cause of the server's
// answer), the step's notes and a result's warnings (notes.go), and the dry run's
// heading. Nothing below it knows the mode; the advice given in several places is worded
// once here.
package words

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/outcome"

	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
)

// reason is what a failed Result calls for the user to do; reasonOf decides it once and
// phrase words it for each mode.
type reason int

const (
	noHint reason = iota
	timedOut
	primaryLimit
	secondaryLimit
	tooManyRequests
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
	noTurn
	untrustedCert
	appTokenRefused
	proxyFailed
	notGitHub
	workflowNotFound
)

// causeReason is the reason of a failed request, by what GitHub answered.
func causeReason(r outcome.Result) reason {
	c := ghclient.CauseOf(r.Err)
	switch c.Kind {
	case ghclient.Cancelled:
		return noHint
	case ghclient.TimedOut:
		return timedOut
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
		switch {
		case r.Delivered():
			return runUnreadable
		case r.Event == event.WorkflowDispatch && !r.FollowOnly && r.SentRef() != "":
			return workflowNotFound // (with no ref, the default branch could not be read: the repository was not found)
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

// Hint says what to do about a failed Result, in the mode's words: by the facts of the
// project's own failure when it is one (ownPhrasing), else by the cause, in the words of
// the forge that answered.
// giteaRunner: the step runs on a Gitea runner (GITEA_ACTIONS).
func Hint(cfg *config.Config, r outcome.Result, now time.Time, giteaRunner bool) string {
	cli := cfg.Mode == config.CLIMode
	p, own := ownPhrasing(r.Err)
	if !own {
		p = causePhrasing(cfg, r, now, giteaRunner)
	}
	if cli && p.cli != "" {
		return p.cli
	}
	return p.action
}

// causePhrasing is the hint of a failed request, by its cause, in the words of the forge
// that answered.
func causePhrasing(cfg *config.Config, r outcome.Result, now time.Time, giteaRunner bool) phrasing {
	why := causeReason(r)
	if why == tokenRefused && cfg.App != nil {
		why = appTokenRefused // not the token input: the App's installation token
	}
	if p, ok := giteaPhrasing(why, r, giteaRunner); ok {
		return p
	}
	return phrase(why, r, now)
}

// phrase words the hint of a failure by GitHub's cause.
func phrase(why reason, r outcome.Result, now time.Time) phrasing {
	c := ghclient.CauseOf(r.Err)
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
	case timedOut:
		return timedOutPhrasing
	case appTokenRefused:
		return phrasing{action: "GitHub refused the App's installation token, new as it was: the installation may have been suspended, " +
			"or no longer include " + r.Repo.String() + " (the App's settings, Install App); app-id and app-private-key are right, or no token would have been minted"}
	case permissionMissing:
		return permissionPhrasing(r, c)
	case noTurn:
		return noTurnPhrasing
	case runUnreadable:
		return phrasing{action: "the run was found but could not be read: the token may lack Actions: read on " + r.Repo.String()}
	}
	return requestPhrasing(why, r)
}

// requestPhrasing words the hints about a request GitHub refused or did not answer.
func requestPhrasing(why reason, r outcome.Result) phrasing {
	repo := r.Repo.String()
	in := func(name string) string { return config.Label(config.ActionMode, name) }
	switch why {
	case workflowNotFound:
		ref := r.SentRef()
		seen := fmt.Sprintf("GitHub answers 404 when the workflow file %s does not exist on %s (workflow_dispatch runs the file as it is on that ref), when %q is misspelled, and when the token cannot see it. ", r.Workflow, ref, repo)
		return phrasing{
			action: seen + fmt.Sprintf("Check the file and the ref; the token needs Actions: write on %s (a fine-grained token or App; with github.token: permissions: { actions: write }), a classic token the repo scope", repo),
			cli:    seen + fmt.Sprintf("Check --workflow and --ref; the token needs Actions: write on %s (fine-grained), or the repo scope (classic): export GH_TOKEN=<token>", repo)}
	case repoNotFound:
		seen := fmt.Sprintf("check that %q is spelled right and that the token can see it: GitHub answers 404, not 403, for a private repository the token cannot read. ", repo)
		return phrasing{
			action: seen + fmt.Sprintf("The default github.token reaches only this workflow's own repository; for another repository store a fine-grained token with Contents: write on %s (or a classic token with the repo scope) as a secret and pass token: ${{ secrets.DISPATCH_TOKEN }}", repo),
			cli:    seen + fmt.Sprintf("Use a fine-grained token with Contents: write on %s (or a classic token with the repo scope): export GITHUB_TOKEN=<token>", repo)}
	case tokenRefused:
		return phrasing{action: "the token is invalid, expired or revoked: create a new one and update the secret you pass as the token input",
			cli: "the token in GH_TOKEN (or, when it is unset, GITHUB_TOKEN) is invalid, expired or revoked: create a new one and export GITHUB_TOKEN=<new token>"}
	case idInputUndeclared:
		return phrasing{action: "this server cannot return the run, so the action sent distinct_id among the inputs to find it: " + declareID}
	case workflowRefused:
		return workflowRefusal(r)
	case eventRefused:
		const f = "%s refused the event: check %s (1–100 characters) and %s (a JSON object with at most 10 top-level properties)"
		return phrasing{action: fmt.Sprintf(f, forgeOf(r), in("event-type"), in("client-payload")),
			cli: fmt.Sprintf(f, forgeOf(r), config.Label(config.CLIMode, "event-type"), config.Label(config.CLIMode, "client-payload"))}
	case requestUnreadable:
		return phrasing{action: forgeOf(r).String() + " could not read the request; if api-url points at a proxy or an old Enterprise Server, check that it passes JSON bodies and the X-GitHub-Api-Version header through"}
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

// workflowRefusal follows what GitHub's message of a 422 to a workflow_dispatch said it
// refused (ghclient reads the message: Cause.Refusal): an input the workflow does not
// declare, a required one missing, no workflow_dispatch trigger, too many inputs; else
// what to check.
func workflowRefusal(r outcome.Result) phrasing {
	switch ghclient.CauseOf(r.Err).Refusal {
	case ghclient.UnexpectedInputs:
		return both(func(in func(string) string) string {
			return fmt.Sprintf("the workflow does not declare the inputs GitHub named: declare them under on.workflow_dispatch.inputs in %s on that ref, or leave them out of %s", r.Workflow, in("inputs"))
		})
	case ghclient.RequiredInput:
		return both(func(in func(string) string) string {
			return fmt.Sprintf("give the required input GitHub named in %s (or a default in the workflow)", in("inputs"))
		})
	case ghclient.NoDispatchTrigger:
		return phrasing{action: fmt.Sprintf("%s on that ref has no on: workflow_dispatch trigger: %s", r.Workflow, addTrigger)}
	case ghclient.TooManyProperties:
		return both(func(in func(string) string) string {
			return fmt.Sprintf("send fewer workflow inputs, as GitHub's message says (several values can go as one JSON string) in %s", in("inputs"))
		})
	}
	return both(func(in func(string) string) string {
		return fmt.Sprintf("%s refused the event: check that %s declares on: workflow_dispatch on the ref, that %s exists, and that %s only names inputs the workflow declares",
			forgeOf(r), in("workflow"), in("ref"), in("inputs"))
	})
}

// permissionPhrasing names the permission a 403 asked for: GitHub's (ghclient keeps it
// only when it reads as scope=level), else the one the failed step needs.
func permissionPhrasing(r outcome.Result, c ghclient.Cause) phrasing {
	need := c.Permission
	if need == "" {
		need = neededPermission(r)
	}
	scope, level, _ := strings.Cut(need, "=")
	ui := permissionName(need)
	doing := "dispatch to"
	if r.Delivered() || r.FollowOnly {
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
	case r.Delivered() || r.FollowOnly: // following a run, whatever started it
		return "actions=read"
	case r.Event == event.WorkflowDispatch:
		return "actions=write"
	}
	return "contents=write"
}

// forgeOf is the forge r's failure came from: the one that answered, else the one the
// event was sent to.
func forgeOf(r outcome.Result) ghclient.Forge {
	if f := ghclient.CauseOf(r.Err).Forge; f != ghclient.GitHub {
		return f
	}
	return r.Receipt.Forge
}

// giteaPhrasing words the hints whose advice differs on Gitea: its token scopes
// (write:repository to dispatch, read:repository to read), its workflow folders, its API
// root; and on a Gitea runner, that github.token may only read other repositories. ok is
// false for a failure that did not come from Gitea, or whose hint is the same there.
func giteaPhrasing(why reason, r outcome.Result, giteaRunner bool) (p phrasing, ok bool) {
	if forgeOf(r) != ghclient.Gitea {
		return phrasing{}, false
	}
	repo := r.Repo.String()
	const stored = "create an access token with the write:repository scope (Settings, Applications), store it as a secret and pass token: ${{ secrets.DISPATCH_TOKEN }}"
	runner := ""
	if giteaRunner {
		runner = " On a Gitea runner, github.token may dispatch only in its own repository and only read others, whatever permissions: says: for another repository, " + stored
	}
	switch why {
	case workflowNotFound:
		seen := fmt.Sprintf("Gitea answers 404 when the workflow file %s is not in %s's .gitea/workflows (or .github/workflows, which it reads only where .gitea/workflows does not exist) on %s, when %q is misspelled, and when the token cannot see it. ",
			r.Workflow, repo, r.SentRef(), repo)
		return phrasing{action: seen + "Check the file and the ref; the token needs the write:repository scope." + runner,
			cli: seen + "Check --workflow and --ref; the token needs the write:repository scope: export GITHUB_TOKEN=<token>"}, true
	case repoNotFound:
		return phrasing{action: fmt.Sprintf("check that %q is spelled right and that the token can see it (Gitea answers 404 for a private repository it cannot read); the token needs the read:repository scope to read it, write:repository to dispatch.%s", repo, runner),
			cli: fmt.Sprintf("check that %q is spelled right and that the token can see it (Gitea answers 404 for a private repository it cannot read); give the token read:repository, and write:repository to dispatch: export GITHUB_TOKEN=<token>", repo)}, true
	case permissionMissing:
		scope, doing := "write:repository", "dispatch to"
		if r.Delivered() || r.FollowOnly {
			scope, doing = "read:repository", "read the runs of"
		}
		action := fmt.Sprintf("the token may not %s %s: Gitea wants a token with the %s scope.", doing, repo, scope)
		if giteaRunner {
			action += " On a Gitea runner, github.token may dispatch only in its own repository and only read others, whatever permissions: says; for another repository, " + stored
		} else {
			action += " With a token of your own, " + stored
		}
		return phrasing{action: action,
			cli: fmt.Sprintf("the token may not %s %s: Gitea wants a token with the %s scope (Settings, Applications): export GITHUB_TOKEN=<token>", doing, repo, scope)}, true
	case runUnreadable:
		return phrasing{action: "the run was found but could not be read: the token needs the read:repository scope on " + repo}, true
	case serverFault:
		return phrasing{action: "Gitea had a server error. The event may or may not have been delivered: check the receiving repository's Actions tab before sending it again"}, true
	case badAnswer, noAnswer, notGitHub:
		return phrasing{action: "check the api-url input (Gitea's API root is https://HOST/api/v1) and what stands between the runner and Gitea",
			cli: "check --api-url (Gitea's API root is https://HOST/api/v1) and what stands between this machine and Gitea"}, true
	}
	return phrasing{}, false
}
