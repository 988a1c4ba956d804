package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

const receiverRunName = "Fetch meetup data ${{ github.event.client_payload.distinct_id }}"

// waitFake is a fake whose runs progress on the same virtual clock the action waits on.
func waitFake(t *testing.T) (*githubfake.Fake, *githubfake.Clock) {
	t.Helper()
	clock := githubfake.NewClock()
	return githubfake.Standard(t, clock), clock
}

func results(t *testing.T, out map[string]string) []map[string]any {
	t.Helper()
	var rs []map[string]any
	if err := json.Unmarshal([]byte(out["results"]), &rs); err != nil {
		t.Fatalf("results %q: %v", out["results"], err)
	}
	return rs
}

func TestWaitCompletedRepositoryDispatch(t *testing.T) {
	t.Parallel()
	f, clock := waitFake(t)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/refresh.yml", RepositoryDispatch: true,
		Types: []string{"fetch-meetup-data"}, RunName: receiverRunName, Queued: 40 * time.Second, Running: 5 * time.Minute})
	run := runActionModeClock(t, clock, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "event-type": "fetch-meetup-data",
		"client-payload": `{"source":"test"}`, "api-url": f.URL(), "wait": "completed"}, nil)
	if run.code != ExitOK {
		t.Fatalf("exit %d\n%s", run.code, run.stdout)
	}
	o := run.outputs
	ds := f.Dispatches()
	if len(ds) != 1 {
		t.Fatalf("%d dispatches", len(ds))
	}
	var payload map[string]string
	if err := json.Unmarshal(ds[0].ClientPayload, &payload); err != nil {
		t.Fatal(err)
	}
	if o["distinct-id"] == "" || payload["distinct_id"] != o["distinct-id"] || payload["source"] != "test" {
		t.Errorf("distinct-id %q, payload received %s", o["distinct-id"], ds[0].ClientPayload)
	}
	id, _ := strconv.ParseInt(o["run-id"], 10, 64)
	if !strings.Contains(f.RunTitle(id), o["distinct-id"]) {
		t.Errorf("claimed run %d titled %q", id, f.RunTitle(id))
	}
	if o["run-status"] != "completed" || o["conclusion"] != "success" || !strings.HasSuffix(o["run-url"], "/octo/data/actions/runs/"+o["run-id"]) {
		t.Errorf("outputs %v", o)
	}
	r := results(t, o)[0]
	if r["run_id"] != float64(id) || r["conclusion"] != "success" || r["distinct_id"] != o["distinct-id"] || r["status"] != "dispatched" {
		t.Errorf("results entry %v", r)
	}
	// The URL first thing, then each status change once.
	lines := strings.Split(run.stdout, "\n")
	var runLines []string
	for _, l := range lines {
		if strings.HasPrefix(l, "Run ") {
			runLines = append(runLines, l)
		}
	}
	want := []string{"Run " + o["run-id"] + " is queued: " + o["run-url"], "Run " + o["run-id"] + " is in progress: " + o["run-url"],
		"Run " + o["run-id"] + " completed: success  " + o["run-url"]}
	if strings.Join(runLines, "\n") != strings.Join(want, "\n") {
		t.Errorf("run lines:\n%s\nwant:\n%s", strings.Join(runLines, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(run.summary, o["run-url"]) || !strings.Contains(run.summary, "success") {
		t.Errorf("summary lacks the run:\n%s", run.summary)
	}
}

func TestFailOnConclusion(t *testing.T) {
	t.Parallel()
	for _, fail := range []string{"true", "false"} {
		t.Run("fail-on-conclusion "+fail, func(t *testing.T) {
			t.Parallel()
			f, clock := waitFake(t)
			f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/refresh.yml", RepositoryDispatch: true,
				RunName: receiverRunName, Conclusion: "failure"})
			run := runActionModeClock(t, clock, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "event-type": "e",
				"api-url": f.URL(), "wait": "completed", "fail-on-conclusion": fail}, nil)
			if run.outputs["conclusion"] != "failure" || run.outputs["run-status"] != "completed" {
				t.Errorf("outputs %v", run.outputs)
			}
			if fail == "true" {
				if run.code != ExitFailed || !strings.Contains(run.stdout, "::error title=Run failed::") ||
					!strings.Contains(run.stdout, `the run concluded \"failure\"`) && !strings.Contains(run.stdout, `the run concluded "failure"`) ||
					!strings.Contains(run.stdout, "fail-on-conclusion: false") {
					t.Errorf("exit %d\n%s", run.code, run.stdout)
				}
				return
			}
			if run.code != ExitOK {
				t.Errorf("exit %d with fail-on-conclusion false\n%s", run.code, run.stdout)
			}
		})
	}
}

// A run whose title lacks the ID is never claimed, even when it is the only run of the
// event: the step times out and shows the run-name line the receiver needs.
func TestRunWithoutIDIsNeverClaimed(t *testing.T) {
	t.Parallel()
	f, clock := waitFake(t)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/refresh.yml", RepositoryDispatch: true}) // no run-name
	run := runActionModeClock(t, clock, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "event-type": "e",
		"api-url": f.URL(), "wait": "started", "wait-timeout": "3m"}, nil)
	if run.code != ExitFailed {
		t.Fatalf("exit %d\n%s", run.code, run.stdout)
	}
	if f.Runs() != 1 || run.outputs["run-id"] != "" {
		t.Errorf("%d runs; run-id %q", f.Runs(), run.outputs["run-id"])
	}
	for _, want := range []string{"no run with", "appeared within 3m", "run-name: ${{ github.event.action }} ${{ github.event.client_payload.distinct_id }}"} {
		if !strings.Contains(run.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, run.stdout)
		}
	}
}

// Twenty dispatches in flight at once, to one repository and event, each find their own
// run among the others'.
func TestConcurrentDispatchesFindTheirOwnRuns(t *testing.T) {
	t.Parallel()
	f, clock := waitFake(t)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/refresh.yml", RepositoryDispatch: true, RunName: receiverRunName})
	const n = 20
	var wg sync.WaitGroup
	runs := make([]cliRun, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each step its own time line: one starved by the scheduler does not see the
			// others' waits as its own.
			runs[i] = runCLIModeClock(t, clock.Fork(), map[string]string{"GITHUB_TOKEN": githubfake.TestToken}, "trigger", "--repository", "octo/data",
				"--event-type", "fetch-meetup-data", "--client-payload", fmt.Sprintf(`{"n":%d}`, i), "--api-url", f.URL(), "--wait", "started", "--json")
		}()
	}
	wg.Wait()
	claimed := map[float64]bool{}
	for i, r := range runs {
		if r.code != ExitOK {
			t.Fatalf("dispatch %d: exit %d\n%s", i, r.code, r.stderr)
		}
		var rs []map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &rs); err != nil {
			t.Fatalf("dispatch %d: %q", i, r.stdout)
		}
		id, did := rs[0]["run_id"].(float64), rs[0]["distinct_id"].(string)
		if claimed[id] {
			t.Errorf("run %v claimed twice", id)
		}
		claimed[id] = true
		if title := f.RunTitle(int64(id)); !strings.HasSuffix(title, " "+did) {
			t.Errorf("dispatch %d (distinct ID %s) claimed run %v titled %q", i, did, id, title)
		}
	}
	if len(f.Dispatches()) != n || f.Runs() != n {
		t.Errorf("%d dispatches, %d runs", len(f.Dispatches()), f.Runs())
	}
}

func TestWorkflowDispatchNamesItsRun(t *testing.T) {
	t.Parallel()
	f, clock := waitFake(t)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true, Inputs: []string{"env"}})
	f.AddRef("octo/data", "release")
	run := runActionModeClock(t, clock, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "workflow": "deploy.yml",
		"ref": "release", "inputs": `{"env":"prod"}`, "api-url": f.URL(), "wait": "completed"}, nil)
	if run.code != ExitOK {
		t.Fatalf("exit %d\n%s", run.code, run.stdout)
	}
	reqs := f.Requests()
	var body map[string]any
	if err := json.Unmarshal(reqs[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	if reqs[0].Path != "/repos/octo/data/actions/workflows/deploy.yml/dispatches" || body["ref"] != "release" || body["return_run_details"] != nil ||
		body["inputs"].(map[string]any)["env"] != "prod" || reqs[0].Header.Get("X-GitHub-Api-Version") != "2026-03-10" {
		t.Errorf("first request %s %s under %q", reqs[0].Path, reqs[0].Body, reqs[0].Header.Get("X-GitHub-Api-Version"))
	}
	for _, r := range reqs {
		if strings.HasSuffix(r.Path, "/runs") {
			t.Errorf("listed runs although GitHub named the run: %s", r.Path)
		}
	}
	if run.outputs["run-id"] == "" || run.outputs["conclusion"] != "success" || run.outputs["distinct-id"] != "" {
		t.Errorf("outputs %v", run.outputs)
	}
	if r := results(t, run.outputs)[0]; r["event"] != "workflow_dispatch" || r["workflow"] != "deploy.yml" || r["ref"] != "release" {
		t.Errorf("results %v", r)
	}
}

func TestWorkflowDispatchDefaultBranch(t *testing.T) {
	t.Parallel()
	f, clock := waitFake(t)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true})
	run := runCLIModeClock(t, clock, map[string]string{"GITHUB_TOKEN": githubfake.TestToken}, "trigger", "--repository", "octo/data",
		"--workflow", ".github/workflows/deploy.yml", "--api-url", f.URL())
	if run.code != ExitOK {
		t.Fatalf("exit %d\n%s", run.code, run.stderr)
	}
	reqs := f.Requests()
	if len(reqs) != 2 || reqs[0].Method != "GET" || reqs[0].Path != "/repos/octo/data" || !strings.Contains(string(reqs[1].Body), `"ref":"main"`) {
		t.Errorf("requests: %v", reqs)
	}
	if !strings.Contains(run.stdout, "Dispatched workflow deploy.yml on main in octo/data: GitHub answered 200") {
		t.Errorf("stdout %q", run.stdout)
	}
}

// Enterprise Server 3.20 and older do not know API version 2026-03-10 (400, nothing
// accepted): the event is sent again under 2022-11-28, with the distinct ID among the
// inputs, and the run found by it.
func TestOlderServerFallsBackToCorrelation(t *testing.T) {
	t.Parallel()
	f, clock := waitFake(t)
	f.SetServer(githubfake.GHES320)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true,
		Inputs: []string{"env", "distinct_id"}, RunName: "Deploy ${{ inputs.env }} ${{ inputs.distinct_id }}"})
	run := runActionModeClock(t, clock, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "workflow": "deploy.yml",
		"ref": "main", "inputs": `{"env":"prod"}`, "api-url": f.URL(), "wait": "completed"}, nil)
	if run.code != ExitOK {
		t.Fatalf("exit %d\n%s", run.code, run.stdout)
	}
	var posts []githubfake.Request
	for _, r := range f.Requests() {
		if r.Method == "POST" {
			posts = append(posts, r)
		}
	}
	if len(posts) != 2 || posts[0].Status != 400 || posts[1].Status != 204 || posts[1].Header.Get("X-GitHub-Api-Version") != "2022-11-28" {
		t.Fatalf("posts: %+v", posts)
	}
	var second struct {
		Inputs           map[string]string `json:"inputs"`
		ReturnRunDetails *bool             `json:"return_run_details"`
	}
	if err := json.Unmarshal(posts[1].Body, &second); err != nil {
		t.Fatal(err)
	}
	did := run.outputs["distinct-id"]
	if did == "" || second.Inputs["distinct_id"] != did || second.Inputs["env"] != "prod" || second.ReturnRunDetails != nil {
		t.Errorf("second request %s, distinct-id %q", posts[1].Body, did)
	}
	if a := results(t, run.outputs)[0]["attempts"]; a != float64(2) {
		t.Errorf("attempts %v, want 2 (the refused request and the one sent again)", a)
	}
	id, _ := strconv.ParseInt(run.outputs["run-id"], 10, 64)
	if f.RunTitle(id) != "Deploy prod "+did || run.outputs["conclusion"] != "success" {
		t.Errorf("run %d %q, outputs %v", id, f.RunTitle(id), run.outputs)
	}
}

func TestOlderServerWithoutDistinctIDInput(t *testing.T) {
	t.Parallel()
	f, clock := waitFake(t)
	f.SetServer(githubfake.GHES317)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true})
	run := runActionModeClock(t, clock, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "workflow": "deploy.yml",
		"api-url": f.URL(), "wait": "started"}, nil)
	if run.code != ExitFailed || !strings.Contains(run.stdout, "Unexpected inputs provided") || !strings.Contains(run.stdout, "inputs.distinct_id") {
		t.Errorf("exit %d\n%s", run.code, run.stdout)
	}
}

// Waiting needs Actions: read; the hint says so when the token lacks it.
func TestWaitWithoutActionsRead(t *testing.T) {
	t.Parallel()
	f, clock := waitFake(t)
	f.AddToken(githubfake.Token{Value: "contents-only-token", Permissions: map[string]string{"contents": "write"}})
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/refresh.yml", RepositoryDispatch: true, RunName: receiverRunName})
	run := runActionModeClock(t, clock, map[string]string{"token": "contents-only-token", "repository": "octo/data", "event-type": "e",
		"api-url": f.URL(), "wait": "started", "max-attempts": "1"}, nil)
	if run.code != ExitFailed || len(f.Dispatches()) != 1 {
		t.Fatalf("exit %d, %d dispatches\n%s", run.code, len(f.Dispatches()), run.stdout)
	}
	for _, want := range []string{"GitHub accepted the event, but listing runs", "403", "Actions: read (actions=read)", "permissions: { actions: read }"} {
		if !strings.Contains(run.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, run.stdout)
		}
	}
}

func TestCLIWaitStreamsStatus(t *testing.T) {
	t.Parallel()
	f, clock := waitFake(t)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/refresh.yml", RepositoryDispatch: true, RunName: receiverRunName, Conclusion: "cancelled", Queued: 30 * time.Second, Running: 5 * time.Minute})
	run := runCLIModeClock(t, clock, map[string]string{"GITHUB_TOKEN": githubfake.TestToken}, "trigger", "--repository", "octo/data",
		"--event-type", "e", "--api-url", f.URL(), "--wait", "completed")
	if run.code != ExitFailed {
		t.Fatalf("exit %d\n%s%s", run.code, run.stdout, run.stderr)
	}
	out := run.stdout
	q, p, c := strings.Index(out, " is queued: "), strings.Index(out, " is in progress: "), strings.Index(out, " completed: cancelled")
	if !strings.HasPrefix(out, "Dispatched ") || q <= 0 || p <= q || c <= p {
		t.Errorf("stdout:\n%s", out)
	}
	if !strings.Contains(run.stderr, "--fail-on-conclusion=false") {
		t.Errorf("stderr:\n%s", run.stderr)
	}
}

func TestDryRunWorkflowShowsBothRequests(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	run := runCLIMode(t, nil, "trigger", "--repository", "octo/data", "--workflow", "deploy.yml", "--inputs", `{"env":"prod"}`, "--api-url", f.URL(), "--dry-run")
	if run.code != ExitOK || len(f.Requests()) != 0 {
		t.Fatalf("exit %d, %d requests\n%s", run.code, len(f.Requests()), run.stderr)
	}
	for _, want := range []string{"GET " + f.URL() + "/repos/octo/data\n", "POST " + f.URL() + "/repos/octo/data/actions/workflows/deploy.yml/dispatches\n",
		"X-Github-Api-Version: 2026-03-10\n", `{"ref":"<default branch>","inputs":{"env":"prod"}}`, "stands for the repository's default branch"} {
		if !strings.Contains(run.stdout, want) {
			t.Errorf("dry run lacks %q:\n%s", want, run.stdout)
		}
	}
}

// Cancelling while waiting for the run says the event was delivered, not that it was not.
func TestCancelWhileWaitingForTheRun(t *testing.T) {
	t.Parallel()
	f, clock := waitFake(t)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/refresh.yml", RepositoryDispatch: true, RunName: receiverRunName})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr strings.Builder
	rn := testRunner(func(k string) string { return map[string]string{"GITHUB_TOKEN": githubfake.TestToken}[k] }, &stdout, &stderr)
	rn.clock = signalWhileSleeping{Clock: clock, cancel: cancel}
	code := rn.run(ctx, []string{"trigger", "--repository", "octo/data", "--event-type", "e", "--api-url", f.URL(), "--wait", "completed"})
	if code != ExitFailed || len(f.Dispatches()) != 1 {
		t.Fatalf("exit %d, %d dispatches", code, len(f.Dispatches()))
	}
	if !strings.Contains(stderr.String(), "GitHub accepted the event, but cancelled while waiting for the run") ||
		strings.Contains(stderr.String(), "not delivered") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
}

// A distinct_id the user already passes among the inputs is used, not added twice.
func TestOlderServerKeepsTheUsersDistinctID(t *testing.T) {
	t.Parallel()
	f, clock := waitFake(t)
	f.SetServer(githubfake.GHES318)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true,
		Inputs: []string{"distinct_id"}, RunName: "Deploy ${{ inputs.distinct_id }}"})
	run := runActionModeClock(t, clock, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "workflow": "deploy.yml",
		"inputs": `{"distinct_id":"mine-123"}`, "api-url": f.URL(), "wait": "started"}, nil)
	if run.code != ExitOK || run.outputs["distinct-id"] != "mine-123" {
		t.Fatalf("exit %d, outputs %v\n%s", run.code, run.outputs, run.stdout)
	}
	last := f.Requests()
	for _, r := range last {
		if r.Method == "POST" && r.Status == 204 && strings.Count(string(r.Body), "distinct_id") != 1 {
			t.Errorf("body %s", r.Body)
		}
	}
}

// The runner's clock and GitHub's disagree: the run is found whichever is ahead, because
// the listing's window comes from GitHub's own time (the Date of its answer accepting
// the event), not from the runner's.
func TestRunFoundWhateverTheRunnersClock(t *testing.T) {
	t.Parallel()
	for _, skew := range []time.Duration{-3 * time.Minute, 3 * time.Minute, -45 * time.Minute} {
		for _, server := range []githubfake.Server{githubfake.GitHubCom, githubfake.GHES319} {
			t.Run(fmt.Sprintf("GitHub %s/%s", skew, server.Name), func(t *testing.T) {
				t.Parallel()
				f, clock := waitFake(t)
				f.SetServer(server)
				f.SetClockOffset(skew) // GitHub's clock = the runner's + skew
				f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/refresh.yml", RepositoryDispatch: true, RunName: receiverRunName})
				f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true,
					Inputs: []string{"distinct_id"}, RunName: "Deploy ${{ inputs.distinct_id }}"})
				for _, in := range []map[string]string{{"event-type": "e"}, {"workflow": "deploy.yml", "ref": "main"}} {
					in["token"], in["repository"], in["api-url"], in["wait"] = githubfake.TestToken, "octo/data", f.URL(), "completed"
					run := runActionModeClock(t, clock, in, nil)
					if run.code != ExitOK || run.outputs["conclusion"] != "success" {
						t.Fatalf("%v: exit %d\n%s", in, run.code, run.stdout)
					}
				}
			})
		}
	}
}

// At wait-timeout the step reports what it knew: no run carries the ID (with the run-name
// hint), or the run is still in progress (with its URL), not that GitHub was still
// answering. On the real clock, where the last look meets the deadline.
func TestDeadlineKeepsTheReason(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/refresh.yml", RepositoryDispatch: true})                           // no run-name
	f.AddWorkflow("octo/other", githubfake.Workflow{Path: ".github/workflows/refresh.yml", RepositoryDispatch: true, RunName: receiverRunName, // runs long
		Queued: time.Second, Running: time.Hour})
	for repo, want := range map[string]string{"octo/data": "run-name: ${{ github.event.action }} ${{ github.event.client_payload.distinct_id }}",
		"octo/other": "the run was still in progress after 5s, when the wait ran out (wait-timeout, or timeout if nearer): " + f.URL() + "/octo/other/actions/runs/"} {
		t.Run(repo, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr strings.Builder
			rn := testRunner(func(k string) string { return map[string]string{"GITHUB_TOKEN": githubfake.TestToken}[k] }, &stdout, &stderr)
			rn.clock = ghclient.RealClock{}
			code := rn.run(context.Background(), []string{"trigger", "--repository", repo, "--event-type", "e", "--api-url", f.URL(),
				"--wait", "completed", "--wait-timeout", "5s"})
			if code != ExitFailed || !strings.Contains(stderr.String(), want) || strings.Contains(stderr.String(), "still answering") {
				t.Errorf("exit %d\n%s", code, stderr.String())
			}
		})
	}
}

// TestAddDistinctIDIsReportedForWorkflowDispatch: GitHub names the run, and the ID the
// step added among the inputs is still reported, for receivers to deduplicate on.
func TestAddDistinctIDIsReportedForWorkflowDispatch(t *testing.T) {
	t.Parallel()
	f, clock := waitFake(t)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true, Inputs: []string{"distinct_id"}})
	run := runActionModeClock(t, clock, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "workflow": "deploy.yml",
		"api-url": f.URL(), "add-distinct-id": "true"}, nil)
	rs := results(t, run.outputs)
	if run.code != ExitOK || run.outputs["distinct-id"] == "" || rs[0]["distinct_id"] != run.outputs["distinct-id"] {
		t.Errorf("exit %d, outputs %v\n%s", run.code, run.outputs, run.stdout)
	}
}

// TestARunWaitingForApprovalSaysForWhom: a run held for an environment's reviewers is
// not a hung one: the log and the summary name the environment, who may approve, the
// wait timer and the link, read once; results say waiting_on.
func TestARunWaitingForApprovalSaysForWhom(t *testing.T) {
	t.Parallel()
	f, clock := waitFake(t)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true, Running: time.Minute,
		Approval: &githubfake.Approval{Environment: "production", Users: []string{"octocat"}, Teams: []string{"ops"}, WaitTimer: 5, Waits: 10 * time.Minute}})
	run := runActionModeClock(t, clock, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "workflow": "deploy.yml",
		"api-url": f.URL(), "wait": "completed"}, nil)
	r := results(t, run.outputs)[0]
	if run.code != ExitOK || !strings.Contains(run.stdout, "is waiting for approval of environment production (reviewers: @octocat, team ops; wait timer 5 min) "+f.WebURL()+"/octo/data/deployments/activity_log?environments_filter=production") ||
		fmt.Sprint(r["waiting_on"]) != "[production]" || !strings.Contains(run.summary, "**Waited for approval**") || !strings.Contains(run.summary, "reviewers @octocat, team ops, wait timer 5 min") {
		t.Fatalf("exit %d, %v\n%s\n%s", run.code, r, run.stdout, run.summary)
	}
	reads := 0
	for _, q := range f.Requests() {
		if strings.HasSuffix(q.Path, "/pending_deployments") {
			reads++
		}
	}
	if reads != 1 {
		t.Errorf("pending deployments read %d times, want once", reads)
	}
}

// versionStripper is a proxy in front of the fake that drops X-GitHub-Api-Version, as a
// proxy that passes only the headers it knows does: GitHub then answers as 2022-11-28,
// and a workflow_dispatch sent under 2026-03-10 is answered 204, naming no run.
func versionStripper(t *testing.T, f *githubfake.Fake) string {
	t.Helper()
	target, _ := url.Parse(f.WebURL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Del("X-GitHub-Api-Version")
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + strings.TrimPrefix(f.URL(), f.WebURL())
}

// A server that answers 204 where the run was expected (here GitHub behind a proxy that
// drops the version header) still has its run found: the only run of the workflow, event
// and ref created since the dispatch, by the server's clock.
func TestARunNotNamedIsFoundByElimination(t *testing.T) {
	t.Parallel()
	f, clock := waitFake(t)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true, Inputs: []string{"env"},
		Queued: 3 * time.Second, Running: 10 * time.Second})
	run := runActionModeClock(t, clock, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "workflow": "deploy.yml",
		"inputs": `{"env":"prod"}`, "api-url": versionStripper(t, f), "wait": "completed"}, nil)
	if run.code != ExitOK {
		t.Fatalf("exit %d\n%s", run.code, run.stdout)
	}
	sent := 0
	for _, r := range f.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/dispatches") && r.Status == 204 {
			sent++
		}
	}
	if sent != 1 || run.outputs["run-id"] == "" || run.outputs["conclusion"] != "success" {
		t.Fatalf("%d dispatches accepted, outputs %v\n%s", sent, run.outputs, run.stdout)
	}
	if !strings.Contains(run.stdout, "GitHub answered 204") || strings.Contains(run.stdout, "cannot be identified") {
		t.Errorf("stdout:\n%s", run.stdout)
	}
	listed := false
	for _, r := range f.Requests() {
		listed = listed || strings.Contains(r.Path, "/actions/workflows/deploy.yml/runs") && strings.Contains(r.Query, "branch=main")
	}
	if !listed {
		t.Errorf("the workflow's runs on main were never listed: %v", f.Requests())
	}
}

// Elimination never guesses: when another run of the workflow on the ref started in the
// same seconds, the step says it cannot tell them apart and how to make it tell.
func TestEliminationRefusesToGuess(t *testing.T) {
	t.Parallel()
	f, clock := waitFake(t)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true, Inputs: []string{"env"},
		Running: time.Minute})
	api := versionStripper(t, f)
	// Somebody else's dispatch of the same workflow, a moment before.
	other := runCLIModeClock(t, clock, map[string]string{"GITHUB_TOKEN": githubfake.TestToken}, "trigger", "--api-url", api, "--repository", "octo/data",
		"--workflow", "deploy.yml", "--inputs", `{"env":"staging"}`, "--preflight", "off")
	if other.code != ExitOK {
		t.Fatalf("exit %d\n%s", other.code, other.stderr)
	}
	run := runActionModeClock(t, clock, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "workflow": "deploy.yml",
		"inputs": `{"env":"prod"}`, "api-url": api, "wait": "completed"}, nil)
	if run.code != ExitFailed || run.outputs["run-id"] != "" {
		t.Fatalf("exit %d, run-id %q: it claimed a run\n%s", run.code, run.outputs["run-id"], run.stdout)
	}
	for _, want := range []string{"the run cannot be identified: GitHub accepted the dispatch without naming its run, and 2 runs of the workflow on that ref started since",
		"add-distinct-id: true"} {
		if !strings.Contains(run.stdout, want) {
			t.Errorf("missing %q in:\n%s", want, run.stdout)
		}
	}
}
