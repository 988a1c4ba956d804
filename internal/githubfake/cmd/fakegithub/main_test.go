package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

// serve runs the command until the test stops it, and returns its API root and a stop
// function that returns the exit status and what it printed on stderr.
func serve(t *testing.T, args ...string) (string, func() (int, string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	var stderr strings.Builder
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, w, &stderr) }()
	url, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return strings.TrimSpace(url), func() (int, string) {
		cancel()
		code := <-done
		return code, stderr.String()
	}
}

func do(t *testing.T, method, url, body string) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+githubfake.TestToken)
	req.Header.Set("User-Agent", "test")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// It plays the server and scenario its flags give, and exits 0 when nothing broke the
// description.
func TestPlaysTheServerItIsGiven(t *testing.T) {
	api, stop := serve(t, "-server", "ghes-3.19", "-repo", "octo/other",
		"-workflow", `{"repo":"octo/data","path":".github/workflows/deploy.yml","name":"Deploy","workflow_dispatch":true,"conclusion":"failure","queued":"1s"}`)
	if !strings.HasSuffix(api, "/api/v3") {
		t.Errorf("API root %q", api)
	}
	dispatch := api + "/repos/octo/data/actions/workflows/deploy.yml/dispatches"
	if code := do(t, "POST", dispatch, `{"ref":"main","return_run_details":true}`); code != 422 {
		t.Errorf("return_run_details on 3.19: %d", code)
	}
	if code := do(t, "POST", dispatch, `{"ref":"main"}`); code != 204 {
		t.Errorf("dispatch: %d", code)
	}
	if code := do(t, "GET", api+"/repos/octo/other", ""); code != 200 {
		t.Errorf("repository: %d", code)
	}
	if code, stderr := stop(); code != 0 || stderr != "" {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// A request that breaks the description is printed on stderr and fails the exit status.
func TestReportsViolations(t *testing.T) {
	api, stop := serve(t, "-repo", "octo/data")
	if code := do(t, "GET", api+"/repos/octo/data/actions/runs?per_page=lots", ""); code != 200 {
		t.Errorf("status %d", code)
	}
	if code, stderr := stop(); code != 1 || !strings.Contains(stderr, "contract violation: githubfake: GET /repos/octo/data/actions/runs") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-server", "ghes-2.22"}, {"-workflow", `{"repo":"octo/data"}`}, {"-workflow", `{"nope":1}`}} {
		var stderr strings.Builder
		if code := run(context.Background(), args, io.Discard, &stderr); code != 2 || stderr.Len() == 0 {
			t.Errorf("%v: exit %d, %q", args, code, stderr.String())
		}
	}
}
