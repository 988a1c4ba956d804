// Package forgetest drives the real binary against a real Gitea (1.27.3, with its Actions
// runner) that scripts/gitea.sh builds and starts, with the repositories and workflows of
// testdata/gitea: what Gitea answers, how its runner runs a step and what its runs do are
// the server's, so they are tested against the server, not a fake. It needs DISPATCH_GITEA,
// the folder `scripts/gitea.sh start DIR` prepared; .ci/run starts it, runs these tests and
// fails if any is skipped.
package forgetest

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/actionio"
)

// gitea is the instance scripts/gitea.sh started (its DIR/env).
var gitea struct {
	URL, API, Owner, Token, ReadToken, Version, BinDir string
}

// bin is the dispatch binary built for the suite, where the host workflows run it.
var bin string

// setupErr is why the suite could not be set up, with DISPATCH_GITEA set.
var setupErr error

func TestMain(m *testing.M) {
	if dir := os.Getenv("DISPATCH_GITEA"); dir != "" {
		setupErr = setup(dir)
	}
	os.Exit(m.Run())
}

// setup reads DIR/env and builds the binary into the folder the host workflows run it from.
func setup(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, "env"))
	if err != nil {
		return err
	}
	vars := map[string]*string{"GITEA_URL": &gitea.URL, "GITEA_API": &gitea.API, "GITEA_OWNER": &gitea.Owner, "GITEA_TOKEN": &gitea.Token,
		"GITEA_READ_TOKEN": &gitea.ReadToken, "GITEA_VERSION": &gitea.Version, "GITEA_BIN_DIR": &gitea.BinDir}
	for line := range strings.Lines(string(b)) {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok && vars[k] != nil {
			*vars[k] = v
		}
	}
	if gitea.API == "" || gitea.Token == "" || gitea.BinDir == "" {
		return fmt.Errorf("%s/env lacks GITEA_API, GITEA_TOKEN or GITEA_BIN_DIR", dir)
	}
	bin = filepath.Join(gitea.BinDir, "dispatch")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/MrSunshyne/dispatch-action").CombinedOutput()
	if err != nil {
		return fmt.Errorf("building the binary: %v\n%s", err, out)
	}
	return nil
}

// need skips a test without a Gitea, and fails it when the suite could not be set up.
func need(t *testing.T) {
	t.Helper()
	if os.Getenv("DISPATCH_GITEA") == "" {
		// .ci/run starts Gitea, sets the variable and fails unless these tests pass.
		t.Skip("DISPATCH_GITEA is not set: scripts/gitea.sh start DIR, then DISPATCH_GITEA=DIR go test ./internal/forgetest/ (.ci/run does both)")
	}
	if setupErr != nil {
		t.Fatal(setupErr)
	}
}

// repo is OWNER/name on the instance.
func repo(name string) string { return gitea.Owner + "/" + name }

// result is what a run of the binary did.
type result struct {
	code            int
	stdout, stderr  string
	outputs         map[string]string // action mode: GITHUB_OUTPUT
	summary         string            // action mode: GITHUB_STEP_SUMMARY
	elapsed         time.Duration
	finished, start time.Time
}

// out is everything the run printed.
func (r result) out() string { return r.stdout + r.stderr }

// cli runs `dispatch ARGS…` as a person would, with the admin's token in GITHUB_TOKEN
// unless env sets it, and the API root given by --api-url.
func cli(t testing.TB, env []string, args ...string) result {
	t.Helper()
	if len(args) > 0 && (args[0] == "trigger" || args[0] == "watch") {
		args = append([]string{args[0], "--api-url", gitea.API}, args[1:]...)
	}
	return run(t, append([]string{"GITHUB_TOKEN=" + gitea.Token}, env...), args...)
}

// action runs the binary as the runner runs a Docker action on Gitea: GITHUB_ACTIONS and
// GITEA_ACTIONS, the runner's GITHUB_* variables, inputs as INPUT_* (hyphens kept), and
// the file-command files, read back afterwards.
func action(t *testing.T, inputs map[string]string, env ...string) result {
	t.Helper()
	dir := t.TempDir()
	out, sum := filepath.Join(dir, "output"), filepath.Join(dir, "summary")
	for _, f := range []string{out, sum} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	vars := []string{"GITHUB_ACTIONS=true", "GITEA_ACTIONS=true", "GITHUB_API_URL=" + gitea.API, "GITHUB_SERVER_URL=" + gitea.URL,
		"GITHUB_REPOSITORY=" + repo("host"), "GITHUB_EVENT_NAME=workflow_dispatch", "GITHUB_RUN_ID=1", "RUNNER_OS=linux", "RUNNER_ARCH=amd64",
		"GITHUB_OUTPUT=" + out, "GITHUB_STEP_SUMMARY=" + sum}
	if _, ok := inputs["token"]; !ok {
		vars = append(vars, "INPUT_TOKEN="+gitea.Token)
	}
	for k, v := range inputs {
		vars = append(vars, "INPUT_"+strings.ToUpper(k)+"="+v)
	}
	r := run(t, append(vars, env...))
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if r.outputs, err = actionio.ParseOutputs(string(b)); err != nil {
		t.Fatalf("GITHUB_OUTPUT: %v\n%s", err, b)
	}
	s, _ := os.ReadFile(sum)
	r.summary = string(s)
	return r
}

// run runs the binary with only env (and PATH, HOME) in its environment.
func run(t testing.TB, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	r := result{start: time.Now()}
	err := cmd.Run()
	r.finished = time.Now()
	r.elapsed = r.finished.Sub(r.start)
	r.stdout, r.stderr = stdout.String(), stderr.String()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		t.Fatalf("running %s: %v", bin, err)
	}
	// A token is printed only to be masked (::add-mask::, in action mode), nowhere else.
	for line := range strings.Lines(r.out()) {
		if !strings.HasPrefix(line, "::add-mask::") && (strings.Contains(line, gitea.Token) || strings.Contains(line, gitea.ReadToken)) {
			t.Fatalf("a token was printed:\n%s", r.out())
		}
	}
	return r
}

// api makes a request to Gitea's API as the admin and decodes its JSON answer into out
// (when not nil); it returns the status.
func api(t *testing.T, method, path string, body, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, gitea.API+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "token "+gitea.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if s, ok := out.(*string); ok {
			*s = string(b)
		} else if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, path, err, b)
		}
	}
	return resp.StatusCode
}

// giteaRun is a run as Gitea's API gives it.
type giteaRun struct {
	ID           int64     `json:"id"`
	DisplayTitle string    `json:"display_title"`
	Event        string    `json:"event"`
	Status       string    `json:"status"`
	Conclusion   string    `json:"conclusion"`
	HeadBranch   string    `json:"head_branch"`
	HeadSHA      string    `json:"head_sha"`
	HTMLURL      string    `json:"html_url"`
	CompletedAt  time.Time `json:"completed_at"`
}

// runsOf are the newest runs (at most 50) of a repository's workflow.
func runsOf(t *testing.T, name, workflow string) []giteaRun {
	t.Helper()
	var list struct {
		Runs []giteaRun `json:"workflow_runs"`
	}
	if s := api(t, "GET", fmt.Sprintf("/repos/%s/actions/workflows/%s/runs?limit=50", repo(name), workflow), nil, &list); s != 200 {
		t.Fatalf("listing runs of %s: %d", workflow, s)
	}
	return list.Runs
}

// giteaStatus is a commit status as Gitea's API gives it (its state is named status).
type giteaStatus struct {
	ID        int64  `json:"id"`
	Context   string `json:"context"`
	Status    string `json:"status"`
	TargetURL string `json:"target_url"`
}

// statusesOf are the statuses of a commit, in the order they were posted.
func statusesOf(t *testing.T, name, sha string) []giteaStatus {
	t.Helper()
	var list []giteaStatus
	if s := api(t, "GET", "/repos/"+repo(name)+"/commits/"+sha+"/statuses?limit=50", nil, &list); s != 200 {
		t.Fatalf("reading the statuses of %s: %d", sha, s)
	}
	slices.SortFunc(list, func(a, b giteaStatus) int { return cmp.Compare(a.ID, b.ID) })
	return list
}

// titled are the runs whose title has s.
func titled(runs []giteaRun, s string) []giteaRun {
	var out []giteaRun
	for _, r := range runs {
		if strings.Contains(r.DisplayTitle, s) {
			out = append(out, r)
		}
	}
	return out
}

// theRunTitled fails unless exactly one run of the workflow has word in its title and it
// is the run the step reported; it returns that run.
func theRunTitled(t *testing.T, r result, name, workflow, word string) giteaRun {
	t.Helper()
	mine := titled(runsOf(t, name, workflow), word)
	if len(mine) != 1 || mine[0].ID != ranID(t, r) {
		t.Fatalf("the step reported run %d; Gitea's runs of %s titled %q: %+v", ranID(t, r), workflow, word, mine)
	}
	return mine[0]
}

// getRun reads a run.
func getRun(t *testing.T, name string, id int64) giteaRun {
	t.Helper()
	var r giteaRun
	if s := api(t, "GET", fmt.Sprintf("/repos/%s/actions/runs/%d", repo(name), id), nil, &r); s != 200 {
		t.Fatalf("reading run %d: %d", id, s)
	}
	return r
}

// settle waits for a run to complete (a run the test does not wait for with the binary),
// within a few minutes, and returns it.
func settle(t *testing.T, name string, id int64) giteaRun {
	t.Helper()
	deadline := time.Now().Add(4 * time.Minute)
	for {
		r := getRun(t, name, id)
		if r.Status == "completed" || time.Now().After(deadline) {
			return r
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// jobLog is the log of the run's first job, without timestamps.
func jobLog(t *testing.T, name string, runID int64) string {
	t.Helper()
	var jobs struct {
		Jobs []struct {
			ID int64 `json:"id"`
		} `json:"jobs"`
	}
	if s := api(t, "GET", fmt.Sprintf("/repos/%s/actions/runs/%d/jobs", repo(name), runID), nil, &jobs); s != 200 || len(jobs.Jobs) == 0 {
		t.Fatalf("listing the jobs of run %d: %d, %d jobs", runID, s, len(jobs.Jobs))
	}
	var log string
	api(t, "GET", fmt.Sprintf("/repos/%s/actions/jobs/%d/logs", repo(name), jobs.Jobs[0].ID), nil, &log)
	var b strings.Builder
	sc := bufio.NewScanner(strings.NewReader(log))
	for sc.Scan() {
		line := sc.Text()
		if _, rest, ok := strings.Cut(line, "Z "); ok && len(line) > 20 && line[4] == '-' {
			line = rest
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

// unique is a fresh word for one test's runs, so that tests running at once tell theirs
// apart by the run's title (the fixtures' run-name shows the greeting input).
func unique(t *testing.T) string {
	uniqueMu.Lock()
	defer uniqueMu.Unlock()
	uniqueN++
	return fmt.Sprintf("t%d%d", time.Now().UnixNano()%1e6, uniqueN)
}

var (
	uniqueMu sync.Mutex
	uniqueN  int
)

// mustContain fails unless s has every fragment.
func mustContain(t *testing.T, s string, fragments ...string) {
	t.Helper()
	for _, f := range fragments {
		if !strings.Contains(s, f) {
			t.Errorf("missing %q in:\n%s", f, s)
		}
	}
}

// mustNotContain fails if s has any fragment.
func mustNotContain(t *testing.T, s string, fragments ...string) {
	t.Helper()
	for _, f := range fragments {
		if strings.Contains(s, f) {
			t.Errorf("unexpected %q in:\n%s", f, s)
		}
	}
}
