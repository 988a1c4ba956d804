package ghclient_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

// elsewhere is a server on another origin that records the Authorization it received.
type elsewhere struct {
	*httptest.Server
	mu    sync.Mutex
	auths []string
}

func newElsewhere(t *testing.T, tls bool) *elsewhere {
	e := &elsewhere{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.auths = append(e.auths, r.Header.Get("Authorization"))
		e.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	if tls {
		e.Server = httptest.NewTLSServer(h)
	} else {
		e.Server = httptest.NewServer(h)
	}
	t.Cleanup(e.Close)
	return e
}

func (e *elsewhere) received() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.auths...)
}

func dispatchTo(ctx context.Context, c *github.Client, repo string) error {
	owner, name, _ := strings.Cut(repo, "/")
	payload := json.RawMessage(`{}`)
	_, _, err := c.Repositories.Dispatch(ctx, owner, name, github.DispatchRequestOptions{EventType: "e", ClientPayload: &payload})
	return ghclient.Check(err)
}

// A redirect on the API's origin (a renamed repository: 307) is followed with the token.
// A POST is never sent to another origin, nor turned into a GET (a proxy's or a login
// portal's answer: nothing reaches GitHub); a GET (logs, artifacts) follows a redirect to
// another origin without the token.
func TestTokenStaysOnTheAPIOrigin(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	other := newElsewhere(t, false)
	c := ghclient.New(ghclient.Options{BaseURL: baseURL(f), Token: githubfake.TestToken})

	f.Script(githubfake.Fault{Path: "/repos/octo/old-name/", Status: 307, Header: http.Header{"Location": {f.URL() + "/repos/octo/data/dispatches"}}})
	if err := dispatchTo(context.Background(), c, "octo/old-name"); err != nil {
		t.Fatalf("same-origin 307: %v", err)
	}
	if ds := f.Dispatches(); len(ds) != 1 || ds[0].Repository != "octo/data" {
		t.Errorf("the fake accepted %+v", ds)
	}

	u, _ := url.Parse(other.URL)
	for _, tc := range []struct {
		status   int
		location string
		want     string
	}{
		{307, other.URL + "/collect", "the POST was answered with 307, a redirect to another server, " + other.URL},
		{302, "http://127.0.0.1:" + u.Port() + "/x", "the POST was answered with 302, a redirect to " + other.URL + "/x that would turn it into a GET"}, // the same host on another port: another origin
		{301, f.URL() + "/login", "the POST was answered with 301, a redirect to " + f.URL() + "/login that would turn it into a GET"},
	} {
		f.Script(githubfake.Fault{Path: "/repos/octo/data/", Status: tc.status, Header: http.Header{"Location": {tc.location}}})
		err := dispatchTo(context.Background(), c, "octo/data")
		if c := ghclient.CauseOf(err); c.Kind != ghclient.NotGitHub || err.Error() != "not GitHub's answer: "+tc.want {
			t.Errorf("%d to %s: %v (%v)", tc.status, tc.location, err, c.Kind)
		}
	}
	if got := other.received(); len(got) != 0 || len(f.Dispatches()) != 1 {
		t.Errorf("the other origin received %d requests, the fake accepted %d", len(got), len(f.Dispatches()))
	}

	f.Script(githubfake.Fault{Path: "/repos/octo/data", Status: 302, Header: http.Header{"Location": {other.URL + "/repo"}}})
	_, _, _ = c.Repositories.Get(context.Background(), "octo", "data")
	if got := other.received(); len(got) != 1 || got[0] != "" {
		t.Errorf("a GET redirected elsewhere: the other origin received Authorization %q", got)
	}
}

// From https, a redirect to plain http is refused, and nothing reaches the http server.
func TestNoRedirectFromHTTPSToHTTP(t *testing.T) {
	t.Parallel()
	plain := newElsewhere(t, false)
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(api.Close)
	base, _ := url.Parse(api.URL + "/")
	c := ghclient.New(ghclient.Options{BaseURL: base, Token: githubfake.TestToken, Transport: api.Client().Transport,
		Policy: ghclient.Policy{MaxAttempts: 1}})
	err := dispatchTo(context.Background(), c, "octo/data")
	if err == nil || !strings.Contains(err.Error(), "refused a redirect from https to http") || len(plain.received()) != 0 {
		t.Errorf("error %v, http server received %d requests", err, len(plain.received()))
	}
}

func TestRedirectsAreBounded(t *testing.T) {
	t.Parallel()
	var n int
	var mu sync.Mutex
	loop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		mu.Unlock()
		http.Redirect(w, r, r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(loop.Close)
	base, _ := url.Parse(loop.URL + "/")
	c := ghclient.New(ghclient.Options{BaseURL: base, Token: githubfake.TestToken, Policy: ghclient.Policy{MaxAttempts: 1}})
	err := dispatchTo(context.Background(), c, "octo/data")
	if err == nil || !strings.Contains(err.Error(), "stopped after 5 redirects") || n != ghclient.MaxRedirects {
		t.Errorf("error %v after %d requests", err, n)
	}
}

// Bodies are read through a cap: a 100 MB error message costs at most the cap, and the
// message shown is cut to one short line.
func TestBodiesAreCapped(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	c := ghclient.New(ghclient.Options{BaseURL: baseURL(f), Token: githubfake.TestToken, Policy: ghclient.Policy{MaxAttempts: 1}})
	f.Script(githubfake.Fault{Status: 422, BodyBytes: 100 << 20})
	start := time.Now()
	err := dispatchTo(context.Background(), c, "octo/data")
	var e *ghclient.Error
	if !errors.As(err, &e) || e.Cause.Kind != ghclient.Validation || len(e.Error()) > 200 {
		t.Errorf("error %.300v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %s", took)
	}

	// A 200 MB answer to a GET ends at the JSON cap with an error.
	f.Script(githubfake.Fault{Path: "/repos/octo/data", Status: 200, BodyBytes: 200 << 20})
	_, _, err = c.Repositories.Get(context.Background(), "octo", "data")
	if !errors.Is(err, ghclient.ErrBodyTooLarge) {
		t.Errorf("200 MB answer: %v", err)
	}
}

// Defensive header parsing: Retry-After as seconds or an HTTP date, waits capped, far
// resets fail at once against the deadline.
func TestRateLimitHeadersParsedDefensively(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"7", 7 * time.Second, true},
		{" 0 ", 0, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"99999999999999999999", ghclient.MaxWait, true},
		{"9223372036854775807", ghclient.MaxWait, true},
		{"-5", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	} {
		got, ok := ghclient.RetryAfter(tc.v, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("RetryAfter(%q) = %s, %v; want %s, %v", tc.v, got, ok, tc.want, tc.ok)
		}
	}

	// A wait past the step's deadline (5 minutes) fails at once, with no overflowed wait.
	for _, h := range []http.Header{
		{"Retry-After": {"99999999999999999999"}},
		{"Retry-After": {time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)}},
		{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"9223372036854775807"}},
	} {
		f, clock, send := faultClient(t, 5, false)
		f.Script(githubfake.Fault{Status: 429, Header: h})
		res := send(context.Background())
		if res.OK() || res.attempts != 1 || len(clock.Sleeps()) != 0 || !strings.Contains(res.err, "gave up at once") {
			t.Errorf("%v: %+v, waits %v", h, res, clock.Sleeps())
		}
	}

	// An HTTP date is honoured to the second (on the virtual clock).
	f, clock, send := faultClient(t, 5, false)
	f.Script(githubfake.Fault{Status: 429, Header: http.Header{"Retry-After": {clock.Now().Add(42 * time.Second).UTC().Format(http.TimeFormat)}}})
	if res := send(context.Background()); !res.OK() || len(clock.Sleeps()) != 1 || clock.Sleeps()[0] < 41*time.Second || clock.Sleeps()[0] > 42*time.Second {
		t.Errorf("%+v, waits %v", res, clock.Sleeps())
	}
}
