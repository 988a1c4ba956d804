package commitstatus

import (
	"context"
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
	"github.com/MrSunshyne/dispatch-action/internal/outcome"
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
