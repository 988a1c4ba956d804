package pipeline

import (
	"context"
	"strings"
	"time"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/preflight"
)

// PreflightBudget bounds the reading of the receiving workflows: what is not read by then
// is "could not read", and the events go.
const PreflightBudget = 30 * time.Second

// PreflightError is a target not sent because preflight refused the step: its own
// findings, or none when another target's refused it (a step sends all or nothing).
type PreflightError struct{ Findings []preflight.Finding }

func (e *PreflightError) Error() string {
	if len(e.Findings) == 0 {
		return "not sent: preflight refused another target of this step, and a step sends all of its events or none"
	}
	var found []string
	for _, f := range e.Findings {
		found = append(found, f.String())
	}
	return "not sent: preflight read the receiving workflow: " + strings.Join(found, "; ")
}

// Is makes a PreflightError an ErrNotSent.
func (e *PreflightError) Is(target error) bool { return target == ErrNotSent }

// preflight reads the receiving workflows before anything is sent and reports whether it
// refused the step: then every target has failed, nothing sent. Findings it does not
// refuse on are warnings (warn) and notes (what could not be read).
func (s *Step) preflight(ctx context.Context) bool {
	cfg := s.cfg
	if cfg.Preflight == config.PreflightOff || len(cfg.Targets) == 0 || cfg.Targets[0].Event == "" {
		return false
	}
	if cfg.DryRun && cfg.Token == "" {
		s.Notes = append(s.Notes, Note{Kind: PreflightSkipped})
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, PreflightBudget)
	defer cancel()
	findings := preflight.Check(ctx, cfg.Targets, preflight.Options{Client: s.clients.reader, Server: s.clients.server, Pool: s.requests, AddsDistinctID: func() bool {
		v, settled := s.clients.server.APIVersion()
		return settled && v == ghclient.APIVersion2022
	}})
	refused := map[int][]preflight.Finding{}
	for _, f := range findings {
		if f.Refuses() && cfg.Preflight != config.PreflightWarn {
			refused[f.Target] = append(refused[f.Target], f)
			continue
		}
		s.Notes = append(s.Notes, Note{Kind: Preflight, Target: &cfg.Targets[f.Target], Finding: f})
	}
	if cfg.DryRun {
		s.Notes = append(s.Notes, Note{Kind: PreflightDryRun})
	}
	if len(refused) == 0 {
		return false
	}
	for _, l := range s.lives {
		l.failed(&PreflightError{Findings: refused[l.res.Index]})
		l.started = true // its end came, with nothing owed
	}
	return true
}

// reader is a client of repo's credential for preflight's reads: unpaced (reads are not
// spaced like writes), with few attempts and a short deadline of its own, so that a
// rate limit or a slow server makes "could not read", never a long wait. A dry run reads
// with its token, over the network, and sends nothing.
func (c *clients) reader(ctx context.Context, repo event.Repo) (*github.Client, error) {
	p := c.policy
	p.MaxAttempts = min(max(p.MaxAttempts, 1), 2)
	if d := c.o.Clock.Now().Add(PreflightBudget); p.Deadline.IsZero() || d.Before(p.Deadline) {
		p.Deadline = d
	}
	if c.cfg.DryRun {
		return ghclient.New(ghclient.Options{BaseURL: c.cfg.APIURL, Token: c.cfg.Token, Transport: c.net, Policy: p, Server: c.server}), nil
	}
	cred, _, err := c.credential(ctx, repo)
	if err != nil {
		return nil, err
	}
	return c.new(c.cfg.APIURL, cred, "", p, c.server), nil
}
