package app

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

// scenario is one of the core scenarios, run against every server the fake plays.
type scenario struct {
	name   string
	inputs map[string]string // besides token, repository and api-url
	env    map[string]string // besides the runner's
	code   int
	check  func(t *testing.T, f *githubfake.Fake, s githubfake.Server, run actionRun)
}

// The workflows of the core scenarios: a receiver of repository_dispatch, a deploy
// workflow (by file name or by its name: Deploy app) that hands back outputs, and a
// failing one with a job to explain.
func coreWorkflows(f *githubfake.Fake) {
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/refresh.yml", RepositoryDispatch: true, RunName: receiverRunName})
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", Name: "Deploy app", WorkflowDispatch: true,
		Inputs: []string{"env", "distinct_id"}, RunName: "Deploy ${{ inputs.env }} ${{ inputs.distinct_id }}",
		Artifacts: map[string]map[string]string{"run-outputs": {"outputs.json": `{"version":"1.2.3"}`}}})
	broken := failingTests()
	broken.Path, broken.RepositoryDispatch, broken.WorkflowDispatch = ".github/workflows/broken.yml", false, true
	broken.Inputs, broken.RunName = []string{"distinct_id"}, "Broken ${{ inputs.distinct_id }}"
	f.AddWorkflow("octo/data", broken)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/ci.yml", WorkflowDispatch: true, Inputs: []string{"distinct_id"},
		RunName: "CI ${{ inputs.distinct_id }}", Running: 10 * time.Minute, Jobs: []githubfake.Job{
			{Name: "build (linux)", Finishes: 5 * time.Second, Conclusion: "success"}, {Name: "build (windows)", Finishes: 8 * time.Second, Conclusion: "success"},
			{Name: "publish"}}})
	f.AddRepo("octo/self")
}

var coreScenarios = []scenario{
	{name: "repository_dispatch, wait completed", inputs: map[string]string{"event-type": "e", "wait": "completed"}, code: ExitOK,
		check: func(t *testing.T, f *githubfake.Fake, _ githubfake.Server, run actionRun) {
			if run.outputs["conclusion"] != "success" || run.outputs["run-id"] == "" || len(f.Dispatches()) != 1 {
				t.Errorf("outputs %v, %d dispatches", run.outputs, len(f.Dispatches()))
			}
		}},
	{name: "workflow_dispatch by file name on a ref, wait completed", inputs: map[string]string{"workflow": "deploy.yml", "ref": "main",
		"inputs": `{"env":"prod"}`, "wait": "completed"}, code: ExitOK,
		check: func(t *testing.T, f *githubfake.Fake, s githubfake.Server, run actionRun) {
			accepted := acceptedWorkflowDispatches(t, f)
			// Preflight's reads named the release before this POST: one POST, in the form
			// the server knows (TestOlderServerFallsBackToCorrelation: when the POST is
			// the first request, an older server refuses 2026-03-10 and gets a second).
			current := slices.Contains(s.APIVersions(), githubfake.APIVersion2026)
			if len(accepted) != 1 || len(posts(f)) != 1 || run.outputs["conclusion"] != "success" {
				t.Errorf("%d POSTs (want 1), %d accepted, outputs %v", len(posts(f)), len(accepted), run.outputs)
			}
			if _, asked := accepted[0]["return_run_details"]; asked {
				t.Errorf("accepted body %v", accepted[0])
			}
			if _, named := accepted[0]["inputs"].(map[string]any)["distinct_id"]; named == current {
				t.Errorf("accepted body %v: the distinct ID is added only where GitHub does not name the run", accepted[0])
			}
		}},
	{name: "workflow_dispatch by name, outputs artifact", inputs: map[string]string{"workflow": "Deploy app", "inputs": `{"env":"prod"}`,
		"wait": "completed", "outputs-artifact": "run-outputs"}, code: ExitOK,
		check: func(t *testing.T, f *githubfake.Fake, s githubfake.Server, run actionRun) {
			// The workflow listing named the release: one POST, in the form it knows.
			if accepted := acceptedWorkflowDispatches(t, f); len(accepted) != 1 || len(posts(f)) != 1 {
				t.Errorf("%d POSTs, %d accepted", len(posts(f)), len(accepted))
			}
			if run.outputs["run-outputs"] != `{"version":"1.2.3"}` || run.outputs["conclusion"] != "success" {
				t.Errorf("outputs %v", run.outputs)
			}
		}},
	{name: "a failed run explained", inputs: map[string]string{"workflow": "broken.yml", "wait": "completed", "log-lines": "2"}, code: ExitFailed,
		check: func(t *testing.T, f *githubfake.Fake, _ githubfake.Server, run actionRun) {
			jobs, _ := results(t, run.outputs)[0]["failed_jobs"].([]any)
			if run.outputs["conclusion"] != "failure" || len(jobs) != 1 || !strings.Contains(run.stdout, "failure: parse_test.go:42: TestParse: want 2, got 3") ||
				!strings.Contains(run.stdout, "Last 2 log lines of job test") {
				t.Errorf("outputs %v\n%s", run.outputs, run.stdout)
			}
		}},
	{name: "both kinds in one step (targets)", inputs: map[string]string{"repository": "", "wait": "started", "targets": `[
		{"repository": "octo/data", "event-type": "e"}, {"repository": "octo/data", "workflow": "deploy.yml", "inputs": {"env": "prod"}}]`}, code: ExitOK,
		check: func(t *testing.T, f *githubfake.Fake, _ githubfake.Server, run actionRun) {
			rs := results(t, run.outputs)
			if len(f.Dispatches()) != 1 || len(acceptedWorkflowDispatches(t, f)) != 1 || len(rs) != 2 || rs[0]["run_id"] == nil || rs[1]["run_id"] == nil {
				t.Errorf("%d dispatches, results %v", len(f.Dispatches()), rs)
			}
		}},
	{name: "the jobs named, with a commit status", inputs: map[string]string{"workflow": "ci.yml", "wait": "completed", "jobs": "build",
		"status-context": "ci", "status-token": githubfake.TestToken}, env: map[string]string{"GITHUB_SHA": strings.Repeat("c", 40)}, code: ExitOK,
		check: func(t *testing.T, f *githubfake.Fake, _ githubfake.Server, run actionRun) {
			sts := f.Statuses()
			if run.outputs["conclusion"] != "success" || run.outputs["run-status"] != "in_progress" || len(sts) != 2 ||
				sts[0].State != "pending" || sts[1].State != "success" || sts[1].TargetURL != run.outputs["run-url"] {
				t.Errorf("outputs %v, statuses %+v", run.outputs, sts)
			}
		}},
	{name: "GitHub App, both dispatches", inputs: map[string]string{"app-id": "424242", "event-type": "e", "wait": "started"}, code: ExitOK,
		check: func(t *testing.T, f *githubfake.Fake, _ githubfake.Server, run actionRun) {
			if len(f.MintedTokens()) != 1 || len(f.Revoked()) != 1 || len(f.Dispatches()) != 1 || run.outputs["run-id"] == "" {
				t.Errorf("%d minted, %d revoked, %d dispatches, outputs %v", len(f.MintedTokens()), len(f.Revoked()), len(f.Dispatches()), run.outputs)
			}
		}},
}

// The core scenarios run against github.com and each Enterprise Server release the fake
// plays, which answer as their descriptions (and observed behaviour) say: the action
// delivers each event exactly once, in the form that server accepts, and follows its run.
func TestCoreScenariosOnEachServer(t *testing.T) {
	t.Parallel()
	for _, s := range githubfake.Servers {
		for _, sc := range coreScenarios {
			t.Run(s.Name+"/"+sc.name, func(t *testing.T) {
				t.Parallel()
				f, clock := waitFake(t)
				f.SetServer(s)
				coreWorkflows(f)
				f.AddApp(githubfake.App{ID: "424242", PublicKey: &testKey().PublicKey, Installations: map[string]*githubfake.Installation{
					"octo": {ID: 11, Permissions: map[string]string{"contents": "write", "actions": "write", "checks": "read"}}}})
				in := map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "api-url": f.URL(), "preflight": "check"}
				for k, v := range sc.inputs {
					in[k] = v
				}
				if in["app-id"] != "" {
					in["app-private-key"] = keyPEM()
				}
				run := runActionModeClock(t, clock, in, sc.env)
				if run.code != sc.code {
					t.Fatalf("exit %d, want %d\n%s", run.code, sc.code, run.stdout)
				}
				sc.check(t, f, s, run)
			})
		}
	}
}

// Enterprise Server before 3.20 takes 10 inputs. Once an answer named the release, more
// are not sent; the failure says why and what to do.
func TestInputsLimitOfOlderEnterpriseServer(t *testing.T) {
	t.Parallel()
	f, clock := waitFake(t)
	f.SetServer(githubfake.GHES318)
	var names []string
	inputs := map[string]string{}
	for _, n := range strings.Fields("a b c d e f g h i j") {
		names, inputs[n] = append(names, n), "x"
	}
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true, Inputs: append(names, "distinct_id")})
	b, _ := json.Marshal(inputs)
	run := runActionModeClock(t, clock, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "workflow": "deploy.yml",
		"inputs": string(b), "api-url": f.URL(), "wait": "started"}, nil)
	if run.code != ExitFailed || len(posts(f)) != 0 || f.Runs() != 0 {
		t.Fatalf("exit %d, %d POSTs\n%s", run.code, len(posts(f)), run.stdout)
	}
	for _, want := range []string{"GitHub Enterprise Server 3.18 takes at most 10 workflow inputs, and this dispatch has 11, distinct_id (added to find the run) included",
		`send fewer in input "inputs"`} {
		if !strings.Contains(run.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, run.stdout)
		}
	}
	// Without waiting, no distinct_id is added: ten inputs go.
	run = runActionModeClock(t, clock, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "workflow": "deploy.yml",
		"inputs": string(b), "api-url": f.URL()}, nil)
	if run.code != ExitOK || f.Runs() != 1 {
		t.Errorf("ten inputs: exit %d\n%s", run.code, run.stdout)
	}
}

// posts are the POSTs the fake received to dispatch endpoints.
func posts(f *githubfake.Fake) []githubfake.Request {
	var out []githubfake.Request
	for _, r := range f.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/dispatches") {
			out = append(out, r)
		}
	}
	return out
}

// acceptedWorkflowDispatches are the bodies of the workflow_dispatch POSTs the fake
// accepted.
func acceptedWorkflowDispatches(t *testing.T, f *githubfake.Fake) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range posts(f) {
		if r.Status < 300 && strings.Contains(r.Path, "/actions/workflows/") {
			var b map[string]any
			if err := json.Unmarshal(r.Body, &b); err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
	}
	return out
}

// An answer announcing a deprecation becomes one warning per operation, with GitHub's
// date and link, however many targets met it; the step still succeeds.
func TestDeprecationIsOneWarningPerOperation(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	f.Deprecate("/dispatches")
	f.AddRepo("octo/site")
	f.AddRepo("other/mirror")
	run := runActionMode(t, map[string]string{"token": githubfake.TestToken, "repository": "octo/data\nocto/site\nother/mirror", "event-type": "e",
		"api-url": f.URL()}, nil)
	want := "is deprecated; it is scheduled to be removed on 2028-03-10 (https://docs.github.com/en/rest/about-the-rest-api/api-versions)."
	if run.code != ExitOK || len(f.Dispatches()) != 3 || strings.Count(run.stdout, "::warning::GitHub says POST /repos/{owner}/{repo}/dispatches under API version") != 1 || !strings.Contains(run.stdout, want) {
		t.Errorf("exit %d, %d dispatches:\n%s", run.code, len(f.Dispatches()), run.stdout)
	}
	cli := runCLIMode(t, map[string]string{"GH_TOKEN": githubfake.TestToken}, "trigger", "--repository", "octo/data", "--event-type", "e", "--api-url", f.URL())
	if cli.code != ExitOK || !strings.Contains(cli.stderr, "GitHub says POST /repos/{owner}/{repo}/dispatches under API version") {
		t.Errorf("exit %d:\n%s%s", cli.code, cli.stdout, cli.stderr)
	}
}
