package pipeline

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/commitstatus"
	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/outcome"
	"github.com/MrSunshyne/dispatch-action/internal/runs"
)

// statuses posts each target's outcome as a commit status (status-context), on the
// caller's commit and server, and keeps a status GitHub refused as one note: a status never changes a target's result. A nil *statuses posts
// nothing.
type statuses struct {
	poster  *commitstatus.Poster
	mu      sync.Mutex
	refused bool // a refusal was kept: GitHub refuses every later status the same way
	notes   []Note
}

func newStatuses(cfg *config.Config, c *clients) *statuses {
	st := cfg.Status
	if st == nil {
		return nil
	}
	return &statuses{poster: &commitstatus.Poster{API: c.status(noDeadline), Repo: st.Repo,
		SHA: st.SHA, Name: st.Context, StepURL: st.StepURL, Targets: cfg.Targets}}
}

// pending says the target's run is under way, once it is known.
func (s *statuses) pending(ctx context.Context, r outcome.Result, run runs.Run) {
	if s != nil {
		_, err := s.poster.Pending(ctx, r, run)
		s.keep(err)
	}
}

// preview records, in a dry run, the pending status a real run would post first.
func (s *statuses) preview(ctx context.Context, r outcome.Result) {
	if s != nil {
		_, err := s.poster.Preview(ctx, r)
		s.keep(err)
	}
}

// final posts how the target ended with api, a clean-up client of the status token.
func (s *statuses) final(ctx context.Context, api *github.Client, r outcome.Result) error {
	_, err := s.poster.Final(ctx, api, r)
	return err
}

// refusal is err when GitHub refused the status token or its permission (posting again
// would not help), else nil.
func refusal(err error) *commitstatus.PostError {
	var pe *commitstatus.PostError
	if errors.As(err, &pe) && pe.Refused() {
		return pe
	}
	return nil
}

// keep keeps a status that could not be posted as a warning: a refusal once, whichever
// target met it first.
func (s *statuses) keep(err error) {
	var pe *commitstatus.PostError
	if !errors.As(err, &pe) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if pe.Refused() {
		if s.refused {
			return
		}
		s.refused = true
	}
	if !slices.ContainsFunc(s.notes, func(n Note) bool { return n.Err.Error() == pe.Error() }) {
		s.notes = append(s.notes, Note{Kind: StatusNotPosted, Err: pe})
	}
}

// all are the notes kept.
func (s *statuses) all() []Note {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.notes)
}
