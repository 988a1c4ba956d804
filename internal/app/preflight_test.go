package app

import (
	"strings"
	"testing"

	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

// posted are the POSTs the fake received: what preflight must never send.
func posted(f *githubfake.Fake) int { return len(posts(f)) }

// A workflow_dispatch whose inputs break the workflow's declarations is refused before
// anything is sent, every problem named at once with the input, the file and what is
// allowed; exit 2, as bad input.
func TestPreflightRefusesInputsTheWorkflowWouldRefuse(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true,
		Inputs: []string{"env", "dry", "count", "region"}, InputSpecs: map[string]githubfake.Input{
			"env":    {Type: "choice", Options: []string{"staging", "prod"}},
			"dry":    {Type: "boolean"},
			"count":  {Type: "number"},
			"region": {Required: true}}})
	run := runActionMode(t, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "workflow": "deploy.yml", "ref": "main",
		"inputs": `{"env":"qa","dry":"yes","count":"many","colour":"blue"}`, "api-url": f.URL(), "preflight": "check"}, nil)
	for _, want := range []string{
		`.github/workflows/deploy.yml at main: input "colour" is not declared (it declares env, dry, count, region)`,
		`input "env" is "qa", not one of its options (staging, prod)`,
		`input "dry" is "yes", but it is a boolean`,
		"deploy.yml: send true or false",
		`input "count" is "many", but it is a number`,
		`input "region" is required and has no default, but is not given`,
		"preflight: warn sends anyway",
	} {
		if !strings.Contains(run.stdout, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if run.code != ExitBadInput || posted(f) != 0 || !strings.Contains(run.outputs["results"], `"delivery":"not_sent"`) {
		t.Errorf("exit %d, %d POSTs, outputs %v\n%s", run.code, posted(f), run.outputs, run.stdout)
	}
}

// A workflow without workflow_dispatch, and a disabled one, are refused; the same inputs
// GitHub takes are sent.
func TestPreflightWorkflowTriggerAndState(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/push.yml"})
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/off.yml", WorkflowDispatch: true, State: "disabled_manually"})
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/ok.yml", WorkflowDispatch: true, Inputs: []string{"env"},
		InputSpecs: map[string]githubfake.Input{"env": {Type: "choice", Options: []string{"prod"}, Required: true}}})
	for file, want := range map[string]string{
		"push.yml": ".github/workflows/push.yml on the default branch has no workflow_dispatch trigger",
		"off.yml":  ".github/workflows/off.yml is disabled_manually: GitHub would refuse the event\nhint: .github/workflows/off.yml: enable it (the Actions tab, or gh workflow enable)",
		"ok.yml":   "",
	} {
		before := posted(f)
		run := runCLIMode(t, map[string]string{"GH_TOKEN": githubfake.TestToken}, "trigger", "--repository", "octo/data", "--workflow", file,
			"--inputs", `{"env":"prod"}`, "--api-url", f.URL(), "--preflight", "check")
		switch {
		case want == "" && (run.code != ExitOK || posted(f) != before+1):
			t.Errorf("%s: exit %d, %d POSTs\n%s", file, run.code, posted(f)-before, run.stderr)
		case want != "" && (run.code != ExitBadInput || posted(f) != before || !strings.Contains(run.stderr, want)):
			t.Errorf("%s: exit %d, %d POSTs, want %q\n%s", file, run.code, posted(f)-before, want, run.stderr)
		}
	}
}

// repository_dispatch: when no active workflow on the default branch listens for the
// type, the step is refused, naming the types each file does listen for and the disabled
// one; a listening workflow lets it go.
func TestPreflightRepositoryDispatchListeners(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/a.yml", RepositoryDispatch: true, Types: []string{"build", "test"}})
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/b.yml", RepositoryDispatch: true, Types: []string{"deploy"}, State: "disabled_inactivity"})
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/c.yml", WorkflowDispatch: true})
	f.AddWorkflow("octo/other", githubfake.Workflow{Path: ".github/workflows/any.yml", File: "on: [push, repository_dispatch]\njobs: {}\n"})
	run := runActionMode(t, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "event-type": "deploy", "api-url": f.URL(), "preflight": "check"}, nil)
	want := `no active workflow on the default branch listens for repository_dispatch type "deploy", so GitHub would start nothing: ` +
		`.github/workflows/a.yml listens for ["build", "test"], .github/workflows/b.yml listens for ["deploy"] but is disabled_inactivity`
	if run.code != ExitBadInput || posted(f) != 0 || !strings.Contains(run.stdout, want) {
		t.Errorf("exit %d, %d POSTs\n%s", run.code, posted(f), run.stdout)
	}
	run = runActionMode(t, map[string]string{"token": githubfake.TestToken, "repository": "octo/data\nocto/other", "event-type": "build", "api-url": f.URL(), "preflight": "check"}, nil)
	if run.code != ExitOK || len(f.Dispatches()) != 2 {
		t.Errorf("exit %d, %d dispatches\n%s", run.code, len(f.Dispatches()), run.stdout)
	}
}

// All or nothing: every target of the step is checked before any is sent, both kinds
// mixed, and every problem of every target is reported at once; the targets that would
// have been fine are not sent either, and say why.
func TestPreflightAllOrNothing(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	f.AddRepo("octo/site")
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/r.yml", RepositoryDispatch: true, Types: []string{"refresh"}})
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true, Inputs: []string{"env"}})
	f.AddWorkflow("octo/site", githubfake.Workflow{Path: ".github/workflows/r.yml", RepositoryDispatch: true, Types: []string{"refresh"}})
	targets := `[
	  {"repository": "octo/data", "event-type": "refresh"},
	  {"repository": "octo/site", "event-type": "rebuild"},
	  {"repository": "octo/data", "workflow": "deploy.yml", "ref": "main", "inputs": {"envv": "prod"}},
	  {"repository": "octo/site", "event-type": "refresh"}
	]`
	run := runActionMode(t, map[string]string{"token": githubfake.TestToken, "targets": targets, "api-url": f.URL(), "preflight": "check"}, nil)
	for _, want := range []string{`#2 dispatch to octo/site "rebuild"`, `listens for repository_dispatch type "rebuild"`, `#3 dispatch to octo/data deploy.yml@main`,
		`input "envv" is not declared (it declares env)`, "preflight refused another target of this step, and a step sends all of its events or none"} {
		if !strings.Contains(run.stdout, want) {
			t.Errorf("output lacks %q\n%s", want, run.stdout)
		}
	}
	rs := results(t, run.outputs)
	if run.code != ExitBadInput || posted(f) != 0 || len(rs) != 4 || rs[0]["delivery"] != "not_sent" || rs[3]["status"] != "failed" {
		t.Errorf("exit %d, %d POSTs, results %v\n%s", run.code, posted(f), rs, run.stdout)
	}
	// Each repository's workflows were read once: the list and the directory per
	// repository, each file once, although octo/data has two targets.
	var lists, dirs int
	for _, r := range f.Requests() {
		switch {
		case strings.HasSuffix(r.Path, "/actions/workflows"):
			lists++
		case strings.HasSuffix(r.Path, "/contents/.github/workflows"):
			dirs++
		}
	}
	if lists != 2 || dirs != 2 || len(f.Requests()) != 2+2+3+1 {
		t.Errorf("%d lists, %d directories, %d requests in all", lists, dirs, len(f.Requests()))
	}
}

// Never a false block: what cannot be read (a token without Contents: read, a file the
// parser cannot read, an alias bomb, a file over 1 MiB, a rate limit) is a note, and the
// event is sent.
func TestPreflightNeverBlocksOnWhatItCannotRead(t *testing.T) {
	t.Parallel()
	bomb := "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n" +
		"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\non: {repository_dispatch: {types: [*e]}}\n"
	for name, setup := range map[string]func(f *githubfake.Fake) map[string]string{
		"no Contents: read": func(f *githubfake.Fake) map[string]string {
			f.AddToken(githubfake.Token{Value: "github_pat_actions_only", Permissions: map[string]string{"actions": "write"}})
			f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true})
			return map[string]string{"token": "github_pat_actions_only", "workflow": "deploy.yml", "ref": "main", "want": "give the token Contents: read"}
		},
		"not YAML": func(f *githubfake.Fake) map[string]string {
			f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/r.yml", RepositoryDispatch: true, File: "on: [unclosed\n"})
			return map[string]string{"event-type": "e", "want": "could not be read"}
		},
		"alias bomb": func(f *githubfake.Fake) map[string]string {
			f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/r.yml", RepositoryDispatch: true, File: bomb})
			return map[string]string{"event-type": "e", "want": "r.yml (cannot be read"}
		},
		"an on: of 20,000 events": func(f *githubfake.Fake) map[string]string {
			f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/r.yml", RepositoryDispatch: true,
				File: "on:\n" + strings.Repeat("  push:\n", 20000)})
			return map[string]string{"event-type": "e", "want": "has more than 10000 nodes"}
		},
		"over 1 MiB": func(f *githubfake.Fake) map[string]string {
			f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/r.yml", RepositoryDispatch: true,
				File: "on: repository_dispatch\n#" + strings.Repeat("x", 1<<20)})
			return map[string]string{"event-type": "e", "want": "larger than 1048576"}
		},
		"rate limited": func(f *githubfake.Fake) map[string]string {
			f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/r.yml", RepositoryDispatch: true})
			for range 4 {
				f.Script(githubfake.Fault{Path: "/contents/", Status: 403, Header: map[string][]string{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"4102444800"}},
					Body: `{"message":"API rate limit exceeded"}`})
			}
			return map[string]string{"event-type": "e", "want": "rate limit"}
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := githubfake.Standard(t, nil)
			in := map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "api-url": f.URL(), "preflight": "check"}
			for k, v := range setup(f) {
				in[k] = v
			}
			want := in["want"]
			delete(in, "want")
			run := runActionMode(t, in, nil)
			if run.code != ExitOK || posted(f) != 1 || !strings.Contains(run.stdout, "sent without the check") || !strings.Contains(run.stdout, want) {
				t.Errorf("exit %d, %d POSTs, want %q\n%s", run.code, posted(f), want, run.stdout)
			}
		})
	}
}

// warn reports the same findings as warnings and sends; off reads nothing.
func TestPreflightWarnAndOff(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"warn", "off"} {
		f := githubfake.Standard(t, nil)
		run := runActionMode(t, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "event-type": "e", "api-url": f.URL(), "preflight": mode}, nil)
		warned := strings.Contains(run.stdout, "::warning::octo/data \"e\": preflight: no active workflow on the default branch listens for repository_dispatch type \"e\"") &&
			strings.Contains(run.stdout, "sent anyway: preflight is warn")
		if run.code != ExitOK || len(f.Dispatches()) != 1 || warned != (mode == "warn") || (mode == "off") != (len(f.Requests()) == 1) {
			t.Errorf("%s: exit %d, %d requests\n%s", mode, run.code, len(f.Requests()), run.stdout)
		}
	}
	run := runActionMode(t, map[string]string{"repository": "octo/data", "event-type": "e", "preflight": "maybe", "dry-run": "true"}, nil)
	checkBadInput(t, []int(nil), run.code, run.stdout, `input "preflight"`, `"maybe" is not one of check`)
}

// The dry run shows what preflight found, reading (with a token) and never sending, and
// says so; without a token it says that nothing was read.
func TestPreflightInTheDryRun(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	run := runCLIMode(t, map[string]string{"GH_TOKEN": githubfake.TestToken}, "trigger", "--repository", "octo/data", "--event-type", "e",
		"--api-url", f.URL(), "--dry-run", "--preflight", "check")
	if run.code != ExitBadInput || posted(f) != 0 || len(f.Requests()) == 0 || !strings.Contains(run.stderr, `listens for repository_dispatch type "e"`) ||
		!strings.Contains(run.stdout+run.stderr, "the dry run read the receiving workflows (nothing was sent)") {
		t.Errorf("exit %d, %d requests\n%s%s", run.code, len(f.Requests()), run.stdout, run.stderr)
	}
	run = runCLIMode(t, nil, "trigger", "--repository", "octo/data", "--event-type", "e", "--api-url", f.URL(), "--dry-run", "--preflight", "check")
	if run.code != ExitOK || !strings.Contains(run.stdout+run.stderr, "the receiving workflows were not read: a dry run reads them (never sends) only with a token") {
		t.Errorf("exit %d\n%s%s", run.code, run.stdout, run.stderr)
	}
}

// On a server that cannot name the run (Enterprise Server 3.20), the step adds
// distinct_id among the inputs to find it: the workflow must declare it, or the step is
// refused before GitHub refuses the event. On 3.21 GitHub names the run: no need.
func TestPreflightDistinctIDTheStepAdds(t *testing.T) {
	t.Parallel()
	for _, s := range []githubfake.Server{githubfake.GHES320, githubfake.GHES321} {
		f, clock := waitFake(t)
		f.SetServer(s)
		f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true, Inputs: []string{"env"}})
		run := runActionModeClock(t, clock, map[string]string{"token": githubfake.TestToken, "repository": "octo/data", "workflow": "deploy.yml",
			"ref": "main", "inputs": `{"env":"prod"}`, "wait": "completed", "api-url": f.URL(), "preflight": "check"}, nil)
		refused := strings.Contains(run.stdout, "the step adds the input distinct_id to find the run (this server cannot name it), but the workflow does not declare it")
		if refused != (s == githubfake.GHES320) || (run.code == ExitBadInput) != refused || (posted(f) == 0) != refused {
			t.Errorf("%s: exit %d, %d POSTs\n%s", s.Name, run.code, posted(f), run.stdout)
		}
	}
}

// An App's token asks for contents: read and actions: read only as optional permissions:
// an installation without them still sends (preflight then notes what it could not read).
func TestPreflightWithAnAppWithoutContentsRead(t *testing.T) {
	t.Parallel()
	for _, perms := range []map[string]string{{"actions": "write"}, {"actions": "write", "contents": "read"}} {
		f := githubfake.Standard(t, nil)
		f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true})
		f.AddApp(githubfake.App{ID: "424242", PublicKey: &testKey().PublicKey, Installations: map[string]*githubfake.Installation{"octo": {ID: 11, Permissions: perms}}})
		run := runActionMode(t, map[string]string{"repository": "octo/data", "workflow": "deploy.yml", "ref": "main", "api-url": f.URL(),
			"app-id": "424242", "app-private-key": keyPEM(), "preflight": "check"}, nil)
		minted := f.MintedTokens()
		last := minted[len(minted)-1].Permissions
		if run.code != ExitOK || len(acceptedWorkflowDispatches(t, f)) != 1 || last["contents"] != perms["contents"] ||
			strings.Contains(run.stdout, "sent without the check") != (perms["contents"] == "") {
			t.Errorf("%v: exit %d, minted %+v\n%s", perms, run.code, minted, run.stdout)
		}
	}
}

// A token that may read the files but not the workflows list (Contents only, the usual
// token for repository_dispatch) still has the listener checked; that its state could not
// be read is said, and the event is sent.
func TestPreflightWithoutTheWorkflowStates(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	f.AddToken(githubfake.Token{Value: "github_pat_contents_only", Permissions: map[string]string{"contents": "write"}})
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/r.yml", RepositoryDispatch: true, Types: []string{"e"}})
	run := runActionMode(t, map[string]string{"token": "github_pat_contents_only", "repository": "octo/data", "event-type": "e", "api-url": f.URL(), "preflight": "check"}, nil)
	if run.code != ExitOK || len(f.Dispatches()) != 1 || !strings.Contains(run.stdout, "found .github/workflows/r.yml listening, but could not read the workflows' states") {
		t.Errorf("exit %d, %d dispatches\n%s", run.code, len(f.Dispatches()), run.stdout)
	}
	run = runActionMode(t, map[string]string{"token": "github_pat_contents_only", "repository": "octo/data", "event-type": "other", "api-url": f.URL(), "preflight": "check"}, nil)
	if run.code != ExitBadInput || len(f.Dispatches()) != 1 || !strings.Contains(run.stdout, `.github/workflows/r.yml listens for ["e"]`) {
		t.Errorf("exit %d, %d dispatches\n%s", run.code, len(f.Dispatches()), run.stdout)
	}
}
