package ghclient

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/go-github/v66/github"
)

// Forge is the kind of server behind the API: GitHub (github.com, GHE.com, Enterprise
// Server, or any server that answers as they do), or Gitea (and its fork Forgejo), which
// serves GitHub's REST routes under /api/v1 with differences of its own
// (../shared/gitea-facts.md): no repository_dispatch, no cancel, workflows in
// .gitea/workflows, lists paged by limit, the run named only when asked in the query.
type Forge int

// The forges.
const (
	GitHub Forge = iota
	Gitea
)

// String is the forge's name, as messages say it: "GitHub answered 404".
func (f Forge) String() string {
	if f == Gitea {
		return "Gitea"
	}
	return "GitHub"
}

// Answered is how every message says what the forge answered, the one wording of it:
// "Gitea answered 403 Forbidden" ("Gitea answered" with no answer given).
func (f Forge) Answered(answer string) string {
	if answer == "" {
		return f.String() + " answered"
	}
	return f.String() + " answered " + answer
}

// Accepted is how every message says that the forge accepted what it was sent: "GitHub
// accepted the event".
func (f Forge) Accepted(what string) string { return f.String() + " accepted " + what }

// Forge is the forge the server is taken for: GitHub until something says otherwise (an
// API root at /api/v1, a Gitea runner, Gitea's answer to GET /version).
func (s *Server) Forge() Forge {
	if s == nil {
		return GitHub
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.forge
}

// MayBeGitea says that the server may be Gitea before anything is asked: the runner is a
// Gitea runner (GITEA_ACTIONS) and the API is its own. The forge is then taken for Gitea,
// and Identify asks it.
func (s *Server) MayBeGitea() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forge, s.ask = Gitea, true
}

// Identify learns the forge with at most one request, once a step, and only where
// something already says it may be Gitea (an API root at /api/v1, a Gitea runner): GET
// version, which Gitea answers {"version": "1.27.3"}. A 404, or a success that is not
// that, makes it GitHub; a refusal of the token (401, 403) or no answer leaves what the
// address said. A GitHub API root is never asked. client is called only to ask.
func (s *Server) Identify(ctx context.Context, client func() (*github.Client, error)) {
	s.mu.Lock()
	ask := s.ask && !s.asked
	s.asked = true
	s.mu.Unlock()
	if !ask {
		return
	}
	c, err := client()
	if err != nil {
		return
	}
	req, err := c.NewRequest("GET", "version", nil)
	if err != nil {
		return
	}
	var v struct {
		Version *string `json:"version"`
	}
	resp, err := c.Do(ctx, req, &v)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case err == nil && v.Version != nil && *v.Version != "":
		s.forge = Gitea
	case resp != nil && resp.Response != nil && (err == nil || resp.StatusCode == http.StatusNotFound):
		s.forge = GitHub // answered, not as Gitea does
	}
}

// giteaRoot reports whether the API root is at /api/v1, Gitea's (and Forgejo's).
func giteaRoot(base *url.URL) bool {
	return strings.HasSuffix(strings.ToLower(strings.TrimSuffix(base.Path, "/")), "/api/v1")
}

// PageSize is how many entries a page of a listing holds when asked for the most: GitHub's
// 100 (per_page), Gitea's 50 (limit; it ignores per_page).
func (s *Server) PageSize() int {
	if s.Forge() == Gitea {
		return 50
	}
	return 100
}

// Page sets the query of page n of a listing, with the most entries the server gives a
// page: per_page on GitHub, limit on Gitea.
func (s *Server) Page(v url.Values, n int) url.Values {
	if v == nil {
		v = url.Values{}
	}
	if s.Forge() == Gitea {
		v.Set("limit", strconv.Itoa(s.PageSize()))
	} else {
		v.Set("per_page", strconv.Itoa(s.PageSize()))
	}
	v.Set("page", strconv.Itoa(n))
	return v
}

// Forge and the answers: each request carries its step's Server in its context, so that
// the classification of a failure names the forge that answered ("Gitea answered 403").

type serverKey struct{}

// withServer is req carrying s, for the classification of its answer.
func withServer(req *http.Request, s *Server) *http.Request {
	return req.WithContext(context.WithValue(req.Context(), serverKey{}, s))
}

// servedBy is the Server a request of resp was sent for; nil when none.
func servedBy(resp *http.Response) *Server {
	if resp == nil || resp.Request == nil {
		return nil
	}
	s, _ := resp.Request.Context().Value(serverKey{}).(*Server)
	return s
}

// forgeError is a request to a server that got no answer: it names the forge the error
// message speaks of ("no answer from Gitea").
type forgeError struct {
	server *Server
	err    error
}

func (e *forgeError) Error() string { return e.err.Error() }
func (e *forgeError) Unwrap() error { return e.err }

// forgeOf is the forge err came from: the Server of its answer's request, or of the
// request that got none.
func forgeOf(err error) Forge {
	var fe *forgeError
	if errors.As(err, &fe) {
		return fe.server.Forge()
	}
	var rl *github.RateLimitError
	var abuse *github.AbuseRateLimitError
	var er *github.ErrorResponse
	switch {
	case errors.As(err, &rl):
		return servedBy(rl.Response).Forge()
	case errors.As(err, &abuse):
		return servedBy(abuse.Response).Forge()
	case errors.As(err, &er):
		return servedBy(er.Response).Forge()
	}
	return GitHub
}

// What a forge may not have.
const (
	UnsupportedRepositoryDispatch = "repository_dispatch"
	UnsupportedCancel             = "cancel"
)

// UnsupportedError says that the forge has no API for what was asked, so nothing was
// sent: Gitea has no repository_dispatch (go-gitea/gitea#24132), and cancels a run only
// from its web page.
type UnsupportedError struct {
	Forge Forge
	What  string // UnsupportedRepositoryDispatch or UnsupportedCancel
}

func (e *UnsupportedError) Error() string {
	if e.What == UnsupportedCancel {
		return e.Forge.String() + " has no API to cancel a run (only the run's web page can)"
	}
	return "not sent: " + e.Forge.String() + " has no repository_dispatch (no workflow of it can listen for one); send workflow_dispatch instead"
}
