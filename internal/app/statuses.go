package app

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/commitstatus"
	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/outcome"
	"github.com/MrSunshyne/dispatch-action/internal/runs"
)

// statuses posts each target's outcome as a commit status (status-context) and keeps
// what could not be posted as warnings, each with the permission to grant: a status
// never changes the step's result. A nil *statuses posts nothing.
type statuses struct {
	poster   *commitstatus.Poster
	mode     config.Mode
	mu       sync.Mutex
	warnings []string
}

// statusEach bounds the final status of a target, posted even after the step was
// cancelled or ran out of time (a pending status left behind would hold up the pull
// request).
const statusEach = 10 * time.Second

func newStatuses(cfg *config.Config, api *github.Client) *statuses {
	if cfg.Status == nil {
		return nil
	}
	st := cfg.Status
	return &statuses{mode: cfg.Mode, poster: &commitstatus.Poster{API: api, Repo: st.Repo, SHA: st.SHA, Name: st.Context,
		StepURL: st.StepURL, Targets: cfg.Targets}}
}

// pending says the target's run is under way, once it is known.
func (s *statuses) pending(ctx context.Context, r outcome.Result, run runs.Run) {
	if s != nil {
		s.keep(s.poster.Pending(ctx, r, run))
	}
}

// final says how the target ended.
func (s *statuses) final(ctx context.Context, r outcome.Result) {
	if s == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), statusEach)
	defer cancel()
	s.keep(s.poster.Final(ctx, r))
}

// preview records, in a dry run, the pending status a real run would post first.
func (s *statuses) preview(ctx context.Context, r outcome.Result) {
	if s != nil {
		s.keep(s.poster.Preview(ctx, r))
	}
}

// keep keeps a status that could not be posted as a warning (once).
func (s *statuses) keep(_ commitstatus.Status, err error) {
	if err == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if w := statusWarning(s.mode, s.poster.Repo.String(), err); !slices.Contains(s.warnings, w) {
		s.warnings = append(s.warnings, w)
	}
}

// all are the warnings kept.
func (s *statuses) all() []string {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.warnings...)
}
