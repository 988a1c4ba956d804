// Package preflight reads the workflows that are to receive a step's events, before any
// is sent, and says which events would start nothing or be refused: a repository_dispatch
// type no active workflow on the default branch listens for; a workflow_dispatch to a
// workflow without the trigger, disabled, or given inputs it does not declare, a value its
// declaration does not allow, or without a required one. What cannot be read (a token
// without Contents: read, a file this check cannot parse, a rate limit) is said, and
// never blocks: GitHub is the judge of what it accepts.
package preflight

import (
	"context"
	"strings"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/pool"
)

// Options are what the check needs besides the targets.
type Options struct {
	// Client is the client to read repo with (its target's credential); an error is
	// what stops every read of that repository.
	Client func(ctx context.Context, repo event.Repo) (*github.Client, error)
	// Pool is where the reads go, all repositories together (the caller's bound);
	// nil: a pool of DefaultInFlight of their own.
	Pool *pool.Pool
	// Server is what the step knows of the targets' server: which forge it is (Gitea reads
	// .gitea/workflows, and checks less of what it is sent), how it pages lists.
	Server *ghclient.Server
	// AddsDistinctID reports whether a workflow_dispatch carries the step's distinct ID
	// among its inputs (the server cannot name the run): asked once the reads are done,
	// which teach the client what the server is.
	AddsDistinctID func() bool
}

// DefaultInFlight is how many reads go at once: reads are not spaced like content-creating
// requests, and a small bound keeps GitHub's concurrency limits far away.
const DefaultInFlight = 8

// Check reads what the targets need (each repository's workflows once: the list, with
// their states, and the files in two round trips at most) and returns its findings, in
// the targets' order.
func Check(ctx context.Context, targets []event.Target, o Options) []Finding {
	p := o.Pool
	if p == nil {
		p = pool.New(DefaultInFlight)
	}
	repos := map[string]*reads{}
	var order []*reads
	left, turns := newBudget(maxReadsPerStep), pool.New(reposAtOnce)
	for _, t := range targets {
		key := strings.ToLower(t.Repo.String())
		if repos[key] == nil {
			repos[key] = &reads{repo: t.Repo, server: o.Server, forge: o.Server.Forge(), budget: left, turns: turns, files: map[string]*file{}, dirs: map[string]*folder{}}
			order = append(order, repos[key])
		}
		repos[key].targets = append(repos[key].targets, t)
	}
	for _, r := range order {
		p.Later(func() { r.first(ctx, p, o) })
	}
	p.Wait()
	for _, r := range order {
		r.second(ctx, p)
	}
	p.Wait()
	turns.Wait()
	adds := o.AddsDistinctID != nil && o.AddsDistinctID()
	var out []Finding
	for _, t := range targets {
		r := repos[strings.ToLower(t.Repo.String())]
		var fs []Finding
		if t.Event == event.WorkflowDispatch {
			fs = r.judgeWorkflow(t, adds)
		} else if t.Event == event.RepositoryDispatch {
			fs = r.judgeRepository(t)
		}
		out = append(out, fs...)
	}
	return out
}
