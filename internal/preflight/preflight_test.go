package preflight

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
	"github.com/MrSunshyne/dispatch-action/internal/pool"
)

var data = event.Repo{Owner: "octo", Name: "data"}

// checker checks targets against the fake with token, as a step would: one client per
// repository, on the server the step learns.
type checker struct {
	f      *githubfake.Fake
	token  string
	server *ghclient.Server
	addsID bool
	failed error // what the client of every repository fails with, if set
}

func newChecker(t testing.TB) *checker {
	f := githubfake.Standard(t, nil)
	base, _ := url.Parse(f.URL() + "/")
	return &checker{f: f, token: githubfake.TestToken, server: ghclient.NewServer(base)}
}

func (c *checker) check(targets ...event.Target) []Finding {
	for i := range targets {
		targets[i].Index, targets[i].Of = i, len(targets)
		if targets[i].Event == event.WorkflowDispatch && targets[i].Inputs == nil {
			targets[i].Inputs = event.EmptyObject
		}
	}
	base, _ := url.Parse(c.f.URL() + "/")
	return Check(context.Background(), targets, Options{
		Client: func(context.Context, event.Repo) (*github.Client, error) {
			if c.failed != nil {
				return nil, c.failed
			}
			return ghclient.New(ghclient.Options{BaseURL: base, Token: c.token, Server: c.server, Policy: ghclient.Policy{MaxAttempts: 1}}), nil
		},
		Server: c.server, Pool: pool.New(4), AddsDistinctID: func() bool { return c.addsID },
	})
}

func workflow(file string, inputs string) event.Target {
	return event.Target{Repo: data, Event: event.WorkflowDispatch, Workflow: file, Ref: "main", Inputs: event.Object(inputs)}
}

func repository(eventType string) event.Target {
	return event.Target{Repo: data, Event: event.RepositoryDispatch, EventType: eventType}
}

// one is the only finding, of kind.
func one(t *testing.T, fs []Finding, kind Kind) Finding {
	t.Helper()
	if len(fs) != 1 || fs[0].Kind != kind {
		t.Fatalf("findings %+v, want one of kind %d", fs, kind)
	}
	return fs[0]
}

// has reports whether s holds every fragment.
func has(t *testing.T, s string, fragments ...string) {
	t.Helper()
	for _, f := range fragments {
		if !strings.Contains(s, f) {
			t.Errorf("%q lacks %q", s, f)
		}
	}
}

// A workflow that takes what is sent has nothing found, by its file, its ID or its name;
// repository_dispatch with a listener neither. Each repository's workflows are read once.
func TestNothingFoundOfWhatTheServerTakes(t *testing.T) {
	t.Parallel()
	c := newChecker(t)
	c.f.AddWorkflow("octo/data", githubfake.Workflow{ID: 77, Name: "Deploy", Path: ".github/workflows/deploy.yml", WorkflowDispatch: true, Inputs: []string{"env"},
		InputSpecs: map[string]githubfake.Input{"env": {Type: "choice", Options: []string{"prod"}}}})
	c.f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/r.yml", RepositoryDispatch: true, Types: []string{"e"}})
	byName := workflow("Deploy", `{"env":"prod"}`)
	byName.WorkflowByName = true
	fs := c.check(workflow("deploy.yml", `{"env":"prod"}`), workflow("77", `{"env":"prod"}`), byName, repository("e"))
	if len(fs) != 0 {
		t.Errorf("findings %+v", fs)
	}
	var lists, dirs int
	for _, r := range c.f.Requests() {
		switch {
		case strings.HasSuffix(r.Path, "/actions/workflows"):
			lists++
		case strings.HasSuffix(r.Path, "/contents/.github/workflows"):
			dirs++
		}
	}
	// The list, the folder, deploy.yml at main (once for three targets), and the folder's
	// two files on the default branch for the repository_dispatch.
	if lists != 1 || dirs != 1 || len(c.f.Requests()) != 5 {
		t.Errorf("%d lists, %d folders, %d requests", lists, dirs, len(c.f.Requests()))
	}
}

func TestNoTrigger(t *testing.T) {
	t.Parallel()
	c := newChecker(t)
	c.f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/push.yml"})
	f := one(t, c.check(workflow("push.yml", "{}")), NoTrigger)
	if !f.Refuses() || f.File != ".github/workflows/push.yml" || f.Ref != "main" {
		t.Errorf("%+v", f)
	}
	has(t, f.String(), ".github/workflows/push.yml at main has no workflow_dispatch trigger: GitHub would refuse the event (422)")
}

func TestDisabled(t *testing.T) {
	t.Parallel()
	c := newChecker(t)
	c.f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/off.yml", WorkflowDispatch: true, State: "disabled_manually"})
	f := one(t, c.check(workflow("off.yml", "{}")), Disabled)
	if f.State != "disabled_manually" {
		t.Errorf("%+v", f)
	}
	has(t, f.String(), ".github/workflows/off.yml is disabled_manually: GitHub would refuse the event")
}

// Each input a workflow would refuse is its own finding, in the inputs' order, then the
// required ones missing.
func TestInputs(t *testing.T) {
	t.Parallel()
	c := newChecker(t)
	c.f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true,
		Inputs: []string{"env", "dry", "count", "region", "zone"}, InputSpecs: map[string]githubfake.Input{
			"env": {Type: "choice", Options: []string{"staging", "prod"}}, "dry": {Type: "boolean"}, "count": {Type: "number"},
			"region": {Required: true}, "zone": {Required: true, Default: "a"}}})
	fs := c.check(workflow("deploy.yml", `{"env":"qa","dry":"yes","count":"many","colour":"blue","n":1}`))
	want := []struct {
		kind         Kind
		input, value string
		text         string
	}{
		{Undeclared, "colour", "", `input "colour" is not declared (it declares env, dry, count, region, zone): GitHub would answer 422 Unexpected inputs provided`},
		{NotANumber, "count", "many", `input "count" is "many", but it is a number`},
		{NotABoolean, "dry", "yes", `input "dry" is "yes", but it is a boolean`},
		{NotAnOption, "env", "qa", `input "env" is "qa", not one of its options (staging, prod): GitHub would refuse it`},
		{Undeclared, "n", "", `input "n" is not declared`},
		{MissingRequired, "region", "", `input "region" is required and has no default, but is not given`},
	}
	if len(fs) != len(want) {
		t.Fatalf("findings %+v", fs)
	}
	for i, w := range want {
		f := fs[i]
		if f.Kind != w.kind || f.Input != w.input || f.Value != w.value || !f.Refuses() {
			t.Errorf("%d: %+v, want %+v", i, f, w)
		}
		has(t, f.String(), ".github/workflows/deploy.yml at main: "+w.text)
	}
	if fs := c.check(workflow("deploy.yml", `{"env":"prod","dry":true,"count":3,"region":"eu"}`)); len(fs) != 0 {
		t.Errorf("JSON values the declarations allow: %+v", fs)
	}
}

// Where the step adds distinct_id among the inputs, the workflow must declare it; it is
// then not "missing" when required, nor undeclared when the step does not add it.
func TestIDUndeclared(t *testing.T) {
	t.Parallel()
	c := newChecker(t)
	c.f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true})
	c.f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/id.yml", WorkflowDispatch: true, Inputs: []string{"distinct_id"},
		InputSpecs: map[string]githubfake.Input{"distinct_id": {Required: true}}})
	c.addsID = true
	t1, t2 := workflow("deploy.yml", "{}"), workflow("id.yml", "{}")
	t1.DistinctID, t2.DistinctID = "abc", "abc"
	fs := c.check(t1, t2)
	f := one(t, fs, IDUndeclared)
	has(t, f.String(), ".github/workflows/deploy.yml at main: the step adds the input distinct_id to find the run (this server cannot name it), but the workflow does not declare it")
	c.addsID = false
	if fs := c.check(t1); len(fs) != 0 {
		t.Errorf("a server that names the run: %+v", fs)
	}
}

// repository_dispatch: no active workflow on the default branch listening is a refusal
// that names what each file with the trigger listens for, the disabled one among them.
func TestNoListener(t *testing.T) {
	t.Parallel()
	c := newChecker(t)
	c.f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/a.yml", RepositoryDispatch: true, Types: []string{"build", "test"}})
	c.f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/b.yml", RepositoryDispatch: true, Types: []string{"deploy"}, State: "disabled_inactivity"})
	c.f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/c.yml", WorkflowDispatch: true})
	f := one(t, c.check(repository("deploy")), NoListener)
	if !f.Refuses() || f.NoFiles || f.NoTriggers || len(f.Names) != 2 {
		t.Errorf("%+v", f)
	}
	has(t, f.String(), `no active workflow on the default branch listens for repository_dispatch type "deploy", so GitHub would start nothing: `+
		`.github/workflows/a.yml listens for ["build", "test"], .github/workflows/b.yml listens for ["deploy"] but is disabled_inactivity`)
	if fs := c.check(repository("test")); len(fs) != 0 {
		t.Errorf("a listener: %+v", fs)
	}

	none := newChecker(t)
	none.f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/c.yml", WorkflowDispatch: true})
	if f := one(t, none.check(repository("e")), NoListener); !f.NoTriggers || f.NoFiles {
		t.Errorf("%+v", f)
	} else {
		has(t, f.String(), "none of its workflows has on: repository_dispatch")
	}
	empty := newChecker(t)
	if f := one(t, empty.check(repository("e")), NoListener); !f.NoFiles {
		t.Errorf("%+v", f)
	} else {
		has(t, f.String(), "it has no workflow files")
	}
	every := newChecker(t)
	every.f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/any.yml", File: "on: [push, repository_dispatch]\njobs: {}\n"})
	if fs := every.check(repository("anything")); len(fs) != 0 {
		t.Errorf("a listener of every type: %+v", fs)
	}
}

// Never a false block: what cannot be read is said, with why, and refuses nothing.
func TestUnread(t *testing.T) {
	t.Parallel()
	bomb := "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n" +
		"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\non: {repository_dispatch: {types: [*e]}}\n"
	for name, tc := range map[string]struct {
		setup func(c *checker) event.Target
		kind  Kind
		want  string
		cause ghclient.Kind
	}{
		"no Contents: read": {func(c *checker) event.Target {
			c.f.AddToken(githubfake.Token{Value: "github_pat_actions_only", Permissions: map[string]string{"actions": "write"}})
			c.token = "github_pat_actions_only"
			c.f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true})
			return workflow("deploy.yml", "{}")
		}, Unread, "could not read .github/workflows/deploy.yml at main (", ghclient.Forbidden},
		"no client": {func(c *checker) event.Target {
			c.failed = errors.New("no installation")
			return workflow("deploy.yml", "{}")
		}, Unread, "could not read the workflow (no installation): sent without the check", ghclient.KindNone},
		"not in the list": {func(c *checker) event.Target {
			t := workflow("Nope", "{}")
			t.WorkflowByName = true
			return t
		}, Unread, "could not read the workflow (the workflow is not in the workflows list)", ghclient.KindNone},
		"not YAML": {func(c *checker) event.Target {
			c.f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/r.yml", RepositoryDispatch: true, File: "on: [unclosed\n"})
			return repository("e")
		}, SomeUnread, `no workflow that could be read listens for "e", and .github/workflows/r.yml (cannot be read: not YAML`, ghclient.KindNone},
		"an alias bomb": {func(c *checker) event.Target {
			c.f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/r.yml", RepositoryDispatch: true, File: bomb})
			return repository("e")
		}, SomeUnread, "r.yml (cannot be read", ghclient.KindNone},
		"over 1 MiB": {func(c *checker) event.Target {
			c.f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/r.yml", RepositoryDispatch: true, File: "on: repository_dispatch\n#" + strings.Repeat("x", 1<<20)})
			return repository("e")
		}, SomeUnread, "larger than 1048576", ghclient.KindNone},
		"rate limited": {func(c *checker) event.Target {
			c.f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/r.yml", RepositoryDispatch: true})
			for range 4 {
				c.f.Script(githubfake.Fault{Path: "/contents/", Status: 403, Header: map[string][]string{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"4102444800"}},
					Body: `{"message":"API rate limit exceeded"}`})
			}
			return repository("e")
		}, SomeUnread, "r.yml (GitHub answered 403 Forbidden: ", ghclient.RateLimited},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := newChecker(t)
			f := one(t, c.check(tc.setup(c)), tc.kind)
			if f.Refuses() {
				t.Errorf("%+v refuses", f)
			}
			has(t, f.String(), tc.want, "sent without the check")
			if tc.kind == Unread && ghclient.CauseOf(f.Err).Kind != tc.cause {
				t.Errorf("cause %+v, want kind %d", ghclient.CauseOf(f.Err), tc.cause)
			}
		})
	}
}

// A token that may read the files but not the workflows list (Contents only, the usual
// token for repository_dispatch) still has the listener checked; that its state could not
// be read is said.
func TestStatesUnread(t *testing.T) {
	t.Parallel()
	c := newChecker(t)
	c.f.AddToken(githubfake.Token{Value: "github_pat_contents_only", Permissions: map[string]string{"contents": "write"}})
	c.token = "github_pat_contents_only"
	c.f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/r.yml", RepositoryDispatch: true, Types: []string{"e"}})
	f := one(t, c.check(repository("e")), StatesUnread)
	if f.Refuses() || f.File != ".github/workflows/r.yml" || ghclient.CauseOf(f.Err).Kind != ghclient.Forbidden {
		t.Errorf("%+v", f)
	}
	has(t, f.String(), "found .github/workflows/r.yml listening, but could not read the workflows' states")
	if f := one(t, c.check(repository("other")), NoListener); !strings.Contains(f.String(), `.github/workflows/r.yml listens for ["e"]`) {
		t.Errorf("%s", f)
	}
}

// On Gitea a workflow_dispatch is judged by the file Gitea would run: in .gitea/workflows
// where that folder exists (else 404, naming what it holds), else in .github/workflows; an
// undeclared input is one Gitea drops, and a missing one is not checked by it.
func TestGitea(t *testing.T) {
	t.Parallel()
	c := newChecker(t)
	c.server.MayBeGitea()
	c.f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".gitea/workflows/ci.yml", WorkflowDispatch: true, Inputs: []string{"env"},
		InputSpecs: map[string]githubfake.Input{"env": {Required: true}}})
	c.f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true})
	f := one(t, c.check(workflow("deploy.yml", "{}")), NoWorkflowFile)
	if f.Forge != ghclient.Gitea || f.Workflow != "deploy.yml" || len(f.Names) != 1 || f.Names[0] != "ci.yml" {
		t.Errorf("%+v", f)
	}
	has(t, f.String(), "octo/data has no workflow deploy.yml at main: Gitea would answer 404", "its workflows there: ci.yml")
	fs := c.check(workflow("ci.yml", `{"x":"1"}`))
	if len(fs) != 2 || fs[0].Kind != Undeclared || fs[1].Kind != MissingRequired {
		t.Fatalf("%+v", fs)
	}
	has(t, fs[0].String(), ".gitea/workflows/ci.yml at main: input \"x\" is not declared (it declares env): Gitea would drop it without a word")
	has(t, fs[1].String(), "(Gitea does not check: the run would start without it)")

	only := newChecker(t) // no .gitea/workflows: Gitea reads .github/workflows
	only.server.MayBeGitea()
	only.f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true, Inputs: []string{"env"},
		InputSpecs: map[string]githubfake.Input{"env": {Type: "choice", Options: []string{"prod"}}}})
	f = one(t, only.check(workflow("deploy.yml", `{"env":"qa"}`)), NotAnOption)
	has(t, f.String(), ".github/workflows/deploy.yml at main: input \"env\" is \"qa\", not one of its options (prod): Gitea would not check it, and the run would get it")
}

// A finding lists at most maxShown names, and no name breaks its line.
func TestFindingsAreOneLineAndBounded(t *testing.T) {
	t.Parallel()
	var names []string
	for range 25 {
		names = append(names, "a\nb")
	}
	s := Finding{Kind: NoListener, Forge: ghclient.GitHub, EventType: "e", Names: names}.String()
	if strings.Contains(s, "\n") || !strings.HasSuffix(s, "and 5 more") {
		t.Errorf("%q", s)
	}
	if s := (Finding{Kind: 99}).String(); s != "unknown finding 99" {
		t.Errorf("%q", s)
	}
}

// A workflow file that is not on the ref (deploy.yaml for deploy.yml) is refused, naming
// the workflows there, the nearest first; a token that cannot read the repository at all
// is still "could not read", never a refusal.
func TestAMisspelledWorkflowFile(t *testing.T) {
	t.Parallel()
	c := newChecker(t)
	for _, name := range []string{"ci.yml", "deploy.yml", "docs.yml"} {
		c.f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/" + name, WorkflowDispatch: true})
	}
	f := one(t, c.check(workflow("deploy.yaml", "{}")), NoWorkflowFile)
	if !f.Refuses() || len(f.Names) != 3 || f.Names[0] != "deploy.yml" {
		t.Errorf("%+v", f)
	}
	has(t, f.String(), "octo/data has no workflow file .github/workflows/deploy.yaml at main: GitHub would answer 404; its workflows there, the nearest first: deploy.yml, ")

	hidden := newChecker(t)
	hidden.f.AddToken(githubfake.Token{Value: "github_pat_other", Repos: []string{"octo/other"}})
	hidden.token = "github_pat_other"
	if f := one(t, hidden.check(workflow("deploy.yml", "{}")), Unread); f.Refuses() {
		t.Errorf("%+v", f)
	}
}

// Reading stops at the listener: of 30 workflow files, the listener among the first few
// costs one batch of reads, not thirty.
func TestReadsStopAtTheListener(t *testing.T) {
	t.Parallel()
	c := newChecker(t)
	for i := range 30 {
		wf := githubfake.Workflow{Path: fmt.Sprintf(".github/workflows/w%02d.yml", i), WorkflowDispatch: true}
		if i == 2 {
			wf = githubfake.Workflow{Path: wf.Path, RepositoryDispatch: true, Types: []string{"e"}}
		}
		c.f.AddWorkflow("octo/data", wf)
	}
	if fs := c.check(repository("e")); len(fs) != 0 {
		t.Errorf("%+v", fs)
	}
	if n := len(c.f.Requests()); n > 2+filesAtOnce {
		t.Errorf("%d requests for a listener third of 30 files, want at most %d", n, 2+filesAtOnce)
	}
}

// However many workflow files a repository has, preflight reads at most maxFilesPerRepo of
// them; when none of those listens it says so and sends, never refuses.
func TestReadsOfARepositoryAreBounded(t *testing.T) {
	t.Parallel()
	c := newChecker(t)
	for i := range 120 {
		c.f.AddWorkflow("octo/data", githubfake.Workflow{Path: fmt.Sprintf(".github/workflows/w%03d.yml", i), WorkflowDispatch: true})
	}
	f := one(t, c.check(repository("e")), SomeUnread)
	files := 0
	for _, r := range c.f.Requests() {
		if strings.Contains(r.Path, "/contents/.github/workflows/") {
			files++
		}
	}
	if files != maxFilesPerRepo {
		t.Errorf("%d files read, want %d", files, maxFilesPerRepo)
	}
	has(t, f.String(), "not read: preflight reads at most 50 workflow files of a repository")
}

// A fan-out to 40 repositories of 25 workflow files each, none listening, reads at most
// maxReadsPerStep times in all (GitHub's secondary limit is 900 a minute): what the
// budget read whole is judged (refused: nothing listens), the rest "could not read".
func TestReadsOfAStepAreBounded(t *testing.T) {
	t.Parallel()
	c := newChecker(t)
	var targets []event.Target
	for r := range 40 {
		repo := fmt.Sprintf("octo/r%02d", r)
		c.f.AddRepo(repo)
		for i := range 25 {
			c.f.AddWorkflow(repo, githubfake.Workflow{Path: fmt.Sprintf(".github/workflows/w%02d.yml", i), WorkflowDispatch: true})
		}
		t := repository("e")
		t.Repo = event.Repo{Owner: "octo", Name: fmt.Sprintf("r%02d", r)}
		targets = append(targets, t)
	}
	fs := c.check(targets...)
	if n := len(c.f.Requests()); n > maxReadsPerStep {
		t.Errorf("%d requests, want at most %d", n, maxReadsPerStep)
	}
	refused := 0
	for _, f := range fs {
		if f.Refuses() {
			refused++
		}
	}
	// The repositories are read a few at a time, so the budget completes the first ones'
	// verdicts (none listens: refused), and the rest are sent unchecked.
	if len(fs) != 40 || refused < 8 || refused == 40 {
		t.Errorf("%d findings, %d refusals", len(fs), refused)
	}
}

// Input names are matched whatever their case, as GitHub matches a workflow's inputs: no
// false block of Environment sent for environment.
func TestInputNamesIgnoreCase(t *testing.T) {
	t.Parallel()
	c := newChecker(t)
	c.f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true, Inputs: []string{"environment"},
		InputSpecs: map[string]githubfake.Input{"environment": {Type: "choice", Options: []string{"prod"}, Required: true}}})
	if fs := c.check(workflow("deploy.yml", `{"Environment":"prod"}`)); len(fs) != 0 {
		t.Errorf("%+v", fs)
	}
	one(t, c.check(workflow("deploy.yml", `{"ENVIRONMENT":"qa"}`)), NotAnOption)
}
