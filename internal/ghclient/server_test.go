package ghclient_test

import (
	"context"
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

// The API version every request goes with: 2026-03-10 from the first request to
// github.com and GHE.com; elsewhere 2022-11-28 until an answer says more (a release from
// 3.21 on, or none: 2026-03-10; an older release: 2022-11-28). A repository_dispatch
// (whose body is the same in both) refused as a version the server does not know is sent
// again under 2022-11-28, once: exactly one event accepted.
func TestTheAPIVersionEachServerSpeaks(t *testing.T) {
	t.Parallel()
	for _, host := range []string{"https://api.github.com/", "https://api.octocorp.ghe.com/"} {
		base, _ := url.Parse(host)
		if v, settled := ghclient.NewServer(base).APIVersion(); v != ghclient.APIVersion2026 || !settled {
			t.Errorf("%s: %s %v", host, v, settled)
		}
	}
	for _, s := range githubfake.Servers {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			f := githubfake.Standard(t, nil)
			f.SetServer(s)
			base, _ := url.Parse(f.URL() + "/")
			server := ghclient.NewServer(base)
			if v, settled := server.APIVersion(); v != ghclient.APIVersion2022 || settled {
				t.Errorf("before any answer: %s %v", v, settled)
			}
			c := ghclient.New(ghclient.Options{BaseURL: base, Token: githubfake.TestToken, Server: server})
			for range 2 {
				if err := dispatchTo(context.Background(), c, "octo/data"); err != nil {
					t.Fatal(err)
				}
			}
			want := githubfake.APIVersion2022
			if strings.Contains(strings.Join(s.APIVersions(), " "), githubfake.APIVersion2026) {
				want = githubfake.APIVersion2026
			}
			var sent []string
			for _, r := range f.Requests() {
				sent = append(sent, r.Header.Get("X-GitHub-Api-Version"))
			}
			// The first goes under 2022-11-28 (nothing known yet), the second under what
			// the first answer taught.
			if v, _ := server.APIVersion(); v != want || len(f.Dispatches()) != 2 || len(sent) != 2 || sent[1] != want {
				t.Errorf("version %s, %d dispatches, sent under %v; want %s", v, len(f.Dispatches()), sent, want)
			}
		})
	}
}

// A server that named no release (a proxy may drop the header) is taken to speak
// 2026-03-10; its 400 to that version teaches otherwise, and the request goes again under
// 2022-11-28, once. A request bound to a version (WithAPIVersion) is not sent again: its
// caller decides.
func TestARefusedVersionIsSentAgainOnce(t *testing.T) {
	t.Parallel()
	var got []string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := r.Header.Get("X-GitHub-Api-Version")
		got = append(got, r.Method+" "+v)
		if v != ghclient.APIVersion2022 {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"message":"API version ` + v + ` is not supported."}`))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	_, c := serverClient(t, api, "/")
	for range 2 {
		if err := dispatchTo(context.Background(), c, "octo/data"); err != nil {
			t.Fatal(err)
		}
	}
	want := "POST 2022-11-28|POST 2026-03-10|POST 2022-11-28"
	if strings.Join(got, "|") != want {
		t.Errorf("sent %v, want %s", got, want)
	}
	got = nil
	err := dispatchTo(ghclient.WithAPIVersion(context.Background(), ghclient.APIVersion2026), c, "octo/data")
	if ghclient.CauseOf(err).Kind != ghclient.BadRequest || strings.Join(got, "|") != "POST 2026-03-10" {
		t.Errorf("bound: %v, sent %v", err, got)
	}
}

// Every answer's Deprecation header is kept, once per operation, with its Sunset date
// and its deprecation link; a link that is not https, or not a clean URL, is left out.
func TestDeprecationsOncePerOperation(t *testing.T) {
	t.Parallel()
	link := githubfake.DeprecationLink
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Deprecation", githubfake.DeprecationDate)
		w.Header().Set("Sunset", githubfake.DeprecationSunset)
		w.Header().Set("Link", link)
		if r.Method == http.MethodGet {
			w.Header().Set("Link", `<javascript:alert(1)>; rel="deprecation", <http://x.example/>; rel="deprecation", <https://x.example/a b>; rel="deprecation"`)
			_, _ = w.Write([]byte(`{"default_branch":"main"}`))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	server, c := serverClient(t, api, "/api/v3/")
	for _, repo := range []string{"octo/data", "octo/site", "other/mirror", "octo/data"} {
		if err := dispatchTo(context.Background(), c, repo); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := c.Repositories.Get(context.Background(), "other", "mirror"); err != nil {
		t.Fatal(err)
	}
	ds := server.Deprecations()
	if len(ds) != 2 || ds[1].Operation != "GET /repos/{owner}/{repo}" || ds[1].Link != "" {
		t.Fatalf("%d deprecations: %+v", len(ds), ds)
	}
	if d := ds[0]; d.Operation != "POST /repos/{owner}/{repo}/dispatches" || d.Version != "2022-11-28" || d.Sunset.Format("2006-01-02") != "2028-03-10" ||
		d.Link != "https://docs.github.com/en/rest/about-the-rest-api/api-versions" {
		t.Errorf("%+v", d)
	}
	if op := ghclient.Operation("GET", "/api/v3/repos/o/r/actions/runs/123/jobs"); op != "GET /repos/{owner}/{repo}/actions/runs/{id}/jobs" {
		t.Errorf("%q", op)
	}
	if op := ghclient.Operation("GET", "/repos/o/r/contents/.github/workflows/a.yml"); op != "GET /repos/{owner}/{repo}/contents/{path}" {
		t.Errorf("%q", op)
	}
}

// serverClient is a client of the API at path on api, with a Server of its own, and api
// closed when the test ends.
func serverClient(t *testing.T, api *httptest.Server, path string) (*ghclient.Server, *github.Client) {
	t.Cleanup(api.Close)
	base, _ := url.Parse(api.URL + path)
	server := ghclient.NewServer(base)
	return server, ghclient.New(ghclient.Options{BaseURL: base, Token: "t", Server: server})
}

// One 400 to a read (a proxy's, whatever version it went under) does not switch the
// step's API version; a server that refuses 2026-03-10 to a read and answers it under
// 2022-11-28 does settle it.
func TestA400ToAReadSettlesNothingByItself(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		answer    func(version string) int
		want      string
		wantCalls int
	}{
		{"a proxy's 400", func(string) int { return http.StatusBadRequest }, ghclient.APIVersion2026, 3},
		{"a server without 2026-03-10", func(v string) int {
			if v == ghclient.APIVersion2026 {
				return http.StatusBadRequest
			}
			return http.StatusOK
		}, ghclient.APIVersion2022, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if calls.Add(1) == 1 { // the first answer: a server of no known release, 2026-03-10 tried
					_, _ = w.Write([]byte(`{}`))
					return
				}
				w.WriteHeader(tc.answer(r.Header.Get("X-GitHub-Api-Version")))
				_, _ = w.Write([]byte(`{"message":"Bad Request"}`))
			}))
			server, c := serverClient(t, api, "/api/v3/")
			_, _, _ = c.Repositories.Get(context.Background(), "octo", "data")
			_, _, _ = c.Repositories.Get(context.Background(), "octo", "data")
			if v, _ := server.APIVersion(); v != tc.want || int(calls.Load()) != tc.wantCalls {
				t.Errorf("version %s after %d calls, want %s after %d", v, calls.Load(), tc.want, tc.wantCalls)
			}
		})
	}
}
