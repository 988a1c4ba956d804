package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

// The bad-input matrix: in both modes, a bad value of every input exits 2 with an error
// naming the input (or flag), and the fake receives nothing. One case per input proves
// the wiring; config's own tests prove each rule.
func TestBadInputMatrix(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	unreadable := filepath.Join(dir, "unreadable.json")
	if err := os.WriteFile(unreadable, []byte("{}"), 0o000); err != nil {
		t.Fatal(err)
	}
	if f, err := os.Open(unreadable); err == nil { // root reads anything: use a directory instead
		_ = f.Close()
		unreadable = dir
	}

	type tc struct {
		name  string
		input string // the input that must be named
		value string // its bad value
		rule  string // a fragment of the rule
	}
	cases := []tc{
		{"malformed JSON", "client-payload", `{"a":`, "not valid JSON"},
		{"empty event type", "event-type", "", "is required"},
		{"repository without owner", "repository", "data", "owner/name"},
		{"token with whitespace", "token", "ghp_abc def", "whitespace"},
		{"timeout without unit", "timeout", "300", "no unit"},
		{"non-numeric attempts", "max-attempts", "three", "not a whole number"},
		{"http api-url to a remote host", "api-url", "http://github.example.com/api/v3", "only https"},
		{"dry-run not a boolean", "dry-run", "perhaps", "not a boolean"},
		{"wait not a known value", "wait", "done", "not one of none, started, completed"},
		{"wait-timeout not a duration", "wait-timeout", "half an hour", "not a duration"},
		{"fail-on-conclusion not a boolean", "fail-on-conclusion", "sometimes", "not a boolean"},
		{"ref without workflow", "ref", "main", "needs workflow"},
		{"inputs without workflow", "inputs", `{"env":"prod"}`, "needs workflow"},
		{"workflow name with a control character", "workflow", "Deploy\tapp", "no control characters"},
		{"run-id not a number", "run-id", "latest", "not a run ID"},
		{"log-lines not a number", "log-lines", "all", "not a whole number"},
		{"outputs-artifact without waiting", "outputs-artifact", "dispatch-outputs", "needs wait: completed"},
		{"repository URL of another server", "repository", "https://ghes.corp.example/octo/data", "is a repository on ghes.corp.example, but"},
		{"api-url with credentials", "api-url", "https://octocat:ghp_SECRET0123456789@api.github.com", `"https://…@api.github.com" has credentials`},
	}
	for _, mode := range []string{"action", "cli"} {
		for _, c := range cases {
			if mode == "cli" && c.input == "dry-run" {
				continue // a CLI boolean flag: its own parser refuses "perhaps" (below)
			}
			t.Run(mode+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				f := githubfake.Standard(t, nil)
				inputs := map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "event-type": "e", "api-url": f.URL()}
				inputs[c.input] = c.value
				if c.input == "workflow" {
					delete(inputs, "event-type")
				}
				if mode == "action" {
					run := runActionMode(t, inputs, nil)
					checkBadInput(t, f.Requests(), run.code, run.stdout, `input "`+c.input+`": `, c.rule)
					if strings.Contains(run.stdout, "SECRET") || strings.Contains(run.summary, "SECRET") || strings.Contains(run.stdout, "octocat") {
						t.Errorf("credentials printed:\n%s", run.stdout)
					}
					return
				}
				env := map[string]string{"GITHUB_TOKEN": inputs["token"]}
				var args []string
				for _, name := range []string{"repository", "event-type", "client-payload", "api-url", "timeout", "max-attempts",
					"wait", "wait-timeout", "ref", "inputs", "workflow", "run-id", "log-lines", "outputs-artifact"} {
					if v, ok := inputs[name]; ok {
						args = append(args, "--"+name, v)
					}
				}
				if v, ok := inputs["fail-on-conclusion"]; ok {
					args = append(args, "--fail-on-conclusion="+v)
				}
				run := runCLIMode(t, env, append([]string{"trigger"}, args...)...)
				label := "--" + c.input + ": "
				if c.input == "token" {
					label = "token (GH_TOKEN or GITHUB_TOKEN): "
				}
				checkBadInput(t, f.Requests(), run.code, run.stderr, label, c.rule)
				if strings.Contains(run.stderr+run.stdout, "SECRET") || strings.Contains(run.stderr, "octocat") {
					t.Errorf("credentials printed:\n%s", run.stderr)
				}
			})
		}
	}

	// CLI-only inputs.
	cli := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"missing token", map[string]string{}, []string{"--repository", "octo/data", "--event-type", "e"}, "token (GH_TOKEN or GITHUB_TOKEN): is not set"},
		{"unreadable payload file", nil, []string{"--repository", "octo/data", "--event-type", "e", "--client-payload", "@" + unreadable}, "--client-payload: cannot be read"},
		{"the removed payload file flag", nil, []string{"--repository", "octo/data", "--event-type", "e", "--client-payload-file", unreadable}, "--client-payload-file: was removed before v1: use --client-payload @PATH"},
		{"dry-run with a value", nil, []string{"--repository", "octo/data", "--event-type", "e", "--dry-run=perhaps"}, `--dry-run: "perhaps" is not a boolean`},
		{"unknown flag", nil, []string{"--repositori", "octo/data"}, "--repositori: there is no such flag; did you mean --repository?"},
	}
	for _, c := range cli {
		t.Run("cli/"+c.name, func(t *testing.T) {
			t.Parallel()
			f := githubfake.Standard(t, nil)
			env := c.env
			if env == nil {
				env = map[string]string{"GITHUB_TOKEN": githubfake.TestToken}
			}
			env["GITHUB_API_URL"] = f.URL()
			run := runCLIMode(t, env, append([]string{"trigger"}, c.args...)...)
			checkBadInput(t, f.Requests(), run.code, run.stderr, "", c.want)
		})
	}

	// Action-only: the runner does not enforce required inputs, the binary does.
	t.Run("action/missing token and event type", func(t *testing.T) {
		t.Parallel()
		f := githubfake.Standard(t, nil)
		run := runActionMode(t, map[string]string{"repository": "octo/data", "api-url": f.URL()}, nil)
		checkBadInput(t, f.Requests(), run.code, run.stdout, `input "token": `, "is empty")
		if !strings.Contains(run.stdout, `input "event-type": is required`) {
			t.Errorf("event-type not reported:\n%s", run.stdout)
		}
	})
}

func checkBadInput[R any](t *testing.T, received []R, code int, out, label, rule string) {
	t.Helper()
	if code != ExitBadInput {
		t.Errorf("exit %d, want 2", code)
	}
	if !strings.Contains(out, label+rule) && !(strings.Contains(out, label) && strings.Contains(out, rule)) {
		t.Errorf("output lacks %q … %q:\n%s", label, rule, out)
	}
	if len(received) != 0 {
		t.Errorf("the fake received %d requests", len(received))
	}
	if strings.Contains(out, githubfake.TestToken) && !strings.HasPrefix(out, "::add-mask::"+githubfake.TestToken) {
		t.Errorf("token printed:\n%s", out)
	}
}

// Cancelling the run (the runner's SIGTERM, Ctrl-C) while it waits to retry ends it at
// once, exit 1, with the outputs saying it failed and what is known: GitHub answered 503,
// which may come after it processed the event.
func TestActionCancelledWhileWaiting(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	f.Script(githubfake.Fault{Status: 503})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	vars := map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": filepath.Join(dir, "out"), "GITHUB_STEP_SUMMARY": filepath.Join(dir, "sum"),
		"INPUT_TOKEN": githubfake.TestToken, "INPUT_REPOSITORY": "octo/data", "INPUT_EVENT-TYPE": "e", "INPUT_API-URL": f.URL(), "INPUT_TIMEOUT": "2h",
	}
	var stdout strings.Builder
	rn := testRunner(func(k string) string { return vars[k] }, &stdout, &stdout)
	rn.clock = signalWhileSleeping{Clock: githubfake.NewClock(), cancel: cancel}
	code := rn.run(ctx, nil)
	if code != ExitFailed || !strings.Contains(stdout.String(), "GitHub answered 503 Service Unavailable, and cancelled before the request was sent again: the event may have been accepted") ||
		!strings.Contains(stdout.String(), "retrying in") {
		t.Errorf("exit %d\n%s", code, stdout.String())
	}
	b, _ := os.ReadFile(vars["GITHUB_OUTPUT"])
	if !strings.Contains(string(b), `"status":"failed"`) {
		t.Errorf("outputs do not report the failure:\n%s", b)
	}
	if len(f.Dispatches()) != 0 || len(f.Requests()) != 1 {
		t.Errorf("%d requests, %d delivered; want 1 and 0", len(f.Requests()), len(f.Dispatches()))
	}
}

// signalWhileSleeping cancels the run as soon as the policy starts to wait, as a signal
// arriving during the wait would.
type signalWhileSleeping struct {
	*githubfake.Clock
	cancel context.CancelFunc
}

func (c signalWhileSleeping) Sleep(ctx context.Context, d time.Duration) error {
	c.cancel()
	return c.Clock.Sleep(ctx, d)
}
