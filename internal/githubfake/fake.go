// Package githubfake is a loopback stand-in for GitHub's REST API, for tests only. It
// serves the API at both "/" (github.com) and "/api/v3/" (Enterprise Server), enforces the
// documented rules of the endpoints the project calls (authentication, User-Agent, API
// version, limits, visibility, permissions), can be scripted to fail, and records every
// request it receives so tests can assert on what GitHub would have seen.
package githubfake

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Limits GitHub documents for POST /repos/{owner}/{repo}/dispatches.
const (
	MaxEventTypeLength   = 100
	MaxPayloadProperties = 10
	MaxBodyBytes         = 64*1024 - 1
)

// The X-GitHub-Api-Version values GitHub knows: 2022-11-28, the default when none is
// sent, and 2026-03-10, which github.com, GHE.com and Enterprise Server 3.21 and later
// know (Server.APIVersions).
const (
	APIVersion2022 = "2022-11-28"
	APIVersion2026 = "2026-03-10"
)

// The deprecation GitHub announces on a workflow_dispatch answered under 2022-11-28 since
// 2026: the version retires on 2028-03-10.
const (
	DeprecationSunset = "Fri, 10 Mar 2028 00:00:00 GMT"
	DeprecationLink   = `<https://docs.github.com/en/rest/about-the-rest-api/api-versions>; rel="deprecation"`
	// DeprecationDate is RFC 9745's form: when it was deprecated, as @seconds since 1970.
	DeprecationDate = "@1773100800"
)

// Token is a credential the fake accepts.
type Token struct {
	Value string `json:"value"`
	// Expires is when it stops working (401 Bad credentials after it, by GitHub's clock);
	// zero: never. Installation tokens expire an hour after they are minted.
	Expires time.Time `json:"-"`
	// Repos the token can see ("owner/name"); nil means every repository.
	Repos []string `json:"repos,omitempty"`
	// Permissions by name ("contents" → "write"); nil means all permissions.
	Permissions map[string]string `json:"permissions,omitempty"`
	// Kind decides the wording of 403s: "personal access token" (default) or "integration".
	Kind string `json:"kind,omitempty"`
}

// Request is one request the fake received, and what it answered.
type Request struct {
	Method  string
	Path    string // without the /api/v3 prefix
	Query   string // the raw query
	Header  http.Header
	Body    []byte
	Status  int
	Arrived time.Time // when it arrived
	// ArrivedOn is when it arrived by the fake's clock (SetClock's virtual one in tests).
	ArrivedOn time.Time
	At        time.Time // when its answer was done
}

// Dispatch is one repository_dispatch event the fake accepted.
type Dispatch struct {
	Repository    string
	EventType     string
	ClientPayload json.RawMessage
	RequestID     string
}

// Fault is a scripted answer to the next matching request, in place of the normal one.
type Fault struct {
	Path   string      // only a request whose path contains this takes the fault ("": any)
	Status int         // answer with this status …
	Header http.Header // … these headers …
	Body   string      // … and this body
	Hang   bool        // or accept the request and never answer (until the client gives up)
	Reset  bool        // or close the connection without answering

	// Hostile answers.
	BodyBytes int64         // a JSON error body with a message this many bytes long, streamed
	Trickle   time.Duration // the body one byte at a time, this far apart, until the client leaves
	// After: handle the request as usual first (a dispatch is accepted), then answer
	// with the fault instead: GitHub failing after it processed the request.
	After bool
}

// Fake is the stand-in GitHub. Create it with New, then Start it (or use NewServer in
// tests).
type Fake struct {
	mu         sync.Mutex
	repos      map[string]string // lower-case "owner/name" → canonical spelling
	tokens     map[string]Token
	requests   []Request
	dispatches []Dispatch
	faults     []Fault
	deprecated []string // paths (parts of) whose answers announce a deprecation
	seq        int
	limit      int // primary rate limit per hour
	remaining  int
	reset      time.Time
	srv        *httptest.Server

	server     Server       // the GitHub it plays
	desc       *description // that server's description, which requests and answers are checked against
	tb         TB           // where contract violations are reported (nil: only kept)
	violations []string
	// Handlers running and contract checks under way; idle is signalled (with mu) when
	// either falls to zero. (Not WaitGroups: a hijacked connection's handler outlives the
	// server's Close, and may start a check while Close waits.)
	handlers, checks int
	idle             *sync.Cond
	checked          [2]int // requests and answers checked
	unchecked        bool   // WithoutContract

	statuses  []CommitStatus         // posted, in order
	workflows map[string][]*Workflow // by lower-case repository
	runs      []*run
	nextRunID int64
	clock     Now
	offset    time.Duration // GitHub's clock ahead of the fake's clock (SetClockOffset)
	refs      map[string]bool

	inflight, peak int           // requests being answered now, and the most at once
	latency        time.Duration // how long every answer takes
	apps           map[string]*App
	minted         []MintedToken
	tokenLife      time.Duration // SetTokenLifetime; 0: as expires_at says
	revoked        []string
	hostile        Hostile
	store          *storage         // the second host of logs and artifacts, started on first use
	other          *httptest.Server // PortalElsewhere's other server, started on first use
	otherReceived  int
}

// New returns a fake that knows no repositories and no tokens.
func New() *Fake {
	f := &Fake{repos: map[string]string{}, tokens: map[string]Token{}, workflows: map[string][]*Workflow{}, refs: map[string]bool{},
		nextRunID: 7000, apps: map[string]*App{}}
	f.idle = sync.NewCond(&f.mu)
	f.SetRateLimit(5000)
	f.SetServer(GitHubCom)
	return f
}

// settle waits, with f.mu held, until no check (and, with handlers, no handler) is under
// way.
func (f *Fake) settle(handlers bool) {
	for f.checks > 0 || (handlers && f.handlers > 0) {
		f.idle.Wait()
	}
}

// done ends a handler or a check (which counter n points to). Called with f.mu held.
func (f *Fake) done(n *int) {
	*n--
	if *n == 0 {
		f.idle.Broadcast()
	}
}

// SetServer makes the fake play s: github.com (the default), with its API at "/", or an
// Enterprise Server release, with its API at "/api/v3", its release named on every answer
// (X-GitHub-Enterprise-Version), and its description's rules: before 3.21 no
// return_run_details (refused with 422, as an unknown key), before 3.20 at most 10 inputs.
// Requests and answers are checked against that release's description from then on.
func (f *Fake) SetServer(s Server) {
	d, err := s.description()
	if err != nil {
		panic(fmt.Sprintf("githubfake: the description of %s: %v", s.Name, err)) // the embedded files are broken
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.server, f.desc = s, d
}

// Server is the GitHub the fake plays.
func (f *Fake) Server() Server {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.server
}

// Violations lists the ways requests and answers broke the description so far (once
// the checks of answers already sent are done).
func (f *Fake) Violations() []string {
	f.mu.Lock()
	f.settle(false)
	defer f.mu.Unlock()
	return append([]string(nil), f.violations...)
}

// SetRateLimit sets the primary rate limit (requests an hour, 5,000 by default) and starts
// a new window. Once it is used up the fake answers 403 with x-ratelimit-remaining: 0, as
// GitHub does.
func (f *Fake) SetRateLimit(perHour int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.limit, f.remaining, f.reset = perHour, perHour, time.Now().Add(time.Hour)
}

// TB is the part of testing.TB that NewServer needs.
type TB interface {
	Helper()
	Cleanup(func())
	Errorf(format string, args ...any)
}

// NewServer starts a fake on loopback, closed when the test ends. A request or an answer
// that breaks the description of the server it plays fails the test (t.Errorf).
func NewServer(t TB) *Fake {
	t.Helper()
	f := New()
	f.tb = t
	f.Start()
	t.Cleanup(f.Close)
	return f
}

// TestToken is the token the standard fake accepts, recognisable so a test can prove it
// never leaks.
const TestToken = "ghp_CANARY0123456789abcdefghijklmnopqrstu"

// Standard starts the fake most tests use: repositories octo/data and octo/other, and
// TestToken with every permission. clock, if not nil, is the clock its runs progress on
// (the one the code under test waits on).
func Standard(t TB, clock Now) *Fake {
	t.Helper()
	f := NewServer(t)
	f.AddRepo("octo/data", "octo/other")
	f.AddToken(Token{Value: TestToken})
	if clock != nil {
		f.SetClock(clock)
	}
	return f
}

// Start serves the fake on a loopback port.
func (f *Fake) Start() { f.srv = httptest.NewServer(f) }

// NewTLSServer starts a fake on loopback over TLS, with a certificate of its own CA (as
// an Enterprise Server with a private CA has), closed when the test ends. CACert is that
// CA, for a client that is told to trust it.
func NewTLSServer(t TB) *Fake {
	t.Helper()
	f := New()
	f.tb = t
	f.srv = httptest.NewTLSServer(f)
	t.Cleanup(f.Close)
	return f
}

// CACert is the certificate of the CA that signed the TLS fake's certificate, PEM-encoded.
func (f *Fake) CACert() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.srv.Certificate().Raw})
}

// StartOn serves the fake on ln (cmd/fakegithub: an address given on its command line).
func (f *Fake) StartOn(ln net.Listener) {
	f.srv = httptest.NewUnstartedServer(f)
	_ = f.srv.Listener.Close()
	f.srv.Listener = ln
	f.srv.Start()
}

// WithoutContract stops checking requests and answers against the description: for
// benchmarks of the client, whose time would otherwise include the checks the fake runs
// beside each answer. Tests never call it.
func (f *Fake) WithoutContract() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.unchecked = true
}

// ReportTo makes the fake report contract violations to t (NewServer reports them to its
// test).
func (f *Fake) ReportTo(t TB) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tb = t
}

// Close stops the server.
func (f *Fake) Close() {
	if f.store != nil {
		f.store.Close()
	}
	if f.other != nil {
		f.other.Close()
	}
	if f.srv != nil {
		f.srv.CloseClientConnections()
		f.srv.Close()
	}
	f.mu.Lock()
	f.settle(true) // every violation reported before the test ends
	f.mu.Unlock()
	f.logContract()
}

// ContractLog names the environment variable of a file where each fake, when closed,
// appends a line "requests answers violations": what the contract check looked at
// (docs/benchmarks.md sums them over a run of the suite).
const ContractLog = "GITHUBFAKE_CONTRACT_LOG"

func (f *Fake) logContract() {
	name := os.Getenv(ContractLog)
	if name == "" {
		return
	}
	f.mu.Lock()
	line := fmt.Sprintf("%d %d %d\n", f.checked[0], f.checked[1], len(f.violations))
	f.mu.Unlock()
	if file, err := os.OpenFile(name, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
		_, _ = file.WriteString(line)
		_ = file.Close()
	}
}

// URL is the API root of the server it plays: http://127.0.0.1:PORT for github.com,
// http://127.0.0.1:PORT/api/v3 for an Enterprise Server.
func (f *Fake) URL() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.apiRoot()
}

// WebURL is the web host, github.com's place (http://127.0.0.1:PORT).
func (f *Fake) WebURL() string { return f.srv.URL }

// AddRepo makes repositories exist.
func (f *Fake) AddRepo(names ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range names {
		f.repos[strings.ToLower(n)] = n
	}
}

// AddToken makes a token valid.
func (f *Fake) AddToken(t Token) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokens[t.Value] = t
}

// Script queues faults: each of the next requests gets the next fault instead of its
// normal answer.
func (f *Fake) Script(faults ...Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, faults...)
}

// Requests returns every request received so far, in order.
func (f *Fake) Requests() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Request(nil), f.requests...)
}

// SetLatency makes every answer take d (real time), so that concurrency shows.
func (f *Fake) SetLatency(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.latency = d
}

// PeakConcurrency is the most requests the fake was answering at once.
func (f *Fake) PeakConcurrency() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.peak
}

// Arrived counts the requests that have arrived, including those still being answered
// (Requests lists a request once its answer is done).
func (f *Fake) Arrived() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seq
}

// Dispatches returns every event accepted so far, in order.
func (f *Fake) Dispatches() []Dispatch {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Dispatch(nil), f.dispatches...)
}

// ServeHTTP implements http.Handler.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 10<<20))
	rec := &recorder{ResponseWriter: w}

	arrived := time.Now()
	f.mu.Lock()
	server, desc, hostile, portal := f.server, f.desc, f.hostile.Rewrite != nil || f.hostile.EndlessRuns || f.hostile.Portal != "", f.hostile.Portal
	path, onRoot := apiPath(server, r.URL.Path)
	checked := onRoot && !f.unchecked
	arrivedOn := f.now()
	f.handlers++
	f.seq++
	f.inflight++
	f.peak = max(f.peak, f.inflight)
	reqID := fmt.Sprintf("FAKE:%04X:%06X", f.seq, f.seq*7919)
	var fault *Fault
	for i := range f.faults {
		if strings.Contains(path, f.faults[i].Path) {
			ft := f.faults[i]
			fault = &ft
			f.faults = append(f.faults[:i], f.faults[i+1:]...)
			break
		}
	}
	limited := f.remaining == 0
	if !limited {
		f.remaining--
	}
	limit, remaining, reset, latency := f.limit, f.remaining, f.reset, f.latency
	f.mu.Unlock()

	h := w.Header()
	h.Set("X-GitHub-Request-Id", reqID)
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Used", strconv.Itoa(limit-remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	h.Set("X-RateLimit-Resource", "core")
	if server.Enterprise() {
		h.Set("X-GitHub-Enterprise-Version", server.Release)
	}
	h.Set("Date", arrivedOn.UTC().Format(http.TimeFormat)) // GitHub's clock, on every answer

	done := false
	finish := func() { // record the request once its answer is done (or about to be cut)
		if done {
			return
		}
		done = true
		f.mu.Lock()
		f.inflight--
		if rec.status == http.StatusNotModified && !limited {
			f.remaining++ // a 304 does not count against the rate limit
		}
		f.requests = append(f.requests, Request{
			Method: r.Method, Path: path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body, Status: rec.status, Arrived: arrived, ArrivedOn: arrivedOn, At: time.Now(),
		})
		f.mu.Unlock()
	}
	defer func() {
		finish()
		if checked { // checked once the answer is gone, so that checking costs the client no time
			x := exchange{method: r.Method, path: path, query: r.URL.RawQuery, header: r.Header.Clone(), body: body,
				status: rec.status, answerHeader: h.Clone(), answer: rec.body.Bytes(), fullAnswer: fault == nil && !hostile && !rec.over}
			f.mu.Lock()
			f.checks++
			f.mu.Unlock()
			go func() {
				problems := desc.check(x)
				f.report(problems)
				f.mu.Lock()
				f.checked[0]++
				if x.answered() {
					f.checked[1]++
				}
				f.done(&f.checks)
				f.mu.Unlock()
			}()
		}
		f.mu.Lock()
		f.done(&f.handlers)
		f.mu.Unlock()
	}()
	if fault != nil && fault.Reset {
		finish() // before the client can see the connection drop
	}
	rec.onBody = finish // before the client can have read a whole answer

	if fault != nil && fault.After {
		f.route(&recorder{ResponseWriter: discard{}}, r, path, body, reqID)
	}
	if fault != nil {
		f.serveFault(rec, r, fault)
		return
	}
	if latency > 0 {
		time.Sleep(latency)
	}
	switch {
	case f.portal(rec, r, portal):
	case !onRoot: // github.com has no /api/v3; an Enterprise Server's API is only there
		writeError(rec, http.StatusNotFound, "Not Found", "https://docs.github.com/rest")
	case limited:
		writeError(rec, http.StatusForbidden, "API rate limit exceeded for user.", "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api")
	default:
		f.route(rec, r, path, body, reqID)
	}
}

// apiPath is the request's path below the API root of the server, and whether it was
// below that root at all.
func apiPath(s Server, p string) (string, bool) {
	if !s.Enterprise() {
		return p, p != "/api/v3" && !strings.HasPrefix(p, "/api/v3/")
	}
	rest, ok := strings.CutPrefix(p, "/api/v3")
	return rest, ok && (rest == "" || strings.HasPrefix(rest, "/"))
}

// report keeps contract violations and fails the test that caused them.
func (f *Fake) report(problems []string) {
	if len(problems) == 0 {
		return
	}
	f.mu.Lock()
	f.violations = append(f.violations, problems...)
	tb := f.tb
	f.mu.Unlock()
	if tb != nil {
		for _, p := range problems {
			tb.Errorf("githubfake: %s", p)
		}
	}
}

func (f *Fake) serveFault(w *recorder, r *http.Request, ft *Fault) {
	switch {
	case ft.Hang:
		<-r.Context().Done()
		return
	case ft.Reset:
		if hj, ok := w.ResponseWriter.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				if tc, ok := conn.(interface{ SetLinger(int) error }); ok {
					_ = tc.SetLinger(0) // RST, not FIN
				}
				_ = conn.Close()
				return
			}
		}
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	for k, vs := range ft.Header {
		for _, v := range vs {
			w.Header().Set(k, v)
		}
	}
	status := ft.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if ft.Body != "" || ft.BodyBytes > 0 {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(status)
	switch {
	case ft.BodyBytes > 0:
		streamMessage(w, ft.BodyBytes)
	case ft.Trickle > 0:
		trickle(w, r, ft.Body, ft.Trickle)
	default:
		_, _ = io.WriteString(w, ft.Body)
	}
}

// Deprecate makes every answer to a request whose path contains part announce that the
// operation is deprecated, as GitHub does before it retires one: Deprecation, Sunset and
// Link, the headers of 2022-11-28's retirement.
func (f *Fake) Deprecate(part string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deprecated = append(f.deprecated, part)
}

func (f *Fake) route(w *recorder, r *http.Request, path string, body []byte, reqID string) {
	f.mu.Lock()
	for _, part := range f.deprecated {
		if strings.Contains(path, part) {
			setDeprecation(w.Header())
		}
	}
	f.mu.Unlock()
	if r.Header.Get("User-Agent") == "" {
		writeError(w, http.StatusForbidden, "Request forbidden by administrative rules. Please make sure your request has a User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required).", "")
		return
	}
	if v := r.Header.Get("X-GitHub-Api-Version"); v != "" && !contains(f.Server().APIVersions(), v) {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("API version %s is not supported.", v), "https://docs.github.com/rest/about-the-rest-api/api-versions")
		return
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if f.routeApp(w, r, parts, body) {
		return
	}
	if len(parts) < 3 || parts[0] != "repos" {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest")
		return
	}
	name, rest := parts[1]+"/"+parts[2], strings.Join(parts[3:], "/")
	if rest == "installation" && r.Method == http.MethodGet {
		f.repoInstallation(w, r, name) // authenticated as the App, not with a token
		return
	}
	var ep *endpoint
	var wild string
	for i := range endpoints {
		if endpoints[i].method == r.Method {
			if ok, wc := matchPath(endpoints[i].pattern, rest); ok {
				ep, wild = &endpoints[i], wc
				break
			}
		}
	}
	if ep == nil && r.Method == http.MethodGet && strings.HasPrefix(rest, "contents/") {
		ep, wild = &contentsEndpoint, strings.TrimPrefix(rest, "contents/") // a path of any depth
	}
	if ep == nil {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest")
		return
	}
	tok, ok := f.authenticate(w, r)
	if !ok {
		return
	}
	repo, ok := f.repo(w, tok, name)
	if !ok {
		return
	}
	if ep.perm != "metadata" && !permit(w, tok, ep.perm, ep.level) {
		return
	}
	switch ep.pattern {
	case "":
		f.mu.Lock()
		obj := f.rewrite("repository", f.repositoryJSON(repo))
		f.mu.Unlock()
		writeJSON(w, http.StatusOK, obj, "")
	case "dispatches":
		f.repositoryDispatch(w, repo, body, reqID)
	case "actions/workflows/*/dispatches":
		f.workflowDispatch(w, repo, wild, body, apiVersion(r))
	case "actions/runs":
		f.listRuns(w, r, repo, "")
	case "actions/workflows/*/runs":
		f.listRuns(w, r, repo, wild)
	case "actions/runs/*":
		f.getRun(w, r, repo, wild)
	case "statuses/*":
		f.createStatus(w, repo, wild, body, tok)
	case contentsEndpoint.pattern:
		f.contents(w, r, repo, wild)
	default:
		f.routeDownstream(w, r, repo, ep.pattern, wild)
	}
}

// setDeprecation announces 2022-11-28's retirement, as GitHub does.
func setDeprecation(h http.Header) {
	h.Set("Deprecation", DeprecationDate)
	h.Set("Sunset", DeprecationSunset)
	h.Set("Link", DeprecationLink)
}

// apiVersion is the version a request is answered under: its header, else 2022-11-28.
func apiVersion(r *http.Request) string {
	if v := r.Header.Get("X-GitHub-Api-Version"); v != "" {
		return v
	}
	return APIVersion2022
}

// endpoint is one operation on a repository: its method, its path below the
// repository (one "*" segment at most), and the permission it needs.
type endpoint struct {
	method, pattern string
	perm, level     string
}

// endpoints are what the fake serves below a repository, with the permission each needs
// of a fine-grained token or App.
var endpoints = []endpoint{
	{"GET", "", "metadata", "read"},
	{"POST", "dispatches", "contents", "write"},
	{"POST", "actions/workflows/*/dispatches", "actions", "write"},
	{"GET", "actions/runs", "actions", "read"},
	{"GET", "actions/workflows/*/runs", "actions", "read"},
	{"GET", "actions/runs/*", "actions", "read"},
	{"GET", "actions/runs/*/jobs", "actions", "read"},
	{"GET", "actions/runs/*/pending_deployments", "actions", "read"},
	{"GET", "actions/jobs/*/logs", "actions", "read"},
	{"GET", "actions/runs/*/artifacts", "actions", "read"},
	{"GET", "actions/artifacts/*/zip", "actions", "read"},
	{"POST", "actions/runs/*/cancel", "actions", "write"},
	{"GET", "actions/workflows", "actions", "read"},
	{"GET", "check-runs/*/annotations", "checks", "read"},
	{"POST", "statuses/*", "statuses", "write"},
}

// contentsEndpoint is GET …/contents/{path}, whose path may have any number of segments.
var contentsEndpoint = endpoint{"GET", "contents/**", "contents", "read"}

// matchPath matches a path against a pattern with at most one "*" segment, returning
// what the "*" matched.
func matchPath(pattern, path string) (bool, string) {
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(xs) {
		return false, ""
	}
	wild := ""
	for i := range ps {
		switch {
		case ps[i] == "*" && xs[i] != "":
			wild = xs[i]
		case ps[i] != xs[i]:
			return false, ""
		}
	}
	return true, wild
}

// authenticate finds the request's token; it answers 401 itself when there is none or it
// is unknown.
func (f *Fake) authenticate(w *recorder, r *http.Request) (Token, bool) {
	auth := r.Header.Get("Authorization")
	scheme, value, _ := strings.Cut(auth, " ")
	if auth == "" {
		writeError(w, http.StatusUnauthorized, "Requires authentication", "https://docs.github.com/rest")
		return Token{}, false
	}
	f.mu.Lock()
	tok, ok := f.tokens[value]
	expired := ok && !tok.Expires.IsZero() && !f.now().Before(tok.Expires)
	f.mu.Unlock()
	if !ok || expired || !(strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "token")) {
		writeError(w, http.StatusUnauthorized, "Bad credentials", "https://docs.github.com/rest")
		return Token{}, false
	}
	return tok, true
}

// repo finds a repository the token can see, answering 404 (as GitHub does for private
// repositories out of sight) otherwise.
func (f *Fake) repo(w *recorder, tok Token, name string) (string, bool) {
	f.mu.Lock()
	canonical, ok := f.repos[strings.ToLower(name)]
	f.mu.Unlock()
	if ok && tok.Repos != nil {
		ok = false
		for _, r := range tok.Repos {
			if strings.EqualFold(r, name) {
				ok = true
			}
		}
	}
	if !ok {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/repos/repos#create-a-repository-dispatch-event")
		return "", false
	}
	return canonical, true
}

// permit checks a permission, answering 403 with X-Accepted-GitHub-Permissions as GitHub
// does for fine-grained tokens and Apps.
func permit(w *recorder, tok Token, perm, level string) bool {
	if tok.Permissions == nil || tok.Permissions[perm] == level || (level == "read" && tok.Permissions[perm] == "write") {
		return true
	}
	kind := tok.Kind
	if kind == "" {
		kind = "personal access token"
	}
	w.Header().Set("X-Accepted-GitHub-Permissions", perm+"="+level)
	writeError(w, http.StatusForbidden, "Resource not accessible by "+kind, "https://docs.github.com/rest/repos/repos#create-a-repository-dispatch-event")
	return false
}

func (f *Fake) repositoryDispatch(w *recorder, repo string, body []byte, reqID string) {
	const doc = "https://docs.github.com/rest/repos/repos#create-a-repository-dispatch-event"
	if len(body) > MaxBodyBytes {
		writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("Invalid request.\n\nPayload of %d bytes is too large: the maximum is %d.", len(body), MaxBodyBytes), doc)
		return
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON", doc)
		return
	}
	if key := unknownKey(fields, "event_type", "client_payload"); key != "" {
		writeError(w, http.StatusUnprocessableEntity, notPermitted(key), doc)
		return
	}
	var eventType string
	if raw, ok := fields["event_type"]; !ok || json.Unmarshal(raw, &eventType) != nil {
		writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\n\"event_type\" wasn't supplied.", doc)
		return
	}
	if n := utf8.RuneCountInString(eventType); n < 1 || n > MaxEventTypeLength {
		writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("Invalid request.\n\nevent_type must be between 1 and %d characters; %d were supplied.", MaxEventTypeLength, n), doc)
		return
	}
	payload := json.RawMessage("{}")
	if raw, ok := fields["client_payload"]; ok {
		var props map[string]json.RawMessage
		if json.Unmarshal(raw, &props) != nil || props == nil {
			writeError(w, http.StatusUnprocessableEntity, "Invalid request.\n\nFor 'properties/client_payload', is not an object.", doc)
			return
		}
		if n := countKeys(raw); n > MaxPayloadProperties {
			writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("Invalid request.\n\nclient_payload: No more than %d properties are allowed; %d were supplied.", MaxPayloadProperties, n), doc)
			return
		}
		payload = append(json.RawMessage(nil), raw...)
	}
	vars := map[string]string{"action": eventType}
	var props map[string]json.RawMessage
	_ = json.Unmarshal(payload, &props)
	for k, v := range props {
		var s string
		if json.Unmarshal(v, &s) != nil {
			s = string(v)
		}
		vars["client_payload."+k] = s
	}
	f.mu.Lock()
	f.dispatches = append(f.dispatches, Dispatch{Repository: repo, EventType: eventType, ClientPayload: payload, RequestID: reqID})
	f.startRuns(repo, "repository_dispatch", "main", func(wf *Workflow) bool {
		if !wf.RepositoryDispatch {
			return false
		}
		if len(wf.Types) == 0 {
			return true
		}
		for _, t := range wf.Types {
			if t == eventType {
				return true
			}
		}
		return false
	}, vars)
	f.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// unknownKey is the first key of a request body (in sorted order) that is not one of
// known: GitHub refuses it.
func unknownKey(fields map[string]json.RawMessage, known ...string) string {
	var unknown []string
	for k := range fields {
		if !slices.Contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	if len(unknown) == 0 {
		return ""
	}
	return unknown[0]
}

// notPermitted is GitHub's message for a key a request body may not have, as github.com
// answers it, and as Enterprise Server 3.19 answers return_run_details
// (benc-uk/workflow-dispatch#86).
func notPermitted(key string) string {
	return fmt.Sprintf("Invalid request.\n\n%q is not a permitted key.", key)
}

// countKeys counts an object's top-level keys as written, duplicates included.
func countKeys(obj json.RawMessage) int {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if _, err := dec.Token(); err != nil {
		return 0
	}
	n := 0
	for dec.More() {
		if _, err := dec.Token(); err != nil {
			return n
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return n
		}
		n++
	}
	return n
}

func writeError(w http.ResponseWriter, status int, msg, doc string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	body := map[string]string{"message": msg, "status": strconv.Itoa(status)}
	if doc != "" {
		body["documentation_url"] = doc
	}
	_ = json.NewEncoder(w).Encode(body)
}

func contains(list []string, s string) bool {
	i := sort.SearchStrings(list, s)
	return i < len(list) && list[i] == s
}

// recorder remembers the status written and keeps a copy of the body (up to
// maxCapture) for the contract check.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
	over   bool   // the body passed maxCapture: not checked
	onBody func() // called before the first byte of the body is written
}

const maxCapture = 8 << 20

// Flush sends what was written so far (a trickling answer).
func (r *recorder) Flush() {
	if fl, ok := r.ResponseWriter.(http.Flusher); ok {
		fl.Flush()
	}
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if r.onBody != nil {
		r.onBody()
		r.onBody = nil
	}
	if r.body.Len()+len(b) > maxCapture {
		r.over = true
	} else if !r.over {
		r.body.Write(b)
	}
	return r.ResponseWriter.Write(b)
}
