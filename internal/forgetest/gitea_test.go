package forgetest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// What the step does on Gitea, against the real server: each test sends with the real
// binary and checks what Gitea received (its runs, their titles and logs), not only what
// the binary said.

// runLine is a line of the binary's that names a run ("Run 12: URL", "Run 12 is queued").
var runLine = regexp.MustCompile(`Run (\d+)[: ]`)

// ranID is the run the binary reported, from its "Run N …" lines.
func ranID(t *testing.T, r result) int64 {
	t.Helper()
	m := runLine.FindStringSubmatch(r.out())
	if m == nil {
		t.Fatalf("no run reported:\n%s", r.out())
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

func TestWorkflowDispatchWithInputsIsFoundAndWaitedFor(t *testing.T) {
	need(t)
	t.Parallel()
	word := unique(t)
	// A number and a boolean among the inputs: Gitea takes only strings (a bool is 422),
	// so the step sends them as strings, as GitHub does on its own.
	r := cli(t, nil, "trigger", "--repository", repo("target"), "--workflow", "ok.yml",
		"--inputs", `{"greeting":"`+word+`","count":3,"debug":true,"env":"production"}`, "--wait", "completed", "--wait-timeout", "3m")
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.out())
	}
	mustContain(t, r.out(), "Gitea answered 200", "completed: success")
	mustNotContain(t, r.out(), "GitHub", "cannot be identified")
	got := theRunTitled(t, r, "target", "ok.yml", word)
	if got.Event != "workflow_dispatch" || got.Conclusion != "success" || got.HeadBranch != "main" {
		t.Errorf("the run: %+v", got)
	}
	mustContain(t, jobLog(t, "target", got.ID), "greeting="+word+" count=3 debug=true env=production")
}

// A workflow given by its name is looked up in Gitea's list, whose IDs are file names.
func TestAWorkflowByItsName(t *testing.T) {
	need(t)
	t.Parallel()
	word := unique(t)
	r := cli(t, nil, "trigger", "--repository", repo("target"), "--workflow", "OK", "--inputs", `{"greeting":"`+word+`"}`, "--wait", "completed", "--wait-timeout", "3m")
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.out())
	}
	theRunTitled(t, r, "target", "ok.yml", word)
}

func TestWaitStartedNamesTheRunAtOnce(t *testing.T) {
	need(t)
	t.Parallel()
	word := unique(t)
	r := cli(t, nil, "trigger", "--repository", repo("target"), "--workflow", "ok.yml", "--inputs", `{"greeting":"`+word+`"}`,
		"--wait", "started", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.out())
	}
	var results []struct {
		RunID  int64  `json:"run_id"`
		RunURL string `json:"run_url"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &results); err != nil || len(results) != 1 {
		t.Fatalf("--json: %v\n%s", err, r.stdout)
	}
	runs := titled(runsOf(t, "target", "ok.yml"), word)
	if len(runs) != 1 || results[0].RunID != runs[0].ID || results[0].RunURL != runs[0].HTMLURL {
		t.Fatalf("the step said run %d (%s); Gitea has %+v", results[0].RunID, results[0].RunURL, runs)
	}
	settle(t, "target", runs[0].ID)
}

func TestAFailingRunIsExplained(t *testing.T) {
	need(t)
	t.Parallel()
	r := cli(t, nil, "trigger", "--repository", repo("target"), "--workflow", "fail.yml", "--wait", "completed", "--wait-timeout", "3m", "--log-lines", "3")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", r.code, r.out())
	}
	mustContain(t, r.stderr, `Gitea accepted the event, but the run concluded "failure"`, "job test, step Run the tests failed",
		"Last 3 log lines of job test", "| running 3 tests", "| FAIL: TestAnswer: got 41, want 42", "| ##[error]Process completed with exit code 3.")
	// The runner's own closing lines say nothing of why: they are not among the last lines.
	mustNotContain(t, r.stderr, "Job 'test' failed", "Job failed", "Cleaning up")
}

func TestTwoDispatchesAtOnceEachFindTheirOwnRun(t *testing.T) {
	need(t)
	t.Parallel()
	words := []string{unique(t), unique(t)}
	results := make([]result, 2)
	var wg sync.WaitGroup
	for i, w := range words {
		wg.Go(func() {
			results[i] = cli(t, nil, "trigger", "--repository", repo("target"), "--workflow", "ok.yml", "--inputs", `{"greeting":"`+w+`"}`,
				"--wait", "completed", "--wait-timeout", "3m")
		})
	}
	wg.Wait()
	for i, w := range words {
		if r := results[i]; r.code != 0 {
			t.Fatalf("dispatch %d: exit %d:\n%s", i, r.code, r.out())
		}
		theRunTitled(t, results[i], "target", "ok.yml", w)
	}
}

func TestTargetsOverTwoRepositories(t *testing.T) {
	need(t)
	t.Parallel()
	word := unique(t)
	// other has only .github/workflows, which Gitea then runs (and preflight reads).
	targets := fmt.Sprintf(`[{"repository":%q,"workflow":"ok.yml","inputs":{"greeting":%q}},{"repository":%q,"workflow":"ok.yml","inputs":{"note":%q}}]`,
		repo("target"), word, repo("other"), word)
	r := action(t, map[string]string{"targets": targets, "wait": "completed", "wait-timeout": "3m"})
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.out())
	}
	var results []struct {
		Repository string `json:"repository"`
		RunID      int64  `json:"run_id"`
		Conclusion string `json:"conclusion"`
	}
	if err := json.Unmarshal([]byte(r.outputs["results"]), &results); err != nil || len(results) != 2 {
		t.Fatalf("results: %v\n%s", err, r.outputs["results"])
	}
	for i, name := range []string{"target", "other"} {
		if results[i].Repository != repo(name) || results[i].Conclusion != "success" || results[i].RunID == 0 {
			t.Errorf("results[%d] = %+v", i, results[i])
		}
		if got := settle(t, name, results[i].RunID); got.Conclusion != "success" || got.Event != "workflow_dispatch" {
			t.Errorf("%s's run %d on Gitea: %+v", name, results[i].RunID, got)
		}
	}
	mustContain(t, jobLog(t, "other", results[1].RunID), "note="+word)
	mustContain(t, r.summary, repo("target"), repo("other"), "success")
}

func TestPreflightRefusesWhatGiteaWouldNotCheck(t *testing.T) {
	need(t)
	t.Parallel()
	cases := []struct {
		name       string
		repo, wf   string
		inputs     string
		fragments  []string
		notRunning string // a word no run may carry afterwards
	}{
		{"an input not declared, which Gitea drops", "target", "ok.yml", `{"greeting":"%s","colour":"red"}`,
			[]string{`input "colour" is not declared`, "Gitea would drop it without a word"}, ""},
		{"a required input missing, which Gitea does not check", "target", "ok.yml", `{"count":1,"env":"%s"}`,
			[]string{`input "greeting" is required and has no default, but is not given (Gitea does not check: the run would start without it)`}, ""},
		{"a choice not offered, which Gitea does not check", "target", "ok.yml", `{"greeting":"%s","env":"qa"}`,
			[]string{`input "env" is "qa", not one of its options (staging, production): Gitea would not check it`}, ""},
		{"a workflow without the trigger", "target", "issues.yml", `{"x":"%s"}`,
			[]string{".gitea/workflows/issues.yml on the default branch has no workflow_dispatch trigger: Gitea would refuse the event (422)"}, ""},
		{"a .github workflow where .gitea/workflows exists", "mixed", "ignored.yml", "",
			[]string{"has no workflow ignored.yml on the default branch: Gitea would answer 404", "its workflows there: real.yml"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			word := unique(t)
			args := []string{"trigger", "--repository", repo(tc.repo), "--workflow", tc.wf}
			if tc.inputs != "" {
				args = append(args, "--inputs", fmt.Sprintf(tc.inputs, word))
			}
			r := cli(t, nil, args...)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2 (refused before sending):\n%s", r.code, r.out())
			}
			mustContain(t, r.stderr, append([]string{"not sent: preflight read the receiving workflow"}, tc.fragments...)...)
			mustNotContain(t, r.out(), "attempt 1", "GitHub")
			if len(titled(runsOf(t, "target", "ok.yml"), word)) != 0 {
				t.Errorf("a run carries %q: something was sent", word)
			}
		})
	}
}

func TestRepositoryDispatchIsRefusedInGiteasWords(t *testing.T) {
	need(t)
	t.Parallel()
	for _, mode := range []string{"cli", "action"} {
		var r result
		if mode == "cli" {
			r = cli(t, nil, "trigger", "--repository", repo("target"), "--event-type", "refresh", "--wait", "completed")
		} else {
			r = action(t, map[string]string{"repository": repo("target"), "event-type": "refresh"})
		}
		if r.code != 2 {
			t.Fatalf("%s: exit %d, want 2:\n%s", mode, r.code, r.out())
		}
		mustContain(t, r.out(), "Gitea has no repository_dispatch", "workflow_dispatch")
		mustNotContain(t, r.out(), "GitHub answered", "404", "attempt 1")
	}
}

func TestMessagesNameGitea(t *testing.T) {
	need(t)
	t.Parallel()
	t.Run("a token without write:repository", func(t *testing.T) {
		t.Parallel()
		r := cli(t, []string{"GITHUB_TOKEN=" + gitea.ReadToken}, "trigger", "--repository", repo("target"), "--workflow", "ok.yml", "--inputs", `{"greeting":"x"}`)
		if r.code != 1 {
			t.Fatalf("exit %d:\n%s", r.code, r.out())
		}
		mustContain(t, r.stderr, "Gitea answered 403 Forbidden", "required=[write:repository]",
			"hint: the token may not dispatch to "+repo("target")+": Gitea wants a token with the write:repository scope")
		mustNotContain(t, r.stderr, "GitHub", "Actions: write", "fine-grained")
	})
	t.Run("a token on a Gitea runner that may not write there", func(t *testing.T) {
		t.Parallel()
		r := action(t, map[string]string{"token": gitea.ReadToken, "repository": repo("target"), "workflow": "ok.yml", "inputs": `{"greeting":"x"}`})
		if r.code != 1 {
			t.Fatalf("exit %d:\n%s", r.code, r.out())
		}
		mustContain(t, r.stdout, "Gitea answered 403 Forbidden", "On a Gitea runner, github.token may dispatch only in its own repository and only read others",
			"token: ${{ secrets.DISPATCH_TOKEN }}")
	})
	t.Run("a workflow that does not exist", func(t *testing.T) {
		t.Parallel()
		r := cli(t, nil, "trigger", "--repository", repo("target"), "--workflow", "missing.yml", "--preflight", "off")
		if r.code != 1 {
			t.Fatalf("exit %d:\n%s", r.code, r.out())
		}
		mustContain(t, r.stderr, `Gitea answered 404 Not Found: workflow "missing.yml" doesn't exist`, "Gitea answers 404 when the workflow file missing.yml is not in")
		mustNotContain(t, r.stderr, "GitHub")
	})
	t.Run("a run that does not exist", func(t *testing.T) {
		t.Parallel()
		r := cli(t, nil, "watch", "--repository", repo("target"), "--run-id", "987654")
		if r.code != 1 {
			t.Fatalf("exit %d:\n%s", r.code, r.out())
		}
		mustContain(t, r.stderr, "run 987654 not found in "+repo("target")+": Gitea answered 404 Not Found", "it needs the read:repository scope")
		mustNotContain(t, r.stderr, "GitHub", "Actions: read")
	})
	t.Run("a bad token", func(t *testing.T) {
		t.Parallel()
		r := cli(t, []string{"GITHUB_TOKEN=not-a-token"}, "trigger", "--repository", repo("target"), "--workflow", "ok.yml", "--preflight", "off")
		if r.code != 1 {
			t.Fatalf("exit %d:\n%s", r.code, r.out())
		}
		mustContain(t, r.stderr, "Gitea answered 401 Unauthorized", "the token in GH_TOKEN (or, when it is unset, GITHUB_TOKEN) is invalid")
	})
}

func TestJobsWaitsForTheJobsNamedOnly(t *testing.T) {
	need(t)
	t.Parallel()
	r := cli(t, nil, "trigger", "--repository", repo("target"), "--workflow", "jobs.yml", "--wait", "completed", "--jobs", "build", "--wait-timeout", "3m")
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.out())
	}
	id := ranID(t, r)
	// deploy sleeps 20 s after build: the step returned while the run went on.
	if got := getRun(t, "target", id); got.Status == "completed" {
		t.Errorf("the run had completed when the step returned: it waited for more than build (%+v)", got)
	}
	mustContain(t, r.out(), "build")
	settle(t, "target", id)
}

func TestWatchFollowsARunStartedElsewhere(t *testing.T) {
	need(t)
	t.Parallel()
	var details struct {
		ID int64 `json:"workflow_run_id"`
	}
	if s := api(t, "POST", "/repos/"+repo("target")+"/actions/workflows/ok.yml/dispatches?return_run_details=true",
		map[string]any{"ref": "main", "inputs": map[string]string{"greeting": unique(t)}}, &details); s != 200 {
		t.Fatalf("dispatching: %d", s)
	}
	r := cli(t, nil, "watch", "--repository", repo("target"), "--run-id", strconv.FormatInt(details.ID, 10), "--wait-timeout", "3m")
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.out())
	}
	mustContain(t, r.out(), fmt.Sprintf("Run %d completed: success", details.ID))
}

func TestTheStepsTimeoutAndACancelGiteaCannotDo(t *testing.T) {
	need(t)
	t.Parallel()
	r := cli(t, nil, "trigger", "--repository", repo("target"), "--workflow", "slow.yml", "--wait", "completed", "--wait-timeout", "10s", "--timeout", "40s",
		"--cancel-run", "on-abort")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1:\n%s", r.code, r.out())
	}
	id := ranID(t, r)
	mustContain(t, r.stderr, "when the wait ran out (wait-timeout, or timeout if nearer)",
		fmt.Sprintf("run %d could not be cancelled (--cancel-run on-abort): Gitea has no API to cancel a run (only the run's web page can)", id))
	mustNotContain(t, r.stderr, "404", "GitHub")
	if got := getRun(t, "target", id); got.Status == "completed" && got.Conclusion == "cancelled" {
		t.Errorf("the run was cancelled: %+v", got)
	}
}

func TestACommitStatusOnTheCallersCommit(t *testing.T) {
	need(t)
	t.Parallel()
	var branch struct {
		Commit struct {
			ID string `json:"id"`
		} `json:"commit"`
	}
	if s := api(t, "GET", "/repos/"+repo("host")+"/branches/main", nil, &branch); s != 200 {
		t.Fatalf("reading host's main: %d", s)
	}
	sha := branch.Commit.ID
	ctx := "deploy-" + unique(t)
	r := action(t, map[string]string{"repository": repo("target"), "workflow": "ok.yml", "inputs": `{"greeting":"status"}`, "wait": "completed",
		"wait-timeout": "3m", "status-context": ctx, "status-token": gitea.Token}, "GITHUB_SHA="+sha, "GITHUB_EVENT_NAME=push")
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.out())
	}
	statuses := statusesOf(t, "host", sha)
	var mine []string
	for _, st := range statuses {
		if st.Context == ctx {
			mine = append(mine, st.Status)
			if st.TargetURL != r.outputs["run-url"] {
				t.Errorf("status %s links %q, want the run %q", st.Status, st.TargetURL, r.outputs["run-url"])
			}
		}
	}
	// In the order they were posted: pending with the run's link, then the final one.
	if strings.Join(mine, ",") != "pending,success" {
		t.Errorf("statuses of %q on %s: %v, want pending then success", ctx, sha, mine)
	}
}

// noDetails is a proxy in front of Gitea that plays a Gitea that cannot name the run a
// dispatch started: it drops ?return_run_details (so the real Gitea answers 204), and,
// with version set, answers GET /version with it. It counts the dispatches it passed.
func noDetails(t *testing.T, version string) (api string, dispatches *atomic.Int32) {
	t.Helper()
	target, _ := url.Parse(gitea.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	dispatches = &atomic.Int32{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case version != "" && r.URL.Path == "/api/v1/version":
			fmt.Fprintf(w, `{"version":%q}`, version)
			return
		case strings.HasSuffix(r.URL.Path, "/dispatches"):
			q := r.URL.Query()
			q.Del("return_run_details")
			r.URL.RawQuery = q.Encode()
			dispatches.Add(1)
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/api/v1", dispatches
}

func TestARunNotNamedIsStillFound(t *testing.T) {
	need(t)
	t.Parallel()
	for _, version := range []string{"1.25.0", ""} {
		name := "Gitea " + version + ", which answers 204: the run between the newest before and after"
		if version == "" {
			name = "a Gitea of today behind something that drops the query: the same"
		}
		t.Run(name, func(t *testing.T) { // one after the other: the same workflow
			api, dispatches := noDetails(t, version)
			word := unique(t)
			// word.yml's run-name does not carry the distinct ID: elimination finds the run.
			r := run(t, []string{"GITHUB_TOKEN=" + gitea.Token}, "trigger", "--api-url", api, "--repository", repo("target"), "--workflow", "word.yml",
				"--inputs", `{"word":"`+word+`"}`, "--wait", "completed", "--wait-timeout", "3m")
			if r.code != 0 || dispatches.Load() != 1 {
				t.Fatalf("exit %d, %d dispatches:\n%s", r.code, dispatches.Load(), r.out())
			}
			mustContain(t, r.out(), "Gitea answered 204")
			mustNotContain(t, r.out(), "cannot be identified")
			if got := getRun(t, "target", ranID(t, r)); got.DisplayTitle != "Word "+word || got.Conclusion != "success" {
				t.Errorf("the step reported run %d: %+v, want the one titled %q", ranID(t, r), got, "Word "+word)
			}
		})
	}
	t.Run("with a distinct ID in run-name", func(t *testing.T) {
		t.Parallel()
		api, _ := noDetails(t, "1.25.0")
		word := unique(t)
		r := run(t, []string{"GITHUB_TOKEN=" + gitea.Token}, "trigger", "--api-url", api, "--repository", repo("target"), "--workflow", "ok.yml",
			"--inputs", `{"greeting":"`+word+`"}`, "--add-distinct-id", "--wait", "completed", "--wait-timeout", "3m")
		if r.code != 0 {
			t.Fatalf("exit %d:\n%s", r.code, r.out())
		}
		theRunTitled(t, r, "target", "ok.yml", word)
	})
}
