package preflight

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strconv"
	"sync"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/dispatch"
	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
)

// workflowsDir is where GitHub reads workflow files from.
const workflowsDir = ".github/workflows"

// reads is what was read of one repository, for all its targets.
type reads struct {
	repo    event.Repo
	targets []event.Target
	client  *github.Client
	err     error // no client: nothing of the repository was read

	mu      sync.Mutex
	list    []*github.Workflow // the workflows list: paths and states
	listErr error
	dir     []string // the files in .github/workflows on the default branch
	dirErr  error
	files   map[string]*file // by path@ref ("" ref: the default branch)
}

// file is one workflow file read, and what its on: says.
type file struct {
	path, ref string
	trig      Triggers
	err       error
}

func fileKey(path, ref string) string { return path + "@" + ref }

// first is the first round trip: the client, then at once the workflows list, the
// workflows directory (for repository_dispatch) and each workflow_dispatch file named
// by its file.
func (r *reads) first(ctx context.Context, p *pool, o Options) {
	if r.client, r.err = o.Client(ctx, r.repo); r.err != nil {
		return
	}
	p.do(func() {
		list, err := dispatch.ListWorkflows(ctx, r.client, r.repo)
		r.mu.Lock()
		r.list, r.listErr = list, ghclient.Check(err)
		r.mu.Unlock()
	})
	dirAsked := false
	for _, t := range r.targets {
		if t.Event == event.RepositoryDispatch && !dirAsked {
			dirAsked = true
			p.do(func() { r.readDir(ctx) })
		}
		if name := fileOf(t); t.Event == event.WorkflowDispatch && name != "" {
			p.do(func() { r.read(ctx, name, t.Ref) })
		}
	}
}

var errPending = errors.New("not read yet")

// fileOf is the path of the workflow a workflow_dispatch names by its file name (config
// keeps only the name, "deploy.yml"); "" when named by ID or by name.
func fileOf(t event.Target) string {
	if t.WorkflowByName || !event.IsWorkflowFile(t.Workflow) {
		return ""
	}
	return workflowsDir + "/" + t.Workflow
}

// readDir lists the workflow files on the default branch.
func (r *reads) readDir(ctx context.Context) {
	_, entries, _, err := r.client.Repositories.GetContents(ctx, r.repo.Owner, r.repo.Name, workflowsDir, nil)
	var names []string
	for _, e := range entries {
		if n := e.GetName(); e.GetType() == "file" && event.IsWorkflowFile(n) {
			names = append(names, workflowsDir+"/"+n)
		}
	}
	if err == nil && entries == nil {
		err = errors.New("it is not a directory")
	}
	r.mu.Lock()
	r.dir, r.dirErr = names, ghclient.Check(err)
	r.mu.Unlock()
}

// read reads one workflow file at ref, once, in this goroutine's turn.
func (r *reads) read(ctx context.Context, p, ref string) {
	r.mu.Lock()
	if r.files[fileKey(p, ref)] != nil {
		r.mu.Unlock()
		return
	}
	f := &file{path: p, ref: ref, err: errPending}
	r.files[fileKey(p, ref)] = f
	r.mu.Unlock()
	var opts *github.RepositoryContentGetOptions
	if ref != "" {
		opts = &github.RepositoryContentGetOptions{Ref: ref}
	}
	fc, _, _, err := r.client.Repositories.GetContents(ctx, r.repo.Owner, r.repo.Name, p, opts)
	var trig Triggers
	switch {
	case err != nil:
		err = ghclient.Check(err)
	case fc == nil:
		err = fmt.Errorf("%w: it is a directory", errUnread)
	case fc.GetSize() > MaxFileBytes:
		err = fmt.Errorf("%w: %d bytes, larger than %d", errUnread, fc.GetSize(), MaxFileBytes)
	default:
		var src string
		if src, err = fc.GetContent(); err != nil {
			err = fmt.Errorf("%w: %v", errUnread, err)
		} else {
			trig, err = Parse([]byte(src))
		}
	}
	r.mu.Lock()
	f.trig, f.err = trig, err
	r.mu.Unlock()
}

// second is the second round trip: the files the first one named, for
// repository_dispatch (every workflow file on the default branch) and for a
// workflow_dispatch named by its ID or its name (the list gives its path).
func (r *reads) second(ctx context.Context, p *pool) {
	if r.err != nil {
		return
	}
	for _, name := range r.candidates() {
		p.do(func() { r.read(ctx, name, "") })
	}
	for _, t := range r.targets {
		if w := r.listed(t); t.Event == event.WorkflowDispatch && fileOf(t) == "" && w != nil {
			p.do(func() { r.read(ctx, w.GetPath(), t.Ref) })
		}
	}
}

// candidates are the files a repository_dispatch may start: those in the directory, or,
// when it could not be read, the list's paths under .github/workflows.
func (r *reads) candidates() []string {
	if r.dirErr == nil || r.dir != nil {
		return r.dir
	}
	var out []string
	for _, w := range r.list {
		if p := w.GetPath(); path.Dir(p) == workflowsDir {
			out = append(out, p)
		}
	}
	return out
}

// listed is the list's entry for a workflow_dispatch target's workflow: by path, by ID,
// or by name as the send finds it (dispatch.NamedWorkflows: the first exact match, else
// the only one ignoring case); nil when not found.
func (r *reads) listed(t event.Target) *github.Workflow {
	if t.WorkflowByName {
		if named, exact := dispatch.NamedWorkflows(r.list, t.Workflow); exact || len(named) == 1 {
			return named[0]
		}
		return nil
	}
	for _, w := range r.list {
		if w.GetPath() == fileOf(t) || strconv.FormatInt(w.GetID(), 10) == t.Workflow {
			return w
		}
	}
	return nil
}
