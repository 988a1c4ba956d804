package ghclient

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/untrusted"
)

// Deprecation is what an answer's Deprecation header (RFC 9745) announced of one
// operation: when it goes away (Sunset, RFC 8594) and where GitHub explains it (a Link
// with rel="deprecation").
type Deprecation struct {
	Operation string    // "POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches"
	Version   string    // the API version it was sent under
	Sunset    time.Time // zero: not given (or not a date)
	Link      string    // "": none given (or not an https URL)
}

// deprecation records an answer's Deprecation header, once per operation.
func (s *Server) deprecation(req *http.Request, sent string, h http.Header) {
	if h.Get("Deprecation") == "" {
		return
	}
	d := Deprecation{Operation: Operation(req.Method, req.URL.Path), Version: sent, Link: deprecationLink(h.Values("Link"))}
	if t, err := http.ParseTime(h.Get("Sunset")); err == nil {
		d.Sunset = t
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, old := range s.deprecated {
		if old.Operation == d.Operation {
			return
		}
	}
	s.deprecated = append(s.deprecated, d)
}

// Deprecations are the operations GitHub's answers said were deprecated, in the order
// first seen.
func (s *Server) Deprecations() []Deprecation {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Deprecation(nil), s.deprecated...)
}

// deprecationLink is the https URL of a Link with rel="deprecation", checked like every
// URL the server sends before it is shown.
func deprecationLink(values []string) string {
	for _, v := range values {
		for _, link := range strings.Split(v, ",") {
			target, params, ok := strings.Cut(strings.TrimSpace(link), ";")
			if !ok || !strings.Contains(strings.ReplaceAll(params, " ", ""), `rel="deprecation"`) {
				continue
			}
			u := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(target), "<"), ">")
			if WebURL(u, nil) {
				return u
			}
		}
	}
	return ""
}

// Operation names a request by its method and path with what varies from one request to
// the next put as GitHub's description names it: the owner and repository, numbers, a
// workflow's file, a file's path. Below an Enterprise Server's /api/v3 the same.
func Operation(method, path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) >= 2 && parts[0] == "api" && parts[1] == "v3" {
		parts = parts[2:]
	}
	for i := 0; i < len(parts); i++ {
		switch {
		case i == 1 && parts[0] == "repos":
			parts[i] = "{owner}"
		case i == 2 && parts[0] == "repos":
			parts[i] = "{repo}"
		case i > 0 && parts[i-1] == "workflows":
			parts[i] = "{workflow_id}"
		case i > 0 && parts[i-1] == "contents":
			parts = append(parts[:i], "{path}")
		case i > 0 && parts[i-1] == "statuses":
			parts[i] = "{sha}"
		default:
			if _, err := strconv.ParseInt(parts[i], 10, 64); err == nil {
				parts[i] = "{id}"
			}
		}
	}
	return untrusted.Line(method+" /"+strings.Join(parts, "/"), 200)
}
