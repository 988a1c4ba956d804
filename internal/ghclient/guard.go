package ghclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// What the client accepts from a server it does not trust.
const (
	// MaxJSONBytes caps an answer's body: GitHub's largest pages are well under it.
	MaxJSONBytes = 4 << 20
	// MaxErrorBytes caps the body of an error answer: a message and a few details.
	MaxErrorBytes = 64 << 10
	// MaxRedirects is how many redirects one request may follow (GitHub sends at most one:
	// 307/301 for a renamed repository, 302 to storage for logs and artifacts).
	MaxRedirects = 5
)

// ErrBodyTooLarge is an answer whose body passed its cap; reading stops there.
var ErrBodyTooLarge = errors.New("the answer is larger than the action accepts")

// Credential gives the token a request is sent with: a fixed one, or one that is minted
// and renewed as it ages (a GitHub App's installation token).
type Credential interface {
	// Token is the token to send now.
	Token(ctx context.Context) (string, error)
	// Renew is asked once when GitHub refused token with 401: it returns a new token to
	// send the request again with, or ok false when there is none to try (a fixed token,
	// or one minted moments ago, which a new one would not fix).
	Renew(ctx context.Context, refused string) (token string, ok bool, err error)
}

// StaticToken is a Credential that never changes.
type StaticToken string

// Token implements Credential.
func (t StaticToken) Token(context.Context) (string, error) { return string(t), nil }

// Renew implements Credential: a fixed token cannot be renewed.
func (t StaticToken) Renew(context.Context, string) (string, bool, error) { return "", false, nil }

// authTransport sends the credential only to the API's own origin (scheme, host and
// port): a redirect elsewhere goes without it. go-github's WithAuthToken adds it below the
// redirect check, to whatever host a redirect names, so it is not used. A 401 from the API
// asks the credential once for a renewed token, and the request is sent again with it.
type authTransport struct {
	origin string // scheme://host:port of the API root
	cred   Credential
	next   http.RoundTripper
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if Origin(req.URL) != t.origin {
		req = req.Clone(req.Context())
		req.Header.Del("Authorization")
		return t.next.RoundTrip(req)
	}
	tok, err := t.cred.Token(req.Context())
	if err != nil {
		return nil, err
	}
	resp, err := t.send(req, tok)
	if resp == nil || resp.StatusCode != http.StatusUnauthorized || !replayable(req) {
		return resp, err
	}
	fresh, ok, rerr := t.cred.Renew(req.Context(), tok)
	if !ok {
		if rerr != nil {
			_ = resp.Body.Close()
			return nil, rerr
		}
		return resp, err
	}
	drain(resp)
	again, err := replay(req)
	if err != nil {
		return nil, err
	}
	return t.send(again, fresh)
}

func (t *authTransport) send(req *http.Request, token string) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+token)
	return t.next.RoundTrip(req)
}

// Origin is scheme://host:port of u, with the default port made explicit, lower-case.
func Origin(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"https": "443", "http": "80"}[strings.ToLower(u.Scheme)]
	}
	return strings.ToLower(u.Scheme + "://" + u.Hostname() + ":" + port)
}

// checkRedirect allows a few redirects and never one from https to http. A request that
// creates content (a POST) follows only a redirect that repeats it on the API's own origin
// (GitHub's 307 for a renamed repository): never one that turns it into a GET (a proxy's
// or a login portal's 301, 302 or 303) nor one that sends it to another origin, where it
// would not reach GitHub. Credentials are the authTransport's business: it drops them off
// the API's origin.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= MaxRedirects {
		return &RedirectError{Why: fmt.Sprintf("stopped after %d redirects", MaxRedirects)}
	}
	first := via[0]
	if first.URL.Scheme == "https" && req.URL.Scheme != "https" {
		return &RedirectError{Why: fmt.Sprintf("refused a redirect from https to %s://%s", req.URL.Scheme, req.URL.Host)}
	}
	if first.Method == http.MethodGet || first.Method == http.MethodHead {
		return nil
	}
	status := 0
	if req.Response != nil {
		status = req.Response.StatusCode
	}
	switch {
	case req.Method != first.Method:
		return &RedirectError{NotGitHub: true, Why: fmt.Sprintf("the %s was answered with %d, a redirect to %s://%s%s that would turn it into a %s",
			first.Method, status, req.URL.Scheme, req.URL.Host, req.URL.Path, req.Method)}
	case Origin(req.URL) != Origin(first.URL):
		return &RedirectError{NotGitHub: true, Why: fmt.Sprintf("the %s was answered with %d, a redirect to another server, %s://%s",
			first.Method, status, req.URL.Scheme, req.URL.Host)}
	}
	return nil
}

// RedirectError is a redirect the client would not follow. NotGitHub: GitHub never
// answers so (a proxy or a login portal in front of it does).
type RedirectError struct {
	Why       string
	NotGitHub bool
}

func (e *RedirectError) Error() string { return e.Why }

// NotGitHubError is an answer GitHub does not give where it came (a 200 with a web page
// where GitHub answers 204, an answer from another origin): a proxy or a login portal
// answered instead. Nothing says that GitHub received the request.
func NotGitHubError(status int, why string) error { return NotForgeError(GitHub, status, why) }

// NotForgeError is NotGitHubError for the forge f: an answer f does not give there.
func NotForgeError(f Forge, status int, why string) error {
	return &Error{Cause: Cause{Kind: NotGitHub, Forge: f, Status: status, Err: errors.New(why)}, err: errors.New(why)}
}

type bodyLimitKey struct{}

// WithBodyLimit returns a context whose requests may read successful answers of up to n
// bytes (a log, an archive) instead of MaxJSONBytes.
func WithBodyLimit(ctx context.Context, n int64) context.Context {
	return context.WithValue(ctx, bodyLimitKey{}, n)
}

// capBody limits what can be read of an answer: MaxErrorBytes for an error, MaxJSONBytes
// (or the request's WithBodyLimit) otherwise. Reading past the cap fails with
// ErrBodyTooLarge.
func capBody(ctx context.Context, resp *http.Response) {
	limit := int64(MaxJSONBytes)
	if n, ok := ctx.Value(bodyLimitKey{}).(int64); ok {
		limit = n
	}
	if resp.StatusCode >= 400 {
		limit = MaxErrorBytes
	}
	resp.Body = &cappedBody{ReadCloser: resp.Body, left: limit}
}

type cappedBody struct {
	io.ReadCloser
	left int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly the cap from a longer one.
		var one [1]byte
		if n, _ := b.ReadCloser.Read(one[:]); n > 0 {
			return 0, ErrBodyTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}

// WebURL reports whether s is a URL the action may show and link to: absolute https (or
// on the API's own origin, such as a loopback server), no credentials, only the printable
// ASCII a URL may hold unescaped (RFC 3986), at most 2,000 characters.
func WebURL(s string, api *url.URL) bool {
	if s == "" || len(s) > 2000 || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r >= 0x7f || strings.ContainsRune("\"'<>\\^`{|}", r) }) {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil {
		return false
	}
	return u.Scheme == "https" || (api != nil && Origin(u) == Origin(api))
}
