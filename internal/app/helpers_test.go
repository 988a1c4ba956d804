package app

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/MrSunshyne/dispatch-action/internal/actionio"
	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

// testRunner runs with a virtual clock (waits before retries cost nothing), unpaced, and
// the production attempt timeout: on a busy machine (-race, other processes) an answer can
// take seconds to read, and a slow answer is not the failure under test (the pipeline's
// own tests hold the timeouts, the pace and the clean-up's budget).
func testRunner(getenv func(string) string, stdout, stderr io.Writer) runner {
	withDefaults := func(k string) string {
		if v := getenv(k); v != "" || k != "INPUT_PREFLIGHT" {
			return v
		}
		return "off" // see withoutPreflight
	}
	return runner{getenv: withDefaults, stdout: stdout, stderr: stderr, clock: githubfake.NewClock(), newID: newDistinctID}
}

// run is main with preflight off unless args name it (see withoutPreflight).
func (rn runner) run(ctx context.Context, args []string) int {
	return rn.main(ctx, withoutPreflight(args))
}

// actionRun is what one in-process run of action mode produced.
type actionRun struct {
	code       int
	stdout     string
	outputs    map[string]string
	outputFile string
	summary    string
}

// runAction runs action mode as the runner would: INPUT_* variables named from the
// action.yml input names (hyphens kept), GITHUB_OUTPUT and GITHUB_STEP_SUMMARY in a temp
// directory. env adds or overrides variables; a value of "-" removes one.
func runActionMode(t *testing.T, inputs map[string]string, env map[string]string) actionRun {
	t.Helper()
	return runActionModeClock(t, githubfake.NewClock(), inputs, env)
}

// runActionModeClock is runActionMode on a given virtual clock, to share with the fake
// (SetClock) so that simulated runs progress as the action waits.
func runActionModeClock(t *testing.T, clock *githubfake.Clock, inputs map[string]string, env map[string]string) actionRun {
	t.Helper()
	dir := t.TempDir()
	vars := map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_OUTPUT":       filepath.Join(dir, "output"),
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
		"GITHUB_REPOSITORY":   "octo/self",
	}
	for name, v := range inputs {
		vars["INPUT_"+strings.ToUpper(strings.ReplaceAll(name, " ", "_"))] = v
	}
	if api := inputs["api-url"]; api != "" {
		vars["GITHUB_API_URL"] = api // a runner of the targets' server, unless env says otherwise
	}
	for k, v := range env {
		if v == "-" {
			delete(vars, k)
		} else {
			vars[k] = v
		}
	}
	var stdout bytes.Buffer
	rn := testRunner(func(k string) string { return vars[k] }, &stdout, &stdout)
	rn.clock = clock
	code := rn.main(context.Background(), nil)
	run := actionRun{code: code, stdout: stdout.String(), outputFile: vars["GITHUB_OUTPUT"]}
	if b, err := os.ReadFile(vars["GITHUB_OUTPUT"]); err == nil {
		run.outputs = parseOutputFile(t, string(b))
	}
	if b, err := os.ReadFile(vars["GITHUB_STEP_SUMMARY"]); err == nil {
		run.summary = string(b)
	}
	return run
}

func parseOutputFile(t *testing.T, s string) map[string]string {
	t.Helper()
	out, err := actionio.ParseOutputs(s)
	if err != nil {
		t.Fatalf("GITHUB_OUTPUT: %v\n%s", err, s)
	}
	return out
}

type cliRun struct {
	code           int
	stdout, stderr string
}

func runCLIMode(t *testing.T, env map[string]string, args ...string) cliRun {
	t.Helper()
	return runCLIModeClock(t, githubfake.NewClock(), env, args...)
}

func runCLIModeClock(t testing.TB, clock *githubfake.Clock, env map[string]string, args ...string) cliRun {
	t.Helper()
	var stdout, stderr bytes.Buffer
	rn := testRunner(func(k string) string { return env[k] }, &stdout, &stderr)
	rn.clock = clock
	code := rn.run(context.Background(), args)
	return cliRun{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// withoutPreflight turns preflight off for a trigger that does not name it. The tests
// of this package are about what is sent and what becomes of it, on a fake whose
// repositories mostly hold no receiving workflow; preflight, on by default, has its own
// tests (preflight_test.go), and the core scenarios on each server run with it on
// (servers_test.go). Action mode does the same: testRunner's INPUT_PREFLIGHT is off unless set.
func withoutPreflight(args []string) []string {
	if len(args) == 0 || args[0] != "trigger" || slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--preflight") }) {
		return args
	}
	return append([]string{"trigger", "--preflight", "off"}, args[1:]...)
}
