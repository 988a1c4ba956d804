// Package commitstatus posts each target's outcome as a commit status on the calling
// workflow's commit (status-context): pending, with the run's link, as soon as the run is
// known; then success when it (or the jobs waited for) succeeded, failure when it
// concluded otherwise, error when there is no conclusion to show (the event was not
// accepted, the run was not found, or the wait ran out). So a pull request shows each
// downstream run as a check of its own, which branch protection can require.
package commitstatus

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/outcome"
	"github.com/MrSunshyne/dispatch-action/internal/runs"
	"github.com/MrSunshyne/dispatch-action/internal/untrusted"
)

// State is a commit status's state.
type State string

// The states GitHub takes.
const (
	Pending State = "pending"
	Success State = "success"
	Failure State = "failure"
	Error   State = "error"
)

// MaxDescription is GitHub's limit on a status's description, in characters.
const MaxDescription = 140

// Poster posts the statuses of one step's targets on one commit. It is safe for
// concurrent use: each target posts its own.
type Poster struct {
	API  *github.Client // the status token's client, for pending statuses
	Repo event.Repo     // of the commit
	SHA  string
	Name string // status-context as given
	// StepURL links a status that has no run to link (the calling workflow run, which
	// explains the failure); "" for none.
	StepURL string
	Targets []event.Target // all the step's targets, to name each one's context by its place

	once     sync.Once
	contexts []string // of each of Targets
	mu       sync.Mutex
	refused  error // set once GitHub refused the credential or its permission: posted no more
}

// Status is one commit status, as posted.
type Status struct {
	State       State  `json:"state"`
	TargetURL   string `json:"target_url,omitempty"`
	Description string `json:"description"`
	Context     string `json:"context"`
}

// Context is the context of the status of the target at index i (event.Target.Index):
// the name given for a single target, else "NAME / owner/name", with the event when the
// repository is named more than once, and the target's place when even that is not
// enough. It depends on the step's targets as given, never on what became of one, so a
// target's final status always replaces its pending one.
func (p *Poster) Context(i int) string {
	p.once.Do(func() { p.contexts = contexts(p.Name, p.Targets) })
	if i < 0 || i >= len(p.contexts) {
		return fmt.Sprintf("%s #%d", p.Name, i+1) // not one of the step's: cannot happen
	}
	return p.contexts[i]
}

// contexts names the status of each of targets.
func contexts(name string, targets []event.Target) []string {
	out := make([]string, len(targets))
	if len(targets) == 1 {
		return []string{name}
	}
	for i, t := range targets {
		out[i] = name + " / " + t.Repo.String()
	}
	for _, add := range []func(int) string{
		func(i int) string { return " " + what(targets[i]) },
		func(i int) string { return fmt.Sprintf(" #%d", i+1) },
	} {
		count := map[string]int{}
		for _, c := range out {
			count[strings.ToLower(c)]++
		}
		for i, c := range out {
			if count[strings.ToLower(c)] > 1 {
				out[i] += add(i)
			}
		}
	}
	for i, c := range out { // GitHub takes a context of at most 255 characters
		if r := []rune(c); len(r) > MaxContextRunes {
			suffix := fmt.Sprintf("… #%d", i+1) // the place keeps it apart from the others cut
			out[i] = string(r[:MaxContextRunes-len([]rune(suffix))]) + suffix
		}
	}
	return out
}

// MaxContextRunes is the longest context GitHub takes.
const MaxContextRunes = 255

// what is the event: its type, or the workflow.
func what(t event.Target) string {
	if t.Event == event.WorkflowDispatch {
		return t.Workflow
	}
	return t.EventType
}

// Pending says the run is under way, linked.
func (p *Poster) Pending(ctx context.Context, r outcome.Result, run runs.Run) (Status, error) {
	desc := fmt.Sprintf("%s: run %d %s", r.Repo, run.ID, statusWords(run.Status))
	return p.post(ctx, p.API, Status{State: Pending, TargetURL: run.HTMLURL, Description: desc, Context: p.Context(r.Index)})
}

// Preview is the pending status of a dry run, which knows no run yet.
func (p *Poster) Preview(ctx context.Context, r outcome.Result) (Status, error) {
	desc := fmt.Sprintf("%s: waiting for the run of %s", r.Repo, what(r.Target))
	return p.post(ctx, p.API, Status{State: Pending, TargetURL: p.StepURL, Description: desc, Context: p.Context(r.Index)})
}

// Final says how the target ended: its state, and a description and link from its
// outcome. It is posted with api, a client of the same token and server as API (one
// bound by the clean-up's budget rather than the step's deadline).
func (p *Poster) Final(ctx context.Context, api *github.Client, r outcome.Result) (Status, error) {
	st := Status{Context: p.Context(r.Index), TargetURL: r.RunURL()}
	subject := fmt.Sprintf("run %d", r.RunID())
	if len(r.Run.Jobs) > 0 {
		subject = "jobs " + runs.JobNames(r.Run.Jobs, 3)
	}
	switch c := r.Run.Conclusion; {
	case c == runs.ConclusionSuccess:
		st.State, st.Description = Success, fmt.Sprintf("%s: %s succeeded", r.Repo, subject)
	case c != "":
		st.State, st.Description = Failure, fmt.Sprintf("%s: %s concluded %s", r.Repo, subject, c)
	default:
		st.State, st.Description = Error, fmt.Sprintf("%s: %s", r.Repo, r.Error())
	}
	if st.TargetURL == "" {
		st.TargetURL = p.StepURL
	}
	return p.post(ctx, api, st)
}

// statusWords is the run's state as a pending status says it: never "is completed" (the
// final status, with the result, follows).
func statusWords(s runs.Status) string {
	switch s {
	case "":
		return "started"
	case runs.StatusCompleted:
		return "completed, its result follows"
	}
	return "is " + s.Words()
}

// post sends one status: its description made one line within GitHub's limit, its link
// only if it is https (or on the API's own origin), as ghclient.WebURL checks. After
// GitHub refused the credential or its permission, nothing more is posted and the refusal
// is returned again.
func (p *Poster) post(ctx context.Context, api *github.Client, st Status) (Status, error) {
	st.Description = clip(untrusted.Line(st.Description, 0), MaxDescription)
	if !ghclient.WebURL(st.TargetURL, api.BaseURL) && st.TargetURL != p.StepURL {
		st.TargetURL = ""
	}
	p.mu.Lock()
	refused := p.refused
	p.mu.Unlock()
	if refused != nil {
		return st, refused
	}
	req, err := api.NewRequest("POST", p.Repo.Path()+"statuses/"+p.SHA, st)
	if err == nil {
		_, err = api.Do(ctx, req, nil)
		err = ghclient.Check(err)
	}
	if err != nil {
		pe := &PostError{Status: st, Repo: p.Repo, SHA: p.SHA, Err: err}
		if pe.Refused() {
			p.mu.Lock()
			p.refused = pe
			p.mu.Unlock()
		}
		err = pe
	}
	return st, err
}

// clip cuts s to at most n characters, marking the cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// PostError says a commit status could not be posted.
type PostError struct {
	Status Status
	Repo   event.Repo
	SHA    string
	Err    error
}

func (e *PostError) Error() string {
	sha := e.SHA
	if len(sha) > 12 {
		sha = sha[:12]
	}
	return fmt.Sprintf("the commit status %q (%s) could not be posted on %s@%s: %v", e.Status.Context, e.Status.State, e.Repo, sha, e.Err)
}

func (e *PostError) Unwrap() error { return e.Err }

// Refused reports whether GitHub refused the token or its permission (401, 403, 404):
// posting again with it would not help.
func (e *PostError) Refused() bool {
	switch ghclient.CauseOf(e.Err).Kind {
	case ghclient.Forbidden, ghclient.NotFound, ghclient.Unauthorized:
		return true
	}
	return false
}
