package app

import (
	"strings"
	"testing"

	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

// TestTargetsSendBothKinds: one step sends a repository_dispatch and a workflow_dispatch,
// each to its own repository, and reports both.
func TestTargetsSendBothKinds(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	f.AddWorkflow("octo/other", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true, Inputs: []string{"env"}})
	run := runActionMode(t, map[string]string{"token": githubfake.TestToken, "api-url": f.URL(), "targets": `
- repository: octo/data
  event-type: fetch-meetup-data
  client-payload: {source: release}
- repository: octo/other
  workflow: deploy.yml
  inputs: {env: prod}
`}, nil)
	if run.code != ExitOK {
		t.Fatalf("exit %d\n%s", run.code, run.stdout)
	}
	ds := f.Dispatches()
	if len(ds) != 1 || ds[0].Repository != "octo/data" || ds[0].EventType != "fetch-meetup-data" || string(ds[0].ClientPayload) != `{"source":"release"}` {
		t.Errorf("repository_dispatch received: %+v", ds)
	}
	var workflowPosts []string
	for _, r := range f.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/dispatches") && strings.Contains(r.Path, "/actions/workflows/") {
			workflowPosts = append(workflowPosts, r.Path+" "+string(r.Body))
		}
	}
	if len(workflowPosts) != 1 || !strings.Contains(workflowPosts[0], "/repos/octo/other/actions/workflows/deploy.yml/dispatches") ||
		!strings.Contains(workflowPosts[0], `"inputs":{"env":"prod"}`) {
		t.Errorf("workflow_dispatch received: %q", workflowPosts)
	}
	rs := results(t, run.outputs)
	if len(rs) != 2 || rs[0]["event"] != "repository_dispatch" || rs[1]["event"] != "workflow_dispatch" || rs[1]["workflow"] != "deploy.yml" {
		t.Errorf("results %v", rs)
	}
	if run.outputs["run-id"] != "" || len(run.outputs) != 2 { // several targets: distinct-id and results only
		t.Errorf("outputs %v", run.outputs)
	}
}

// TestTargetsRefusedWhole: a malformed entry stops the whole step before anything is sent,
// every problem named with its entry's index.
func TestTargetsRefusedWhole(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	run := runCLIMode(t, map[string]string{"GITHUB_TOKEN": githubfake.TestToken}, "trigger", "--api-url", f.URL(), "--targets",
		`[{"repository": "octo/data", "event-type": "a"}, {"repository": "octo/other", "workflow": "d.yml", "client-payload": {"x": 1}}, {"event-type": "c"}]`)
	if run.code != ExitBadInput || len(f.Requests()) != 0 {
		t.Fatalf("exit %d, %d requests\n%s", run.code, len(f.Requests()), run.stderr)
	}
	for _, want := range []string{"error: targets[1].client-payload: is for repository_dispatch", "error: targets[2].repository: is empty", "nothing was sent"} {
		if !strings.Contains(run.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, run.stderr)
		}
	}
}
