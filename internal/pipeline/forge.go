package pipeline

import (
	"context"
	"strings"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/dispatch"
	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
)

// RefusedError is a target not sent because the step asks of the server what it does
// not have (another target's repository_dispatch to Gitea), and a step sends all of its
// events or none.
type RefusedError struct{ Forge ghclient.Forge }

func (e *RefusedError) Error() string {
	return "not sent: another target of this step asks " + e.Forge.String() + " for a repository_dispatch, which it does not have, and a step sends all of its events or none"
}

// Is makes a RefusedError a ErrNotSent.
func (e *RefusedError) Is(target error) bool { return target == ErrNotSent }

// forge learns what the targets' server is before anything is read or sent (at most one
// request, and only where its address or the runner says it may be Gitea: ghclient's
// Identify), and refuses a step that asks of it what it does not have, repository_dispatch
// on Gitea, whatever preflight is set to. It reports whether it refused the step: then
// every target has failed, nothing sent.
func (s *Step) forge(ctx context.Context) bool {
	cfg, server := s.cfg, s.clients.server
	if s.o.Getenv("GITEA_ACTIONS") == "true" && sameAPI(s.o.Getenv("GITHUB_API_URL"), cfg.APIURL.String()) {
		server.MayBeGitea() // the runner's own server, and the runner is Gitea's
		if s.clients.caller != nil && s.clients.caller != server {
			s.clients.caller.MayBeGitea()
		}
	}
	if len(cfg.Targets) > 0 && (!cfg.DryRun || cfg.Token != "") {
		server.Identify(ctx, func() (*github.Client, error) { return s.clients.reader(ctx, cfg.Targets[0].Repo) })
	}
	if server.Forge() != ghclient.Gitea {
		return false
	}
	refused := false
	for _, t := range cfg.Targets {
		refused = refused || t.Event == event.RepositoryDispatch
	}
	if !refused {
		return false
	}
	for _, l := range s.lives {
		if l.res.Event == event.RepositoryDispatch {
			l.failed(&ghclient.UnsupportedError{Forge: ghclient.Gitea, What: ghclient.UnsupportedRepositoryDispatch})
		} else {
			l.failed(&RefusedError{Forge: ghclient.Gitea})
		}
		l.res.Receipt.Delivery, l.res.Receipt.Forge = dispatch.DeliveryNotSent, ghclient.Gitea
		l.started = true // its end came, with nothing owed
	}
	return true
}

// sameAPI reports whether two API roots are the same, but for a trailing slash and case.
func sameAPI(a, b string) bool {
	norm := func(s string) string { return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), "/")) }
	return a != "" && norm(a) == norm(b)
}
