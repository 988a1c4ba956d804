package workflows

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/google/go-github/v66/github"
	"go.yaml.in/yaml/v3"

	"github.com/MrSunshyne/dispatch-action/internal/event"
)

// maxJobsBytes bounds the jobs: block parsed for what its jobs declare.
const maxJobsBytes = 256 << 10

// JobDecl is what a workflow declares of one job that decides whether its failure fails
// the run: its key, its name: as written, and its continue-on-error: as written ("" when
// not given).
type JobDecl struct {
	Key, Name, ContinueOnError string
}

// Lenient reports whether the job's failure may leave the run's conclusion success:
// continue-on-error is true, or an expression this check cannot decide.
func (j JobDecl) Lenient() bool {
	v := strings.TrimSpace(j.ContinueOnError)
	return v != "" && !strings.EqualFold(v, "false")
}

// Jobs are the jobs a workflow file declares, in order: only its top-level jobs: block is
// parsed, within maxJobsBytes and maxNodes.
func Jobs(src []byte) ([]JobDecl, error) {
	blocks := topLevelBlocks(src)
	i := slices.IndexFunc(blocks, func(b string) bool { return strings.HasPrefix(b, "jobs:") })
	if i < 0 {
		return nil, fmt.Errorf("%w: no top-level jobs: key", ErrUnread)
	}
	if len(blocks[i]) > maxJobsBytes {
		return nil, fmt.Errorf("%w: its jobs: is larger than %d bytes", ErrUnread, maxJobsBytes)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(blocks[i]), &doc); err != nil {
		return nil, fmt.Errorf("%w: not YAML this check reads (%s)", ErrUnread, firstLine(err.Error()))
	}
	w := &walker{budget: maxNodes}
	jobs := w.node(w.key(doc.Content[0], "jobs"))
	if jobs == nil || jobs.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%w: its jobs: is not a mapping", ErrUnread)
	}
	var out []JobDecl
	for k := 0; k+1 < len(jobs.Content); k += 2 {
		key := w.node(jobs.Content[k])
		if key == nil {
			break
		}
		out = append(out, JobDecl{Key: key.Value, Name: w.scalar(w.key(jobs.Content[k+1], "name")),
			ContinueOnError: w.scalar(w.key(jobs.Content[k+1], "continue-on-error"))})
	}
	if w.budget < 0 {
		return nil, fmt.Errorf("%w: its jobs: has more than %d nodes", ErrUnread, maxNodes)
	}
	return out, nil
}

// ReadJobs reads the workflow file at path of repo at ref (a run's head commit) and
// parses what its jobs declare.
func ReadJobs(ctx context.Context, client *github.Client, repo event.Repo, path, ref string) ([]JobDecl, error) {
	src, err := source(ctx, client, repo, path, ref)
	if err != nil {
		return nil, err
	}
	return Jobs(src)
}
