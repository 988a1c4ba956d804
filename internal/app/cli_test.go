package app

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

func TestCLIDispatches(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	payload := filepath.Join(t.TempDir(), "payload.json")
	if err := os.WriteFile(payload, []byte(`{"from": "file"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	run := runCLIMode(t, map[string]string{"GH_TOKEN": githubfake.TestToken},
		"trigger", "--repository", "octo/data", "--event-type", "fetch-meetup-data", "--client-payload", "@"+payload, "--api-url", f.URL())
	if run.code != ExitOK {
		t.Fatalf("exit %d\n%s%s", run.code, run.stdout, run.stderr)
	}
	ds := f.Dispatches()
	if len(ds) != 1 || string(ds[0].ClientPayload) != `{"from":"file"}` || ds[0].EventType != "fetch-meetup-data" {
		t.Fatalf("fake accepted %+v", ds)
	}
	want := `Dispatched "fetch-meetup-data" to octo/data: GitHub answered 204 (request ID ` + ds[0].RequestID + ")\n"
	audit := `octo/data "fetch-meetup-data" attempt 1/5: 204 No Content, request ID ` + ds[0].RequestID + ", took "
	if run.stdout != want || !strings.HasPrefix(run.stderr, audit) || strings.Count(run.stderr, "\n") != 1 {
		t.Errorf("stdout %q stderr %q, want %q and one line %q…", run.stdout, run.stderr, want, audit)
	}
	if got := f.Requests()[0].Header.Get("Authorization"); got != "Bearer "+githubfake.TestToken {
		t.Errorf("Authorization %q", got)
	}
}

func TestCLIJSON(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	f.SetServer(githubfake.GHES318)
	run := runCLIMode(t, map[string]string{"GITHUB_TOKEN": githubfake.TestToken, "GITHUB_API_URL": f.URL()},
		"trigger", "--repository", "octo/data", "--event-type", "e", "--json")
	if run.code != ExitOK {
		t.Fatalf("exit %d\n%s", run.code, run.stderr)
	}
	var results []map[string]any
	if err := json.Unmarshal([]byte(run.stdout), &results); err != nil || len(results) != 1 || results[0]["status"] != "dispatched" {
		t.Fatalf("stdout %q: %v", run.stdout, err)
	}
	if p := f.Requests()[0].Path; p != "/repos/octo/data/dispatches" || len(f.Dispatches()) != 1 {
		t.Errorf("request path %q", p)
	}
}

// The README's first command: a dry run with no token prints the exact request.
func TestCLIDryRunWithoutToken(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	run := runCLIMode(t, nil, "trigger", "--repository", "octo/data", "--event-type", "fetch-meetup-data",
		"--client-payload", `{"source": "readme"}`, "--api-url", f.URL(), "--dry-run")
	if run.code != ExitOK {
		t.Fatalf("exit %d\n%s", run.code, run.stderr)
	}
	want := "Dry run: nothing was sent. This is the exact request:\n\n" +
		"POST " + f.URL() + "/repos/octo/data/dispatches\n" +
		"Accept: application/vnd.github.v3+json\n" +
		"Content-Type: application/json\n" +
		"User-Agent: dispatch-action/dev\n" +
		"X-Github-Api-Version: 2022-11-28\n" +
		"Authorization: (none: no token is set; a real run needs one)\n" +
		"Content-Length: 72\n\n" +
		`{"event_type":"fetch-meetup-data","client_payload":{"source":"readme"}}` + "\n"
	if run.stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", run.stdout, want)
	}
	if n := len(f.Requests()); n != 0 {
		t.Errorf("dry run sent %d requests", n)
	}
}

func TestCLIUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no arguments outside actions", nil, "no command given"},
		{"unknown command", []string{"send"}, `unknown command "send"`},
		{"unknown flag", []string{"trigger", "--repositori", "octo/data"}, "--repositori: there is no such flag; did you mean --repository?"},
		{"flag without value", []string{"trigger", "--event-type"}, "flag needs an argument"},
		{"a second positional argument", []string{"trigger", "deploy.yml", "octo/data"}, `unexpected argument "octo/data": the only one is the workflow`},
		{"the workflow twice", []string{"trigger", "deploy.yml", "--workflow", "ci.yml"}, `the workflow is given twice, as "deploy.yml" and --workflow "ci.yml"`},
		{"a flag twice", []string{"trigger", "deploy.yml", "-R", "octo/data", "--ref", "main", "--ref", "dev"}, `--ref: is given 2 times ("main", "dev"): give it once`},
		{"a field twice", []string{"trigger", "deploy.yml", "-R", "octo/data", "-f", "env=a", "-F", "env=b"}, `--inputs: has the field "env" twice`},
		{"fields and JSON", []string{"trigger", "-R", "octo/data", "--event-type", "e", "-f", "a=1", "--client-payload", `{"b":2}`}, "--client-payload: is given, and so are -f/-F fields"},
		{"a field without =", []string{"trigger", "-R", "octo/data", "--event-type", "e", "-f", "a"}, `"a" is not key=value`},
		{"bad dry-run value", []string{"trigger", "--dry-run=maybe"}, `--dry-run: "maybe" is not a boolean`},
		{"missing repository and event", []string{"trigger"}, "--repository: is empty"},
		{"missing token", []string{"trigger", "--repository", "octo/data", "--event-type", "e"}, "export GH_TOKEN (or GITHUB_TOKEN)"},
		{"payload file not JSON", []string{"trigger", "--repository", "octo/data", "--event-type", "e", "--client-payload", "@cli_test.go"}, "--client-payload: "},
		{"a removed flag", []string{"trigger", "--repository", "octo/data", "--event-type", "e", "--client-payload-file", "p.json"}, "--client-payload-file: was removed before v1: use --client-payload @PATH"},
		{"payload not an object", []string{"trigger", "--repository", "octo/data", "--event-type", "e", "--client-payload", "[]"}, "--client-payload: must be a JSON object"},
		{"http api url", []string{"trigger", "--repository", "octo/data", "--event-type", "e", "--api-url", "http://github.example.com"}, "--api-url: \"http://github.example.com\" uses http"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := githubfake.Standard(t, nil)
			env := map[string]string{"GITHUB_API_URL": f.URL()}
			if tt.name != "missing token" && tt.name != "missing repository and event" {
				env["GITHUB_TOKEN"] = githubfake.TestToken
			}
			run := runCLIMode(t, env, tt.args...)
			if run.code != ExitBadInput {
				t.Fatalf("exit %d, want 2\n%s", run.code, run.stderr)
			}
			if !strings.Contains(run.stderr, tt.want) {
				t.Errorf("stderr lacks %q:\n%s", tt.want, run.stderr)
			}
			if n := len(f.Requests()); n != 0 {
				t.Errorf("fake received %d requests", n)
			}
		})
	}
}

// CLI hints speak shell, not workflow YAML.
func TestCLIFailureHint(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	run := runCLIMode(t, map[string]string{"GITHUB_TOKEN": githubfake.TestToken, "GITHUB_API_URL": f.URL()},
		"trigger", "--repository", "octo/missing", "--event-type", "e")
	if run.code != ExitFailed {
		t.Fatalf("exit %d", run.code)
	}
	// The fake numbers its request IDs: the first answer's is FAKE:0001:001EEF.
	want := "error: dispatch to octo/missing \"e\" failed: GitHub answered 404 Not Found: Not Found (request ID FAKE:0001:001EEF)\nhint: "
	if !strings.Contains(run.stderr, want) || !strings.Contains(run.stderr, "export GITHUB_TOKEN=") || strings.Contains(run.stderr, "secrets.") {
		t.Errorf("stderr:\n%s", run.stderr)
	}
	if strings.Contains(run.stderr+run.stdout, githubfake.TestToken) {
		t.Error("token printed")
	}
}

func TestCLIUnreachableAPI(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	url := f.URL()
	f.Close() // nothing listens there any more
	run := runCLIMode(t, map[string]string{"GITHUB_TOKEN": githubfake.TestToken}, "trigger", "--repository", "octo/data", "--event-type", "e", "--api-url", url)
	if run.code != ExitFailed || !strings.Contains(run.stderr, "no answer from GitHub") || !strings.Contains(run.stderr, "--api-url") {
		t.Errorf("exit %d\n%s", run.code, run.stderr)
	}
}

// The help is printed by every way of asking for it, and it documents exactly the flags
// trigger takes: every flag registered appears in it, and it names no flag that is not.
func TestHelpDocumentsEveryFlag(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}, {"trigger", "-h"}, {"watch", "--help"}} {
		run := runCLIMode(t, nil, args...)
		if run.code != ExitOK || run.stdout != helpText() {
			t.Errorf("%v: exit %d, printed %d bytes of help", args, run.code, len(run.stdout))
		}
	}
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	var in config.Inputs
	in.Flags(fs)
	fs.Bool("json", false, "")
	registered := map[string]bool{}
	fs.VisitAll(func(f *flag.Flag) { registered[f.Name] = true })
	documented := map[string]bool{}
	for _, m := range regexp.MustCompile(`--([a-z][a-z-]*[a-z])|(?:^|[ ,])-([a-zA-Z])[ ,]`).FindAllStringSubmatch(helpText(), -1) {
		documented[m[1]+m[2]] = true
	}
	for name := range registered {
		if !documented[name] && !config.IsRemoved(name) {
			t.Errorf("flag --%s is not in the help", name)
		}
	}
	for name := range documented {
		if !registered[name] && name != "help" || config.IsRemoved(name) {
			t.Errorf("the help names --%s, which trigger does not take", name)
		}
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	run := runCLIMode(t, nil, "version")
	if run.code != ExitOK || run.stdout != "dispatch dev\n" {
		t.Errorf("exit %d, %q", run.code, run.stdout)
	}
}

// A dry run to several targets prints each request once, in input order.
func TestCLIDryRunManyTargets(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	run := runCLIMode(t, nil, "trigger", "--repository", "octo/a,octo/b,octo/c", "--event-type", "e", "--api-url", f.URL(), "--dry-run")
	if run.code != ExitOK || len(f.Requests()) != 0 {
		t.Fatalf("exit %d, %d requests\n%s", run.code, len(f.Requests()), run.stderr)
	}
	a, b, c := strings.Index(run.stdout, "/repos/octo/a/"), strings.Index(run.stdout, "/repos/octo/b/"), strings.Index(run.stdout, "/repos/octo/c/")
	if strings.Count(run.stdout, "POST ") != 3 || a < 0 || b < a || c < b || strings.Count(run.stdout, "Dry run") != 1 {
		t.Errorf("stdout:\n%s", run.stdout)
	}
}

// Parsing a command's arguments touches no network: flags become inputs named like the
// action's, the token and the App's key come from the environment, never a flag.
func TestParseTriggerAndWatch(t *testing.T) {
	t.Parallel()
	env := map[string]string{"GH_TOKEN": "ghp_fromenv", "GITHUB_APP_PRIVATE_KEY": "PEM", "GITHUB_API_URL": "https://ghes.example/api/v3",
		"GITHUB_SERVER_URL": "https://ghes.example"}
	rn := runner{getenv: func(k string) string { return env[k] }, newID: func() string { return "id-1" }}
	o, err := parseTrigger(rn, []string{"--repository", "octo/data", "--workflow", "Deploy app", "--inputs", `{"a":1}`,
		"--wait", "completed", "--fail-on-conclusion=false", "--dry-run", "--json"})
	in := o.in
	if err != nil || in.Repository != "octo/data" || in.Workflow != "Deploy app" || in.WorkflowInputs != `{"a":1}` || in.Wait != "completed" ||
		in.FailOnConclusion != "false" || in.DryRun != "true" || !o.asJSON || in.Token != "ghp_fromenv" || in.AppPrivateKey != "PEM" ||
		in.APIURL != "https://ghes.example/api/v3" || in.Caller.ServerURL != "https://ghes.example" || in.DistinctID != "id-1" || o.help {
		t.Errorf("%v: %+v", err, o)
	}
	if o, _ := parseTrigger(rn, []string{"--api-url", "https://proxy.example", "--app-private-key", "@k.pem"}); o.in.APIURL != "https://proxy.example" || o.in.AppPrivateKey != "@k.pem" || o.in.KeyFromEnv {
		t.Errorf("a flag wins over the environment; a key file over GITHUB_APP_PRIVATE_KEY: %+v", o.in)
	}
	for _, tc := range []struct {
		parse func(runner, []string) (cliOptions, error)
		args  []string
		err   string
	}{
		{parseTrigger, []string{"--repositori", "x"}, "--repositori: there is no such flag; did you mean --repository?"},
		{parseTrigger, []string{"--repository", "x", "deploy.yml", "extra"}, `unexpected argument "extra"`},
		{parseTrigger, []string{"--token", "ghp_x"}, "--token: there is no such flag: the token is read from GH_TOKEN"},
		{parseWatch, []string{"--repository", "x"}, "--run-id: watch needs the ID of the run to follow"},
	} {
		if _, err := tc.parse(rn, tc.args); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.err)
		}
	}
	for _, parse := range []func(runner, []string) (cliOptions, error){parseTrigger, parseWatch} {
		if o, err := parse(rn, []string{"-h"}); err != nil || !o.help {
			t.Errorf("-h: %v %+v", err, o)
		}
	}
}

// Every command of the table is in the help's usage, and answers to its name and aliases.
func TestCommandsTable(t *testing.T) {
	t.Parallel()
	for _, c := range commands {
		for _, u := range c.usage {
			if !strings.Contains(helpText(), "  "+u+"\n") {
				t.Errorf("%s: usage %q is not in the help", c.name, u)
			}
		}
		for _, name := range append([]string{c.name}, c.aliases...) {
			if got, ok := commandNamed(name); !ok || got.name != c.name {
				t.Errorf("%q does not name %s", name, c.name)
			}
		}
	}
	if _, ok := commandNamed("deploy"); ok {
		t.Error("an unknown command found")
	}
}

// TestTheCLISpeaksItsOwnVocabulary: errors name the flags and variables the CLI has.
func TestTheCLISpeaksItsOwnVocabulary(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"trigger", "--token", "x"}, "--token: there is no such flag: the token is read from GH_TOKEN (or GITHUB_TOKEN), never from a flag"},
		{nil, []string{"trigger", "--repositry", "octo/data"}, "--repositry: there is no such flag; did you mean --repository?"},
		{map[string]string{"GH_TOKEN": githubfake.TestToken}, []string{"trigger", "--repository", "octo/data", "--event-type", "e", "--app-id", "1", "--app-private-key", "x"},
			"--app-private-key (or GITHUB_APP_PRIVATE_KEY): takes @PATH, a file holding the key, or the key in GITHUB_APP_PRIVATE_KEY"},
		{nil, []string{"trigger", "--zzzzzzzzzzzz"}, "--zzzzzzzzzzzz: there is no such flag (run 'dispatch help' for the flags)"},
		{map[string]string{"GH_TOKEN": githubfake.TestToken}, []string{"trigger", "--repository", "octo/data", "--event-type", "e", "--app-id", "123"},
			"--app-private-key (or GITHUB_APP_PRIVATE_KEY): is empty, but --app-id is set"},
		{nil, []string{"watch", "--repository", "octo/data", "--run-id", "5"}, "with a token that may read the repository's Actions (Actions: read)"},
	} {
		run := runCLIMode(t, tc.env, tc.args...)
		if run.code != ExitBadInput || !strings.Contains(run.stderr, tc.want) || strings.Contains(run.stderr, "use --dry-run") && tc.args[0] == "watch" {
			t.Errorf("%v: exit %d\n%s", tc.args, run.code, run.stderr)
		}
	}
}

// Each distinct ID is 24 hex digits (96 bits) and none repeats: it is how a waiting step
// tells its run from another's.
func TestDistinctIDsAreFreshHex(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 10000 {
		id := newDistinctID()
		if len(id) != 24 || strings.Trim(id, "0123456789abcdef") != "" || seen[id] {
			t.Fatalf("ID %q (seen before: %v)", id, seen[id])
		}
		seen[id] = true
	}
}

// The CLI takes gh's habits: the workflow as its argument (flags before or after it), -R
// and --repo for the repository (given twice: two targets), -f for a string field and -F
// for a typed one (true, false, null, a number, @PATH: a file's contents), as gh workflow
// run and gh api take them; what the fake received is exactly that.
func TestTheCLITakesGhsHabits(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	f.AddRepo("octo/site")
	for _, repo := range []string{"octo/data", "octo/site"} {
		f.AddWorkflow(repo, githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true, Inputs: []string{"env", "count", "dry", "notes"},
			InputSpecs: map[string]githubfake.Input{"count": {Type: "number"}, "dry": {Type: "boolean"}}})
	}
	notes := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(notes, []byte("from a file"), 0o600); err != nil {
		t.Fatal(err)
	}
	run := runCLIMode(t, map[string]string{"GH_TOKEN": githubfake.TestToken}, "trigger", "-R", "octo/data", "deploy.yml", "--repo", "octo/site",
		"--ref", "main", "-f", "env=prod", "-F", "count=3", "-F", "dry=true", "--field", "notes=@"+notes, "--api-url", f.URL(), "--preflight", "check")
	if run.code != ExitOK {
		t.Fatalf("exit %d\n%s", run.code, run.stderr)
	}
	var bodies []string
	for _, r := range f.Requests() {
		if r.Method == "POST" {
			bodies = append(bodies, r.Path+" "+strings.TrimSpace(string(r.Body)))
		}
	}
	want := `{"ref":"main","inputs":{"env":"prod","count":3,"dry":true,"notes":"from a file"}}`
	slices.Sort(bodies) // the two targets go at once, in either order
	if len(bodies) != 2 || !strings.HasSuffix(bodies[0], want) || !strings.HasSuffix(bodies[1], want) ||
		!strings.Contains(bodies[0], "/octo/data/") || !strings.Contains(bodies[1], "/octo/site/") {
		t.Errorf("sent %q\nwant each %s", bodies, want)
	}
	payload := runCLIMode(t, map[string]string{"GH_TOKEN": githubfake.TestToken}, "trigger", "-R", "octo/data", "--event-type", "e",
		"-f", "n=1", "-F", "ok=false", "-F", "none=null", "--api-url", f.URL())
	if ds := f.Dispatches(); payload.code != ExitOK || len(ds) != 1 || string(ds[0].ClientPayload) != `{"n":"1","ok":false,"none":null}` {
		t.Errorf("exit %d, %+v\n%s", payload.code, ds, payload.stderr)
	}
}
