// Package ghclient builds the go-github client every request of the project goes through:
// API base URL (github.com or Enterprise Server), User-Agent, API version, token and
// request timeouts. It also offers a Recorder transport that captures a request instead of
// sending it, which is how a dry run shows the exact request.
package ghclient

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"golang.org/x/net/http/httpproxy"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/version"
)

// Options describe the client to build.
type Options struct {
	BaseURL *url.URL // API root ending in "/", e.g. https://api.github.com/ or https://HOST/api/v3/
	Token   string   // empty: no Authorization header (dry run only), unless Credential is set
	// Credential, if set, gives the token of each request (and renews it on a 401)
	// instead of Token.
	Credential Credential
	Transport  http.RoundTripper // nil: a fresh http.Transport
	Policy     Policy            // retries, per-attempt timeout, deadline
	// Server, if set, learns the Enterprise Server release the answers name and the API
	// version the server speaks; every client of a step shares one. Nil: the client's own.
	Server *Server
}

// New returns a go-github client for the options, every request of which goes through the
// retry policy, reads at most a capped body, follows at most a few redirects (never from
// https to http) and carries the token only to the API root's own origin. BaseURL is used as given: unlike go-github's WithEnterpriseURLs it does
// not append "api/v3/", so a loopback test server or a proxy at any path works.
func New(o Options) *github.Client {
	rt := o.Transport
	if rt == nil {
		rt = NewTransport(nil)
	}
	// No http.Client.Timeout: it would bound all attempts together. Each attempt has its
	// own timeout, and the context the step's deadline.
	rt = NewRetryTransport(rt, o.Policy)
	server := o.Server
	if server == nil {
		server = NewServer(o.BaseURL)
	}
	rt = &serverTransport{server: server, origin: Origin(o.BaseURL), next: rt}
	cred := o.Credential
	if cred == nil {
		cred = StaticToken(o.Token)
	}
	if cred == StaticToken("") {
		cred = nil // no token: no Authorization header (a dry run)
	}
	if cred != nil {
		rt = &authTransport{origin: Origin(o.BaseURL), cred: cred, next: rt}
	}
	c := github.NewClient(&http.Client{Transport: rt, CheckRedirect: checkRedirect})
	base := *o.BaseURL
	c.BaseURL = &base
	c.UserAgent = version.UserAgent()
	return c
}

// NewTransport returns a fresh connection pool, to share between the clients of one run.
// It goes through the proxy that getenv's HTTPS_PROXY, HTTP_PROXY and NO_PROXY (or their
// lower-case names) give, as Go reads them from the environment; nil getenv: no proxy. A
// failure to reach GitHub through the proxy is a *ProxyError that names it.
func NewTransport(getenv func(string) string) http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	if getenv != nil {
		either := func(name string) string { return cmp.Or(getenv(name), getenv(strings.ToLower(name))) }
		proxy := (&httpproxy.Config{HTTPProxy: either("HTTP_PROXY"), HTTPSProxy: either("HTTPS_PROXY"), NoProxy: either("NO_PROXY")}).ProxyFunc()
		t.Proxy = func(r *http.Request) (*url.URL, error) { return proxy(r.URL) }
		t.OnProxyConnectResponse = func(_ context.Context, proxy *url.URL, _ *http.Request, resp *http.Response) error {
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			return &ProxyError{Proxy: redact(proxy), Err: fmt.Errorf("it answered %s to the request to connect", resp.Status)}
		}
	}
	return &proxyTransport{next: t}
}

// redact is a proxy's URL without its credentials, which are never printed.
func redact(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}

// proxyTransport names the proxy when the connection to it, or through it, failed.
type proxyTransport struct{ next *http.Transport }

func (p *proxyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := p.next.RoundTrip(req)
	var op *net.OpError
	if err != nil && errors.As(err, &op) && op.Op == "proxyconnect" && p.next.Proxy != nil {
		if u, perr := p.next.Proxy(req); perr == nil && u != nil {
			return nil, &ProxyError{Proxy: redact(u), Err: op.Err}
		}
	}
	return resp, err
}

// ProxyError is a request that never reached GitHub: the proxy could not be reached, or
// refused to connect to GitHub.
type ProxyError struct {
	Proxy string // its URL, without credentials
	Err   error
}

func (e *ProxyError) Error() string {
	return fmt.Sprintf("the proxy %s did not connect to the API: %v", e.Proxy, e.Err)
}

func (e *ProxyError) Unwrap() error { return e.Err }

// Recorder is a transport that records each request and answers without touching the
// network: 204 to a POST, and to a GET a repository whose default branch is
// PlaceholderBranch. Requests reach it exactly as they would reach GitHub, headers included.
type Recorder struct {
	mu       sync.Mutex
	requests []RecordedRequest
}

// Requests returns the requests recorded so far, in order.
func (r *Recorder) Requests() []RecordedRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]RecordedRequest(nil), r.requests...)
}

// RecordedRequest is one captured request.
type RecordedRequest struct {
	Method string
	URL    string
	Header http.Header
	Body   []byte
}

// RoundTrip implements http.RoundTripper.
func (r *Recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = append(r.requests, RecordedRequest{
		Method: req.Method,
		URL:    req.URL.String(),
		Header: req.Header.Clone(),
		Body:   body,
	})
	if req.Method == http.MethodGet {
		return &http.Response{
			StatusCode: http.StatusOK,
			Status:     "200 OK",
			Header:     http.Header{"Content-Type": {"application/json"}},
			Body:       io.NopCloser(strings.NewReader(`{"default_branch":"` + PlaceholderBranch + `"}`)),
			Request:    req,
		}, nil
	}
	return &http.Response{
		StatusCode: http.StatusNoContent,
		Status:     "204 No Content",
		Header:     http.Header{},
		Body:       io.NopCloser(bytes.NewReader(nil)),
		Request:    req,
	}, nil
}

// PlaceholderBranch stands for the repository's default branch in a dry run, which does
// not ask GitHub for it.
const PlaceholderBranch = "<default branch>"
