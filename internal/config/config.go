// Package config owns the one Config that both modes run from: it is built from action
// inputs or from command-line flags, and Build reports every problem with it at once,
// each naming the input (or flag) and the rule it breaks, before anything is sent.
package config

import (
	"crypto/rsa"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/event"
)

// Mode says where the inputs came from, which decides how problems name them.
type Mode int

const (
	// ActionMode: inputs from the workflow's `with:` (INPUT_* variables).
	ActionMode Mode = iota
	// CLIMode: flags on the command line and the token from the environment.
	CLIMode
)

// DefaultAPIURL is used when neither the api-url input nor GITHUB_API_URL is set.
const DefaultAPIURL = "https://api.github.com"

// Inputs are the raw values as the user gave them, before any checking. Input names
// (the public contract) are the ones in action.yml; CLI flags share them.
type Inputs struct {
	Token            string
	Repository       string
	EventType        string
	ClientPayload    string // a JSON object, or @PATH: a file holding one
	APIURL           string
	DryRun           string
	Timeout          string // Go duration for the whole step
	MaxAttempts      string // attempts per request, 1 disables retries
	Workflow         string // file name or numeric ID: send workflow_dispatch
	Ref              string // workflow_dispatch ref; empty: the default branch
	WorkflowInputs   string // the "inputs" input: a JSON object, or @PATH
	Wait             string // none, started, completed
	WaitTimeout      string // Go duration
	FailOnConclusion string // boolean, default true
	AddDistinctID    string // boolean, default false: send distinct_id even without waiting
	RunID            string // follow this run; dispatch nothing
	LogLines         string // last lines of each failed job's log to show, 0 to 500
	FailFast         string // boolean: the first job waited for that fails ends the wait
	// CancelRun is when the step cancels the run: never (default), on-abort, on-failure,
	// or both, comma-separated.
	CancelRun         string
	OutputsArtifact   string // artifact holding outputs.json, read after success
	Concurrency       string // targets in flight at once
	AppID             string // GitHub App ID, or its client ID (Iv23…), the name GitHub now prefers
	Preflight         string // check (default), warn or off: the receiving workflows read before sending
	AppPrivateKey     string // its PEM private key, or @PATH (the CLI's only way)
	AppInstallationID string // optional
	Targets           string // JSON (or YAML) array of events, each with its repository
	Jobs              string // wait for these jobs of the run only (one per line or comma-separated)
	StatusContext     string // post each target's outcome as a commit status of this context
	StatusToken       string // the token that posts it
	StatusCommit      string // the commit, SHA or OWNER/REPO@SHA (default: the caller's, from its event)
	// Fields are the CLI's -f and -F key=value pairs (gh's fields), in order: the
	// workflow's inputs with --workflow, else the client payload.
	Fields []Field
	// Twice are the CLI's flags given more than once, with every value, in order: each is
	// a problem, never a value silently dropped.
	Twice map[string][]string
	// KeyFromEnv: the CLI read AppPrivateKey from GITHUB_APP_PRIVATE_KEY, not a flag.
	KeyFromEnv bool
	// Removed are the inputs given that no longer exist (removed before v1), by name:
	// each is a problem naming its replacement.
	Removed map[string]string
	// DistinctID is the fresh unique ID the caller generated for this run; it goes into
	// the payload when the run is to be found. Not an input.
	DistinctID string
	// Caller is the workflow run the step is part of, from the runner's environment. Not
	// an input.
	Caller Caller
}

// Caller is what the runner's environment says of the workflow run the step is part of
// (all empty outside a workflow).
type Caller struct {
	// ServerURL is GITHUB_SERVER_URL, the web address of the server the workflow runs on:
	// a repository URL may name its host.
	ServerURL  string
	Repository string // GITHUB_REPOSITORY
	SHA        string // GITHUB_SHA
	EventName  string // GITHUB_EVENT_NAME
	EventPath  string // GITHUB_EVENT_PATH: the event's payload (a pull request's head is there)
	RunID      string // GITHUB_RUN_ID
	// APIURL is GITHUB_API_URL, the API of the server the workflow runs on: the caller's
	// commit statuses go there, whatever server the targets are on.
	APIURL string
}

// CallerFromEnv reads the calling workflow run from the runner's environment.
func CallerFromEnv(getenv Getenv) Caller {
	return Caller{ServerURL: getenv("GITHUB_SERVER_URL"), Repository: getenv("GITHUB_REPOSITORY"), SHA: getenv("GITHUB_SHA"),
		EventName: getenv("GITHUB_EVENT_NAME"), EventPath: getenv("GITHUB_EVENT_PATH"), RunID: getenv("GITHUB_RUN_ID"),
		APIURL: getenv("GITHUB_API_URL")}
}

// Config is a checked, ready-to-run description of one step: the events to send, and
// what to do after.
type Config struct {
	Mode        Mode
	Token       string         // empty when App is set
	App         *App           // authenticate as a GitHub App instead of with Token
	Targets     []event.Target // the events to send, in input order, without duplicates
	Concurrency int            // targets in flight at once
	APIURL      *url.URL       // ends in "/"
	DryRun      bool
	Timeout     time.Duration // the whole step's deadline
	MaxAttempts int           // attempts per request

	Wait             event.Wait
	WaitTimeout      time.Duration // how long to look for and wait for the run
	FailOnConclusion bool          // a completed run whose conclusion is not success fails the step
	// AddDistinctID: distinct_id is in the payload or inputs even without waiting.
	AddDistinctID bool
	// Jobs: with WaitCompleted, wait for these jobs of the run only (names, as given).
	Jobs []string

	// After the run.
	RunID            int64 // follow this existing run of the one repository; nothing is sent
	LogLines         int   // last lines of each failed job's log to show (0: none)
	CancelRunOnAbort bool  // cancel the run when the step gives up on it
	// FailFast: with WaitCompleted, the first job waited for that fails ends the wait.
	FailFast bool
	// Preflight is what becomes of the receiving workflows' check before anything is sent.
	Preflight Preflight
	// CancelRunOnFailure: cancel the run when FailFast ended the wait.
	CancelRunOnFailure bool
	OutputsArtifact    string // artifact whose outputs.json becomes run-outputs
	// Status, when set, is where each target's outcome is posted as a commit status.
	Status *Status
}

// Status says where the step posts each target's outcome as a commit status.
type Status struct {
	Context string     // as given; with several targets each gets "CONTEXT / owner/name"
	Token   string     // the token that posts it
	Repo    event.Repo // the repository of the commit
	SHA     string     // the commit
	// APIURL is the API of the commit's server, where the statuses (and Token) go: the
	// runner's own (GITHUB_API_URL) in a workflow, the targets' in the CLI.
	APIURL *url.URL
	// StepURL is the web address of the calling workflow run, which explains a failure to
	// dispatch ("" outside a workflow).
	StepURL string
}

// Repos are the targets' repositories, in order, each once.
func (c *Config) Repos() []event.Repo {
	var repos []event.Repo
	seen := map[string]bool{}
	for _, t := range c.Targets {
		if key := strings.ToLower(t.Repo.String()); !seen[key] {
			seen[key] = true
			repos = append(repos, t.Repo)
		}
	}
	return repos
}

// App is a GitHub App's credentials.
type App struct {
	ID             string
	Key            *rsa.PrivateKey
	InstallationID int64 // 0: find it per owner
}

// Limits of fan-out.
const (
	DefaultConcurrency = 4
	MaxConcurrency     = 20
	MaxTargets         = 500 // GitHub's secondary limit: 500 content-creating requests an hour
)

// Defaults and bounds of waiting and delivery.
const (
	DefaultWaitTimeout = 30 * time.Minute
	DefaultTimeout     = 5 * time.Minute
	MaxTimeout         = 6 * time.Hour // a job on a GitHub-hosted runner cannot run longer
	DefaultMaxAttempts = 5
	MaxMaxAttempts     = 20
	DefaultLogLines    = 30
	MaxLogLines        = 500
)

// Problem is one broken rule: which input (or flag) and what is wrong with it.
type Problem struct {
	Input string // the input's name as in action.yml, e.g. "client-payload"
	Label string // how to name it to the user in this mode: `input "client-payload"` or `--client-payload`
	Rule  string // what is wrong, lowercase, no trailing period
}

func (p Problem) Error() string { return p.Label + ": " + p.Rule }

// Preflight is what the step does with the receiving workflows before it sends anything.
type Preflight string

const (
	// PreflightCheck reads them and refuses the whole step (exit 2, nothing sent) when one
	// would not run or would refuse the event.
	PreflightCheck Preflight = "check"
	// PreflightWarn reads them, warns of the same findings and sends.
	PreflightWarn Preflight = "warn"
	// PreflightOff reads nothing.
	PreflightOff Preflight = "off"
)

// Problems is every problem found in one set of inputs.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Label names an input the way the user gave it in mode m.
func Label(m Mode, input string) string {
	if m == CLIMode {
		switch input {
		case "token", "status-token": // the CLI has one token, from the environment
			return "token (GH_TOKEN or GITHUB_TOKEN)"
		case "app-private-key": // the CLI reads the key from a file, or the environment
			return "--app-private-key (or GITHUB_APP_PRIVATE_KEY)"
		}
		return "--" + input
	}
	return fmt.Sprintf("input %q", input)
}

// Getenv reads one environment variable; tests pass a map lookup instead of os.Getenv.
type Getenv func(string) string

// ActionInputs reads the action's inputs through getInput (go-githubactions' GetInput)
// and fills the documented defaults for any the runner left empty.
func ActionInputs(getInput func(string) string, getenv Getenv) Inputs {
	var in Inputs
	for name, p := range in.fields() {
		*p = getInput(name)
	}
	for name := range removed { // the runner passes an input action.yml no longer declares
		if v := getInput(name); v != "" {
			in.remove(name, v)
		}
	}
	if in.Repository == "" && strings.TrimSpace(in.Targets) == "" { // targets name their own
		in.Repository = getenv("GITHUB_REPOSITORY")
	}
	if in.APIURL == "" {
		in.APIURL = APIURLFromEnv(getenv)
	}
	in.Caller = CallerFromEnv(getenv)
	return in
}

// fields are the inputs by the names action.yml and the CLI's flags give them: the one
// list both modes read.
func (in *Inputs) fields() map[string]*string {
	return map[string]*string{
		"token": &in.Token, "repository": &in.Repository, "event-type": &in.EventType,
		"client-payload": &in.ClientPayload,
		"api-url":        &in.APIURL, "dry-run": &in.DryRun, "timeout": &in.Timeout, "max-attempts": &in.MaxAttempts,
		"workflow": &in.Workflow, "ref": &in.Ref, "inputs": &in.WorkflowInputs,
		"wait": &in.Wait, "wait-timeout": &in.WaitTimeout, "fail-on-conclusion": &in.FailOnConclusion,
		"add-distinct-id": &in.AddDistinctID, "run-id": &in.RunID, "log-lines": &in.LogLines,
		"cancel-run": &in.CancelRun, "outputs-artifact": &in.OutputsArtifact, "fail-fast": &in.FailFast,
		"concurrency": &in.Concurrency, "app-id": &in.AppID, "app-private-key": &in.AppPrivateKey,
		"app-installation-id": &in.AppInstallationID,
		"targets":             &in.Targets, "jobs": &in.Jobs, "status-context": &in.StatusContext, "status-token": &in.StatusToken,
		"status-commit": &in.StatusCommit, "preflight": &in.Preflight,
	}
}

// Inputs only one mode takes: a token is never a flag (it would land in shell history).
var (
	actionOnly = map[string]bool{"token": true, "status-token": true}
	boolInputs = map[string]bool{"dry-run": true, "fail-on-conclusion": true, "add-distinct-id": true, "fail-fast": true}
)

// APIURLFromEnv is the default API URL: the runner's GITHUB_API_URL (right for github.com
// and Enterprise Server alike), else https://api.github.com.
func APIURLFromEnv(getenv Getenv) string {
	if u := strings.TrimSpace(getenv("GITHUB_API_URL")); u != "" {
		return u
	}
	return DefaultAPIURL
}

// FromCLIEnv fills what the CLI reads from the environment, not from flags: the token
// (for commit statuses too), the App's key and client ID (as app-id) unless flags gave them, the API's
// URL, and the workflow that calls it, if any.
func (in *Inputs) FromCLIEnv(getenv Getenv) {
	in.Token, _ = CLIToken(getenv)
	in.StatusToken = in.Token
	if in.AppPrivateKey == "" {
		in.AppPrivateKey = getenv("GITHUB_APP_PRIVATE_KEY")
		in.KeyFromEnv = in.AppPrivateKey != ""
	}
	if in.AppID == "" {
		in.AppID = getenv("GITHUB_APP_CLIENT_ID")
	}
	if in.APIURL == "" {
		in.APIURL = APIURLFromEnv(getenv)
	}
	in.Caller = CallerFromEnv(getenv)
}

// CLIToken finds the CLI's token in GH_TOKEN, then GITHUB_TOKEN (the gh CLI's order of
// precedence), and says which variable it came from.
func CLIToken(getenv Getenv) (token, source string) {
	for _, name := range []string{"GH_TOKEN", "GITHUB_TOKEN"} {
		if t := strings.TrimSpace(getenv(name)); t != "" {
			return t, name
		}
	}
	return "", ""
}
