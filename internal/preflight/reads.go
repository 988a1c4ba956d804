package preflight

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/pool"
	"github.com/MrSunshyne/dispatch-action/internal/workflows"
)

// reads is what was read of one repository, for all its targets.
type reads struct {
	repo    event.Repo
	targets []event.Target
	server  *ghclient.Server
	forge   ghclient.Forge
	client  *github.Client
	err     error // no client: nothing of the repository was read

	budget *budget // the step's reads left
	// turns are the repositories whose files are read at once: a step's budget completes
	// the verdicts of its first repositories rather than none.
	turns *pool.Pool

	mu      sync.Mutex
	list    []workflows.Workflow // the workflows list: paths and states
	listErr error
	dirs    map[string]*folder // the workflow folders listed, by path@ref
	files   map[string]*file   // by path@ref ("" ref: the default branch)
}

// folder is a workflow folder as listed at a ref: its workflow files' names.
type folder struct {
	names []string
	err   error
}

// file is one workflow file read, and what its on: says.
type file struct {
	path, ref string
	trig      workflows.Triggers
	err       error
}

func fileKey(path, ref string) string { return path + "@" + ref }

// first is the first round trip: the client, then at once the workflows list, the
// workflows directory (for repository_dispatch) and each workflow_dispatch file named
// by its file.
func (r *reads) first(ctx context.Context, p *pool.Pool, o Options) {
	if r.client, r.err = o.Client(ctx, r.repo); r.err != nil {
		return
	}
	p.Later(func() {
		list, err := []workflows.Workflow(nil), r.budget.take()
		if err == nil {
			list, err = workflows.List(ctx, r.client, r.server, r.repo)
		}
		r.mu.Lock()
		r.list, r.listErr = list, ghclient.Check(err)
		r.mu.Unlock()
	})
	for _, t := range r.targets {
		switch {
		case r.forge == ghclient.Gitea && t.Event == event.WorkflowDispatch:
			// Which folder Gitea reads at the ref: .gitea/workflows, where it exists.
			p.Later(func() { r.readDir(ctx, workflows.GiteaDir, t.Ref) })
		case t.Event == event.RepositoryDispatch:
			p.Later(func() { r.readDir(ctx, workflows.Dir, "") })
		case t.Event == event.WorkflowDispatch && fileOf(t) != "":
			p.Later(func() { r.read(ctx, fileOf(t), t.Ref) })
		}
	}
}

var errPending = errors.New("not read yet")

// fileOf is the path of the workflow a workflow_dispatch names by its file name (config
// keeps only the name, "deploy.yml"); "" when named by ID or by name.
func fileOf(t event.Target) string {
	if t.WorkflowByName {
		return ""
	}
	return workflows.FileOf(t.Workflow)
}

// readDir lists the workflow files of a folder at ref ("": the default branch), once.
func (r *reads) readDir(ctx context.Context, dir, ref string) {
	f := &folder{err: errPending}
	if !claim(r, r.dirs, fileKey(dir, ref), f) {
		return
	}
	names, err := []string(nil), r.budget.take()
	if err == nil {
		names, err = workflows.ReadDir(ctx, r.client, r.repo, dir, ref)
	}
	r.mu.Lock()
	f.names, f.err = names, err
	r.mu.Unlock()
}

// claim records v under key in m unless something is there already, and reports whether
// it did: then the caller reads it, once.
func claim[T any](r *reads, m map[string]*T, key string, v *T) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if m[key] != nil {
		return false
	}
	m[key] = v
	return true
}

// dir is what was read of a folder at ref: its files, and why it could not be read.
func (r *reads) dir(dir, ref string) ([]string, error) {
	if f := r.dirs[fileKey(dir, ref)]; f != nil {
		return f.names, f.err
	}
	return nil, errPending
}

// read reads one workflow file at ref, once, in this goroutine's turn.
func (r *reads) read(ctx context.Context, p, ref string) {
	f := &file{path: p, ref: ref, err: errPending}
	if !claim(r, r.files, fileKey(p, ref), f) {
		return
	}
	trig, err := workflows.Triggers{}, r.budget.take()
	if err == nil {
		trig, err = workflows.ReadFile(ctx, r.client, r.repo, p, ref)
	}
	r.mu.Lock()
	f.trig, f.err = trig, err
	r.mu.Unlock()
}

// second is the second round trip: the files the first one named, for
// repository_dispatch (every workflow file on the default branch) and for a
// workflow_dispatch named by its ID or its name (the list gives its path).
func (r *reads) second(ctx context.Context, p *pool.Pool) {
	if r.err != nil {
		return
	}
	if r.forge == ghclient.Gitea {
		for _, t := range r.targets {
			if file, _ := r.giteaFile(t); t.Event == event.WorkflowDispatch && file != "" {
				p.Later(func() { r.read(ctx, file, t.Ref) })
			}
		}
		return
	}
	candidates := r.candidates() // read before any read below starts, as the maps are
	var missing []string         // the refs where a file named was not found
	for _, t := range r.targets {
		if f := r.files[fileKey(fileOf(t), t.Ref)]; t.Event == event.WorkflowDispatch && f != nil && ghclient.CauseOf(f.err).Kind == ghclient.NotFound {
			missing = append(missing, t.Ref)
		}
	}
	for _, ref := range missing {
		// The file is not there, or the token cannot read the repository: the folder at
		// the ref tells which.
		p.Later(func() { r.readDir(ctx, workflows.Dir, ref) })
	}
	if slices.ContainsFunc(r.targets, func(t event.Target) bool { return t.Event == event.RepositoryDispatch }) && len(candidates) > 0 {
		r.turns.Later(func() { r.readUntilHeard(ctx, p, candidates) })
	}
	for _, t := range r.targets {
		if w := r.listed(t); t.Event == event.WorkflowDispatch && fileOf(t) == "" && w != nil {
			p.Later(func() { r.read(ctx, w.Path, t.Ref) })
		}
	}
}

// candidates are the files a repository_dispatch may start: those in the directory, or,
// when it could not be read, the list's paths under .github/workflows.
func (r *reads) candidates() []string {
	names, err := r.dir(workflows.Dir, "")
	if err == nil || names != nil {
		return names
	}
	var out []string
	for _, w := range r.list {
		if path.Dir(w.Path) == workflows.Dir {
			out = append(out, w.Path)
		}
	}
	return out
}

// giteaFile is the path of a workflow_dispatch target's file as Gitea reads it at the
// target's ref: in .gitea/workflows where that folder exists, else in .github/workflows
// (Gitea reads it only then); "" when that cannot be told. missing: .gitea/workflows
// exists there and holds no such file, so Gitea would answer 404.
func (r *reads) giteaFile(t event.Target) (p string, missing bool) {
	name := t.Workflow
	if t.WorkflowByName {
		w := r.listed(t)
		if w == nil {
			return "", false
		}
		name = path.Base(w.Path)
	}
	names, err := r.dir(workflows.GiteaDir, t.Ref)
	switch {
	case err == nil && slices.Contains(names, workflows.GiteaDir+"/"+name):
		return workflows.GiteaDir + "/" + name, false
	case err == nil:
		return "", true
	case ghclient.CauseOf(err).Kind == ghclient.NotFound:
		return workflows.Dir + "/" + name, false
	}
	return "", false
}

// listed is the list's entry for a workflow_dispatch target's workflow: by path, by ID,
// or by name as the send finds it (workflows.ByName); nil when not found.
func (r *reads) listed(t event.Target) *workflows.Workflow {
	if t.WorkflowByName {
		if w, ok := workflows.ByName(r.list, t.Workflow); ok {
			return &w
		}
		return nil
	}
	for i, w := range r.list {
		if w.Path == fileOf(t) || w.ID == t.Workflow {
			return &r.list[i]
		}
	}
	return nil
}

// Bounds on what preflight reads, so that its reads cost little of GitHub's limits: a
// repository's files are read a few at a time until every repository_dispatch type sent
// there has an active listener, at most maxFilesPerRepo of them; and a step reads at most
// maxReadsPerStep times in all (GitHub's secondary limit: 900 points a minute, a GET is
// one). What is not read is "could not read", and the event is sent unchecked.
const (
	filesAtOnce     = 4
	reposAtOnce     = 2
	maxFilesPerRepo = 50
	maxReadsPerStep = 400
)

// errManyFiles and errBudget are why preflight chose not to read a file or list.
var (
	errManyFiles = fmt.Errorf("not read: preflight reads at most %d workflow files of a repository", maxFilesPerRepo)
	errBudget    = fmt.Errorf("not read: preflight reads at most %d times a step, well within GitHub's secondary rate limit", maxReadsPerStep)
)

// budget is the reads a step has left; safe for concurrent use.
type budget struct{ left atomic.Int64 }

func newBudget(n int) *budget {
	b := &budget{}
	b.left.Store(int64(n))
	return b
}

// take takes one read, or says why there is none left.
func (b *budget) take() error {
	if b == nil || b.left.Add(-1) >= 0 {
		return nil
	}
	return errBudget
}

// readUntilHeard reads repository_dispatch's candidate files in batches of filesAtOnce,
// in order, each read in a place of the step's pool p, until every type sent to the
// repository has an active listener among those read; the rest are not read.
func (r *reads) readUntilHeard(ctx context.Context, p *pool.Pool, candidates []string) {
	batch := pool.New(filesAtOnce)
	for start := 0; start < len(candidates); start += filesAtOnce {
		if start >= maxFilesPerRepo || r.heard() {
			r.skip(candidates[start:], errManyFiles)
			return
		}
		for _, name := range candidates[start:min(start+filesAtOnce, len(candidates), maxFilesPerRepo)] {
			batch.Later(func() { _ = p.Do(ctx, func() error { r.read(ctx, name, ""); return nil }) })
		}
		batch.Wait()
	}
}

// heard reports whether every repository_dispatch type sent to the repository has an
// active listener among the files read.
func (r *reads) heard() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	states := map[string]string{}
	for _, w := range r.list {
		states[w.Path] = w.State
	}
	for _, t := range r.targets {
		if t.Event != event.RepositoryDispatch {
			continue
		}
		if !slices.ContainsFunc(slices.Collect(maps.Values(r.files)), func(f *file) bool {
			return f.ref == "" && f.err == nil && f.trig.Listens(t.EventType) && (workflows.Workflow{State: states[f.path]}).Active()
		}) {
			return false
		}
	}
	return true
}

// skip records the files not read, with why.
func (r *reads) skip(names []string, why error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, name := range names {
		if r.files[fileKey(name, "")] == nil {
			r.files[fileKey(name, "")] = &file{path: name, err: why}
		}
	}
}
