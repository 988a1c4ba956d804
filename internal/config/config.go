// Package config owns the one Config that both modes run from: it is built from action
// inputs or from command-line flags, and Build reports every problem with it at once,
// each naming the input (or flag) and the rule it breaks, before anything is sent.
package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"
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
	TokenSource       string // where the token came from, for messages: "token", "GITHUB_TOKEN" …
	Repository        string
	EventType         string
	ClientPayload     string
	ClientPayloadFile string // CLI only
	APIURL            string
	DryRun            string
	Timeout           string // Go duration for the whole step
	MaxAttempts       string // attempts per request, 1 disables retries
}

// Config is a checked, ready-to-run description of one dispatch.
type Config struct {
	Mode          Mode
	Token         string
	Repository    Repo
	EventType     string
	ClientPayload json.RawMessage // a compacted JSON object
	APIURL        *url.URL        // ends in "/"
	DryRun        bool
	Timeout       time.Duration // the whole step's deadline
	MaxAttempts   int           // attempts per request
}

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
		Token:         getInput("token"),
		TokenSource:   "token",
		Repository:    getInput("repository"),
		EventType:     getInput("event-type"),
		ClientPayload: getInput("client-payload"),
		APIURL:        getInput("api-url"),
		DryRun:        getInput("dry-run"),
		Timeout:       getInput("timeout"),
		MaxAttempts:   getInput("max-attempts"),
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
	c := &Config{Mode: m, Token: in.Token, EventType: in.EventType}

	dry, err := parseBool(in.DryRun)
	if err != nil {
		bad("dry-run", "%v", err)
	}
	c.DryRun = dry

	if repo, err := ParseRepository(in.Repository); err != nil {
		bad("repository", "%v", err)
	} else {
		c.Repository = repo
	}

	eventOK := true
	if err := CheckEventType(in.EventType); err != nil {
		bad("event-type", "%v", err)
		eventOK = false
	}

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
	payload, err := ParsePayload(payloadText, MaxPayloadProperties)
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

	if d, err := ParseTimeout(in.Timeout); err != nil {
		bad("timeout", "%v", err)
	} else {
		c.Timeout = d
	}
	if n, err := ParseMaxAttempts(in.MaxAttempts); err != nil {
		bad("max-attempts", "%v", err)
	} else {
		c.MaxAttempts = n
	}

	if u, err := ParseAPIURL(in.APIURL); err != nil {
		bad("api-url", "%v", err)
	} else {
		c.APIURL = u
	}

	// A dry run prints the request without sending it, so it needs no token.
	if in.Token == "" && !c.DryRun {
		if m == CLIMode {
			bad("token", "is not set: export GITHUB_TOKEN (or GH_TOKEN) with a token that may write to the repository, or use --dry-run")
		} else {
			bad("token", "is empty: pass a secret, e.g. token: ${{ secrets.DISPATCH_TOKEN }}, or leave it unset to use github.token")
		}
	} else if in.Token != "" {
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

func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "false", "0", "no", "off":
		return false, nil
	case "true", "1", "yes", "on":
		return true, nil
	}
	return false, fmt.Errorf("%q is not a boolean: use true or false", s)
}
