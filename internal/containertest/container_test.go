// Package containertest runs the built image the way the Actions runner runs a Docker
// container action, against the loopback fake GitHub. It needs a Docker engine and the
// image named in DISPATCH_TEST_IMAGE; .ci/run builds the image and sets it.
package containertest

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/actionio"
	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

const token = githubfake.TestToken

// runnerUID owns the file-command files, as the runner's own user does on a hosted runner.
const runnerUID = 1001

func image(t *testing.T) string {
	t.Helper()
	img := os.Getenv("DISPATCH_TEST_IMAGE")
	if img == "" {
		// .ci/run builds the image, sets the variable and fails unless these tests pass.
		t.Skip("DISPATCH_TEST_IMAGE is not set: needs a Docker engine and the built image (.ci/run does both)")
	}
	return img
}

type containerRun struct {
	code    int
	stdout  string
	outputs map[string]string
	summary string
}

// runLikeRunner starts the container as the runner does: default (root) user, workspace
// at /github/workspace as the working directory, file-command files owned by another user
// under /github/file_commands, HOME=/github/home, inputs as INPUT_* variables with
// hyphens kept, host networking so the fake on loopback is reachable.
func runLikeRunner(t *testing.T, img string, inputs map[string]string, apiURL string) containerRun {
	t.Helper()
	return runWith(t, img, inputs, apiURL, nil)
}

// runWith is runLikeRunner with files in the workspace and variables in the step's env:.
func runWith(t *testing.T, img string, inputs map[string]string, apiURL string, workspace map[string][]byte, env ...string) containerRun {
	t.Helper()
	args, out, sum := runnerArgs(t, img, inputs, apiURL, "--rm", workspace, env...)
	cmd := exec.Command("docker", args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("docker run: %v\n%s", err, stderr.String())
	}
	return readRun(t, code, stdout.String()+stderr.String(), out, sum)
}

func readRun(t *testing.T, code int, output, out, sum string) containerRun {
	t.Helper()
	run := containerRun{code: code, stdout: output}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if run.outputs, err = actionio.ParseOutputs(string(b)); err != nil {
		t.Fatalf("GITHUB_OUTPUT: %v\n%s", err, b)
	}
	s, _ := os.ReadFile(sum)
	run.summary = string(s)
	return run
}

// runnerArgs prepares the directories and returns the docker run arguments and the paths
// of the output and summary files on the host.
func runnerArgs(t *testing.T, img string, inputs map[string]string, apiURL, mode string, workspace map[string][]byte, env ...string) (args []string, out, sum string) {
	t.Helper()
	dir := t.TempDir()
	files := filepath.Join(dir, "file_commands")
	for _, d := range []string{files, filepath.Join(dir, "workspace"), filepath.Join(dir, "home")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range workspace {
		if err := os.WriteFile(filepath.Join(dir, "workspace", name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, sum = filepath.Join(files, "set_output_1"), filepath.Join(files, "step_summary_1")
	for _, p := range []string{out, sum} {
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, runnerUID, runnerUID); err != nil {
			t.Fatalf("chown %s: %v (the container test runs as root, like CI)", p, err)
		}
	}
	args = []string{"run", mode, "--network", "host",
		"-v", files + ":/github/file_commands",
		"-v", filepath.Join(dir, "workspace") + ":/github/workspace",
		"-v", filepath.Join(dir, "home") + ":/github/home",
		"--workdir", "/github/workspace",
		"-e", "HOME=/github/home",
		"-e", "GITHUB_ACTIONS=true",
		"-e", "CI=true",
		"-e", "GITHUB_REPOSITORY=octo/self",
		"-e", "GITHUB_API_URL=" + apiURL,
		"-e", "GITHUB_SERVER_URL=https://github.com",
		"-e", "GITHUB_WORKSPACE=/github/workspace",
		"-e", "GITHUB_OUTPUT=/github/file_commands/set_output_1",
		"-e", "GITHUB_STEP_SUMMARY=/github/file_commands/step_summary_1",
	}
	for name, v := range inputs {
		args = append(args, "-e", "INPUT_"+strings.ToUpper(name)+"="+v)
	}
	for _, e := range env {
		args = append(args, "-e", e)
	}
	return append(args, img), out, sum
}

func TestImageRunsAsTheRunnerRunsIt(t *testing.T) {
	img := image(t)
	user, err := exec.Command("docker", "image", "inspect", "--format", "{{.Config.User}}", img).Output()
	if err != nil {
		t.Fatalf("docker image inspect: %v", err)
	}
	if u := strings.TrimSpace(string(user)); u != "" && u != "root" && u != "0" {
		t.Fatalf("image sets USER %q: it could not write the runner's file-command files", u)
	}

	f := githubfake.Standard(t, nil)
	// The receiving workflow, which preflight reads before sending (the default).
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/fetch.yml", RepositoryDispatch: true, Types: []string{"fetch-meetup-data"}})

	run := runLikeRunner(t, img, map[string]string{
		"token":          token,
		"repository":     "octo/data",
		"event-type":     "fetch-meetup-data",
		"client-payload": `{"source":"container","n":1}`,
		"api-url":        "",
		"dry-run":        "false",
	}, f.URL())
	if run.code != 0 {
		t.Fatalf("exit %d\n%s", run.code, run.stdout)
	}
	ds := f.Dispatches()
	if len(ds) != 1 || ds[0].EventType != "fetch-meetup-data" || string(ds[0].ClientPayload) != `{"source":"container","n":1}` {
		t.Fatalf("fake accepted %+v", ds)
	}
	if ua := f.Requests()[0].Header.Get("User-Agent"); !strings.HasPrefix(ua, "dispatch-action/") {
		t.Errorf("User-Agent %q", ua)
	}
	o := run.outputs
	var results []map[string]any
	if err := json.Unmarshal([]byte(o["results"]), &results); err != nil || len(results) != 1 || results[0]["status"] != "dispatched" ||
		results[0]["repository"] != "octo/data" || results[0]["event_type"] != "fetch-meetup-data" || results[0]["request_id"] != ds[0].RequestID ||
		results[0]["dispatched_at"] == nil || len(o) != 7 {
		t.Errorf("outputs %v: %v", o, err)
	}
	if !strings.Contains(run.summary, "✅ dispatched (204)") {
		t.Errorf("summary:\n%s", run.summary)
	}
	if strings.Contains(strings.Replace(run.stdout, "::add-mask::"+token, "", 1), token) {
		t.Errorf("token printed:\n%s", run.stdout)
	}
}

func TestImageRefusesBadInputWithoutSending(t *testing.T) {
	img := image(t)
	f := githubfake.Standard(t, nil)
	run := runLikeRunner(t, img, map[string]string{
		"token":          token,
		"repository":     "octo/data",
		"event-type":     "",
		"client-payload": `{"not":"closed"`,
	}, f.URL())
	if run.code != 2 {
		t.Fatalf("exit %d, want 2\n%s", run.code, run.stdout)
	}
	for _, want := range []string{`::error title=Invalid input event-type::input "event-type": is required`, `::error title=Invalid input client-payload::input "client-payload": is not valid JSON`} {
		if !strings.Contains(run.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, run.stdout)
		}
	}
	if n := len(f.Requests()); n != 0 {
		t.Errorf("fake received %d requests", n)
	}
}

// The runner cancels a job by stopping its container: SIGTERM to the binary, which runs as
// PID 1. It must stop waiting at once, report, and exit non-zero, not hang until the
// runner's kill.
func TestImageStopsOnSIGTERM(t *testing.T) {
	img := image(t)
	f := githubfake.Standard(t, nil)
	f.Script(githubfake.Fault{Hang: true}) // the first attempt would take 30 s
	// preflight off: the dispatch is the first request, the one that hangs.
	args, out, sum := runnerArgs(t, img, map[string]string{"token": token, "repository": "octo/data", "event-type": "e", "preflight": "off"}, f.URL(), "--detach", nil)
	id, err := exec.Command("docker", args...).Output()
	if err != nil {
		t.Fatalf("docker run: %v", err)
	}
	cid := strings.TrimSpace(string(id))
	t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", cid).Run() })
	deadline := time.Now().Add(20 * time.Second)
	for f.Arrived() == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	start := time.Now()
	if b, err := exec.Command("docker", "kill", "--signal", "TERM", cid).CombinedOutput(); err != nil {
		t.Fatalf("docker kill: %v %s", err, b)
	}
	code, err := exec.Command("docker", "wait", cid).Output()
	if err != nil {
		t.Fatalf("docker wait: %v", err)
	}
	took := time.Since(start)
	logs, _ := exec.Command("docker", "logs", cid).CombinedOutput()
	if strings.TrimSpace(string(code)) != "1" {
		t.Fatalf("exit %s, want 1\n%s", code, logs)
	}
	if took > 10*time.Second {
		t.Errorf("took %s to stop after SIGTERM", took)
	}
	run := readRun(t, 1, string(logs), out, sum)
	if !strings.Contains(run.stdout, "sent, but cancelled before GitHub answered") || !strings.Contains(run.outputs["results"], `"delivery":"unanswered"`) {
		t.Errorf("output:\n%s\noutputs %v", run.stdout, run.outputs)
	}
	if len(f.Dispatches()) != 0 {
		t.Error("delivered")
	}
}

// An Enterprise Server with a certificate from a private CA: refused, with the fix in the
// hint; with the CA in the workspace and SSL_CERT_FILE pointing at it there, as the guide
// says, the event goes through.
func TestImageTrustsAPrivateCAGivenInTheWorkspace(t *testing.T) {
	img := image(t)
	f := githubfake.NewTLSServer(t)
	f.AddRepo("octo/data")
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/r.yml", RepositoryDispatch: true})
	f.AddToken(githubfake.Token{Value: token})
	inputs := map[string]string{"token": token, "repository": "octo/data", "event-type": "e"}
	run := runLikeRunner(t, img, inputs, f.URL())
	if run.code != 1 || !strings.Contains(run.stdout, "certificate signed by unknown authority") || !strings.Contains(run.stdout, "SSL_CERT_FILE: /github/workspace/ca.pem") {
		t.Fatalf("without the CA: exit %d\n%s", run.code, run.stdout)
	}
	run = runWith(t, img, inputs, f.URL(), map[string][]byte{"ca.pem": f.CACert()}, "SSL_CERT_FILE=/github/workspace/ca.pem")
	if run.code != 0 || len(f.Dispatches()) != 1 {
		t.Fatalf("with the CA: exit %d, %d dispatches\n%s", run.code, len(f.Dispatches()), run.stdout)
	}
}
