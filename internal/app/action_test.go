package app

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

func TestActionDispatches(t *testing.T) {
	t.Parallel()
	for _, enterprise := range []bool{false, true} {
		name := "github.com"
		if enterprise {
			name = "enterprise server"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := githubfake.Standard(t, nil)
			if enterprise {
				f.SetServer(githubfake.GHES319)
			}
			api := f.URL()
			run := runActionMode(t, map[string]string{
				"token":          githubfake.TestToken,
				"repository":     f.WebURL() + "/octo/data",
				"event-type":     "fetch-meetup-data",
				"client-payload": `{"source": "release", "nested": {"n": 1}}`,
				"api-url":        api,
				"dry-run":        "false",
			}, nil)
			if run.code != ExitOK {
				t.Fatalf("exit %d\n%s", run.code, run.stdout)
			}

			// What GitHub received: exactly one accepted dispatch, right body and headers.
			ds := f.Dispatches()
			if len(ds) != 1 {
				t.Fatalf("fake accepted %d dispatches, want 1", len(ds))
			}
			if ds[0].Repository != "octo/data" || ds[0].EventType != "fetch-meetup-data" || string(ds[0].ClientPayload) != `{"source":"release","nested":{"n":1}}` {
				t.Errorf("fake received %+v (payload %s)", ds[0], ds[0].ClientPayload)
			}
			reqs := f.Requests()
			if len(reqs) != 1 {
				t.Fatalf("fake received %d requests, want 1", len(reqs))
			}
			h := reqs[0].Header
			for name, want := range map[string]string{
				"Authorization":        "Bearer " + githubfake.TestToken,
				"User-Agent":           "dispatch-action/dev",
				"X-Github-Api-Version": "2022-11-28",
				"Content-Type":         "application/json",
			} {
				if got := h.Get(name); got != want {
					t.Errorf("header %s = %q, want %q", name, got, want)
				}
			}
			if reqs[0].Method != http.MethodPost || reqs[0].Path != "/repos/octo/data/dispatches" {
				t.Errorf("request %s %s", reqs[0].Method, reqs[0].Path)
			}

			// What the step hands on.
			o := run.outputs
			var results []map[string]any
			if err := json.Unmarshal([]byte(o["results"]), &results); err != nil || len(results) != 1 {
				t.Fatalf("results %q: %v", o["results"], err)
			}
			r := results[0]
			if r["repository"] != "octo/data" || r["event_type"] != "fetch-meetup-data" || r["status"] != "dispatched" ||
				r["http_status"] != float64(204) || r["request_id"] != ds[0].RequestID || r["error"] != nil {
				t.Errorf("results entry %v", r)
			}

			if !strings.HasPrefix(run.stdout, "::add-mask::"+githubfake.TestToken+"\n") {
				t.Errorf("stdout does not start by masking the token:\n%s", run.stdout)
			}
			if !strings.Contains(run.summary, "| Repository | Event | Outcome | Run | Request ID |") ||
				!strings.Contains(run.summary, "✅ dispatched (204)") || !strings.Contains(run.summary, ds[0].RequestID) {
				t.Errorf("summary:\n%s", run.summary)
			}
			if !strings.Contains(run.summary, "API: `"+f.URL()+"/`") { // not api.github.com: said
				t.Errorf("summary does not show the API root:\n%s", run.summary)
			}
		})
	}
}

func TestActionDefaults(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	f.AddRepo("octo/self")
	// No repository, client-payload or api-url input: the runner's variables fill them.
	run := runActionMode(t, map[string]string{"token": githubfake.TestToken, "event-type": "refresh"},
		map[string]string{"GITHUB_API_URL": f.URL()})
	if run.code != ExitOK {
		t.Fatalf("exit %d\n%s", run.code, run.stdout)
	}
	ds := f.Dispatches()
	if len(ds) != 1 || ds[0].Repository != "octo/self" || string(ds[0].ClientPayload) != "{}" {
		t.Fatalf("dispatches %+v", ds)
	}
}

// Bad input: exit 2, one ::error:: per problem naming the input, and nothing sent.
func TestActionBadInput(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	run := runActionMode(t, map[string]string{
		"token":          githubfake.TestToken,
		"repository":     "not a repo",
		"client-payload": `{"a":1,"a":2}`,
		"api-url":        "http://" + strings.TrimPrefix(f.URL(), "http://127.0.0.1") + ".example.com",
	}, nil)
	if run.code != ExitBadInput {
		t.Fatalf("exit %d, want 2", run.code)
	}
	for _, input := range []string{"repository", "event-type", "client-payload", "api-url"} {
		if !strings.Contains(run.stdout, "::error title=Invalid input "+input+"::input \""+input+"\": ") {
			t.Errorf("no annotation for %s:\n%s", input, run.stdout)
		}
	}
	if n := len(f.Requests()); n != 0 {
		t.Errorf("fake received %d requests", n)
	}
	if len(run.outputs) != 0 {
		t.Errorf("outputs written for bad input: %v", run.outputs)
	}
}

func TestActionFailuresGiveHints(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(*githubfake.Fake)
		token string
		repo  string
		line  string // in the one-line error
		hint  string // in the hint
	}{
		{name: "missing repository", repo: "octo/missing", line: "GitHub answered 404 Not Found", hint: "secrets.DISPATCH_TOKEN"},
		{name: "invisible repository", token: "narrow", repo: "octo/other", line: "404 Not Found",
			setup: func(f *githubfake.Fake) { f.AddToken(githubfake.Token{Value: "narrow", Repos: []string{"octo/data"}}) }, hint: "Contents: write on octo/other"},
		{name: "bad token", token: "expired-token", line: "401 Unauthorized: Bad credentials", hint: "invalid, expired or revoked"},
		{name: "missing permission", token: "readonly", line: "403 Forbidden: Resource not accessible by personal access token",
			setup: func(f *githubfake.Fake) {
				f.AddToken(githubfake.Token{Value: "readonly", Permissions: map[string]string{"contents": "read"}})
			}, hint: "(contents=write)"},
		{name: "validation", line: "422 Unprocessable Entity: Invalid request",
			setup: func(f *githubfake.Fake) {
				f.Script(githubfake.Fault{Status: 422, Body: `{"message":"Invalid request.\n\nclient_payload is bad"}`})
			}, hint: `input "client-payload"`},
		{name: "primary rate limit", line: "primary rate limit exhausted",
			setup: func(f *githubfake.Fake) {
				reset := time.Now().Add(42 * time.Minute).Unix()
				f.Script(githubfake.Fault{Status: 403, Body: `{"message":"API rate limit exceeded"}`, Header: http.Header{
					"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Limit": {"5000"}, "X-Ratelimit-Reset": {strconv.FormatInt(reset, 10)}}})
			}, hint: "resets at"},
		{name: "too many requests", line: "429 Too Many Requests",
			setup: func(f *githubfake.Fake) {
				f.Script(githubfake.Fault{Status: 429, Header: http.Header{"Retry-After": {"30"}}, Body: `{"message":"slow down"}`})
			}, hint: "30 seconds"},
		{name: "server error", line: "502 Bad Gateway",
			setup: func(f *githubfake.Fake) { f.Script(githubfake.Fault{Status: 502}) }, hint: "may or may not have been delivered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := githubfake.Standard(t, nil)
			if tt.setup != nil {
				tt.setup(f)
			}
			token, repo := tt.token, tt.repo
			if token == "" {
				token = githubfake.TestToken
			}
			if repo == "" {
				repo = "octo/data"
			}
			// One attempt: these are about the message, the retry policy has its own tests.
			run := runActionMode(t, map[string]string{"token": token, "repository": repo, "event-type": "e", "api-url": f.URL(), "max-attempts": "1"}, nil)
			if run.code != ExitFailed {
				t.Fatalf("exit %d, want 1\n%s", run.code, run.stdout)
			}
			if !strings.Contains(run.stdout, "::error title=Dispatch failed::dispatch to "+repo+" \"e\" failed: ") ||
				!strings.Contains(run.stdout, tt.line) || !strings.Contains(run.stdout, "%0Ahint: ") || !strings.Contains(run.stdout, tt.hint) {
				t.Errorf("annotation lacks %q / %q:\n%s", tt.line, tt.hint, run.stdout)
			}
			if n := len(f.Dispatches()); n != 0 {
				t.Errorf("fake accepted %d dispatches", n)
			}
			if n := len(f.Requests()); n != 1 {
				t.Errorf("fake received %d requests, want 1", n)
			}
			var results []map[string]any
			if err := json.Unmarshal([]byte(run.outputs["results"]), &results); err != nil || len(results) != 1 ||
				results[0]["status"] != "failed" || !strings.Contains(results[0]["error"].(string), tt.line) {
				t.Errorf("results %q: %v", run.outputs["results"], err)
			}
			if !strings.Contains(run.summary, "❌") {
				t.Errorf("summary:\n%s", run.summary)
			}
		})
	}
}

func TestActionDryRun(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	run := runActionMode(t, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "event-type": "e",
		"client-payload": `{"k":"v"}`, "api-url": f.URL(), "dry-run": "true"}, nil)
	if run.code != ExitOK {
		t.Fatalf("exit %d\n%s", run.code, run.stdout)
	}
	if n := len(f.Requests()); n != 0 {
		t.Fatalf("dry run sent %d requests", n)
	}
	for _, want := range []string{"POST " + f.URL() + "/repos/octo/data/dispatches", "Authorization: Bearer ***", `{"event_type":"e","client_payload":{"k":"v"}}`} {
		if !strings.Contains(run.stdout, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, run.stdout)
		}
	}
	if !strings.Contains(run.outputs["results"], `"status":"dry-run"`) || strings.Contains(run.outputs["results"], `"dispatched_at"`) {
		t.Errorf("outputs %v", run.outputs)
	}
}

// No input value can end its own output and set another, not even one holding
// go-githubactions' fixed delimiter.
func TestActionOutputsCannotBeInjected(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	event := "x_GitHubActionsFileCommandDelimeter_ request-id<<EOF"
	run := runActionMode(t, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "event-type": event, "api-url": f.URL()}, nil)
	if run.code != ExitOK {
		t.Fatalf("exit %d\n%s", run.code, run.stdout)
	}
	var rs []map[string]any
	if err := json.Unmarshal([]byte(run.outputs["results"]), &rs); err != nil || len(rs) != 1 || rs[0]["event_type"] != event ||
		rs[0]["request_id"] != f.Dispatches()[0].RequestID {
		t.Errorf("outputs %v: %v", run.outputs, err)
	}
	if len(run.outputs) != 7 {
		t.Errorf("%d outputs, want 7: %v", len(run.outputs), run.outputs)
	}
}

func TestActionRunnerFilesMissingOrUnwritable(t *testing.T) {
	t.Parallel()
	t.Run("unset", func(t *testing.T) {
		t.Parallel()
		f := githubfake.Standard(t, nil)
		run := runActionMode(t, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "event-type": "e", "api-url": f.URL()},
			map[string]string{"GITHUB_OUTPUT": "-", "GITHUB_STEP_SUMMARY": "-"})
		if run.code != ExitOK || len(f.Dispatches()) != 1 {
			t.Fatalf("exit %d, %d dispatches\n%s", run.code, len(f.Dispatches()), run.stdout)
		}
		if !strings.Contains(run.stdout, "::warning::outputs were not written: GITHUB_OUTPUT is not set") ||
			!strings.Contains(run.stdout, "::warning::step summary was not written: GITHUB_STEP_SUMMARY is not set") {
			t.Errorf("no warnings:\n%s", run.stdout)
		}
	})
	t.Run("unwritable", func(t *testing.T) {
		t.Parallel()
		f := githubfake.Standard(t, nil)
		dir := t.TempDir() // a directory cannot be opened for appending
		run := runActionMode(t, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "event-type": "e", "api-url": f.URL()},
			map[string]string{"GITHUB_OUTPUT": dir, "GITHUB_STEP_SUMMARY": filepath.Join(dir, "no", "such", "dir")})
		if run.code != ExitFailed {
			t.Fatalf("exit %d, want 1\n%s", run.code, run.stdout)
		}
		if len(f.Dispatches()) != 1 {
			t.Errorf("%d dispatches, want 1", len(f.Dispatches()))
		}
		if !strings.Contains(run.stdout, "::error::outputs were not written: writing GITHUB_OUTPUT") ||
			!strings.Contains(run.stdout, "::warning::step summary was not written") {
			t.Errorf("not reported:\n%s", run.stdout)
		}
	})
}

// A recognisable token never appears anywhere but in the ::add-mask:: command: not on
// stdout or stderr, in outputs, the summary or error messages, on success, failure, retry,
// rate-limit and dry-run paths, in both modes.
func TestNeverPrintsToken(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, repo, dry string
		faults          []githubfake.Fault
	}{
		{"success", "octo/data", "false", nil},
		{"failure", "octo/missing", "false", nil},
		{"retry then success", "octo/data", "false", []githubfake.Fault{{Status: 502}, {Reset: true}, {Status: 429, Header: http.Header{"Retry-After": {"1"}}}}},
		{"retries exhausted", "octo/data", "false", []githubfake.Fault{{Status: 502}, {Status: 502}, {Status: 502}, {Status: 502}, {Status: 502}}},
		{"rate limit past the deadline", "octo/data", "false", []githubfake.Fault{{Status: 403, Body: `{"message":"API rate limit exceeded"}`,
			Header: http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {strconv.FormatInt(time.Now().Add(2*time.Hour).Unix(), 10)}}}}},
		{"dry run", "octo/data", "true", nil},
	} {
		t.Run("action/"+tc.name, func(t *testing.T) {
			t.Parallel()
			f := githubfake.Standard(t, nil)
			f.Script(tc.faults...)
			run := runActionMode(t, map[string]string{"token": githubfake.TestToken, "repository": tc.repo, "event-type": "e", "api-url": f.URL(), "dry-run": tc.dry}, nil)
			stdout := strings.Replace(run.stdout, "::add-mask::"+githubfake.TestToken+"\n", "", 1)
			raw, _ := os.ReadFile(run.outputFile)
			for where, text := range map[string]string{"stdout": stdout, "outputs": string(raw), "summary": run.summary} {
				if strings.Contains(text, githubfake.TestToken) || strings.Contains(text, "CANARY") {
					t.Errorf("token in %s:\n%s", where, text)
				}
			}
		})
		t.Run("cli/"+tc.name, func(t *testing.T) {
			t.Parallel()
			f := githubfake.Standard(t, nil)
			f.Script(tc.faults...)
			args := []string{"trigger", "--repository", tc.repo, "--event-type", "e", "--api-url", f.URL()}
			if tc.dry == "true" {
				args = append(args, "--dry-run")
			}
			run := runCLIMode(t, map[string]string{"GITHUB_TOKEN": githubfake.TestToken}, args...)
			if strings.Contains(run.stdout+run.stderr, "CANARY") {
				t.Errorf("token printed:\n%s%s", run.stdout, run.stderr)
			}
			if run.stdout+run.stderr == "" {
				t.Error("nothing printed at all")
			}
		})
	}
}

// TestPayloadAndInputsFromFiles: the action reads client-payload and inputs from a file
// given as @PATH (in the workspace) with the same checks as the inline inputs; the removed
// inputs-file is refused, naming its replacement, nothing sent.
func TestPayloadAndInputsFromFiles(t *testing.T) {
	t.Parallel()
	f, clock := waitFake(t)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true, Inputs: []string{"env"}})
	dir := t.TempDir()
	payload, inputs := filepath.Join(dir, "payload.json"), filepath.Join(dir, "inputs.json")
	if os.WriteFile(payload, []byte(`{"source": "file"}`), 0o600) != nil || os.WriteFile(inputs, []byte(`{"env": "prod"}`), 0o600) != nil {
		t.Fatal("writing the files")
	}
	run := runActionModeClock(t, clock, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "event-type": "e",
		"client-payload": "@" + payload, "api-url": f.URL()}, nil)
	if run.code != ExitOK || len(f.Dispatches()) != 1 || string(f.Dispatches()[0].ClientPayload) != `{"source":"file"}` {
		t.Fatalf("exit %d, %+v\n%s", run.code, f.Dispatches(), run.stdout)
	}
	run = runActionModeClock(t, clock, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "workflow": "deploy.yml",
		"inputs": "@" + inputs, "api-url": f.URL()}, nil)
	last := f.Requests()[len(f.Requests())-1]
	if run.code != ExitOK || f.Runs() != 1 || !strings.Contains(string(last.Body), `"inputs":{"env":"prod"}`) {
		t.Fatalf("inputs: @PATH: exit %d, sent %s\n%s", run.code, last.Body, run.stdout)
	}
	before := len(f.Requests())
	run = runActionModeClock(t, clock, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "workflow": "deploy.yml",
		"inputs": `{"env":"dev"}`, "inputs-file": inputs, "api-url": f.URL()}, nil)
	checkBadInput(t, f.Requests()[before:], run.code, run.stdout, `input "inputs-file"`, `was removed before v1: use inputs: @PATH`)
}
