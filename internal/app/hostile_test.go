package app

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

// Tests against a server that misbehaves: each class of hostile answer, end to end in
// action mode, checking what the fake received and what reached the log, the outputs and
// the summary.

// commandLines are the lines of a step log the runner would take as workflow commands.
func commandLines(stdout string) []string {
	var cmds []string
	sc := bufio.NewScanner(strings.NewReader(stdout))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if l := sc.Text(); strings.HasPrefix(l, "::") || strings.HasPrefix(l, "##[") {
			cmds = append(cmds, l)
		}
	}
	return cmds
}

// Server text in every field a run, a repository and an error message have: none of it
// becomes a workflow command, a summary row, a link or an image, or an output of its own.
func TestServerTextIsInert(t *testing.T) {
	t.Parallel()
	const evil = "x\n::error title=pwned::pwned\r\n::add-mask::secret\u2028##[error]legacy\n| injected | row |\n[link](https://evil.example) ![img](https://evil.example/i.png) <img src=x> https://evil.example/bare"
	f, clock := waitFake(t)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/refresh.yml", RepositoryDispatch: true, RunName: receiverRunName})
	f.SetHostile(githubfake.Hostile{Rewrite: func(kind string, obj map[string]any) {
		if kind == "run" {
			obj["html_url"] = "https://github.com/octo/data/actions/runs/1)" + evil
			obj["conclusion"] = "success" + evil
			obj["status"] = "completed"
		}
	}})
	run := runActionModeClock(t, clock, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "event-type": "e",
		"api-url": f.URL(), "wait": "completed"}, nil)
	checkInert(t, run)
	if run.outputs["run-url"] != "" || run.outputs["conclusion"] != "unknown" || run.code != ExitFailed {
		t.Errorf("exit %d, run-url %q, conclusion %q", run.code, run.outputs["run-url"], run.outputs["conclusion"])
	}

	// An error message, and a default branch.
	f.Script(githubfake.Fault{Status: 422, Body: fmt.Sprintf(`{"message":%q}`, evil)})
	run = runActionMode(t, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "event-type": "e", "api-url": f.URL()}, nil)
	checkInert(t, run)
	if !strings.Contains(run.outputs["results"], "pwned") {
		t.Errorf("GitHub's message should still be there, made inert: %s", run.outputs["results"])
	}
	f.SetHostile(githubfake.Hostile{Rewrite: func(kind string, obj map[string]any) {
		if kind == "repository" {
			obj["default_branch"] = "main" + evil
		}
	}})
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true})
	before := len(f.Requests())
	run = runActionMode(t, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "workflow": "deploy.yml", "api-url": f.URL()}, nil)
	checkInert(t, run)
	if run.code != ExitFailed || len(f.Requests()) != before+1 || !strings.Contains(run.stdout, "names no valid branch") {
		t.Errorf("exit %d, %d requests\n%s", run.code, len(f.Requests())-before, run.stdout)
	}
}

func checkInert(t *testing.T, run actionRun) {
	t.Helper()
	for _, l := range commandLines(run.stdout) {
		if strings.Contains(l, "pwned") && !strings.HasPrefix(l, "::error title=Run failed::") && !strings.HasPrefix(l, "::error title=Dispatch failed::") ||
			strings.HasPrefix(l, "::add-mask::secret") || strings.HasPrefix(l, "##[") {
			t.Errorf("server text became a workflow command: %q", l)
		}
	}
	for _, bad := range []string{"](https://evil", "![", "<img", "\n| injected", "https://evil.example/bare"} {
		if strings.Contains(run.summary, bad) {
			t.Errorf("summary holds %q:\n%s", bad, run.summary)
		}
	}
	if n := strings.Count(run.summary, "\n|"); n != 3 { // header, rule, one row
		t.Errorf("summary has %d table lines:\n%s", n, run.summary)
	}
	for name, v := range run.outputs {
		if name != "results" && strings.ContainsAny(v, "\r\n\u2028") {
			t.Errorf("output %s holds a line break: %q", name, v)
		}
	}
}

// A runs listing that never ends: finding the run stops at the page cap on each look and
// gives up at wait-timeout, having read a bounded number of pages.
func TestEndlessRunListing(t *testing.T) {
	t.Parallel()
	f, clock := waitFake(t)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/refresh.yml", RepositoryDispatch: true, RunName: receiverRunName})
	f.SetHostile(githubfake.Hostile{EndlessRuns: true})
	run := runActionModeClock(t, clock, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "event-type": "e",
		"api-url": f.URL(), "wait": "started", "wait-timeout": "1m"}, nil)
	if run.code != ExitFailed || !strings.Contains(run.stdout, "appeared within 1m0s") {
		t.Fatalf("exit %d\n%s", run.code, run.stdout)
	}
	pages, looks := 0, 0
	for _, r := range f.Requests() {
		if strings.HasSuffix(r.Path, "/actions/runs") {
			pages++
		}
	}
	looks = len(clock.Sleeps())
	if pages > 10*looks || looks > 10 {
		t.Errorf("%d pages read over %d looks", pages, looks)
	}
}

// An error body of 100 MB is read only up to the cap; the step reports, writes its
// outputs and summary, and the message is short.
func TestHugeErrorBody(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	f.Script(githubfake.Fault{Status: 422, BodyBytes: 100 << 20})
	run := runActionMode(t, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "event-type": "e", "api-url": f.URL()}, nil)
	out, _ := os.ReadFile(run.outputFile)
	if run.code != ExitFailed || len(out) > 8<<10 || len(run.summary) > 8<<10 || run.summary == "" || len(run.stdout) > 16<<10 {
		t.Errorf("exit %d, outputs %d bytes, summary %d bytes, log %d bytes", run.code, len(out), len(run.summary), len(run.stdout))
	}
}

// Malformed and overflowing headers: no panic, a plain hint, a failure at once.
func TestMalformedHeaders(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		fault githubfake.Fault
		want  []string
	}{
		{"permission header without a scope", githubfake.Fault{Status: 403, Header: http.Header{"X-Accepted-Github-Permissions": {"=write"}},
			Body: `{"message":"Resource not accessible by integration"}`}, []string{"it needs Contents: write (contents=write)"}},
		{"permission header of two", githubfake.Fault{Status: 403, Header: http.Header{"X-Accepted-Github-Permissions": {"contents=write; actions=write"}},
			Body: `{"message":"Resource not accessible by integration"}`}, []string{"it needs Contents: write"}},
		{"Retry-After of 3,000 years", githubfake.Fault{Status: 429, Header: http.Header{"Retry-After": {"99999999999"}}}, []string{"gave up at once", "would pass the deadline"}},
		{"reset at the end of time", githubfake.Fault{Status: 403, Body: `{"message":"API rate limit exceeded"}`,
			Header: http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"9223372036854775807"}}}, []string{"gave up at once"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := githubfake.Standard(t, nil)
			f.Script(tc.fault)
			run := runActionMode(t, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "event-type": "e", "api-url": f.URL()}, nil)
			if run.code != ExitFailed || len(f.Requests()) != 1 || run.outputs["results"] == "" || strings.Contains(run.stdout, "retrying in -") {
				t.Fatalf("exit %d, %d requests\n%s", run.code, len(f.Requests()), run.stdout)
			}
			for _, w := range tc.want {
				if !strings.Contains(run.stdout, w) {
					t.Errorf("log lacks %q\n%s", w, run.stdout)
				}
			}
		})
	}
}

// A 502 after GitHub accepted the event, and a retry: the fake holds two events, and the
// step says so, naming the distinct_id receivers can deduplicate on.
func TestPossibleDuplicateIsSaidAloud(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	f.Script(githubfake.Fault{Status: 502, After: true})
	run := runActionMode(t, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "event-type": "e", "api-url": f.URL(),
		"add-distinct-id": "true"}, nil)
	id := run.outputs["distinct-id"]
	if run.code != ExitOK || len(f.Dispatches()) != 2 || id == "" {
		t.Fatalf("exit %d, %d dispatches, id %q\n%s", run.code, len(f.Dispatches()), id, run.stdout)
	}
	for _, d := range f.Dispatches() {
		if !strings.Contains(string(d.ClientPayload), id) {
			t.Errorf("payload %s lacks the distinct ID", d.ClientPayload)
		}
	}
	if !strings.Contains(run.stdout, "::warning::") || !strings.Contains(run.stdout, "may arrive twice") || !strings.Contains(run.stdout, id) ||
		!strings.Contains(run.outputs["results"], `"may_be_duplicate":true`) || !strings.Contains(run.summary, "may arrive twice") {
		t.Errorf("not said aloud:\n%s\n%s", run.stdout, run.summary)
	}
}

// endlessFile is /dev/zero where there is one, else a file over every limit.
func endlessFile(t *testing.T) string {
	if _, err := os.Stat("/dev/zero"); err == nil {
		return "/dev/zero"
	}
	path := filepath.Join(t.TempDir(), "big")
	if err := os.WriteFile(path, make([]byte, 1<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Bad input that used to reach the network: refused, exit 2, no request.
func TestMoreBadInputRefusedBeforeSending(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		inputs map[string]string
		args   []string
		want   string
	}{
		{"app-id neither number nor client ID", map[string]string{"app-id": "my-app", "app-private-key": keyPEM()}, nil, `input "app-id"`},
		{"payload file that never ends", nil, []string{"--client-payload", "@" + endlessFile(t)}, "--client-payload: is larger than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := githubfake.Standard(t, nil)
			if tc.args != nil {
				run := runCLIMode(t, map[string]string{"GITHUB_TOKEN": githubfake.TestToken, "GITHUB_API_URL": f.URL()},
					append([]string{"trigger", "--repository", "octo/data", "--event-type", "e"}, tc.args...)...)
				checkBadInput(t, f.Requests(), run.code, run.stderr, "", tc.want)
				return
			}
			in := map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "event-type": "e", "api-url": f.URL()}
			for k, v := range tc.inputs {
				in[k] = v
			}
			run := runActionMode(t, in, nil)
			checkBadInput(t, f.Requests(), run.code, run.stdout, "", tc.want)
		})
	}
}

// panicClock panics the first time the step asks it the time (inside execute), as a bug
// there would; later calls answer.
type panicClock struct {
	*githubfake.Clock
	calls *atomic.Int32
}

func (c panicClock) Now() time.Time {
	if c.calls.Add(1) == 1 {
		panic("boom")
	}
	return c.Clock.Now()
}

// A bug still ends the step with exit 1, an error annotation, outputs and a summary; one
// before any work ends it with exit 1 and an annotation.
func TestInternalErrorsAreReported(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	dir := t.TempDir()
	vars := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": filepath.Join(dir, "o"), "GITHUB_STEP_SUMMARY": filepath.Join(dir, "s"),
		"INPUT_TOKEN": githubfake.TestToken, "INPUT_REPOSITORY": "octo/data", "INPUT_EVENT-TYPE": "e", "INPUT_API-URL": f.URL()}
	var stdout strings.Builder
	rn := testRunner(func(k string) string { return vars[k] }, &stdout, &stdout)
	rn.clock = panicClock{Clock: githubfake.NewClock(), calls: new(atomic.Int32)}
	code := rn.run(t.Context(), nil)
	out, _ := os.ReadFile(vars["GITHUB_OUTPUT"])
	summary, _ := os.ReadFile(vars["GITHUB_STEP_SUMMARY"])
	if code != ExitFailed || !strings.Contains(stdout.String(), "internal error: boom (please report it)") ||
		!strings.Contains(string(out), `"status":"failed"`) || !strings.Contains(string(summary), "internal error") {
		t.Errorf("exit %d\n%s\n%s\n%s", code, stdout.String(), out, summary)
	}

	stdout.Reset()
	rn = testRunner(func(k string) string { return vars[k] }, &stdout, &stdout)
	rn.newID = func() string { panic("no randomness") }
	if code := rn.run(t.Context(), nil); code != ExitFailed || !strings.Contains(stdout.String(), "::error title=Internal error::internal error: no randomness") {
		t.Errorf("exit %d\n%s", code, stdout.String())
	}
}

// The run GitHub names in its answer to workflow_dispatch is checked like any run URL:
// a URL that is not one is neither an output nor a link.
func TestRunDetailsURLIsChecked(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true})
	f.SetHostile(githubfake.Hostile{Rewrite: func(kind string, obj map[string]any) {
		if kind == "run details" {
			obj["html_url"] = "https://github.com/x)\n::error::pwned\n[link](https://evil.example)"
		}
	}})
	run := runActionMode(t, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "workflow": "deploy.yml", "ref": "main", "api-url": f.URL()}, nil)
	if run.code != ExitOK || run.outputs["run-id"] == "" || run.outputs["run-url"] != "" || strings.Contains(run.summary, "evil") {
		t.Errorf("exit %d, outputs %v\n%s", run.code, run.outputs, run.summary)
	}
	checkInert(t, run)
}

// An Enterprise Server whose certificate comes from a private CA: the step names the
// certificate and the fix (SSL_CERT_FILE), calls it neither a network failure nor a
// possible duplicate, and nothing reached the server.
func TestUntrustedCertificate(t *testing.T) {
	t.Parallel()
	f := githubfake.NewTLSServer(t)
	f.AddRepo("octo/data")
	f.AddToken(githubfake.Token{Value: githubfake.TestToken})
	run := runActionMode(t, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "event-type": "e", "api-url": f.URL()}, nil)
	if run.code != ExitFailed || len(f.Requests()) != 0 {
		t.Fatalf("exit %d, %d requests\n%s", run.code, len(f.Requests()), run.stdout)
	}
	for _, want := range []string{"the server's TLS certificate is not trusted: tls: failed to verify certificate: x509: certificate signed by unknown authority",
		"SSL_CERT_FILE: /github/workspace/ca.pem"} {
		if !strings.Contains(run.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, run.stdout)
		}
	}
	if strings.Contains(run.stdout, "no answer from GitHub") || strings.Contains(run.stdout, "twice") || results(t, run.outputs)[0]["may_be_duplicate"] != nil {
		t.Errorf("a certificate problem reported as a network failure or a possible duplicate:\n%s", run.stdout)
	}
}

// A proxy or a login portal that answers instead of GitHub: a POST is never turned into a
// GET nor sent to another server, a web page is not an accepted event; the step fails at
// once (not retried), says it was not GitHub's answer, and nothing was delivered.
func TestPortalAnswersAreNotDeliveries(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		portal, workflow, want string
	}{
		{githubfake.PortalLogin, "", "not GitHub's answer: the POST was answered with 302, a redirect to "},
		{githubfake.PortalLogin, "deploy.yml", "that would turn it into a GET"},
		{githubfake.PortalPage, "", "not GitHub's answer: GitHub answers it with 204 No Content when it accepts it, not with 200 OK"},
		{githubfake.PortalPage, "deploy.yml", "not GitHub's answer: a 200 OK whose body is not GitHub's JSON"},
		{githubfake.PortalElsewhere, "", "not GitHub's answer: the POST was answered with 307, a redirect to another server"},
	} {
		t.Run(tc.portal+"/"+tc.workflow, func(t *testing.T) {
			t.Parallel()
			f := githubfake.Standard(t, nil)
			f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true})
			f.SetHostile(githubfake.Hostile{Portal: tc.portal})
			in := map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "event-type": "e", "ref": "main", "api-url": f.URL()}
			if tc.workflow != "" {
				delete(in, "event-type")
				in["workflow"] = tc.workflow
			} else {
				delete(in, "ref")
			}
			run := runActionMode(t, in, nil)
			if run.code != ExitFailed || !strings.Contains(run.stdout, tc.want) || !strings.Contains(run.stdout, "login portal (SSO) answered instead of GitHub") {
				t.Fatalf("exit %d\n%s", run.code, run.stdout)
			}
			r := results(t, run.outputs)[0]
			if r["status"] != "failed" || r["attempts"] != float64(1) || r["dispatched_at"] != nil {
				t.Errorf("results %v", r)
			}
			var gets int
			for _, req := range f.Requests() {
				if req.Method == "GET" {
					gets++
				}
			}
			if len(f.Dispatches()) != 0 || f.Runs() != 0 || gets != 0 || f.ReceivedElsewhere() != 0 {
				t.Errorf("%d dispatches, %d runs, %d GETs, %d requests elsewhere", len(f.Dispatches()), f.Runs(), gets, f.ReceivedElsewhere())
			}
		})
	}
}

// A proxy that refuses to connect to GitHub, or cannot be reached: nothing reached GitHub,
// so the event was not sent (not a possible duplicate), and the step names the proxy.
func TestProxyThatRefuses(t *testing.T) {
	t.Parallel()
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "blocked by policy", http.StatusForbidden) // to CONNECT, as a filtering proxy does
	}))
	t.Cleanup(refusing.Close)
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close() // nothing listens there any more
	for name, proxy := range map[string]string{"refuses CONNECT": refusing.URL, "not listening": gone.URL, "with credentials": refusing.URL} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := proxy
			if name == "with credentials" {
				env = strings.Replace(proxy, "http://", "http://proxyuser:s3cret@", 1)
			}
			run := runActionMode(t, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "event-type": "e",
				"api-url": "https://api.github.example", "add-distinct-id": "true"}, map[string]string{"HTTPS_PROXY": env})
			if strings.Contains(run.stdout+run.summary, "s3cret") || strings.Contains(run.stdout, "proxyuser") {
				t.Errorf("the proxy's credentials were printed:\n%s", run.stdout)
			}
			if run.code != ExitFailed || !strings.Contains(run.stdout, "nothing reached GitHub: the proxy "+proxy+" did not connect to the API: ") ||
				!strings.Contains(run.stdout, "check the runner's proxy settings (HTTPS_PROXY") {
				t.Fatalf("exit %d\n%s", run.code, run.stdout)
			}
			r := results(t, run.outputs)[0]
			if r["delivery"] != "not_sent" || r["attempts"] != nil || r["may_be_duplicate"] != nil || strings.Contains(run.stdout, "twice") {
				t.Errorf("results %v\n%s", r, run.stdout)
			}
		})
	}
}
