package ghclient

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
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

var releaseShape = regexp.MustCompile(`^(\d{1,3})\.(\d{1,3})(\.\d{1,4})?$`)

// ParseRelease reads an X-GitHub-Enterprise-Version value; anything not shaped like
// "3.19" or "3.19.2" is not used.
func ParseRelease(v string) (Release, bool) {
	m := releaseShape.FindStringSubmatch(v)
	if m == nil {
		return Release{}, false
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	if major == 0 {
		return Release{}, false
	}
	return Release{Major: major, Minor: minor}, true
}

// Server is what a step has learnt of the server it talks to: the Enterprise Server
// release the answers named, once any has. Every client of a step shares one; it is safe
// for concurrent use.
type Server struct {
	mu      sync.Mutex
	release Release
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

// learn reads the release off an answer.
func (s *Server) learn(h http.Header) {
	if s == nil {
		return
	}
	if r, ok := ParseRelease(h.Get("X-GitHub-Enterprise-Version")); ok {
		s.mu.Lock()
		s.release = r
		s.mu.Unlock()
	}
}

// serverTransport tells the Server about every answer from the API's own origin (a
// storage host a redirect leads to does not speak for the server).
type serverTransport struct {
	server *Server
	origin string
	next   http.RoundTripper
}

func (t *serverTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if resp != nil && Origin(req.URL) == t.origin {
		t.server.learn(resp.Header)
	}
	return resp, err
}
