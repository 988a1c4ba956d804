package ghclient_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

// The release an Enterprise Server's answers name is learnt; github.com names none.
func TestServerLearnsTheRelease(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		server githubfake.Server
		want   string
		known  bool
	}{{githubfake.GHES319, "3.19", true}, {githubfake.Server{Name: "github.com"}, "0.0", false}} {
		f := githubfake.Standard(t, nil)
		f.SetServer(tc.server)
		base, _ := url.Parse(f.URL() + "/")
		server := &ghclient.Server{}
		c := ghclient.New(ghclient.Options{BaseURL: base, Token: githubfake.TestToken, Server: server})
		if err := dispatchTo(context.Background(), c, "octo/data"); err != nil {
			t.Fatal(err)
		}
		if r, known := server.Release(); known != tc.known || r.String() != tc.want {
			t.Errorf("%s: release %s, known %v", tc.server.Name, r, known)
		}
	}
	var none *ghclient.Server
	if _, known := none.Release(); known {
		t.Error("a nil Server knows a release")
	}
}

func TestParseRelease(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]string{"3.19.2": "3.19", "3.20": "3.20", "0.1": "", "3": "", "3.19-beta": "", "<b>3.19</b>": ""} {
		r, ok := ghclient.ParseRelease(v)
		if ok != (want != "") || ok && r.String() != want {
			t.Errorf("%q: %v %v", v, r, ok)
		}
	}
	r, _ := ghclient.ParseRelease("3.19.0")
	if !r.Before(3, 20) || r.Before(3, 19) || (ghclient.Release{}).Before(3, 20) {
		t.Error("Before")
	}
}

// ParseRelease, read by hand, accepts exactly what the shape it documents accepts.
func FuzzParseRelease(f *testing.F) {
	for _, v := range []string{"3.19.2", "3.20", "0.1", "3", "3.19-beta", "", "1234.1", "3.19.12345", "3..1", "3.1.", "٣.١٩", "+3.19", " 3.19"} {
		f.Add(v)
	}
	shape := regexp.MustCompile(`^(\d{1,3})\.(\d{1,3})(\.\d{1,4})?$`)
	f.Fuzz(func(t *testing.T, v string) {
		r, ok := ghclient.ParseRelease(v)
		m := shape.FindStringSubmatch(v)
		want := m != nil && strings.TrimLeft(m[1], "0") != ""
		if ok != want {
			t.Fatalf("%q: ok %v, the shape says %v", v, ok, want)
		}
		if ok && r.String() != fmt.Sprintf("%d.%d", atoi(m[1]), atoi(m[2])) {
			t.Fatalf("%q: %v", v, r)
		}
	})
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// A dry run's transport records each request as it would have gone, and answers as
// GitHub would: 204 to a POST, a repository with the placeholder branch to a GET.
func TestRecorder(t *testing.T) {
	t.Parallel()
	rec := &ghclient.Recorder{}
	base, _ := url.Parse("https://api.github.com/")
	c := ghclient.New(ghclient.Options{BaseURL: base, Token: "ghp_x", Transport: rec})
	repo, _, err := c.Repositories.Get(context.Background(), "octo", "data")
	if err != nil || repo.GetDefaultBranch() != ghclient.PlaceholderBranch {
		t.Fatalf("%v %v", repo, err)
	}
	if err := dispatchTo(context.Background(), c, "octo/data"); err != nil {
		t.Fatal(err)
	}
	reqs := rec.Requests()
	if len(reqs) != 2 || reqs[1].Method != "POST" || reqs[1].URL != "https://api.github.com/repos/octo/data/dispatches" ||
		reqs[1].Header.Get("Authorization") != "Bearer ghp_x" || !strings.Contains(string(reqs[1].Body), `"event_type":"e"`) {
		t.Errorf("%+v", reqs)
	}
}

// A proxy that cannot be reached, or refuses to connect, is named without its
// credentials; nothing reached GitHub.
func TestProxyFailuresNameTheProxy(t *testing.T) {
	t.Parallel()
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusProxyAuthRequired)
	}))
	t.Cleanup(refusing.Close)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	for _, tc := range []struct{ proxy, want string }{
		{strings.Replace(closed.URL, "http://", "http://user:secret@", 1), "the proxy " + closed.URL + " did not connect to the API"},
		{refusing.URL, "the proxy " + refusing.URL + " did not connect to the API: it answered 407"},
	} {
		env := map[string]string{"https_proxy": tc.proxy, "NO_PROXY": "example.org"}
		base, _ := url.Parse("https://api.github.invalid/")
		c := ghclient.New(ghclient.Options{BaseURL: base, Token: "ghp_x", Transport: ghclient.NewTransport(func(k string) string { return env[k] })})
		err := dispatchTo(context.Background(), c, "octo/data")
		var pe *ghclient.ProxyError
		if !errors.As(err, &pe) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "secret") || ghclient.CauseOf(err).Proxy == "" {
			t.Errorf("%v", err)
		}
	}
}

// renewing is a credential whose first token GitHub refuses, and whose renewal it takes.
type renewing struct {
	mu      sync.Mutex
	renewed int
}

func (r *renewing) Token(context.Context) (string, error) { return "ghs_old", nil }
func (r *renewing) Renew(_ context.Context, refused string) (string, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.renewed++
	return "ghs_new", refused == "ghs_old", nil
}

// A 401 asks the credential once for a new token, and the request goes again with it,
// body and all.
func TestA401RenewsTheCredentialOnce(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer ghs_new" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL + "/")
	cred := &renewing{}
	c := ghclient.New(ghclient.Options{BaseURL: base, Credential: cred})
	if err := dispatchTo(context.Background(), c, "octo/data"); err != nil || cred.renewed != 1 || strings.Join(seen, ",") != "Bearer ghs_old,Bearer ghs_new" {
		t.Errorf("%v, renewed %d, seen %v", err, cred.renewed, seen)
	}
}

// An attempt says what came back, and whether GitHub may have accepted it.
func TestAttemptAnswer(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a       ghclient.Attempt
		answer  string
		arrived bool
	}{
		{ghclient.Attempt{Sent: true, Status: 204}, "204 No Content", false},
		{ghclient.Attempt{Sent: true, Status: 502}, "502 Bad Gateway", true},
		{ghclient.Attempt{Err: errors.New("refused")}, "not sent (refused)", false},
		{ghclient.Attempt{Sent: true, Err: errors.New("reset")}, "no answer (reset)", true},
		{ghclient.Attempt{Sent: true}, "no answer", true},
	} {
		if tc.a.Answer() != tc.answer || tc.a.MayHaveArrived() != tc.arrived {
			t.Errorf("%+v: %q %v", tc.a, tc.a.Answer(), tc.a.MayHaveArrived())
		}
	}
	if err := ghclient.NotGitHubError(200, "a web page"); ghclient.CauseOf(err).Kind != ghclient.NotGitHub || ghclient.CauseOf(err).Status != 200 {
		t.Errorf("%v", err)
	}
}

// A request that may read a large answer (a log) reads past the JSON cap; others do not.
func TestWithBodyLimit(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", ghclient.MaxJSONBytes+10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(big)) }))
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL + "/")
	c := ghclient.New(ghclient.Options{BaseURL: base, Token: "t"})
	for _, tc := range []struct {
		ctx context.Context
		ok  bool
	}{{context.Background(), false}, {ghclient.WithBodyLimit(context.Background(), int64(len(big))), true}} {
		req, _ := c.NewRequest("GET", "log", nil)
		var b strings.Builder
		_, err := c.Do(tc.ctx, req, &b)
		if (err == nil) != tc.ok || tc.ok && b.Len() != len(big) {
			t.Errorf("limit ok %v: %v, read %d", tc.ok, err, b.Len())
		}
	}
}
