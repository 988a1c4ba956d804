// Package config owns the one Config that both modes run from: it is built from action
// inputs or from command-line flags, and Build reports every problem with it at once,
// each naming the input (or flag) and the rule it breaks, before anything is sent.
package config

import (
	"bytes"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/ghapp"
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
	Token             string
	Repository        string
	EventType         string
	ClientPayload     string
	ClientPayloadFile string // CLI only
	APIURL            string
	DryRun            string
	Timeout           string // Go duration for the whole step
	MaxAttempts       string // attempts per request, 1 disables retries
	Workflow          string // file name or numeric ID: send workflow_dispatch
	Ref               string // workflow_dispatch ref; empty: the default branch
	WorkflowInputs    string // the "inputs" input: JSON object
	Wait              string // none, started, completed
	WaitTimeout       string // Go duration
	FailOnConclusion  string // boolean, default true
	Concurrency       string // targets in flight at once
	AppID             string // GitHub App ID (or client ID)
	AppPrivateKey     string // its PEM private key
	AppPrivateKeyFile string // CLI only: where to read the key from
	AppInstallationID string // optional
	// DistinctID is the fresh unique ID the caller generated for this run; it goes into
	// the payload when the run is to be found. Not an input.
	DistinctID string
}

// Config is a checked, ready-to-run description of one dispatch.
type Config struct {
	Mode          Mode
	Token         string   // empty when App is set
	App           *AppAuth // authenticate as a GitHub App instead of with Token
	Repositories  []Repo   // the targets, in input order, without duplicates
	Concurrency   int      // targets in flight at once
	EventType     string
	ClientPayload json.RawMessage // a compacted JSON object
	APIURL        *url.URL        // ends in "/"
	DryRun        bool
	Timeout       time.Duration // the whole step's deadline
	MaxAttempts   int           // attempts per request

	Event            string          // EventRepositoryDispatch or EventWorkflowDispatch
	Workflow         string          // workflow file name or numeric ID (workflow_dispatch)
	Ref              string          // workflow_dispatch ref; "" means the default branch
	Inputs           json.RawMessage // workflow_dispatch inputs, a compacted object ("{}" when none)
	Wait             string          // WaitNone, WaitStarted or WaitCompleted
	WaitTimeout      time.Duration   // how long to look for and wait for the run
	FailOnConclusion bool            // a completed run whose conclusion is not success fails the step
	// DistinctID identifies the run this dispatch starts. For repository_dispatch it is in
	// ClientPayload already (as distinct_id) when Wait is not none.
	DistinctID string
}

// AppAuth is a GitHub App's credentials.
type AppAuth struct {
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

// Event names.
const (
	EventRepositoryDispatch = "repository_dispatch"
	EventWorkflowDispatch   = "workflow_dispatch"
)

// Values of the wait input.
const (
	WaitNone      = "none"
	WaitStarted   = "started"
	WaitCompleted = "completed"
)

// Defaults and limits of the run inputs.
const (
	DefaultWaitTimeout      = 30 * time.Minute
	MaxWorkflowInputs       = 25
	MaxWorkflowInputsLength = 65535 // characters of the inputs object
	DistinctIDKey           = "distinct_id"
)

// Defaults and bounds of the delivery inputs.
const (
	DefaultTimeout     = 5 * time.Minute
	MaxTimeout         = 6 * time.Hour // a job on a GitHub-hosted runner cannot run longer
	DefaultMaxAttempts = 5
	MaxMaxAttempts     = 20
)

// Problem is one broken rule: which input (or flag) and what is wrong with it.
type Problem struct {
	Input string // the input's name as in action.yml, e.g. "client-payload"
	Label string // how to name it to the user in this mode: `input "client-payload"` or `--client-payload`
	Rule  string // what is wrong, lowercase, no trailing period
}

func (p Problem) Error() string { return p.Label + ": " + p.Rule }

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
		if input == "token" {
			return "token (GITHUB_TOKEN or GH_TOKEN)"
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
	in := Inputs{
		Token:             getInput("token"),
		Repository:        getInput("repository"),
		EventType:         getInput("event-type"),
		ClientPayload:     getInput("client-payload"),
		APIURL:            getInput("api-url"),
		DryRun:            getInput("dry-run"),
		Timeout:           getInput("timeout"),
		MaxAttempts:       getInput("max-attempts"),
		Workflow:          getInput("workflow"),
		Ref:               getInput("ref"),
		WorkflowInputs:    getInput("inputs"),
		Wait:              getInput("wait"),
		WaitTimeout:       getInput("wait-timeout"),
		FailOnConclusion:  getInput("fail-on-conclusion"),
		Concurrency:       getInput("concurrency"),
		AppID:             getInput("app-id"),
		AppPrivateKey:     getInput("app-private-key"),
		AppInstallationID: getInput("app-installation-id"),
	}
	if in.Repository == "" {
		in.Repository = getenv("GITHUB_REPOSITORY")
	}
	if in.APIURL == "" {
		in.APIURL = APIURLFromEnv(getenv)
	}
	return in
}

// APIURLFromEnv is the default API URL: the runner's GITHUB_API_URL (right for github.com
// and Enterprise Server alike), else https://api.github.com.
func APIURLFromEnv(getenv Getenv) string {
	if u := strings.TrimSpace(getenv("GITHUB_API_URL")); u != "" {
		return u
	}
	return DefaultAPIURL
}

// CLIToken finds the CLI's token in GITHUB_TOKEN, then GH_TOKEN (as the gh CLI does), and
// says which variable it came from.
func CLIToken(getenv Getenv) (token, source string) {
	for _, name := range []string{"GITHUB_TOKEN", "GH_TOKEN"} {
		if t := strings.TrimSpace(getenv(name)); t != "" {
			return t, name
		}
	}
	return "", ""
}

// Build checks the inputs and returns the Config, or every problem found. It reads the
// client-payload file, if one is named, and sends nothing.
func Build(m Mode, in Inputs) (*Config, Problems) {
	var ps Problems
	bad := func(input, format string, args ...any) {
		ps = append(ps, Problem{Input: input, Label: Label(m, input), Rule: fmt.Sprintf(format, args...)})
	}
	c := &Config{Mode: m, Token: in.Token, Event: EventRepositoryDispatch, Inputs: json.RawMessage("{}")}

	dry, err := parseBool(in.DryRun, false)
	if err != nil {
		bad("dry-run", "%v", err)
	}
	c.DryRun = dry

	repos, errs := ParseRepositories(in.Repository)
	for _, err := range errs {
		bad("repository", "%v", err)
	}
	c.Repositories = repos
	if n, err := parseIntRange(in.Concurrency, DefaultConcurrency, 1, MaxConcurrency); err != nil {
		bad("concurrency", "%v", err)
	} else {
		c.Concurrency = n
	}

	// What to wait for decides whether a distinct ID goes into the payload.
	c.Wait = strings.ToLower(strings.TrimSpace(in.Wait))
	switch c.Wait {
	case "":
		c.Wait = WaitNone
	case WaitNone, WaitStarted, WaitCompleted:
	default:
		bad("wait", "%q is not one of none, started, completed", in.Wait)
		c.Wait = WaitNone
	}
	if d, err := parseDuration(in.WaitTimeout, DefaultWaitTimeout); err != nil {
		bad("wait-timeout", "%v", err)
	} else {
		c.WaitTimeout = d
	}
	if c.FailOnConclusion, err = parseBool(in.FailOnConclusion, true); err != nil {
		bad("fail-on-conclusion", "%v", err)
	}
	waiting := c.Wait != WaitNone

	payloadText, payloadInput := in.ClientPayload, "client-payload"
	if in.ClientPayloadFile != "" {
		payloadInput = "client-payload-file"
		if in.ClientPayload != "" {
			bad("client-payload-file", "cannot be used together with --client-payload: give one of them")
		}
		b, err := os.ReadFile(in.ClientPayloadFile)
		if err != nil {
			bad("client-payload-file", "cannot be read: %v", err)
		}
		payloadText = string(b)
	}

	if strings.TrimSpace(in.Workflow) != "" {
		c.Event = EventWorkflowDispatch
		if wf, err := ParseWorkflow(in.Workflow); err != nil {
			bad("workflow", "%v", err)
		} else {
			c.Workflow = wf
		}
		if in.EventType != "" {
			bad("event-type", "cannot be used together with workflow: event-type is for repository_dispatch, workflow sends workflow_dispatch")
		}
		if p := strings.TrimSpace(payloadText); p != "" && p != "{}" {
			bad(payloadInput, "is for repository_dispatch: with workflow, pass the workflow's inputs in inputs")
		}
		if ref := strings.TrimSpace(in.Ref); ref != "" {
			if err := CheckRef(ref); err != nil {
				bad("ref", "%v", err)
			}
			c.Ref = ref
		}
		if inputs, err := ParseWorkflowInputs(in.WorkflowInputs); err != nil {
			bad("inputs", "%v", err)
		} else {
			c.Inputs = inputs
			if waiting {
				// Sent only if GitHub cannot name the run itself (older Enterprise Server).
				c.DistinctID = in.DistinctID
				if v, ok := stringProperty(inputs, DistinctIDKey); ok {
					c.DistinctID = v
				}
			}
		}
	} else {
		if strings.TrimSpace(in.Ref) != "" {
			bad("ref", "needs workflow: ref chooses the branch of a workflow_dispatch; repository_dispatch always runs on the default branch")
		}
		if p := strings.TrimSpace(in.WorkflowInputs); p != "" && p != "{}" {
			bad("inputs", "needs workflow: inputs are for workflow_dispatch; repository_dispatch takes client-payload")
		}
		c.EventType = in.EventType
		eventOK := true
		if err := CheckEventType(in.EventType); err != nil {
			if in.EventType == "" {
				err = fmt.Errorf("%w (or set workflow to send workflow_dispatch)", err)
			}
			bad("event-type", "%v", err)
			eventOK = false
		}
		payload, err := ParsePayload(payloadText, MaxPayloadProperties)
		if err == nil && waiting {
			payload, c.DistinctID, err = withDistinctID(payload, in.DistinctID)
		}
		if err != nil {
			bad(payloadInput, "%v", err)
		} else {
			c.ClientPayload = payload
			if eventOK {
				if n := len(DispatchBody(in.EventType, payload)); n > MaxDispatchBodyBytes {
					bad(payloadInput, "makes a request body of %d bytes: GitHub accepts under 64 KB (%d bytes); send a link to the data instead of the data", n, MaxDispatchBodyBytes+1)
				}
			}
		}
	}

	if n, err := ParseMaxAttempts(in.MaxAttempts); err != nil {
		bad("max-attempts", "%v", err)
	} else {
		c.MaxAttempts = n
	}
	// The timeout bounds the whole step. Left empty it leaves room for the wait.
	defTimeout := DefaultTimeout
	if waiting {
		defTimeout = min(DefaultTimeout+c.WaitTimeout, MaxTimeout)
	}
	if d, err := parseDuration(in.Timeout, defTimeout); err != nil {
		bad("timeout", "%v", err)
	} else {
		c.Timeout = d
		if waiting && strings.TrimSpace(in.Timeout) != "" && d <= c.WaitTimeout {
			bad("timeout", "%s is not longer than wait-timeout (%s): timeout bounds the whole step, waiting included; raise it, or leave it empty for wait-timeout + 5m", d, c.WaitTimeout)
		}
	}

	if u, err := ParseAPIURL(in.APIURL); err != nil {
		bad("api-url", "%v", err)
	} else {
		c.APIURL = u
	}

	// Credentials: a GitHub App when its ID and key are given, else the token. A dry run
	// prints the request without sending it, so it needs neither.
	keyInput := "app-private-key"
	if in.AppPrivateKeyFile != "" {
		keyInput = "app-private-key-file"
		b, err := os.ReadFile(in.AppPrivateKeyFile)
		if err != nil {
			bad(keyInput, "cannot be read: %v", err)
		}
		in.AppPrivateKey = string(b)
	}
	switch appID, key := strings.TrimSpace(in.AppID), strings.TrimSpace(in.AppPrivateKey); {
	case appID != "" && key != "":
		c.App = &AppAuth{ID: appID}
		c.Token = ""
		if k, err := ghapp.ParsePrivateKey([]byte(key)); err != nil {
			bad(keyInput, "%v", err)
		} else {
			c.App.Key = k
		}
		if id := strings.TrimSpace(in.AppInstallationID); id != "" {
			n, err := strconv.ParseInt(id, 10, 64)
			if err != nil || n <= 0 {
				bad("app-installation-id", "%q is not an installation ID (a positive number)", id)
			}
			c.App.InstallationID = n
			for _, r := range repos[min(1, len(repos)):] {
				if !strings.EqualFold(r.Owner, repos[0].Owner) {
					bad("app-installation-id", "names one installation, but the targets belong to %s and %s: leave it empty to find the installation of each owner", repos[0].Owner, r.Owner)
					break
				}
			}
		}
	case appID != "":
		bad(keyInput, "is empty, but app-id is set: a GitHub App needs both")
	case key != "":
		bad("app-id", "is empty, but %s is set: a GitHub App needs both", keyInput)
	case in.Token == "" && !c.DryRun:
		if m == CLIMode {
			bad("token", "is not set: export GITHUB_TOKEN (or GH_TOKEN) with a token that may write to the repository, or use --dry-run")
		} else {
			bad("token", "is empty: pass a secret, e.g. token: ${{ secrets.DISPATCH_TOKEN }}, or leave it unset to use github.token")
		}
	case in.Token != "":
		if err := CheckToken(in.Token); err != nil {
			bad("token", "%v", err)
		}
	}

	if len(ps) > 0 {
		return nil, ps
	}
	return c, nil
}

// DispatchBody is the exact JSON body of a repository_dispatch request, encoded the way
// go-github encodes it (HTML characters not escaped, trailing newline).
func DispatchBody(eventType string, payload json.RawMessage) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	body := struct {
		EventType     string           `json:"event_type"`
		ClientPayload *json.RawMessage `json:"client_payload,omitempty"`
	}{eventType, &payload}
	if err := enc.Encode(body); err != nil {
		// payload was checked by ParsePayload, so this cannot happen; fail loudly if it does.
		panic(fmt.Sprintf("encoding a checked dispatch body: %v", err))
	}
	return buf.Bytes()
}

func parseBool(s string, def bool) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return def, nil
	case "false", "0", "no", "off":
		return false, nil
	case "true", "1", "yes", "on":
		return true, nil
	}
	return false, fmt.Errorf("%q is not a boolean: use true or false", s)
}
