package commitstatus

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
	"github.com/MrSunshyne/dispatch-action/internal/outcome"
	"github.com/MrSunshyne/dispatch-action/internal/runs"
)

func target(repo string, kind event.Kind, what string) event.Target {
	o, n, _ := strings.Cut(repo, "/")
	t := event.Target{Repo: event.Repo{Owner: o, Name: n}, Event: kind}
	if kind == event.WorkflowDispatch {
		t.Workflow = what
	} else {
		t.EventType = what
	}
	return t
}

func TestContexts(t *testing.T) {
	t.Parallel()
	one := []event.Target{target("o/a", event.RepositoryDispatch, "e")}
	if got := contexts("deploy", one); !reflect.DeepEqual(got, []string{"deploy"}) {
		t.Errorf("one target: %q", got)
	}
	twin := target("o/b", event.RepositoryDispatch, "e")
	twin.ClientPayload = event.Object(`{"x":1}`)
	many := []event.Target{target("o/a", event.RepositoryDispatch, "e"), target("o/b", event.RepositoryDispatch, "e"),
		target("O/B", event.WorkflowDispatch, "deploy.yml"), twin}
	want := []string{"deploy / o/a", "deploy / o/b e #2", "deploy / O/B deploy.yml", "deploy / o/b e #4"}
	if got := contexts("deploy", many); !reflect.DeepEqual(got, want) {
		t.Errorf("contexts %q, want %q", got, want)
	}
}

// TestFinalDescriptionFitsAndStaysOneLine: a long, multi-line error becomes one line of
// at most 140 characters, as GitHub takes it.
func TestFinalDescriptionFitsAndStaysOneLine(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	f.AddRepo("octo/self")
	api := github.NewClient(nil).WithAuthToken(githubfake.TestToken)
	api.BaseURL, _ = url.Parse(f.URL() + "/")
	tg := target("octo/data", event.RepositoryDispatch, "e")
	p := &Poster{API: api, Repo: event.Repo{Owner: "octo", Name: "self"}, SHA: strings.Repeat("a", 40), Name: "deploy",
		StepURL: "https://github.com/octo/self/actions/runs/1", Targets: []event.Target{tg}}
	r := outcome.Result{Target: tg}
	r.Fail(errors.New("GitHub said:\n::error::no\n" + strings.Repeat("é", 300)))
	st, err := p.Final(context.Background(), api, r)
	if err != nil {
		t.Fatal(err)
	}
	got := f.Statuses()
	if len(got) != 1 || got[0].State != "error" || got[0].TargetURL != p.StepURL || got[0].Description != st.Description {
		t.Fatalf("received %+v", got)
	}
	if n := utf8.RuneCountInString(st.Description); n > MaxDescription || strings.ContainsAny(st.Description, "\r\n") {
		t.Errorf("description of %d characters: %q", n, st.Description)
	}
}

// poster posts on octo/self's commit at the fake with token, for targets.
func poster(t *testing.T, f *githubfake.Fake, token string, targets ...event.Target) *Poster {
	t.Helper()
	api := github.NewClient(nil).WithAuthToken(token)
	api.BaseURL, _ = url.Parse(f.URL() + "/")
	for i := range targets {
		targets[i].Index, targets[i].Of = i, len(targets)
	}
	return &Poster{API: api, Repo: event.Repo{Owner: "octo", Name: "self"}, SHA: strings.Repeat("a", 40), Name: "deploy",
		StepURL: "https://github.com/octo/self/actions/runs/1", Targets: targets}
}

// Each state as GitHub receives it: pending with the run's link, then success, failure
// from a conclusion, error without one; a link that is not the server's is dropped.
func TestStates(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	f.AddRepo("octo/self")
	p := poster(t, f, githubfake.TestToken, target("octo/data", event.RepositoryDispatch, "e"), target("octo/site", event.WorkflowDispatch, "ci.yml"))
	runURL := f.WebURL() + "/octo/data/actions/runs/5"
	data := outcome.Result{Target: p.Targets[0]}
	site := outcome.Result{Target: p.Targets[1]}
	ctx := context.Background()
	steps := []func() (Status, error){
		func() (Status, error) { return p.Preview(ctx, site) },
		func() (Status, error) {
			return p.Pending(ctx, data, runs.Run{ID: 5, HTMLURL: runURL, Status: runs.StatusInProgress})
		},
		func() (Status, error) { return p.Pending(ctx, site, runs.Run{ID: 6, HTMLURL: "http://evil.example/x"}) },
		func() (Status, error) {
			return p.Pending(ctx, site, runs.Run{ID: 6, Status: runs.StatusCompleted, Conclusion: runs.ConclusionFailure})
		},
		func() (Status, error) {
			r := data
			r.Run = runs.Outcome{Run: runs.Run{ID: 5, HTMLURL: runURL}, Conclusion: runs.ConclusionSuccess}
			return p.Final(ctx, p.API, r)
		},
		func() (Status, error) {
			r := site
			r.Run = runs.Outcome{Run: runs.Run{ID: 6}, Conclusion: runs.ConclusionFailure, Jobs: []runs.Job{{Name: "build"}}}
			return p.Final(ctx, p.API, r)
		},
	}
	for _, step := range steps {
		if _, err := step(); err != nil {
			t.Fatal(err)
		}
	}
	want := []githubfake.CommitStatus{
		{State: "pending", TargetURL: p.StepURL, Description: "octo/site: waiting for the run of ci.yml", Context: "deploy / octo/site"},
		{State: "pending", TargetURL: runURL, Description: "octo/data: run 5 is in progress", Context: "deploy / octo/data"},
		{State: "pending", Description: "octo/site: run 6 started", Context: "deploy / octo/site"},
		{State: "pending", Description: "octo/site: run 6 completed, its result follows", Context: "deploy / octo/site"},
		{State: "success", TargetURL: runURL, Description: "octo/data: run 5 succeeded", Context: "deploy / octo/data"},
		{State: "failure", TargetURL: p.StepURL, Description: "octo/site: jobs build concluded failure", Context: "deploy / octo/site"},
	}
	got := f.Statuses()
	if len(got) != len(want) {
		t.Fatalf("received %+v", got)
	}
	for i, w := range want {
		g := got[i]
		if g.State != w.State || g.TargetURL != w.TargetURL || g.Description != w.Description || g.Context != w.Context || g.Repository != "octo/self" {
			t.Errorf("status %d: %+v\nwant %+v", i, g, w)
		}
	}
}

// A refused token is asked once: every later status fails with the same refusal, sent
// no more; its warning names the permission in each mode's words.
func TestARefusalIsFinal(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	f.AddRepo("octo/self")
	f.AddToken(githubfake.Token{Value: "ghs_READONLY", Permissions: map[string]string{"contents": "read"}, Kind: "integration"})
	p := poster(t, f, "ghs_READONLY", target("octo/data", event.RepositoryDispatch, "e"))
	r := outcome.Result{Target: p.Targets[0]}
	_, first := p.Pending(context.Background(), r, runs.Run{ID: 5})
	_, second := p.Final(context.Background(), p.API, r)
	var pe *PostError
	if !errors.As(first, &pe) || !pe.Refused() || !errors.Is(second, first) && second.Error() != first.Error() {
		t.Fatalf("first %v, second %v", first, second)
	}
	if n := len(f.Requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	if msg := pe.Error(); !strings.HasPrefix(msg, `the commit status "deploy" (pending) could not be posted on octo/self@aaaaaaaaaaaa: `) || errors.Unwrap(pe) == nil {
		t.Errorf("%q", msg)
	}
	if other := (&PostError{Repo: p.Repo, SHA: "abc", Err: errors.New("x")}); other.Refused() {
		t.Errorf("%v is no refusal", other)
	}
	if p.Context(7) != "deploy #8" {
		t.Errorf("context of no target: %q", p.Context(7))
	}
}

// Each target's context stays within GitHub's 255 characters, and apart from the others.
func TestContextsFitGitHubsLimit(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 100)
	var targets []event.Target
	for range 3 {
		targets = append(targets, event.Target{Repo: event.Repo{Owner: strings.Repeat("o", 39), Name: strings.Repeat("n", 100)},
			Event: event.RepositoryDispatch, EventType: long})
	}
	cs := contexts(long, targets)
	seen := map[string]bool{}
	for i, c := range cs {
		if n := utf8.RuneCountInString(c); n > MaxContextRunes || seen[c] || !strings.HasSuffix(c, fmt.Sprintf("#%d", i+1)) {
			t.Errorf("context %d: %d characters, %q", i, n, c)
		}
		seen[c] = true
	}
}
