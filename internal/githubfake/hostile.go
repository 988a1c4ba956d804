package githubfake

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"
)

// Hostile makes the fake misbehave the way a broken proxy, a broken Enterprise Server or
// a hostile endpoint would, for tests of what the action trusts.
type Hostile struct {
	// EndlessRuns: every page of a runs listing is full of new runs that carry no
	// distinct ID, total_count is huge and the created filter is ignored.
	EndlessRuns bool
	// Rewrite changes an answer's object before it is sent: kind "run" (each run, in
	// listings and reads), "run details" (workflow_dispatch's answer) or "repository".
	Rewrite func(kind string, obj map[string]any)
	// Portal makes something other than GitHub answer every POST, as a proxy or an SSO
	// login portal in front of the API does: PortalLogin redirects it (302) to a login
	// page (whose GET answers 200 with HTML), PortalPage answers 200 with that page, and
	// PortalElsewhere redirects it (307) to another server, which accepts anything (204).
	Portal string
}

// Portal modes.
const (
	PortalLogin     = "login"
	PortalPage      = "page"
	PortalElsewhere = "elsewhere"
)

const loginPage = "<!DOCTYPE html><html><head><title>Sign in</title></head><body><form action=\"/login\" method=\"post\">Sign in to continue</form></body></html>"

// portal answers r as the portal of mode does; it reports whether it did.
func (f *Fake) portal(w *recorder, r *http.Request, mode string) bool {
	switch {
	case r.URL.Path == "/login" && r.Method == http.MethodGet:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, loginPage)
	case r.Method != http.MethodPost || mode == "":
		return false
	case mode == PortalLogin:
		http.Redirect(w, r, f.srv.URL+"/login?return_to="+r.URL.Path, http.StatusFound)
	case mode == PortalPage:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, loginPage)
	case mode == PortalElsewhere:
		http.Redirect(w, r, f.elsewhere().URL+r.URL.Path, http.StatusTemporaryRedirect)
	}
	return true
}

// elsewhere is another server, on another origin, that accepts anything with 204 and
// counts what it received.
func (f *Fake) elsewhere() *httptest.Server {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.other == nil {
		f.other = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			f.mu.Lock()
			f.otherReceived++
			f.mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		}))
	}
	return f.other
}

// ReceivedElsewhere counts the requests the other server of PortalElsewhere received.
func (f *Fake) ReceivedElsewhere() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.otherReceived
}

// SetHostile sets how the fake misbehaves (the zero Hostile: not at all).
func (f *Fake) SetHostile(h Hostile) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hostile = h
}

// rewrite applies the hostile Rewrite, if any. Called with f.mu held.
func (f *Fake) rewrite(kind string, obj map[string]any) map[string]any {
	if f.hostile.Rewrite != nil {
		f.hostile.Rewrite(kind, obj)
	}
	return obj
}

// endlessPage is a full page of runs that never match, numbered by page.
func (f *Fake) endlessPage(repo string, page, perPage int) map[string]any {
	runs := make([]map[string]any, 0, perPage)
	now := f.now()
	for i := range perPage {
		id := int64(1_000_000 + page*perPage + i)
		runs = append(runs, map[string]any{"id": id, "display_title": "someone else's run", "event": "repository_dispatch",
			"status": "queued", "created_at": now.UTC().Format(time.RFC3339),
			"html_url": f.webRoot() + "/" + repo + "/actions/runs/" + strconv.FormatInt(id, 10)})
	}
	return map[string]any{"total_count": 1 << 40, "workflow_runs": runs}
}

// streamMessage writes {"message":"aaa…"} with a message of n bytes, without holding it.
func streamMessage(w io.Writer, n int64) {
	if _, err := io.WriteString(w, `{"message":"`); err != nil {
		return
	}
	chunk := bytes.Repeat([]byte("a"), 64<<10)
	for n > 0 {
		c := chunk[:min(int64(len(chunk)), n)]
		if _, err := w.Write(c); err != nil {
			return
		}
		n -= int64(len(c))
	}
	_, _ = io.WriteString(w, `"}`)
}

// trickle writes body one byte at a time, gap apart, then keeps the answer open with
// spaces until the client leaves.
func trickle(w http.ResponseWriter, r *http.Request, body string, gap time.Duration) {
	fl, _ := w.(http.Flusher)
	for i := 0; ; i++ {
		b := byte(' ')
		if i < len(body) {
			b = body[i]
		}
		if _, err := w.Write([]byte{b}); err != nil {
			return
		}
		if fl != nil {
			fl.Flush()
		}
		select {
		case <-r.Context().Done():
			return
		case <-time.After(gap):
		}
	}
}

// discard is a ResponseWriter that drops the answer: the request is handled, the client
// gets a fault instead.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}
