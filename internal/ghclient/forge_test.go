package ghclient_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

// versionServer answers GET …/api/v1/version as status with body, and counts what it got.
func versionServer(t *testing.T, status int, body string) (*url.URL, *atomic.Int32) {
	t.Helper()
	n := &atomic.Int32{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if !strings.HasSuffix(r.URL.Path, "/api/v1/version") {
			http.Error(w, "404 page not found", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL + "/api/v1/")
	return base, n
}

// The forge is learnt with one request at most, only where the address says it may be
// Gitea, and by what the server answers: Gitea's version, a 404 (not Gitea), or a refusal
// of the token (nothing learnt: the address stands).
func TestTheForgeIsLearntOnce(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		status int
		body   string
		forge  ghclient.Forge
	}{
		{"Gitea", 200, `{"version":"1.27.3"}`, ghclient.Gitea},
		{"a development build of Gitea", 200, `{"version":"development"}`, ghclient.Gitea},
		{"Forgejo", 200, `{"version":"11.0.1+gitea-1.22.0"}`, ghclient.Gitea},
		{"not Gitea: 404", 404, `{"message":"Not Found"}`, ghclient.GitHub},
		{"not Gitea: JSON without a version", 200, `{"current_user_url":"x"}`, ghclient.GitHub},
		{"not Gitea: an empty version", 200, `{"version":""}`, ghclient.GitHub},
		{"a refused token leaves the address's word", 401, `{"message":"invalid username, password or token"}`, ghclient.Gitea},
		{"a web page leaves the address's word", 200, `<html>sign in</html>`, ghclient.Gitea},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base, n := versionServer(t, tc.status, tc.body)
			s := ghclient.NewServer(base)
			if s.Forge() != ghclient.Gitea {
				t.Fatalf("an API root at /api/v1 is taken for Gitea's before anything is asked, got %s", s.Forge())
			}
			c := ghclient.New(ghclient.Options{BaseURL: base, Token: "t", Server: s})
			s.Identify(context.Background(), func() (*github.Client, error) { return c, nil })
			s.Identify(context.Background(), func() (*github.Client, error) { return c, nil })
			if n.Load() != 1 {
				t.Errorf("%d requests, want 1", n.Load())
			}
			if s.Forge() != tc.forge {
				t.Errorf("forge %s, want %s", s.Forge(), tc.forge)
			}
		})
	}
	t.Run("GitHub's roots are never asked", func(t *testing.T) {
		t.Parallel()
		f := githubfake.Standard(t, nil)
		for _, root := range []string{f.URL() + "/", "https://api.github.com/"} {
			base, _ := url.Parse(root)
			s := ghclient.NewServer(base)
			s.Identify(context.Background(), func() (*github.Client, error) {
				return ghclient.New(ghclient.Options{BaseURL: base, Token: githubfake.TestToken, Server: s}), nil
			})
			if s.Forge() != ghclient.GitHub {
				t.Errorf("%s: %s", root, s.Forge())
			}
		}
		if len(f.Requests()) != 0 {
			t.Errorf("asked GitHub: %v", f.Requests())
		}
	})
	t.Run("a Gitea runner's own API, at any path", func(t *testing.T) {
		t.Parallel()
		base, n := versionServer(t, 200, `{"version":"1.27.3"}`)
		other, _ := url.Parse(strings.TrimSuffix(base.String(), "api/v1/") + "gitea/api/v1/")
		s := ghclient.NewServer(other)
		s.MayBeGitea()
		s.Identify(context.Background(), func() (*github.Client, error) {
			return ghclient.New(ghclient.Options{BaseURL: other, Token: "t", Server: s}), nil
		})
		if s.Forge() != ghclient.Gitea || n.Load() != 1 {
			t.Errorf("forge %s after %d requests", s.Forge(), n.Load())
		}
	})
}

// Every message about a request names the forge it went to.
func TestCausesNameTheForge(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/version" {
			_, _ = w.Write([]byte(`{"version":"1.27.3"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"message":"token does not have at least one of required scope(s), required=[write:repository]"}`))
	}))
	defer srv.Close()
	base, _ := url.Parse(srv.URL + "/api/v1/")
	s := ghclient.NewServer(base)
	c := ghclient.New(ghclient.Options{BaseURL: base, Token: "t", Server: s})
	s.Identify(context.Background(), func() (*github.Client, error) { return c, nil })
	req, _ := c.NewRequest("POST", "repos/o/r/actions/workflows/ci.yml/dispatches", map[string]string{"ref": "main"})
	_, err := c.Do(context.Background(), req, nil)
	if got := ghclient.Check(err).Error(); got != "Gitea answered 403 Forbidden: token does not have at least one of required scope(s), required=[write:repository]" {
		t.Errorf("403: %q", got)
	}
	// No answer at all: a port nothing listens on.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead, _ := url.Parse("http://" + ln.Addr().String() + "/api/v1/")
	ln.Close()
	c = ghclient.New(ghclient.Options{BaseURL: dead, Token: "t", Server: ghclient.NewServer(dead)})
	req, _ = c.NewRequest("GET", "repos/o/r", nil)
	_, err = c.Do(context.Background(), req, nil)
	if got := ghclient.Check(err).Error(); !strings.HasPrefix(got, "no answer from Gitea: ") {
		t.Errorf("no answer: %q", got)
	}
}

// Lists are paged as each forge pages them: GitHub by per_page (100 at most), Gitea by
// limit (50 at most; it ignores per_page).
func TestPagesAsEachForgePages(t *testing.T) {
	t.Parallel()
	gh, _ := url.Parse("https://api.github.com/")
	gt, _ := url.Parse("https://gitea.example.com/api/v1/")
	if got := ghclient.NewServer(gh).Page(nil, 3).Encode(); got != "page=3&per_page=100" {
		t.Errorf("GitHub: %s", got)
	}
	if got := ghclient.NewServer(gt).Page(url.Values{"event": {"push"}}, 2).Encode(); got != "event=push&limit=50&page=2" {
		t.Errorf("Gitea: %s", got)
	}
	if ghclient.NewServer(gh).PageSize() != 100 || ghclient.NewServer(gt).PageSize() != 50 {
		t.Error("page sizes")
	}
}

// A server's answers are worded in one place, in the name of the forge that gave them.
func TestAnswersAreWordedOnce(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ got, want string }{
		{ghclient.Gitea.Answered("403 Forbidden"), "Gitea answered 403 Forbidden"},
		{ghclient.GitHub.Answered(""), "GitHub answered"},
		{ghclient.Gitea.Accepted("the event"), "Gitea accepted the event"},
		{ghclient.NotForgeError(ghclient.Gitea, 200, "a web page").Error(), "not Gitea's answer: a web page"},
		{ghclient.Check(&ghclient.Error{Cause: ghclient.Cause{Kind: ghclient.Cancelled, Forge: ghclient.Gitea}}).Error(), "cancelled before Gitea answered"},
	} {
		if c.got != c.want {
			t.Errorf("%q, want %q", c.got, c.want)
		}
	}
}
