package config

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/MrSunshyne/dispatch-action/internal/event"
)

func props(n int) string {
	m := map[string]int{}
	for i := range n {
		m["k"+string(rune('a'+i))] = i
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func valid() Inputs {
	return Inputs{
		Token:         "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
		Repository:    "octo/data",
		EventType:     "fetch-meetup-data",
		ClientPayload: `{"source":"test"}`,
		APIURL:        "https://api.github.com",
	}
}

func TestBuildValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		edit    func(*Inputs)
		repo    string
		payload string
		api     string
		dry     bool
	}{
		{name: "plain", repo: "octo/data", payload: `{"source":"test"}`, api: "https://api.github.com/"},
		{name: "repository URL", edit: func(i *Inputs) { i.Repository = "https://github.com/octo/data.git" }, repo: "octo/data", payload: `{"source":"test"}`, api: "https://api.github.com/"},
		{name: "repository URL with slash", edit: func(i *Inputs) { i.Repository = "https://github.com/Octo-Org/my.repo_1/" }, repo: "Octo-Org/my.repo_1", payload: `{"source":"test"}`, api: "https://api.github.com/"},
		{name: "host without scheme", edit: func(i *Inputs) { i.Repository = "github.com/octo/data" }, repo: "octo/data", payload: `{"source":"test"}`, api: "https://api.github.com/"},
		{name: "empty payload is an empty object", edit: func(i *Inputs) { i.ClientPayload = "  " }, repo: "octo/data", payload: `{}`, api: "https://api.github.com/"},
		{name: "payload compacted", edit: func(i *Inputs) { i.ClientPayload = "{\n  \"a\": [1, 2],\n  \"b\": {\"c\": null}\n}" }, repo: "octo/data", payload: `{"a":[1,2],"b":{"c":null}}`, api: "https://api.github.com/"},
		{name: "ten properties", edit: func(i *Inputs) { i.ClientPayload = props(10) }, repo: "octo/data", payload: props(10), api: "https://api.github.com/"},
		{name: "enterprise", edit: func(i *Inputs) { i.APIURL = "https://ghe.example.com/api/v3/" }, repo: "octo/data", payload: `{"source":"test"}`, api: "https://ghe.example.com/api/v3/"},
		{name: "loopback http", edit: func(i *Inputs) { i.APIURL = "http://127.0.0.1:8080" }, repo: "octo/data", payload: `{"source":"test"}`, api: "http://127.0.0.1:8080/"},
		{name: "enterprise repository URL", edit: func(i *Inputs) {
			i.APIURL, i.Repository = "https://GHES.corp.example/api/v3", "https://ghes.corp.example/octo/data"
		}, repo: "octo/data", payload: `{"source":"test"}`, api: "https://GHES.corp.example/api/v3/"},
		{name: "repository URL on the runner's server, its API through a proxy", edit: func(i *Inputs) {
			i.APIURL, i.Caller.ServerURL, i.Repository = "https://proxy.corp.example/github", "https://ghes.corp.example", "https://ghes.corp.example/octo/data"
			i.Caller.APIURL = "https://proxy.corp.example/github/"
		}, repo: "octo/data", payload: `{"source":"test"}`, api: "https://proxy.corp.example/github/"},
		{name: "repository URL on GHE.com", edit: func(i *Inputs) {
			i.APIURL, i.Repository = "https://api.octocorp.ghe.com", "https://octocorp.ghe.com/octo/data"
		}, repo: "octo/data", payload: `{"source":"test"}`, api: "https://api.octocorp.ghe.com/"},
		{name: "dry run needs no token", edit: func(i *Inputs) { i.Token = ""; i.DryRun = "true" }, repo: "octo/data", payload: `{"source":"test"}`, api: "https://api.github.com/", dry: true},
		{name: "hundred-character event type", edit: func(i *Inputs) { i.EventType = strings.Repeat("ü", 100) }, repo: "octo/data", payload: `{"source":"test"}`, api: "https://api.github.com/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := valid()
			if tt.edit != nil {
				tt.edit(&in)
			}
			c, ps := Build(ActionMode, in)
			if ps != nil {
				t.Fatalf("problems: %v", ps)
			}
			if c.Repos()[0].String() != tt.repo || string(c.Targets[0].ClientPayload) != tt.payload || c.APIURL.String() != tt.api || c.DryRun != tt.dry {
				t.Errorf("got repo %q payload %s api %q dry %v", c.Repos(), c.Targets[0].ClientPayload, c.APIURL, c.DryRun)
			}
		})
	}
}

// Each bad input is reported naming the input and the rule it breaks.
func TestBuildProblems(t *testing.T) {
	t.Parallel()
	unreadable := filepath.Join(t.TempDir(), "missing.json")
	emptyFile := filepath.Join(t.TempDir(), "empty.json")
	if err := os.WriteFile(emptyFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	bigPayload := `{"data":"` + strings.Repeat("x", 64*1024) + `"}`
	tests := []struct {
		name  string
		mode  Mode
		edit  func(*Inputs)
		input string // the input named
		rule  string // a fragment of the rule
	}{
		{"empty repository", ActionMode, func(i *Inputs) { i.Repository = "" }, "repository", "is empty"},
		{"repository without slash", ActionMode, func(i *Inputs) { i.Repository = "octo" }, "repository", "owner/name"},
		{"repository with three parts", ActionMode, func(i *Inputs) { i.Repository = "octo/data/extra" }, "repository", "owner/name"},
		{"repository with space", ActionMode, func(i *Inputs) { i.Repository = "octo/da ta" }, "repository", "only letters"},
		{"owner starting with hyphen", ActionMode, func(i *Inputs) { i.Repository = "-octo/data" }, "repository", "hyphen"},
		{"owner with underscore", ActionMode, func(i *Inputs) { i.Repository = "oc_to/data" }, "repository", "only letters"},
		{"owner too long", ActionMode, func(i *Inputs) { i.Repository = strings.Repeat("a", 40) + "/data" }, "repository", "longer than 39"},
		{"name dot-dot", ActionMode, func(i *Inputs) { i.Repository = "octo/.." }, "repository", "not allowed"},
		{"ssh URL", ActionMode, func(i *Inputs) { i.Repository = "ssh://git@github.com/octo/data" }, "repository", "scheme"},
		{"URL with query", ActionMode, func(i *Inputs) { i.Repository = "https://github.com/octo/data?tab=1" }, "repository", "query"},
		{"URL with only owner", ActionMode, func(i *Inputs) { i.Repository = "https://github.com/octo" }, "repository", "owner/name"},
		{"repository URL of another server", ActionMode, func(i *Inputs) { i.Repository = "https://ghes.corp.example/octo/data" }, "repository",
			`"https://ghes.corp.example/octo/data" is a repository on ghes.corp.example, but input "api-url" (https://api.github.com/) is the API of github.com`},
		{"the runner's own server, sent to another API", ActionMode, func(i *Inputs) {
			i.Caller.ServerURL, i.Caller.APIURL = "https://ghes.corp.example", "https://ghes.corp.example/api/v3"
			i.APIURL, i.Repository = "https://api.github.com", "https://ghes.corp.example/octo/data"
		}, "repository", `is a repository on ghes.corp.example, but input "api-url" (https://api.github.com/) is the API of github.com`},
		{"github.com repository with an Enterprise API", CLIMode, func(i *Inputs) { i.APIURL = "https://ghes.corp.example/api/v3"; i.Repository = "github.com/octo/data" }, "repository",
			"or for github.com set --api-url to https://api.github.com"},
		{"non-ASCII name", ActionMode, func(i *Inputs) { i.Repository = "octo/dätä" }, "repository", "only letters"},
		{"empty event type", ActionMode, func(i *Inputs) { i.EventType = "" }, "event-type", "is required"},
		{"101-character event type", ActionMode, func(i *Inputs) { i.EventType = strings.Repeat("a", 101) }, "event-type", "101 characters"},
		{"event type with newline", ActionMode, func(i *Inputs) { i.EventType = "fetch\ndata" }, "event-type", "control character"},
		{"event type with tab", ActionMode, func(i *Inputs) { i.EventType = "fetch\tdata" }, "event-type", "control character"},
		{"event type invalid UTF-8", ActionMode, func(i *Inputs) { i.EventType = "fetch\xff" }, "event-type", "UTF-8"},
		{"payload malformed", ActionMode, func(i *Inputs) { i.ClientPayload = `{"a":` }, "client-payload", "not valid JSON"},
		{"payload single quotes", ActionMode, func(i *Inputs) { i.ClientPayload = `{'a':1}` }, "client-payload", "not valid JSON"},
		{"payload array", ActionMode, func(i *Inputs) { i.ClientPayload = `[1,2]` }, "client-payload", "not an array"},
		{"payload string", ActionMode, func(i *Inputs) { i.ClientPayload = `"hello"` }, "client-payload", "not a string"},
		{"payload null", ActionMode, func(i *Inputs) { i.ClientPayload = `null` }, "client-payload", "not null"},
		{"payload number", ActionMode, func(i *Inputs) { i.ClientPayload = `42` }, "client-payload", "not a number"},
		{"payload trailing text", ActionMode, func(i *Inputs) { i.ClientPayload = `{"a":1} {"b":2}` }, "client-payload", "more text"},
		{"payload eleven properties", ActionMode, func(i *Inputs) { i.ClientPayload = props(11) }, "client-payload", "11 top-level properties"},
		{"payload duplicate key", ActionMode, func(i *Inputs) { i.ClientPayload = `{"a":1,"a":2}` }, "client-payload", "twice"},
		{"payload over 64 KB", ActionMode, func(i *Inputs) { i.ClientPayload = bigPayload }, "client-payload", "under 64 KB"},
		{"payload invalid UTF-8", ActionMode, func(i *Inputs) { i.ClientPayload = "{\"a\":\"\xff\"}" }, "client-payload", "UTF-8"},
		{"api-url relative", ActionMode, func(i *Inputs) { i.APIURL = "api.github.com" }, "api-url", "absolute https"},
		{"api-url http remote", ActionMode, func(i *Inputs) { i.APIURL = "http://ghe.example.com/api/v3" }, "api-url", "only https"},
		{"api-url ftp", ActionMode, func(i *Inputs) { i.APIURL = "ftp://api.github.com" }, "api-url", "absolute https"},
		{"api-url with credentials", ActionMode, func(i *Inputs) { i.APIURL = "https://user:pw@api.github.com" }, "api-url", "credentials"},
		{"empty token", ActionMode, func(i *Inputs) { i.Token = "" }, "token", "is empty"},
		{"token with inner space", ActionMode, func(i *Inputs) { i.Token = "ghp_abc def" }, "token", "whitespace"},
		{"token with newline", ActionMode, func(i *Inputs) { i.Token = "ghp_abc\nghp_def" }, "token", "whitespace"},
		{"dry-run not boolean", ActionMode, func(i *Inputs) { i.DryRun = "maybe" }, "dry-run", "not a boolean"},
		{"payload trailing comma", ActionMode, func(i *Inputs) { i.ClientPayload = `{"a":1,}` }, "client-payload", "not valid JSON"},
		{"repository of four parts", ActionMode, func(i *Inputs) { i.Repository = "octo/data/tree/main" }, "repository", "owner/name"},
		{"timeout without unit", ActionMode, func(i *Inputs) { i.Timeout = "300" }, "timeout", "no unit"},
		{"timeout not a duration", ActionMode, func(i *Inputs) { i.Timeout = "five minutes" }, "timeout", "not a duration"},
		{"negative timeout", ActionMode, func(i *Inputs) { i.Timeout = "-5m" }, "timeout", "more than zero"},
		{"timeout beyond a job", ActionMode, func(i *Inputs) { i.Timeout = "7h" }, "timeout", "longer than"},
		{"attempts not a number", ActionMode, func(i *Inputs) { i.MaxAttempts = "three" }, "max-attempts", "not a whole number"},
		{"zero attempts", ActionMode, func(i *Inputs) { i.MaxAttempts = "0" }, "max-attempts", "out of range"},
		{"too many attempts", ActionMode, func(i *Inputs) { i.MaxAttempts = "100" }, "max-attempts", "out of range"},
		{"CLI missing token", CLIMode, func(i *Inputs) { i.Token = "" }, "token", "export GH_TOKEN (or GITHUB_TOKEN)"},
		{"CLI unreadable payload file", CLIMode, func(i *Inputs) { i.ClientPayload = "@" + unreadable }, "client-payload", "cannot be read"},
		{"@ without a path", ActionMode, func(i *Inputs) { i.ClientPayload = "@ " }, "client-payload", "@ without a path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := valid()
			tt.edit(&in)
			c, ps := Build(tt.mode, in)
			if c != nil || len(ps) != 1 {
				t.Fatalf("want exactly one problem, got config %v and %v", c, ps)
			}
			p := ps[0]
			if p.Input != tt.input || !strings.Contains(p.Rule, tt.rule) {
				t.Errorf("problem %q on %q, want %q on %q", p.Rule, p.Input, tt.rule, tt.input)
			}
			if !strings.Contains(p.Error(), Label(tt.mode, tt.input)) {
				t.Errorf("message %q does not name %s", p.Error(), Label(tt.mode, tt.input))
			}
			if strings.Contains(p.Error(), "ghp_abc") {
				t.Errorf("message %q shows the token", p.Error())
			}
		})
	}
}

// Credentials inside a URL (user:password@) are never printed, whichever input holds them.
func TestCredentialsInURLsAreNeverPrinted(t *testing.T) {
	t.Parallel()
	for _, edit := range []func(*Inputs){
		func(i *Inputs) { i.Repository = "https://octocat:ghp_SECRET0123456789@github.com/octo/data" },
		func(i *Inputs) { i.Repository = "https://octocat:ghp_SECRET0123456789@github.com/octo" },
		func(i *Inputs) {
			i.Repository = "octo/data, https://x-access-token:ghp_SECRET0123456789@ghes.example/o/r"
		},
		func(i *Inputs) { i.APIURL = "https://x-access-token:ghp_SECRET0123456789@api.github.com" },
		func(i *Inputs) { i.APIURL = "https://octocat:ghp_SECRET0123456789@api.github.com/%zz" },
	} {
		in := valid()
		edit(&in)
		_, ps := Build(ActionMode, in)
		if len(ps) == 0 || strings.Contains(ps.Error(), "SECRET") || strings.Contains(ps.Error(), "octocat") || strings.Contains(ps.Error(), "x-access-token") {
			t.Errorf("%q", ps.Error())
		}
	}
	if got := Printable("https://u:p@h/x@y"); got != "https://…@h/x@y" {
		t.Errorf("Printable: %q", got)
	}
}

func TestBuildReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, ps := Build(CLIMode, Inputs{Repository: "x", EventType: "", ClientPayload: "[]", APIURL: "http://example.com"})
	got := map[string]bool{}
	for _, p := range ps {
		got[p.Input] = true
	}
	for _, want := range []string{"repository", "event-type", "client-payload", "api-url", "token"} {
		if !got[want] {
			t.Errorf("no problem reported for %s; got %v", want, ps)
		}
	}
	if !strings.HasPrefix(ps.Error(), "--repository: ") {
		t.Errorf("CLI problems should name flags: %q", ps.Error())
	}
}

func TestPayloadFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "p.json")
	if err := os.WriteFile(path, []byte("{\"from\": \"file\"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	in := valid()
	in.ClientPayload = "@" + path
	c, ps := Build(CLIMode, in)
	if ps != nil {
		t.Fatal(ps)
	}
	if string(c.Targets[0].ClientPayload) != `{"from":"file"}` {
		t.Errorf("payload %s", c.Targets[0].ClientPayload)
	}
}

// The size rule counts the body exactly as sent: just under the limit passes, one byte
// more fails.
func TestBodySizeBoundary(t *testing.T) {
	t.Parallel()
	overhead := len(event.RepositoryDispatchBody("e", event.Object(`{"d":""}`)))
	fill := event.MaxDispatchBodyBytes - overhead
	for _, tc := range []struct {
		n    int
		fail bool
	}{{fill, false}, {fill + 1, true}} {
		in := valid()
		in.EventType = "e"
		in.ClientPayload = `{"d":"` + strings.Repeat("x", tc.n) + `"}`
		_, ps := Build(ActionMode, in)
		if (ps != nil) != tc.fail {
			t.Errorf("fill %d: problems %v, want failure %v", tc.n, ps, tc.fail)
		}
	}
}

func TestDispatchBodyDoesNotEscapeHTML(t *testing.T) {
	t.Parallel()
	got := string(event.RepositoryDispatchBody("a<b", event.Object(`{"h":"<&>"}`)))
	want := "{\"event_type\":\"a<b\",\"client_payload\":{\"h\":\"<&>\"}}\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestCLIToken(t *testing.T) {
	t.Parallel()
	env := func(m map[string]string) Getenv { return func(k string) string { return m[k] } }
	if tok, src := CLIToken(env(map[string]string{"GITHUB_TOKEN": "a", "GH_TOKEN": "b"})); tok != "b" || src != "GH_TOKEN" { // gh's order: GH_TOKEN first
		t.Errorf("got %q from %q", tok, src)
	}
	if tok, src := CLIToken(env(map[string]string{"GH_TOKEN": " b\n"})); tok != "b" || src != "GH_TOKEN" {
		t.Errorf("got %q from %q", tok, src)
	}
	if tok, _ := CLIToken(env(nil)); tok != "" {
		t.Errorf("got %q", tok)
	}
}

func TestActionInputsDefaults(t *testing.T) {
	t.Parallel()
	env := map[string]string{"GITHUB_REPOSITORY": "octo/self", "GITHUB_API_URL": "https://ghe.example.com/api/v3"}
	in := ActionInputs(func(string) string { return "" }, func(k string) string { return env[k] })
	if in.Repository != "octo/self" || in.APIURL != "https://ghe.example.com/api/v3" {
		t.Errorf("defaults not applied: %+v", in)
	}
	in = ActionInputs(func(string) string { return "" }, func(string) string { return "" })
	if in.APIURL != DefaultAPIURL {
		t.Errorf("api-url default %q", in.APIURL)
	}
}

func TestBuildRunInputs(t *testing.T) {
	t.Parallel()
	nine := props(9)
	tests := []struct {
		name  string
		edit  func(*Inputs)
		check func(*testing.T, *Config)
	}{
		{"wait adds the distinct ID to the payload", func(i *Inputs) { i.Wait = "completed"; i.DistinctID = "abc" }, func(t *testing.T, c *Config) {
			if c.Targets[0].DistinctID != "abc" || string(c.Targets[0].ClientPayload) != `{"distinct_id":"abc","source":"test"}` || c.Timeout != 35*time.Minute || !c.FailOnConclusion {
				t.Errorf("%+v payload %s", c, c.Targets[0].ClientPayload)
			}
		}},
		{"empty payload gets only the ID", func(i *Inputs) { i.Wait = "started"; i.ClientPayload = "{}"; i.DistinctID = "abc" }, func(t *testing.T, c *Config) {
			if string(c.Targets[0].ClientPayload) != `{"distinct_id":"abc"}` {
				t.Errorf("payload %s", c.Targets[0].ClientPayload)
			}
		}},
		{"the user's own distinct_id is kept", func(i *Inputs) { i.Wait = "started"; i.ClientPayload = `{"distinct_id":"mine"}`; i.DistinctID = "abc" }, func(t *testing.T, c *Config) {
			if c.Targets[0].DistinctID != "mine" || string(c.Targets[0].ClientPayload) != `{"distinct_id":"mine"}` {
				t.Errorf("%q %s", c.Targets[0].DistinctID, c.Targets[0].ClientPayload)
			}
		}},
		{"nine properties leave room for the ID", func(i *Inputs) { i.Wait = "started"; i.ClientPayload = nine; i.DistinctID = "abc" }, func(t *testing.T, c *Config) {
			if c.Targets[0].DistinctID != "abc" {
				t.Errorf("%+v", c)
			}
		}},
		{"no wait, no ID", func(i *Inputs) { i.DistinctID = "abc" }, func(t *testing.T, c *Config) {
			if c.Targets[0].DistinctID != "" || c.Wait != event.WaitNone || c.Timeout != DefaultTimeout || strings.Contains(string(c.Targets[0].ClientPayload), "abc") {
				t.Errorf("%+v", c)
			}
		}},
		{"workflow by file name", func(i *Inputs) {
			i.EventType, i.ClientPayload, i.Workflow, i.Ref = "", "{}", ".github/workflows/deploy.yml", "release/v1"
			i.WorkflowInputs = `{"env": "prod", "n": 3, "dry": true}`
		}, func(t *testing.T, c *Config) {
			if c.Targets[0].Event != event.WorkflowDispatch || c.Targets[0].Workflow != "deploy.yml" || c.Targets[0].Ref != "release/v1" || string(c.Targets[0].Inputs) != `{"env":"prod","n":3,"dry":true}` {
				t.Errorf("%+v inputs %s", c, c.Targets[0].Inputs)
			}
		}},
		{"workflow by ID, waiting, explicit timeouts", func(i *Inputs) {
			i.EventType, i.ClientPayload, i.Workflow, i.Wait, i.WaitTimeout, i.Timeout, i.FailOnConclusion, i.DistinctID = "", "", "161335", "completed", "10m", "15m", "false", "abc"
		}, func(t *testing.T, c *Config) {
			if c.Targets[0].Workflow != "161335" || c.WaitTimeout != 10*time.Minute || c.Timeout != 15*time.Minute || c.FailOnConclusion || c.Targets[0].DistinctID != "abc" || string(c.Targets[0].Inputs) != "{}" {
				t.Errorf("%+v", c)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := valid()
			tt.edit(&in)
			c, ps := Build(ActionMode, in)
			if ps != nil {
				t.Fatal(ps)
			}
			tt.check(t, c)
		})
	}
}

func TestBuildRunProblems(t *testing.T) {
	t.Parallel()
	inputs26 := "{"
	for i := range 26 {
		if i > 0 {
			inputs26 += ","
		}
		inputs26 += fmt.Sprintf(`"k%d":%d`, i, i)
	}
	inputs26 += "}"
	wf := func(i *Inputs) { i.EventType, i.ClientPayload, i.Workflow = "", "", "deploy.yml" }
	tests := []struct {
		name  string
		edit  func(*Inputs)
		input string
		rule  string
	}{
		{"wait value", func(i *Inputs) { i.Wait = "finished" }, "wait", "not one of none, started, completed"},
		{"wait-timeout", func(i *Inputs) { i.Wait = "started"; i.WaitTimeout = "soon" }, "wait-timeout", "not a duration"},
		{"fail-on-conclusion", func(i *Inputs) { i.FailOnConclusion = "sometimes" }, "fail-on-conclusion", "not a boolean"},
		{"timeout shorter than the wait", func(i *Inputs) { i.Wait = "completed"; i.Timeout = "10m" }, "timeout", `not longer than input "wait-timeout"`},
		{"ten properties leave no room for the ID", func(i *Inputs) { i.Wait = "started"; i.ClientPayload = props(10) }, "client-payload", "use at most 9"},
		{"distinct_id not a string", func(i *Inputs) { i.Wait = "started"; i.ClientPayload = `{"distinct_id":1}` }, "client-payload", "not a non-empty string"},
		{"workflow name with a control character", func(i *Inputs) { wf(i); i.Workflow = "Deploy\napp" }, "workflow", "no control characters"},
		{"run-id with event-type", func(i *Inputs) { i.RunID = "42"; i.ClientPayload = "" }, "event-type", "cannot be used together with run-id"},
		{"run-id not a number", func(i *Inputs) { i.RunID = "latest"; i.EventType = ""; i.ClientPayload = "" }, "run-id", "not a run ID"},
		{"outputs-artifact without waiting", func(i *Inputs) { i.OutputsArtifact = "dispatch-outputs" }, "outputs-artifact", "needs wait: completed"},
		{"outputs-artifact with a slash", func(i *Inputs) { i.Wait = "completed"; i.OutputsArtifact = "a/b" }, "outputs-artifact", "cannot have"},
		{"log-lines too many", func(i *Inputs) { i.LogLines = "501" }, "log-lines", "out of range"},
		{"cancel-run not one of its values", func(i *Inputs) { i.CancelRun = "maybe" }, "cancel-run", `"maybe" is not one of never, on-abort, on-failure`},
		{"cancel-run on-failure without fail-fast", func(i *Inputs) { i.Wait = "completed"; i.CancelRun = "on-abort, on-failure" }, "cancel-run", "which needs fail-fast"},
		{"workflow in another folder", func(i *Inputs) { wf(i); i.Workflow = "ci/deploy.yml" }, "workflow", "file name"},
		{"workflow and event-type", func(i *Inputs) { wf(i); i.EventType = "e" }, "event-type", "cannot be used together with workflow"},
		{"workflow and client-payload", func(i *Inputs) { wf(i); i.ClientPayload = `{"a":1}` }, "client-payload", "with workflow, pass the workflow's inputs in inputs"},
		{"inputs nested", func(i *Inputs) { wf(i); i.WorkflowInputs = `{"a":{"b":1}}` }, "inputs", "strings, numbers or booleans"},
		{"inputs null", func(i *Inputs) { wf(i); i.WorkflowInputs = `{"a":null}` }, "inputs", "strings, numbers or booleans"},
		{"inputs array", func(i *Inputs) { wf(i); i.WorkflowInputs = `[1]` }, "inputs", "must be a JSON object"},
		{"26 inputs", func(i *Inputs) { wf(i); i.WorkflowInputs = inputs26 }, "inputs", "26 top-level properties"},
		{"inputs too long", func(i *Inputs) { wf(i); i.WorkflowInputs = `{"a":"` + strings.Repeat("x", 65535) + `"}` }, "inputs", "characters long"},
		{"ref with space", func(i *Inputs) { wf(i); i.Ref = "my branch" }, "ref", "cannot have"},
		{"ref with dot-dot", func(i *Inputs) { wf(i); i.Ref = "a..b" }, "ref", "not a valid branch"},
		{"ref without workflow", func(i *Inputs) { i.Ref = "main" }, "ref", "needs workflow"},
		{"inputs without workflow", func(i *Inputs) { i.WorkflowInputs = `{"a":"b"}` }, "inputs", "needs workflow"},
		{"event-type nor workflow", func(i *Inputs) { i.EventType = "" }, "event-type", "or set workflow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := valid()
			in.DistinctID = "abc"
			tt.edit(&in)
			_, ps := Build(ActionMode, in)
			if len(ps) != 1 || ps[0].Input != tt.input || !strings.Contains(ps[0].Rule, tt.rule) {
				t.Errorf("problems %v, want one on %s containing %q", ps, tt.input, tt.rule)
			}
		})
	}
}

func TestBuildTargetsAndApp(t *testing.T) {
	t.Parallel()
	in := valid()
	in.Repository = "octo/a\nhttps://github.com/octo/b, octo/A\n\n  other/c  ,octo/b"
	in.Concurrency = "20"
	c, ps := Build(ActionMode, in)
	if ps != nil {
		t.Fatal(ps)
	}
	var got []string
	for _, r := range c.Repos() {
		got = append(got, r.String())
	}
	if strings.Join(got, " ") != "octo/a octo/b other/c" || c.Concurrency != 20 || c.App != nil || c.Token == "" {
		t.Errorf("targets %v, concurrency %d", got, c.Concurrency)
	}

	for _, tc := range []struct {
		name  string
		edit  func(*Inputs)
		input string
		rule  string
	}{
		{"a bad entry among good ones", func(i *Inputs) { i.Repository = "octo/a\nnot a repo\nocto/b" }, "repository", `"not a repo"`},
		{"only separators", func(i *Inputs) { i.Repository = " , \n ," }, "repository", "is empty"},
		{"concurrency zero", func(i *Inputs) { i.Concurrency = "0" }, "concurrency", "out of range"},
		{"concurrency 21", func(i *Inputs) { i.Concurrency = "21" }, "concurrency", "use 1 to 20"},
		{"concurrency word", func(i *Inputs) { i.Concurrency = "many" }, "concurrency", "not a whole number"},
		{"app id without key", func(i *Inputs) { i.AppID = "1" }, "app-private-key", "a GitHub App needs both"},
		{"key without app id", func(i *Inputs) { i.AppPrivateKey = "-----BEGIN" }, "app-id", "a GitHub App needs both"},
		{"key not PEM", func(i *Inputs) { i.AppID, i.AppPrivateKey = "1", "secret" }, "app-private-key", "is not a PEM key"},
	} {
		in := valid()
		tc.edit(&in)
		_, ps := Build(ActionMode, in)
		if len(ps) != 1 || ps[0].Input != tc.input || !strings.Contains(ps[0].Rule, tc.rule) {
			t.Errorf("%s: problems %v, want one on %s with %q", tc.name, ps, tc.input, tc.rule)
		}
	}
}

// Left empty, timeout fits the work: a second per target of the busiest credential plus a
// margin, at least 5 minutes, plus wait-timeout when waiting.
func TestDefaultTimeoutFitsTheWork(t *testing.T) {
	t.Parallel()
	targets := func(owners map[string]int) string {
		var list []string
		for o, n := range owners {
			for i := range n {
				list = append(list, fmt.Sprintf("%s/r%d", o, i))
			}
		}
		return strings.Join(list, ",")
	}
	for _, tc := range []struct {
		name string
		edit func(*Inputs)
		want time.Duration
	}{
		{"one target", func(*Inputs) {}, 5 * time.Minute},
		{"400 targets, one token", func(i *Inputs) { i.Repository = targets(map[string]int{"a": 200, "b": 200}) }, 400*time.Second + 2*time.Minute},
		{"400 targets, an App: the busiest owner counts", func(i *Inputs) {
			i.Repository = targets(map[string]int{"a": 250, "b": 150})
			i.AppID, i.AppPrivateKey = "1", "not checked here"
		}, 250*time.Second + 2*time.Minute},
		{"waiting adds wait-timeout", func(i *Inputs) { i.Wait, i.WaitTimeout = "completed", "10m" }, 15 * time.Minute},
	} {
		in := valid()
		tc.edit(&in)
		b := &builder{mode: ActionMode, in: in, c: &Config{}}
		b.wait()
		b.oneEvent()
		if got := b.fittingTimeout(); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

// TestActionDeclaresEveryInput: action.yml declares exactly the inputs the action reads.
func TestActionDeclaresEveryInput(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var action struct {
		Inputs map[string]any `yaml:"inputs"`
	}
	if err := yaml.Unmarshal(data, &action); err != nil {
		t.Fatal(err)
	}
	var in Inputs
	for name := range in.fields() {
		if _, ok := action.Inputs[name]; !ok {
			t.Errorf("input %q is read but not in action.yml", name)
		}
	}
	for name := range action.Inputs {
		if _, ok := in.fields()[name]; !ok {
			t.Errorf("action.yml declares %q, which the action does not read", name)
		}
		if _, gone := removed[name]; gone {
			t.Errorf("action.yml declares %q, which was removed", name)
		}
	}
	if len(action.Inputs) > MaxInputs {
		t.Errorf("action.yml declares %d inputs: at most %d, a surface learnt in five minutes", len(action.Inputs), MaxInputs)
	}
}

// Every input removed before v1 is a problem naming its replacement, in each mode's
// words; the replacement exists, and the old name is not an input any more.
func TestRemovedInputsNameTheirReplacement(t *testing.T) {
	t.Parallel()
	var in Inputs
	for name, r := range removed {
		if _, ok := in.fields()[r.input]; !ok {
			t.Errorf("%s: its replacement %q is no input", name, r.input)
		}
		if _, ok := in.fields()[name]; ok {
			t.Errorf("%s is still an input", name)
		}
	}
	for _, tc := range []struct {
		mode        Mode
		name, value string
		want        string
	}{
		{ActionMode, "client-id", "Iv23abc", `input "client-id": was removed before v1: use input "app-id" (which takes the App's client ID as well as its App ID)`},
		{ActionMode, "cancel-run-on-abort", "true", `input "cancel-run-on-abort": was removed before v1: use cancel-run: on-abort`},
		{CLIMode, "cancel-run-on-failure", "true", "--cancel-run-on-failure: was removed before v1: use --cancel-run on-failure"},
		{ActionMode, "inputs-file", "in.json", `input "inputs-file": was removed before v1: use inputs: @PATH (a value starting with @ is a file to read, as in gh)`},
		{CLIMode, "client-payload-file", "p.json", "--client-payload-file: was removed before v1: use --client-payload @PATH"},
		{CLIMode, "app-private-key-file", "k.pem", "--app-private-key-file: was removed before v1: use --app-private-key @PATH"},
		{ActionMode, "status-sha", "abc", `input "status-sha": was removed before v1: use status-commit: SHA`},
		{ActionMode, "status-repository", "o/r", `input "status-repository": was removed before v1: use status-commit: OWNER/REPO@SHA`},
	} {
		in := valid()
		in.remove(tc.name, tc.value)
		_, ps := Build(tc.mode, in)
		if len(ps) != 1 || ps[0].Error() != tc.want && !strings.HasPrefix(ps[0].Error(), tc.want) {
			t.Errorf("%s: %v\nwant %s", tc.name, ps, tc.want)
		}
	}
}

// The action reads a removed input the runner still passes (it passes every input given,
// declared or not), and the CLI knows the removed flags, so both can name the replacement.
func TestRemovedInputsAreRead(t *testing.T) {
	t.Parallel()
	in := ActionInputs(func(name string) string { return map[string]string{"client-id": "Iv23x", "repository": "o/r"}[name] }, func(string) string { return "" })
	if in.Removed["client-id"] != "Iv23x" {
		t.Errorf("action: %v", in.Removed)
	}
	var cli Inputs
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	cli.Flags(fs)
	if err := fs.Parse([]string{"--cancel-run-on-abort", "--status-sha", "abc"}); err != nil || cli.Removed["cancel-run-on-abort"] != "true" || cli.Removed["status-sha"] != "abc" {
		t.Errorf("cli: %v %v", cli.Removed, err)
	}
}
