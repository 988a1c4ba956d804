// Package workflows is the one home of a repository's workflows as the API shows them:
// the workflows list (List), a workflow found by its name (Named, Find), the folders they
// live in and their files read (ReadDir, ReadFile), and what a file's on: says of the two
// dispatch events (Parse). The sender finds the workflow it dispatches to here, and
// preflight reads what it judges here.
package workflows

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/untrusted"
)

// Where workflow files live: GitHub's folder, and Gitea's, which Gitea reads instead of
// GitHub's wherever it exists.
const (
	Dir      = ".github/workflows"
	GiteaDir = ".gitea/workflows"
)

// Workflow is one entry of a repository's workflows list.
type Workflow struct {
	// ID is what the API's paths name the workflow by: GitHub's number, in digits, or
	// Gitea's file name ("ci.yml"); "" when the entry gave neither.
	ID    string
	Name  string // its name: line (GitHub: its path when it has none)
	Path  string // .github/workflows/ci.yml (Gitea: .gitea/workflows/ci.yml)
	State string // active, disabled_manually, …
}

// Active reports whether the workflow runs when dispatched to ("" when the list did not
// say: then it is taken to be).
func (w Workflow) Active() bool { return w.State == "" || w.State == "active" }

// UnmarshalJSON reads an entry whose id is a number (GitHub) or a string (Gitea).
func (w *Workflow) UnmarshalJSON(b []byte) error {
	var raw struct {
		ID    json.RawMessage `json:"id"`
		Name  string          `json:"name"`
		Path  string          `json:"path"`
		State string          `json:"state"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*w = Workflow{Name: raw.Name, Path: raw.Path, State: raw.State}
	var n int64
	var s string
	switch {
	case json.Unmarshal(raw.ID, &n) == nil && n > 0:
		w.ID = strconv.FormatInt(n, 10)
	case json.Unmarshal(raw.ID, &s) == nil && event.IsWorkflowFile(s) && !strings.ContainsAny(s, "/\\"):
		w.ID = s
	}
	return nil
}

// Named are the listed workflows whose name: is name: those that match it exactly
// (exact), else those that match it ignoring case. A workflow without an ID is none.
func Named(workflows []Workflow, name string) (named []Workflow, exact bool) {
	var folded []Workflow
	for _, w := range workflows {
		switch {
		case w.ID == "":
		case w.Name == name:
			named = append(named, w)
		case strings.EqualFold(w.Name, name):
			folded = append(folded, w)
		}
	}
	if len(named) > 0 {
		return named, true
	}
	return folded, false
}

// ByName is the one workflow a name finds, as the sender finds it (the first exact match,
// else the only one that matches ignoring case); ok is false when none or several do.
func ByName(workflows []Workflow, name string) (w Workflow, ok bool) {
	named, exact := Named(workflows, name)
	if exact || len(named) == 1 {
		return named[0], true
	}
	return Workflow{}, false
}

// maxPages bounds the pages of a repository's workflows list read.
const maxPages = 10

// List lists the repository's workflows, every page (at most maxPages), as the server
// pages them.
func List(ctx context.Context, client *github.Client, server *ghclient.Server, repo event.Repo) ([]Workflow, error) {
	var all []Workflow
	for page := 1; page <= maxPages; {
		req, err := client.NewRequest("GET", repo.Path()+"actions/workflows?"+server.Page(nil, page).Encode(), nil)
		if err != nil {
			return nil, err
		}
		var list struct {
			Workflows []Workflow `json:"workflows"`
		}
		resp, err := client.Do(ctx, req, &list)
		if err != nil {
			return nil, err
		}
		all = append(all, list.Workflows...)
		if resp.NextPage <= page || len(list.Workflows) == 0 {
			break
		}
		page = resp.NextPage
	}
	return all, nil
}

// maxNameRunes caps a workflow's name or path from the server in a message.
const maxNameRunes = 100

// NameError says that no workflow, or more than one, has the name asked for, and which
// names there are.
type NameError struct {
	Name  string
	Names []string // the repository's workflows, as name (path), each one line
	Many  bool     // more than one has the name
}

func (e *NameError) Error() string {
	what := "no workflow is named"
	if e.Many {
		what = "more than one workflow is named"
	}
	list := strings.Join(e.Names, ", ")
	if list == "" {
		list = "none"
	}
	return fmt.Sprintf("%s %q; the repository's workflows: %s", what, e.Name, list)
}

// Find is the workflow of the list whose name: is name (an exact match, else the only one
// that matches ignoring case), or a *NameError.
func Find(workflows []Workflow, name string) (Workflow, error) {
	named, _ := Named(workflows, name)
	if len(named) == 1 {
		return named[0], nil
	}
	var names []string
	for _, w := range workflows[:min(len(workflows), 30)] {
		names = append(names, fmt.Sprintf("%q (%s)", untrusted.Line(w.Name, maxNameRunes), untrusted.Line(w.Path, maxNameRunes)))
	}
	return Workflow{}, &NameError{Name: name, Names: names, Many: len(named) > 1}
}
