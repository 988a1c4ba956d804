// Package ghclient builds the go-github client every request of the project goes through:
// API base URL (github.com or Enterprise Server), User-Agent, API version, token and
// request timeouts. It also offers a Recorder transport that captures a request instead of
// sending it, which is how a dry run shows the exact request.
package ghclient

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/version"
)

// APIVersion is the REST API version every request asks for.
const APIVersion = "2022-11-28"

// DefaultRequestTimeout bounds one HTTP request, from dialling to the last byte of the answer.
const DefaultRequestTimeout = 30 * time.Second

// Options describe the client to build.
type Options struct {
	BaseURL        *url.URL          // API root ending in "/", e.g. https://api.github.com/ or https://HOST/api/v3/
	Token          string            // empty: no Authorization header (dry run only)
	Transport      http.RoundTripper // nil: a fresh http.Transport
	RequestTimeout time.Duration     // 0: DefaultRequestTimeout
}

// New returns a go-github client for the options. BaseURL is used as given: unlike
// go-github's WithEnterpriseURLs it does not append "api/v3/", so a loopback test server or
// a proxy at any path works.
func New(o Options) *github.Client {
	rt := o.Transport
	if rt == nil {
		rt = newTransport()
	}
	timeout := o.RequestTimeout
	if timeout == 0 {
		timeout = DefaultRequestTimeout
	}
	c := github.NewClient(&http.Client{Transport: rt, Timeout: timeout})
	if o.Token != "" {
		c = c.WithAuthToken(o.Token)
	}
	base := *o.BaseURL
	c.BaseURL = &base
	c.UserAgent = version.UserAgent()
	return c
}

func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = DefaultRequestTimeout
	return t
}

// Recorder is a transport that records each request and answers 204 without touching the
// network. Requests reach it exactly as they would reach GitHub, headers included.
type Recorder struct {
	Requests []RecordedRequest
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
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	r.Requests = append(r.Requests, RecordedRequest{
		Method: req.Method,
		URL:    req.URL.String(),
		Header: req.Header.Clone(),
		Body:   body,
	})
	return &http.Response{
		StatusCode: http.StatusNoContent,
		Status:     "204 No Content",
		Header:     http.Header{},
		Body:       io.NopCloser(bytes.NewReader(nil)),
		Request:    req,
	}, nil
}
