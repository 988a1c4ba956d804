package words

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/dispatch"
	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghapp"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/outcome"
	"github.com/MrSunshyne/dispatch-action/internal/pipeline"
	"github.com/MrSunshyne/dispatch-action/internal/runs"
	"github.com/MrSunshyne/dispatch-action/internal/workflows"
)

// answered is GitHub's answer of status with header and message, as go-github returns it
// and ghclient classifies it.
func answered(status int, header http.Header, message string) error {
	if header == nil {
		header = http.Header{}
	}
	return ghclient.Check(&github.ErrorResponse{Response: &http.Response{StatusCode: status, Header: header}, Message: message})
}

// failed is a failed result of a repository_dispatch (or, with workflow, a
// workflow_dispatch) to octo/data.
func failed(err error, workflow bool, delivered bool) outcome.Result {
	r := outcome.Result{Target: event.Target{Repo: event.Repo{Owner: "octo", Name: "data"}, Event: event.RepositoryDispatch, EventType: "e"}}
	if workflow {
		r.Event, r.EventType, r.Workflow, r.Receipt.Ref = event.WorkflowDispatch, "", "deploy.yml", "main"
	}
	if delivered {
		r.Receipt.Accepted = time.Now()
	}
	r.Fail(err)
	return r
}

// Each failure gets the hint its cause calls for, in each mode's words: the workflow's
// YAML in action mode, the shell in the CLI.
func TestHints(t *testing.T) {
	t.Parallel()
	reset := time.Date(2026, 11, 28, 13, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		r      outcome.Result
		app    bool
		action string // a fragment of the action's hint ("": no hint at all)
		cli    string // of the CLI's ("": the same)
	}{
		{"404 before delivery", failed(answered(404, nil, "Not Found"), false, false), false,
			"pass token: ${{ secrets.DISPATCH_TOKEN }}", "export GITHUB_TOKEN=<token>"},
		{"404 after delivery", failed(answered(404, nil, "Not Found"), false, true), false, "Actions: read on octo/data", ""},
		{"401", failed(answered(401, nil, "Bad credentials"), false, false), false, "update the secret", "export GITHUB_TOKEN=<new token>"},
		{"401 with an App", failed(answered(401, nil, "Bad credentials"), false, false), true, "installation may have been suspended", ""},
		{"403 naming its permission", failed(answered(403, http.Header{"X-Accepted-Github-Permissions": {"contents=write"}}, "Resource not accessible"), false, false), false,
			"permissions: { contents: write }", "Contents: write (contents=write)"},
		{"403 workflow without a name", failed(answered(403, nil, "Resource not accessible"), true, false), false, "actions=write", ""},
		{"primary limit", failed(answered(403, http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"1795870800"}}, "API rate limit exceeded"), false, false),
			false, "it resets at " + reset.Format(time.RFC3339), ""},
		{"422 workflow", failed(answered(422, nil, "Invalid request"), true, false), false, `input "inputs"`, "--inputs"},
		{"422 unexpected inputs", failed(answered(422, nil, `Unexpected inputs provided: ["x"]`), true, false), false,
			`does not declare the inputs GitHub named: declare them under on.workflow_dispatch.inputs in deploy.yml on that ref, or leave them out of input "inputs"`, "--inputs"},
		{"422 required input", failed(answered(422, nil, "Required input 'env' not provided"), true, false), false, "give the required input", "--inputs"},
		{"422 no trigger", failed(answered(422, nil, "Workflow does not have 'workflow_dispatch' trigger"), true, false), false, "has no on: workflow_dispatch trigger", ""},
		{"422 eleven inputs", failed(answered(422, nil, "No more than 10 properties are allowed; 11 were supplied."), true, false), false, "send fewer workflow inputs, as GitHub's message says", "--inputs"},
		{"404 workflow", failed(answered(404, nil, "Not Found"), true, false), false,
			"the workflow file deploy.yml does not exist on", "Actions: write on octo/data (fine-grained)"},
		{"404 finding the default branch", func() outcome.Result {
			r := failed(answered(404, nil, "Not Found"), true, false)
			r.Receipt.Ref = "" // the repository's default branch could not be read: no workflow was asked for
			return r
		}(), false, "check that \"octo/data\" is spelled right", ""},
		{"403 following a run", func() outcome.Result {
			r := failed(answered(403, nil, "Resource not accessible by integration"), false, false)
			r.FollowOnly = true
			return r
		}(), false, "may not read the runs of octo/data: it needs Actions: read (actions=read)", ""},
		{"no run-name", failed(&runs.NotFoundError{Query: runs.Query{Event: event.RepositoryDispatch}}, false, true), false,
			"run-name: ${{ github.event.action }} ${{ github.event.client_payload.distinct_id }}", ""},
		{"no run-name, workflow", failed(&runs.NotFoundError{Query: runs.Query{Event: event.WorkflowDispatch}}, true, true), false,
			"run-name: ${{ github.workflow }} ${{ inputs.distinct_id }}", ""},
		{"concluded", failed(&runs.ConclusionError{Conclusion: runs.ConclusionFailure}, false, true), false, "fail-on-conclusion: false", "--fail-on-conclusion=false"},
		{"still running", failed(&runs.StillRunningError{Status: runs.StatusInProgress}, false, true), false, "raise wait-timeout", "dispatch watch"},
		{"inputs limit", failed(&dispatch.InputsLimitError{Inputs: 11}, true, false), false, "at most 10 workflow inputs", "--inputs"},
		{"JWT refused", failed(&ghapp.JWTRefusedError{App: "1"}, false, false), true, "check that app-id", ""},
		{"JWT refused, clocks apart", failed(&ghapp.JWTRefusedError{App: "1", Skew: -2 * time.Minute}, false, false), true,
			"the runner's clock is 2m0s ahead of GitHub's", ""},
		{"not GitHub", failed(ghclient.NotGitHubError(200, "a page"), false, false), false, "login portal", "this machine"},
		{"not sent, timed out", failed(&pipeline.NotSentError{Ending: pipeline.TimedOut}, false, false), false, "raise the timeout input", "raise --timeout"},
		{"not sent, cancelled", failed(&pipeline.NotSentError{Ending: pipeline.Cancelled}, false, false), false, "", ""},
		{"timed out while waiting", failed(runs.ErrTimeout, false, true), false, "raise the timeout input", "raise --timeout"},
		{"cancelled while waiting", failed(runs.ErrCancelled, false, true), false, "", ""},
		{"the run vanished", failed(&runs.RunNotFoundError{Vanished: true, Repo: event.Repo{Owner: "octo", Name: "data"}}, false, true), false, "deleted", ""},
		{"no such run", failed(&runs.RunNotFoundError{Repo: event.Repo{Owner: "octo", Name: "data"}}, false, true), false, "…/octo/data/actions/runs/ID", "--run-id"},
		{"no such jobs", failed(&runs.JobsNotFoundError{Missing: []string{"x"}}, false, true), false, `give input "jobs" the names`, "give --jobs the names"},
		{"outputs not uploaded", failed(&runs.OutputsError{Artifact: "o", Why: "has no such artifact"}, false, true), false, "outputs-artifact", "--outputs-artifact"},
		{"a workflow name", failed(&workflows.NameError{Name: "Deploy"}, true, false), false, "file name (deploy.yml)", ""},
		{"App not installed", failed(&ghapp.NotInstalledError{App: "1", Owner: "octo", Repo: "data"}, false, false), true, "install the App on octo", ""},
		{"App permission", failed(&ghapp.PermissionError{App: "1", Owner: "octo"}, false, false), true, "Contents: Read and write", ""},
		{"a repository the App does not reach", failed(&ghapp.NotCoveredError{App: "1", Owner: "octo", Repo: "retired"}, false, false), true,
			"add octo/retired to the App's installation on octo", ""},
		{"a server error", failed(answered(502, nil, "Bad Gateway"), false, false), false, "may or may not have been delivered", ""},
		{"outputs not read", failed(&runs.OutputsError{Artifact: "o", Why: "x", Err: answered(403, nil, "Forbidden")}, false, true), false, "", ""},
		{"no run of a Gitea", failed(&runs.RunNotFoundError{Repo: event.Repo{Owner: "octo", Name: "data"},
			Err: &ghclient.Error{Cause: ghclient.Cause{Kind: ghclient.NotFound, Forge: ghclient.Gitea}}}, false, true), false, "it needs the read:repository scope", "check --run-id"},
		{"several runs", failed(&runs.AmbiguousError{}, true, true), false, "set add-distinct-id: true", "pass --add-distinct-id"},
		{"fail-fast", failed(&runs.FailFastError{}, true, true), false, "leave fail-fast unset", "leave out --fail-fast"},
		{"repository_dispatch to Gitea", failed(&ghclient.UnsupportedError{Forge: ghclient.Gitea, What: ghclient.UnsupportedRepositoryDispatch}, false, false), false,
			"with the inputs workflow: FILE and inputs: JSON", "--workflow FILE --inputs JSON"},
		{"25 inputs and an ID", failed(&dispatch.InputsLimitError{Inputs: 26, Limit: 25}, true, false), false, "send at most 24 in input \"inputs\"", "send at most 24 in --inputs"},
		{"JWT refused, clocks close", failed(&ghapp.JWTRefusedError{App: "1", Skew: time.Second}, false, false), true, "check that app-id", ""},
		{"422 too many", failed(answered(422, nil, "Invalid request"), false, false), false, "1–100 characters", "--event-type"},
		{"400", failed(answered(400, nil, "Problems parsing JSON"), false, false), false, "could not read the request", ""},
		{"secondary limit", failed(answered(403, nil, "You have exceeded a secondary rate limit"), false, false), false, "secondary rate limit stopped the request", ""},
		{"429", failed(answered(429, http.Header{"Retry-After": {"30"}}, "Too many"), false, false), false, "wait 30 seconds (GitHub's Retry-After)", ""},
		{"no answer", failed(&ghclient.Error{Cause: ghclient.Cause{Kind: ghclient.Network, Err: errors.New("reset")}}, false, false), false, "GitHub did not answer", "your network"},
		{"proxy", failed(&ghclient.Error{Cause: ghclient.Cause{Kind: ghclient.Network, Proxy: "http://proxy:3128", Err: errors.New("refused")}}, false, false), false, "the proxy http://proxy:3128", ""},
		{"untrusted", failed(&ghclient.Error{Cause: ghclient.Cause{Kind: ghclient.Untrusted, Err: errors.New("x509")}}, false, false), false, "SSL_CERT_FILE: /github/workspace/ca.pem", "export SSL_CERT_FILE"},
		{"bad answer", failed(&ghclient.Error{Cause: ghclient.Cause{Kind: ghclient.BadAnswer, Err: errors.New("too large")}}, false, false), false, "did not answer as GitHub does", "--api-url"},
		{"no turn", failed(&ghclient.Error{Cause: ghclient.Cause{Kind: ghclient.NoTurn, Err: errors.New("deadline")}}, false, false), false, "raise the timeout input, or leave it empty", "raise --timeout, or leave it out"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := &config.Config{Mode: config.ActionMode}
			if tc.app {
				cfg.App = &config.App{ID: "1"}
			}
			action := Hint(cfg, tc.r, reset.Add(-time.Hour), false)
			cfg.Mode = config.CLIMode
			cli := Hint(cfg, tc.r, reset.Add(-time.Hour), false)
			wantCLI := tc.cli
			if wantCLI == "" {
				wantCLI = tc.action
			}
			if !strings.Contains(action, tc.action) || !strings.Contains(cli, wantCLI) || (tc.action == "") != (action == "") || (tc.action == "") != (cli == "") {
				t.Errorf("action hint %q\ncli hint %q", action, cli)
			}
		})
	}
}

// On Gitea the hints name its scopes, its folders and its API root, and on a Gitea runner
// what github.token may do; never GitHub's permissions.
func TestGiteaHints(t *testing.T) {
	t.Parallel()
	gitea := func(r outcome.Result) outcome.Result { r.Receipt.Forge = ghclient.Gitea; return r }
	cases := []struct {
		name        string
		r           outcome.Result
		runner      bool
		action, cli string // fragments of each mode's hint
		notIn       string
	}{
		{"403 dispatching", gitea(failed(answered(403, nil, "token does not have at least one of required scope(s), required=[write:repository]"), true, false)), false,
			"Gitea wants a token with the write:repository scope. With a token of your own, create an access token with the write:repository scope",
			"Gitea wants a token with the write:repository scope (Settings, Applications): export GITHUB_TOKEN=<token>", "Actions: write"},
		{"403 dispatching on a Gitea runner", gitea(failed(answered(403, nil, "user should have a permission to write to a repo"), true, false)), true,
			"On a Gitea runner, github.token may dispatch only in its own repository and only read others", "export GITHUB_TOKEN=<token>", "fine-grained"},
		{"403 reading the run", gitea(failed(answered(403, nil, "Forbidden"), true, true)), false,
			"read the runs of octo/data: Gitea wants a token with the read:repository scope", "read:repository", "Actions: read"},
		{"404 workflow", gitea(failed(answered(404, nil, "workflow \"deploy.yml\" doesn't exist"), true, false)), false,
			"is not in octo/data's .gitea/workflows (or .github/workflows, which it reads only where .gitea/workflows does not exist) on main", "Check --workflow and --ref", "Actions: write"},
		{"422 to a workflow", gitea(failed(answered(422, nil, "invalid input"), true, false)), false,
			"Gitea refused the event: check that input \"workflow\" declares on: workflow_dispatch", "--workflow", "GitHub"},
		{"no answer", gitea(failed(&ghclient.Error{Cause: ghclient.Cause{Kind: ghclient.Network, Forge: ghclient.Gitea, Err: errors.New("refused")}}, true, false)), false,
			"Gitea's API root is https://HOST/api/v1", "--api-url", "Enterprise Server"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := &config.Config{Mode: config.ActionMode}
			action := Hint(cfg, tc.r, time.Now(), tc.runner)
			cfg.Mode = config.CLIMode
			cli := Hint(cfg, tc.r, time.Now(), tc.runner)
			if !strings.Contains(action, tc.action) || strings.Contains(action, tc.notIn) {
				t.Errorf("action: %q\nwant %q, not %q", action, tc.action, tc.notIn)
			}
			if !strings.Contains(cli, tc.cli) || strings.Contains(cli, tc.notIn) {
				t.Errorf("cli: %q\nwant %q, not %q", cli, tc.cli, tc.notIn)
			}
		})
	}
}
