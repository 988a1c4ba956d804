package config

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/MrSunshyne/dispatch-action/internal/event"
)

// targetsOnly are inputs with targets and nothing that names a repository or an event.
func targetsOnly(list string) Inputs {
	return Inputs{Token: "ghp_abcdefghijklmnopqrstuvwxyz0123456789", APIURL: "https://api.github.com", Targets: list, DistinctID: "abc"}
}

const mixedJSON = `[
  {"repository": "octo/data", "event-type": "fetch-meetup-data", "client-payload": {"source": "ci", "n": 1.50}},
  {"repository": "https://github.com/octo/site", "workflow": "deploy.yml", "ref": "release/v1", "inputs": {"env": "prod", "dry": true}}
]`

const mixedYAML = `
- repository: octo/data
  event-type: fetch-meetup-data
  client-payload:
    source: ci
    n: 1.50
- repository: https://github.com/octo/site
  workflow: deploy.yml
  ref: release/v1
  inputs: {env: prod, dry: true}
`

func TestTargetsMixBothKindsOfEvent(t *testing.T) {
	t.Parallel()
	want := []event.Target{
		{Repo: event.Repo{Owner: "octo", Name: "data"}, Event: event.RepositoryDispatch, EventType: "fetch-meetup-data",
			ClientPayload: event.Object(`{"distinct_id":"abc-1","source":"ci","n":1.50}`), Inputs: event.EmptyObject, DistinctID: "abc-1", Of: 2},
		{Index: 1, Of: 2, Repo: event.Repo{Owner: "octo", Name: "site"}, Event: event.WorkflowDispatch, Workflow: "deploy.yml", Ref: "release/v1",
			Inputs: event.Object(`{"env":"prod","dry":true}`), DistinctID: "abc-2"},
	}
	for _, form := range []struct{ name, list string }{{"JSON", mixedJSON}, {"YAML", mixedYAML}} {
		in := targetsOnly(form.list)
		in.Wait = "completed"
		c, ps := Build(ActionMode, in)
		if ps != nil {
			t.Fatalf("%s: %v", form.name, ps)
		}
		if !reflect.DeepEqual(c.Targets, want) {
			t.Errorf("%s: targets\n%+v\nwant\n%+v", form.name, c.Targets, want)
		}
	}
}

func TestTargetsPayloadMayBeJSONText(t *testing.T) {
	t.Parallel()
	c, ps := Build(ActionMode, targetsOnly(`
- repository: octo/data
  event-type: e
  client-payload: '{"a": [1, 2]}'
- {repository: octo/data, event-type: f}`))
	if ps != nil {
		t.Fatal(ps)
	}
	if string(c.Targets[0].ClientPayload) != `{"a":[1,2]}` || string(c.Targets[1].ClientPayload) != `{}` || c.Targets[0].DistinctID != "" {
		t.Errorf("%+v", c.Targets)
	}
}

func TestTargetsProblemsNameTheirEntry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, list string
		want       []string // each a problem's full text, in order
	}{
		{"unknown key and missing event", `[{"repository": "octo/data", "payload": {}}]`, []string{
			`targets[0]: has the key "payload": an entry takes repository, event-type, client-payload, workflow, inputs, ref`,
			`targets[0].event-type: is required: the name the receiving workflow lists under repository_dispatch types (or set workflow to send workflow_dispatch)`}},
		{"every entry checked", `[{"repository": "octo/data", "event-type": "ok"}, {"repository": "octo", "workflow": "d.yml", "inputs": {"a": [1]}}, {"repository": "octo/x", "event-type": "e", "ref": "main"}]`, []string{
			`targets[1].repository: "octo" is not of the form owner/name`,
			`targets[1].inputs: input "a" is an array: workflow inputs are strings, numbers or booleans`,
			`targets[2].ref: needs workflow: ref chooses the branch of a workflow_dispatch; repository_dispatch always runs on the default branch`}},
		{"both kinds in one entry", `[{"repository": "octo/data", "event-type": "e", "workflow": "d.yml"}]`, []string{
			`targets[0].event-type: cannot be used together with workflow: event-type is for repository_dispatch, workflow sends workflow_dispatch`}},
		{"payload limit", `[{"repository": "octo/data", "event-type": "e", "client-payload": ` + props(11) + `}]`, []string{
			`targets[0].client-payload: has 11 top-level properties: GitHub allows at most 10 (nest the rest inside one property)`}},
		{"the same event twice", "- {repository: octo/data, event-type: e}\n- {repository: OCTO/Data, event-type: e}", []string{
			`targets[1]: sends the same event to the same repository as targets[0]: remove one`}},
		{"a key twice in JSON", `[{"repository": "octo/data", "repository": "octo/x"}]`, []string{`targets[0]: has the key "repository" twice`}},
		{"not an object", `[{"repository": "octo/data", "event-type": "e"}, "octo/x"]`, []string{
			`targets[1]: is a string, not an object such as {"repository": "owner/name", "event-type": "deploy"}`}},
		{"a payload that is not an object", `[{"repository": "octo/data", "event-type": "e", "client-payload": [1]}]`, []string{
			`targets[0].client-payload: is an array: give an object`}},
		{"a repository that is not text", "- repository: [octo/data]\n  event-type: e", []string{`targets[0].repository: is not text`}},
		{"not a list", `repository: octo/data`, []string{
			`input "targets": is not a list: give a JSON array of objects, or a YAML list of mappings (each entry starting with "- repository: owner/name")`}},
		{"empty", `[]`, []string{
			`input "targets": is an empty list: give at least one entry, such as [{"repository": "owner/name", "event-type": "deploy"}]`}},
		{"a repository on another server", `[{"repository": "https://ghes.example/octo/data", "event-type": "e"}]`, []string{
			`targets[0].repository: "https://ghes.example/octo/data" is a repository on ghes.example, but input "api-url" (https://api.github.com/) is the API of github.com: give owner/name for github.com, or for ghes.example set input "api-url" to https://ghes.example/api/v3`}},
	}
	for _, tt := range tests {
		_, ps := Build(ActionMode, targetsOnly(tt.list))
		var got []string
		for _, p := range ps {
			if p.Input != "targets" {
				t.Errorf("%s: problem of input %q", tt.name, p.Input)
			}
			got = append(got, p.Error())
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

// TestTheSameEntryTwiceIsRefusedWhateverTheWait: each entry gets its own distinct_id when
// the step waits or adds one; two entries are still judged on what the user wrote, so the
// same event is not sent twice. Different IDs the user wrote make different events.
func TestTheSameEntryTwiceIsRefusedWhateverTheWait(t *testing.T) {
	t.Parallel()
	twice := `[{"repository": "octo/data", "workflow": "deploy.yml", "inputs": {"env": "prod"}}, {"repository": "octo/data", "workflow": "deploy.yml", "inputs": {"env":"prod"}},
		{"repository": "octo/data", "event-type": "e", "client-payload": {"a": 1}}, {"repository": "octo/data", "event-type": "e", "client-payload": {"a": 1}}]`
	for _, edit := range []func(*Inputs){
		func(*Inputs) {},
		func(in *Inputs) { in.Wait = "completed" },
		func(in *Inputs) { in.Wait = "started" },
		func(in *Inputs) { in.AddDistinctID = "true" },
	} {
		in := targetsOnly(twice)
		edit(&in)
		_, ps := Build(ActionMode, in)
		if len(ps) != 2 || !strings.Contains(ps[0].Error(), "targets[1]: sends the same event to the same repository as targets[0]") ||
			!strings.Contains(ps[1].Error(), "targets[3]: sends the same event to the same repository as targets[2]") {
			t.Errorf("wait %q, add-distinct-id %q: %v", in.Wait, in.AddDistinctID, ps)
		}
	}
	in := targetsOnly(`[{"repository": "octo/data", "event-type": "e", "client-payload": {"distinct_id": "one"}}, {"repository": "octo/data", "event-type": "e", "client-payload": {"distinct_id": "two"}}]`)
	in.Wait = "completed"
	if c, ps := Build(ActionMode, in); ps != nil || len(c.Targets) != 2 || c.Targets[1].Index != 1 {
		t.Errorf("two IDs the user wrote: %v %v", c, ps)
	}
}

func TestTargetsCannotBeMixedWithTheEventInputs(t *testing.T) {
	t.Parallel()
	in := targetsOnly(mixedJSON)
	in.Repository, in.EventType, in.Workflow, in.ClientPayload, in.WorkflowInputs, in.Ref = "octo/data", "e", "d.yml", "{}", `{"a":"b"}`, "main"
	_, ps := Build(ActionMode, in)
	var inputs []string
	for _, p := range ps {
		inputs = append(inputs, p.Input)
		if !strings.Contains(p.Rule, "cannot be used together with targets") {
			t.Errorf("rule %q", p.Rule)
		}
	}
	if want := []string{"repository", "event-type", "workflow", "ref", "inputs"}; !reflect.DeepEqual(inputs, want) {
		t.Errorf("problems of %v, want %v (an empty client-payload says nothing)", inputs, want)
	}
}

func TestTargetsAliasesCannotBlowUp(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("- repository: octo/data\n  event-type: e\n  client-payload:\n    a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 12; i++ {
		b.WriteString("    a" + string(rune('0'+i%10)) + string(rune('a'+i)) + ": &a" + string(rune('a'+i)) + " [")
		prev := "*a0"
		if i > 1 {
			prev = "*a" + string(rune('a'+i-1))
		}
		b.WriteString(strings.TrimSuffix(strings.Repeat(prev+", ", 10), ", ") + "]\n")
	}
	_, ps := Build(ActionMode, targetsOnly(b.String()))
	if len(ps) != 1 || ps[0].Label != "targets[0].client-payload" || !strings.Contains(ps[0].Rule, "larger than 1 MiB") {
		t.Errorf("problems %v", ps)
	}
}

func TestParseJobs(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][]string{
		"build, test (ubuntu-latest, 20), build": {"build", "test (ubuntu-latest, 20)"},
		"build\n deploy / compile \n\nbuild":     {"build", "deploy / compile"},
		// one name a line: a comma outside parentheses is part of the name
		"Build, test and lint\ndeploy": {"Build, test and lint", "deploy"},
	} {
		if got, err := ParseJobs(in); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %q %v, want %q", in, got, err, want)
		}
	}
	if _, err := ParseJobs("build\x1b[31m"); err == nil {
		t.Error("a control character was accepted")
	}
	in := valid()
	in.Jobs = "build"
	if _, ps := Build(ActionMode, in); len(ps) != 1 || ps[0].Input != "jobs" || !strings.Contains(ps[0].Rule, "needs wait: completed") {
		t.Errorf("jobs without waiting: %v", ps)
	}
	in.Wait = "completed"
	if c, ps := Build(ActionMode, in); ps != nil || !reflect.DeepEqual(c.Jobs, []string{"build"}) {
		t.Errorf("%v %v", c, ps)
	}
}

func TestStatusGoesOnThePullRequestsHead(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	payload := filepath.Join(dir, "event.json")
	head := "0123456789abcdef0123456789abcdef01234567"
	if err := os.WriteFile(payload, []byte(`{"pull_request": {"number": 7, "head": {"sha": "`+head+`", "ref": "feature"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	merge := strings.Repeat("f", 40)
	in := valid()
	in.Wait, in.StatusContext, in.StatusToken = "completed", "deploy", "ghs_statustoken0123456789"
	in.Caller = Caller{ServerURL: "https://github.com", Repository: "octo/app", SHA: merge, EventName: "pull_request", EventPath: payload, RunID: "42"}
	c, ps := Build(ActionMode, in)
	if ps != nil {
		t.Fatal(ps)
	}
	want := &Status{Context: "deploy", Token: "ghs_statustoken0123456789", Repo: event.Repo{Owner: "octo", Name: "app"}, SHA: head,
		StepURL: "https://github.com/octo/app/actions/runs/42", APIURL: mustURL(t, "https://api.github.com/")}
	if !reflect.DeepEqual(c.Status, want) {
		t.Errorf("status %+v, want %+v", c.Status, want)
	}
	in.Caller.EventName = "push"
	if c, _ := Build(ActionMode, in); c.Status.SHA != merge {
		t.Errorf("push: sha %s, want GITHUB_SHA", c.Status.SHA)
	}
}

// mustURL parses a URL a test gives.
func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// writeEvent writes an event's payload, as the runner does, and returns its path.
func writeEvent(t *testing.T, payload string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(path, []byte(payload), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestStatusGoesOnTheEventsCommit: the commit each event is about, from its payload where
// GITHUB_SHA is another one; GITHUB_SHA for push-like events; status-commit over both.
func TestStatusGoesOnTheEventsCommit(t *testing.T) {
	t.Parallel()
	head, tip, given := strings.Repeat("1", 40), strings.Repeat("2", 40), strings.Repeat("3", 40)
	tests := []struct {
		event, payload, want string
	}{
		{"pull_request", `{"pull_request":{"head":{"sha":"` + head + `"}}}`, head},
		{"pull_request_review", `{"pull_request":{"head":{"sha":"` + head + `"}}}`, head},
		{"workflow_run", `{"workflow_run":{"head_sha":"` + head + `","head_branch":"feature"}}`, head},
		{"check_suite", `{"check_suite":{"head_sha":"` + head + `"}}`, head},
		{"check_run", `{"check_run":{"head_sha":"` + head + `"}}`, head},
		{"merge_group", `{"merge_group":{"head_sha":"` + head + `","base_sha":"` + tip + `"}}`, head},
		{"status", `{"sha":"` + head + `","state":"success"}`, head},
		{"push", `{"after":"` + head + `"}`, tip},
		{"workflow_dispatch", `{}`, tip},
		{"release", `{}`, tip},
	}
	for _, tt := range tests {
		in := valid()
		in.Wait, in.StatusContext, in.StatusToken = "completed", "deploy", "ghs_statustoken0123456789"
		in.Caller = Caller{Repository: "octo/app", SHA: tip, EventName: tt.event, EventPath: writeEvent(t, tt.payload)}
		c, ps := Build(ActionMode, in)
		if ps != nil || c.Status.SHA != tt.want {
			t.Errorf("%s: %v %v, want %s", tt.event, c, ps, tt.want)
			continue
		}
		in.StatusCommit = "octo/other@" + given
		if c, ps := Build(ActionMode, in); ps != nil || c.Status.SHA != given || c.Status.Repo.String() != "octo/other" {
			t.Errorf("%s with status-commit: %v %v", tt.event, c, ps)
		}
	}
	in := valid()
	in.Wait, in.StatusContext, in.StatusToken, in.StatusCommit = "completed", "deploy", "ghs_statustoken0123456789", given
	in.Caller = Caller{Repository: "octo/app", SHA: tip, EventName: "issue_comment"}
	if c, ps := Build(ActionMode, in); ps != nil || c.Status.SHA != given {
		t.Errorf("issue_comment with status-commit: %v %v", c, ps)
	}
}

// TestStatusGoesToTheRunnersServer: with the targets on another server (api-url), the
// caller's statuses go to the runner's own API, GITHUB_API_URL; the CLI has one server.
func TestStatusGoesToTheRunnersServer(t *testing.T) {
	t.Parallel()
	in := valid()
	in.Wait, in.StatusContext, in.StatusToken = "completed", "deploy", "ghs_statustoken0123456789"
	in.APIURL = "https://ghes.corp.example/api/v3"
	in.Caller = Caller{Repository: "octo/app", SHA: strings.Repeat("a", 40), EventName: "push", APIURL: "https://api.github.com"}
	c, ps := Build(ActionMode, in)
	if ps != nil || c.Status.APIURL.String() != "https://api.github.com/" || c.APIURL.String() != "https://ghes.corp.example/api/v3/" {
		t.Fatalf("%v %v", c, ps)
	}
	c, ps = Build(CLIMode, in)
	if ps != nil || c.Status.APIURL.String() != "https://ghes.corp.example/api/v3/" {
		t.Fatalf("CLI: %v %v", c, ps)
	}
}

func TestStatusProblems(t *testing.T) {
	t.Parallel()
	base := func() Inputs {
		in := valid()
		in.Wait, in.StatusContext, in.StatusToken = "completed", "deploy", "ghs_statustoken0123456789"
		in.Caller = Caller{Repository: "octo/app", SHA: strings.Repeat("a", 40)}
		return in
	}
	tests := []struct {
		name  string
		mode  Mode
		edit  func(*Inputs)
		input string
		rule  string
	}{
		{"not waiting", ActionMode, func(i *Inputs) { i.Wait = "started" }, "status-context", "needs wait: completed"},
		{"no token", ActionMode, func(i *Inputs) { i.StatusToken = "" }, "status-token", "is empty"},
		{"no token in the CLI", CLIMode, func(i *Inputs) { i.StatusToken = "" }, "status-context", "export GH_TOKEN (or GITHUB_TOKEN)"},
		{"outside a workflow", CLIMode, func(i *Inputs) { i.Caller = Caller{} }, "status-context", "--status-commit OWNER/REPO@SHA"},
		{"a short SHA", CLIMode, func(i *Inputs) { i.StatusCommit = "abc1234" }, "status-commit", "not a full commit SHA"},
		{"a pull request without its payload", ActionMode, func(i *Inputs) { i.Caller.EventName = "pull_request_target" }, "status-commit", "GITHUB_EVENT_PATH is empty"},
		{"an event without a commit of its own", ActionMode, func(i *Inputs) { i.Caller.EventName = "issue_comment" }, "status-commit", "the issue_comment event has no commit of its own"},
		{"the same in the CLI", CLIMode, func(i *Inputs) { i.Caller.EventName = "issues" }, "status-commit", "has no commit of its own"},
		{"a workflow_run without its head", ActionMode, func(i *Inputs) {
			i.Caller.EventName, i.Caller.EventPath = "workflow_run", writeEvent(t, `{"workflow_run":{}}`)
		}, "status-commit", "has no workflow_run.head_sha"},
		{"a runner's API that is not https", ActionMode, func(i *Inputs) { i.Caller.APIURL = "http://ghes.example/api/v3" }, "status-context", "GITHUB_API_URL"},
		{"a repository without a context", CLIMode, func(i *Inputs) { i.StatusContext, i.StatusCommit = "", "octo/app@"+strings.Repeat("a", 40) }, "status-commit", "needs status-context"},
		{"a control character", ActionMode, func(i *Inputs) { i.StatusContext = "deploy\n::error::x" }, "status-context", "control character"},
	}
	for _, tt := range tests {
		in := base()
		tt.edit(&in)
		_, ps := Build(tt.mode, in)
		if len(ps) == 0 || ps[0].Input != tt.input || !strings.Contains(ps[0].Rule, tt.rule) {
			t.Errorf("%s: problems %v, want first one of %s with %q", tt.name, ps, tt.input, tt.rule)
		}
	}
}

// YAML as YAML defines it, and as the user wrote it: a key given twice is refused (as in
// JSON); merge keys bring in another mapping's keys; a number written with a leading zero
// stays as written; a second document is refused, not ignored; text is trimmed as an
// input is.
func TestTargetsInYAMLAsWritten(t *testing.T) {
	t.Parallel()
	problems := map[string]string{
		"- repository: octo/staging\n  event-type: e\n  repository: octo/production":        `targets[0]: has the key "repository" twice`,
		"- repository: octo/a\n  event-type: e\n  client-payload: {a: 1, a: 2}":             `targets[0].client-payload: has the key "a" twice`,
		"- repository: octo/a\n  event-type: e\n---\n- repository: octo/b\n  event-type: e": "holds more than one YAML document",
		"- repository: octo/a\n  event-type: e\n  <<: [1]":                                  "has a merge key (<<) that names no mapping",
	}
	for list, want := range problems {
		if _, ps := Build(ActionMode, targetsOnly(list)); len(ps) != 1 || !strings.Contains(ps[0].Error(), want) {
			t.Errorf("%q: %v, want %q", list, ps, want)
		}
	}
	list := `
- &base
  repository: octo/data
  event-type: "deploy "
  client-payload: &payload {zip: 01234, n: 0.5, big: 0x1F, env: prod}
- <<: *base
  repository: " octo/site "
  client-payload:
    <<: *payload
    env: staging
`
	c, ps := Build(ActionMode, targetsOnly(list))
	if ps != nil {
		t.Fatal(ps)
	}
	if t0, t1 := c.Targets[0], c.Targets[1]; t0.EventType != "deploy" || t1.EventType != "deploy" || t1.Repo.String() != "octo/site" ||
		string(t0.ClientPayload) != `{"zip":"01234","n":0.5,"big":31,"env":"prod"}` || string(t1.ClientPayload) != `{"env":"staging","zip":"01234","n":0.5,"big":31}` {
		t.Errorf("%+v\n%+v\n%s\n%s", t0, t1, t0.ClientPayload, t1.ClientPayload)
	}
}

// Merge keys cannot make a small document large.
func TestMergeKeysAreBounded(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("- repository: octo/a\n  event-type: e\n  client-payload:\n    x0: &m0 {a: 1, b: 2, c: 3, d: 4}\n")
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&b, "    x%d: &m%d {<<: [*m%d, *m%d, *m%d, *m%d, *m%d, *m%d, *m%d, *m%d]}\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	if _, ps := Build(ActionMode, targetsOnly(b.String())); len(ps) != 1 || !strings.Contains(ps[0].Error(), "keys, counting those that merge keys") {
		t.Errorf("%v", ps)
	}
}

// A YAML error points at the line the user wrote it on.
func TestYAMLErrorsPointAtTheirLine(t *testing.T) {
	t.Parallel()
	for list, want := range map[string]string{
		"- repository: octo/a\n  event-type: e\n  client-payload: {a: [1\n": "yaml: line 3: did not find expected ',' or ']'",
		"- repository: octo/a\n  event-type: e\n    x: y\n":                 "yaml: line 3: mapping values are not allowed in this context",
		"- repository: octo/a\n  event-type: e\n- repository: [x\n":         "yaml: line 3: did not find expected ',' or ']'",
	} {
		if _, err := ParseTargetList(list); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", list, err, want)
		}
	}
}
