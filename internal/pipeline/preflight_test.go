package pipeline

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"

	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/dispatch"
	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
	"github.com/MrSunshyne/dispatch-action/internal/preflight"
)

// preflightInputs sends to octo/data with preflight as given, nothing waited for.
func preflightInputs(f *githubfake.Fake, mode string) config.Inputs {
	return config.Inputs{Token: githubfake.TestToken, Repository: "octo/data", APIURL: f.URL(), Preflight: mode}
}

// posted counts the dispatch POSTs the fake received.
func posted(f *githubfake.Fake) int {
	n := 0
	for _, r := range f.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/dispatches") {
			n++
		}
	}
	return n
}

// All or nothing: every target is checked before any is sent, both kinds mixed; each
// refused target fails with its own findings, the others with none, and none is sent.
func TestPreflightAllOrNothing(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	f.AddRepo("octo/site")
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/r.yml", RepositoryDispatch: true, Types: []string{"refresh"}})
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true, Inputs: []string{"env"}})
	f.AddWorkflow("octo/site", githubfake.Workflow{Path: ".github/workflows/r.yml", RepositoryDispatch: true, Types: []string{"refresh"}})
	in := preflightInputs(f, "check")
	in.Repository, in.Targets = "", `[
	  {"repository": "octo/data", "event-type": "refresh"},
	  {"repository": "octo/site", "event-type": "rebuild"},
	  {"repository": "octo/data", "workflow": "deploy.yml", "ref": "main", "inputs": {"envv": "prod"}},
	  {"repository": "octo/site", "event-type": "refresh"}
	]`
	st := Run(t.Context(), build(t, config.ActionMode, in), Options{})
	if !st.Refused || posted(f) != 0 || len(st.Results) != 4 {
		t.Fatalf("refused %v, %d POSTs, %d results", st.Refused, posted(f), len(st.Results))
	}
	wantKinds := [][]preflight.Kind{nil, {preflight.NoListener}, {preflight.Undeclared}, nil}
	for i, r := range st.Results {
		var pe *PreflightError
		if !errors.As(r.Err, &pe) || !errors.Is(r.Err, ErrNotSent) || r.Receipt.Delivery != dispatch.DeliveryNotSent || len(pe.Findings) != len(wantKinds[i]) {
			t.Fatalf("%d: %+v", i, r)
		}
		for j, f := range pe.Findings {
			if f.Kind != wantKinds[i][j] || f.Target != i {
				t.Errorf("%d: finding %+v", i, f)
			}
		}
	}
	if msg := st.Results[0].Error(); msg != "not sent: preflight refused another target of this step, and a step sends all of its events or none" {
		t.Errorf("%q", msg)
	}
	if msg := st.Results[2].Error(); !strings.HasPrefix(msg, `not sent: preflight read the receiving workflow: .github/workflows/deploy.yml at main: input "envv" is not declared (it declares env)`) {
		t.Errorf("%q", msg)
	}
	if c := st.Finish(t.Context()); c.Changed || len(c.Notes) > 0 {
		t.Errorf("%+v", c)
	}
}

// warn sends, with each finding a warning; off reads nothing; what cannot be read is a
// note (never a block) in either.
func TestPreflightWarnOffAndUnread(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"warn", "off"} {
		f := githubfake.Standard(t, nil)
		in := preflightInputs(f, mode)
		in.EventType = "e"
		st := Run(t.Context(), build(t, config.ActionMode, in), Options{})
		warned := len(st.Notes) == 1 && st.Notes[0].Kind == Preflight && st.Notes[0].Finding.Kind == preflight.NoListener && st.Notes[0].Warning()
		if st.Refused || !st.Results[0].OK() || len(f.Dispatches()) != 1 || warned != (mode == "warn") || (mode == "off") != (len(f.Requests()) == 1) {
			t.Errorf("%s: %+v, notes %+v, %d requests", mode, st.Results[0], st.Notes, len(f.Requests()))
		}
	}
	f := githubfake.Standard(t, nil)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/r.yml", RepositoryDispatch: true, File: "on: [unclosed\n"})
	in := preflightInputs(f, "check")
	in.EventType = "e"
	st := Run(t.Context(), build(t, config.ActionMode, in), Options{})
	if st.Refused || len(f.Dispatches()) != 1 || len(st.Notes) != 1 || st.Notes[0].Warning() || st.Notes[0].Finding.Kind != preflight.SomeUnread {
		t.Errorf("%+v, notes %+v", st.Results[0], st.Notes)
	}
}

// The dry run reads the workflows with a token, never sends, refuses as a real step
// would and says it read them; without a token it reads nothing and says so.
func TestPreflightInTheDryRun(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	in := preflightInputs(f, "check")
	in.EventType, in.DryRun = "e", "true"
	st := Run(t.Context(), build(t, config.CLIMode, in), Options{})
	if !st.Refused || posted(f) != 0 || len(f.Requests()) == 0 || len(st.Notes) != 1 || st.Notes[0].Kind != PreflightDryRun {
		t.Errorf("refused %v, %d requests, notes %+v", st.Refused, len(f.Requests()), st.Notes)
	}
	before := len(f.Requests())
	in.Token = ""
	st = Run(t.Context(), build(t, config.CLIMode, in), Options{})
	if st.Refused || len(f.Requests()) != before || len(st.Notes) != 1 || st.Notes[0].Kind != PreflightSkipped {
		t.Errorf("refused %v, %d requests, notes %+v", st.Refused, len(f.Requests())-before, st.Notes)
	}
}

// On a server that cannot name the run (Enterprise Server 3.20) the step adds
// distinct_id among the inputs to find it: the workflow must declare it, or the step is
// refused before GitHub refuses the event. On 3.21 GitHub names the run: no need.
func TestPreflightDistinctIDTheStepAdds(t *testing.T) {
	t.Parallel()
	for _, s := range []githubfake.Server{githubfake.GHES320, githubfake.GHES321} {
		f := githubfake.Standard(t, githubfake.NewClock())
		f.SetServer(s)
		f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true, Inputs: []string{"env"}})
		in := preflightInputs(f, "check")
		in.Workflow, in.Ref, in.WorkflowInputs, in.Wait, in.WaitTimeout, in.DistinctID = "deploy.yml", "main", `{"env":"prod"}`, "started", "1m", "abc"
		st := Run(t.Context(), build(t, config.ActionMode, in), Options{Clock: githubfake.NewClock()})
		var pe *PreflightError
		refused := errors.As(st.Results[0].Err, &pe) && len(pe.Findings) == 1 && pe.Findings[0].Kind == preflight.IDUndeclared
		if refused != (s == githubfake.GHES320) || st.Refused != refused || (posted(f) == 0) != refused {
			t.Errorf("%s: %+v, %d POSTs", s.Name, st.Results[0], posted(f))
		}
	}
}

// An App's token asks for contents: read and actions: read only as optional
// permissions: an installation without them still sends, and preflight notes what it
// could not read.
func TestPreflightWithAnAppWithoutContentsRead(t *testing.T) {
	t.Parallel()
	key := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(appKey())})
	for _, perms := range []map[string]string{{"actions": "write"}, {"actions": "write", "contents": "read"}} {
		f := githubfake.Standard(t, nil)
		f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true})
		f.AddApp(githubfake.App{ID: "424242", PublicKey: &appKey().PublicKey, Installations: map[string]*githubfake.Installation{"octo": {ID: 11, Permissions: perms}}})
		in := preflightInputs(f, "check")
		in.Token, in.AppID, in.AppPrivateKey, in.Workflow, in.Ref = "", "424242", string(key), "deploy.yml", "main"
		st := Run(t.Context(), build(t, config.ActionMode, in), Options{})
		minted := f.MintedTokens()
		last := minted[len(minted)-1].Permissions
		unread := len(st.Notes) == 1 && st.Notes[0].Finding.Kind == preflight.Unread
		if !st.Results[0].OK() || posted(f) != 1 || last["contents"] != perms["contents"] || unread != (perms["contents"] == "") {
			t.Errorf("%v: %+v, minted %+v, notes %+v", perms, st.Results[0], minted, st.Notes)
		}
		st.Finish(t.Context())
	}
}
