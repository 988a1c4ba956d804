package ghclient

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// Release is an Enterprise Server release, as its answers name it in
// X-GitHub-Enterprise-Version ("3.19.2"). The zero Release is none: github.com names none.
type Release struct{ Major, Minor int }

// String is "3.19".
func (r Release) String() string { return fmt.Sprintf("%d.%d", r.Major, r.Minor) }

// Before reports whether r is an Enterprise Server release older than major.minor.
func (r Release) Before(major, minor int) bool {
	return r != Release{} && (r.Major < major || r.Major == major && r.Minor < minor)
}

// ParseRelease reads an X-GitHub-Enterprise-Version value; anything not shaped like
// "3.19" or "3.19.2" (1–3 digits, a dot, 1–3 digits, and optionally a dot and 1–4 digits)
// is not used. Read by hand, not by a regular expression: this runs on the first answer
// of every step, and compiling one there costs the step's start 0.2 ms.
func ParseRelease(v string) (Release, bool) {
	parts := strings.Split(v, ".")
	if len(parts) < 2 || len(parts) > 3 || !digits(parts[0], 3) || !digits(parts[1], 3) || len(parts) == 3 && !digits(parts[2], 4) {
		return Release{}, false
	}
	major, _ := strconv.Atoi(parts[0])
	minor, _ := strconv.Atoi(parts[1])
	if major == 0 {
		return Release{}, false
	}
	return Release{Major: major, Minor: minor}, true
}

// digits reports whether s is 1 to most ASCII digits.
func digits(s string, most int) bool {
	if s == "" || len(s) > most {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// The API versions the project speaks: 2026-03-10 wherever the server knows it
// (github.com, GHE.com, Enterprise Server 3.21 and later), else 2022-11-28, GitHub's
// default, which every server knows.
const (
	APIVersion2022 = "2022-11-28"
	APIVersion2026 = "2026-03-10"
	currentMinor   = 21 // the first Enterprise Server release that knows 2026-03-10
)

// Server is what a step has learnt of the server it talks to: the Enterprise Server
// release the answers named, once any has; the API version it speaks; and the deprecations
// its answers announced. Every client of a step shares one; it is safe for concurrent use.
type Server struct {
	mu      sync.Mutex
	release Release
	// version is the API version settled on ("": not yet, and requests go with 2022-11-28,
	// which every server knows); tentative: settled because an answer named no release,
	// which a proxy may have dropped, so a 400 to 2026-03-10 takes it back.
	version    string
	tentative  bool
	deprecated []Deprecation
	// forge is what the server is taken for (forge.go); ask: Identify asks it once
	// (asked), because its address or the runner says it may be Gitea.
	forge      Forge
	ask, asked bool
}

// NewServer is a Server for the API at base: github.com and GHE.com (api.SUBDOMAIN.ghe.com)
// speak 2026-03-10 from the first request; an API root at /api/v1 is taken for Gitea's
// until Identify asks it; any other host is learnt from its answers.
func NewServer(base *url.URL) *Server {
	s := &Server{}
	switch h := strings.ToLower(base.Hostname()); {
	case h == "api.github.com" || strings.HasPrefix(h, "api.") && strings.HasSuffix(h, ".ghe.com"):
		s.version = APIVersion2026
	case giteaRoot(base):
		s.forge, s.ask = Gitea, true
	}
	return s
}

// APIVersion is the version requests go with now, and whether it is settled.
func (s *Server) APIVersion() (string, bool) {
	if s == nil {
		return APIVersion2022, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.version == "" {
		return APIVersion2022, false
	}
	return s.version, true
}

// Release is the release the server's answers named, if any has yet.
func (s *Server) Release() (Release, bool) {
	if s == nil {
		return Release{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.release, s.release != Release{}
}

// learn reads the release off an answer from the API, and settles the version: by the
// release named, or, when none is, 2026-03-10 (github.com-like) until a 400 to it says
// otherwise. It reports whether the request should go again under 2022-11-28: a 400 to
// 2026-03-10 from a server not known to have it accepted nothing. A 400 to a read settles
// nothing by itself (a proxy may answer one): the read goes again, and only its success
// under 2022-11-28 settles the version (settleOld).
func (s *Server) learn(sent string, resp *http.Response) (again bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := ParseRelease(resp.Header.Get("X-GitHub-Enterprise-Version")); ok {
		s.release = r
		s.version, s.tentative = APIVersion2026, false
		if r.Before(3, currentMinor) {
			s.version = APIVersion2022
		}
	}
	switch {
	case sent == APIVersion2026 && resp.StatusCode == http.StatusBadRequest && (s.tentative || s.version != APIVersion2026) && isRead(resp.Request):
		return true
	case sent == APIVersion2026 && resp.StatusCode == http.StatusBadRequest && (s.tentative || s.version != APIVersion2026):
		s.version, s.tentative = APIVersion2022, false
		return true
	case s.version == "" && resp.StatusCode < 500:
		s.version, s.tentative = APIVersion2026, true
	}
	return false
}

// settleOld settles 2022-11-28 once a read refused under 2026-03-10 succeeded under it.
func (s *Server) settleOld() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tentative || s.version == "" {
		s.version, s.tentative = APIVersion2022, false
	}
}

// isRead reports whether req only reads.
func isRead(req *http.Request) bool {
	return req != nil && (req.Method == http.MethodGet || req.Method == http.MethodHead)
}

// serverTransport sends every request with the server's API version and tells the
// Server about every answer from the API's own origin (a storage host a redirect leads
// to does not speak for the server).
type serverTransport struct {
	server *Server
	origin string
	next   http.RoundTripper
}

func (t *serverTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = withServer(req, t.server) // its answer, or failure, names the forge (forge.go)
	sent, bound := req.Context().Value(versionKey{}).(string)
	if !bound {
		sent, _ = t.server.APIVersion()
	}
	resp, err := t.send(withVersion(req, sent))
	if resp == nil || Origin(req.URL) != t.origin {
		return resp, err
	}
	t.server.deprecation(req, sent, resp.Header)
	if !t.server.learn(sent, resp) || bound || !replayable(req) {
		return resp, err
	}
	again, rerr := replay(req)
	if rerr != nil {
		return resp, nil
	}
	again.Header.Set("X-GitHub-Api-Version", APIVersion2022)
	drain(resp)
	resp, err = t.send(again)
	if err == nil && resp.StatusCode < 300 && isRead(req) {
		t.server.settleOld()
	}
	return resp, err
}

// send sends req on; a request that got no answer fails with an error naming the forge.
func (t *serverTransport) send(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		err = &forgeError{server: t.server, err: err}
	}
	return resp, err
}

type versionKey struct{}

// WithAPIVersion makes the requests made with ctx go under API version v whatever the
// server is thought to speak, and never again under another: for a request whose body
// depends on the version, whose caller decides what a refusal (400) means. The answer
// still teaches the Server (a 400 to 2026-03-10 from a server not known to have it
// settles 2022-11-28).
func WithAPIVersion(ctx context.Context, v string) context.Context {
	return context.WithValue(ctx, versionKey{}, v)
}

// withVersion is req with X-GitHub-Api-Version set to v.
func withVersion(req *http.Request, v string) *http.Request {
	r := req.Clone(req.Context())
	r.Header.Set("X-GitHub-Api-Version", v)
	return r
}
