package ghclient

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/untrusted"
)

// Kind is why a request to GitHub failed. It is decided once, here, from the answer or
// the transport error; the retry policy, the error text and the hints all switch on it.
type Kind int

// Kinds of failure.
const (
	KindNone     Kind = iota // not a failed request to GitHub
	NotFound                 // 404: missing, or hidden from this token
	Unauthorized             // 401: a bad, expired or revoked credential
	Forbidden                // 403 without rate-limit signals: a permission
	Validation               // 422
	BadRequest               // 400
	RateLimited              // 403 or 429 with rate-limit signals
	ServerError              // 5xx
	OtherStatus              // any other error status
	Network                  // no answer: refused, reset, no answer within the attempt timeout
	Untrusted                // the server's TLS certificate was not trusted
	BadAnswer                // an answer the client will not use: too large, not JSON, a refused redirect
	NotGitHub                // an answer GitHub does not give there: a proxy or a login portal answered instead
	NoTurn                   // never sent: the step's deadline came before the request's turn (pacing)
	Cancelled                // the step was cancelled
	TimedOut                 // the step's timeout ran out
)

// Cause is a classified failure of a request to GitHub.
type Cause struct {
	Kind       Kind
	Forge      Forge     // the forge the request went to, which messages name
	Status     int       // HTTP status, 0 when there was no answer
	RequestID  string    // GitHub's X-GitHub-Request-Id, if any
	Date       time.Time // the answer's Date, GitHub's clock when it answered (zero: none)
	Message    string    // GitHub's message and error details, on one line
	Permission string    // Forbidden: the permission GitHub named, "scope=level" (e.g. contents=write), if it did
	Refusal    Refusal   // Validation: what GitHub's message says it refused, if it says
	Proxy      string    // Network: the proxy that could not be reached or did not connect, if one was in the way
	// Rate limits.
	Primary    bool          // the hourly limit is used up (else a secondary limit)
	Limit      int           // the hourly limit, when GitHub said
	Reset      time.Time     // when the hourly limit resets (Primary)
	RetryAfter time.Duration // GitHub's Retry-After (HasRetryAfter)
	// HasRetryAfter tells a Retry-After of 0 from none.
	HasRetryAfter bool
	Err           error // the transport error, when there was no answer
}

// Transient reports whether the failure may pass by itself: a gateway or server fault,
// or a connection that failed. Rate limits pass too, but after the wait GitHub asks for.
func (c Cause) Transient() bool {
	switch c.Kind {
	case Network:
		return true
	case ServerError:
		switch c.Status {
		case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
	}
	return false
}

// String says what GitHub answered, or that it did not, in one line.
func (c Cause) String() string {
	switch c.Kind {
	case KindNone:
		return "no error"
	case Cancelled:
		return "cancelled before " + c.Forge.Answered("")
	case TimedOut:
		return "the timeout ran out before " + c.Forge.Answered("")
	case Network:
		if c.Proxy != "" {
			return "nothing reached " + c.Forge.String() + ": " + c.Err.Error()
		}
		return "no answer from " + c.Forge.String() + ": " + c.Err.Error()
	case Untrusted:
		return "the server's TLS certificate is not trusted: " + unwrapURL(c.Err).Error()
	case BadAnswer:
		return c.Forge.String() + "'s answer could not be used: " + c.Err.Error()
	case NotGitHub:
		return "not " + c.Forge.String() + "'s answer: " + c.Err.Error()
	case NoTurn:
		return c.Err.Error()
	case RateLimited:
		msg := c.Forge.Answered(statusText(c.Status))
		if c.Primary {
			return msg + fmt.Sprintf(": primary rate limit exhausted (%d requests an hour), it resets at %s", c.Limit, c.Reset.UTC().Format(time.RFC3339))
		}
		if c.Status == http.StatusTooManyRequests {
			msg += ": too many requests"
		} else {
			msg += ": secondary rate limit"
		}
		if c.HasRetryAfter {
			msg += fmt.Sprintf(", retry after %s", c.RetryAfter.Round(time.Second))
		}
		return msg
	}
	msg := c.Forge.Answered(statusText(c.Status))
	if c.Message != "" {
		msg += ": " + c.Message
	}
	return msg
}

func statusText(code int) string { return fmt.Sprintf("%d %s", code, http.StatusText(code)) }

// Error is a failed request to GitHub: its Cause, and the error go-github or the
// transport returned.
type Error struct {
	Cause Cause
	err   error
}

func (e *Error) Error() string { return e.Cause.String() }
func (e *Error) Unwrap() error { return e.err }

// Check classifies an error returned by a go-github call: nil stays nil, an *Error stays
// as it is, anything else becomes an *Error with its Cause.
func Check(err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	c := Classify(err)
	c.Forge = forgeOf(err)
	return &Error{Cause: c, err: err}
}

// CauseOf returns the Cause of the first *Error in err's chain: KindNone when err did not
// come from a request to GitHub.
func CauseOf(err error) Cause {
	var e *Error
	if errors.As(err, &e) {
		return e.Cause
	}
	return Cause{}
}

// Classify decides the Cause of an error returned by go-github (whose answers went
// through the retry policy).
func Classify(err error) Cause {
	if err == nil {
		return Cause{}
	}
	var rl *github.RateLimitError
	var abuse *github.AbuseRateLimitError
	var er *github.ErrorResponse
	switch {
	case errors.Is(err, context.Canceled):
		return Cause{Kind: Cancelled, Err: err}
	case errors.Is(err, context.DeadlineExceeded):
		return Cause{Kind: TimedOut, Err: err}
	case errors.As(err, &rl):
		return answer(rl.Response, oneLine(rl.Message), "", answerTime(rl.Response))
	case errors.As(err, &abuse):
		return answer(abuse.Response, oneLine(abuse.Message), "secondary rate limit", answerTime(abuse.Response))
	case errors.As(err, &er):
		return answer(er.Response, errorMessage(er), er.DocumentationURL, answerTime(er.Response))
	}
	return transport(err)
}

// answerTime is GitHub's clock when it answered (its Date), against which a Retry-After
// given as a date is read; zero when it sent none.
func answerTime(resp *http.Response) time.Time {
	if resp == nil {
		return time.Time{}
	}
	t, _ := http.ParseTime(resp.Header.Get("Date"))
	return t
}

// transport classifies an error that came instead of an answer.
func transport(err error) Cause {
	var turn *turnError
	if errors.As(err, &turn) {
		return Cause{Kind: NoTurn, Err: turn}
	}
	var proxy *ProxyError
	if errors.As(err, &proxy) {
		return Cause{Kind: Network, Proxy: proxy.Proxy, Err: proxy}
	}
	var redirect *RedirectError
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &redirect) && redirect.NotGitHub {
		return Cause{Kind: NotGitHub, Err: unwrapURL(err)}
	}
	if errors.Is(err, ErrBodyTooLarge) || errors.As(err, &redirect) || errors.As(err, &syntax) || errors.As(err, &typ) {
		return Cause{Kind: BadAnswer, Err: unwrapURL(err)}
	}
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	if errors.As(err, &unknownCA) || errors.As(err, &hostErr) || errors.As(err, &invalid) || errors.As(err, &verify) {
		return Cause{Kind: Untrusted, Err: err}
	}
	// Refused, reset, closed early, or no answer within the attempt timeout.
	return Cause{Kind: Network, Err: err}
}

// ClassifyResponse decides the Cause of an answer below go-github, where the body has
// not been read: it peeks at an error body (the message tells a rate-limited 403 from a
// permission 403) and leaves it readable. now dates a Retry-After given as an HTTP date.
func ClassifyResponse(resp *http.Response, now time.Time) Cause {
	if resp.StatusCode < 400 {
		return Cause{}
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, MaxErrorBytes))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(body), resp.Body), resp.Body}
	var e struct {
		Message          string `json:"message"`
		DocumentationURL string `json:"documentation_url"`
	}
	_ = json.Unmarshal(body, &e)
	return answer(resp, oneLine(e.Message), e.DocumentationURL, now)
}

// answer classifies an HTTP error answer by status, headers and GitHub's message.
func answer(resp *http.Response, message, docURL string, now time.Time) Cause {
	if resp == nil {
		return Cause{Kind: OtherStatus, Message: message}
	}
	h := resp.Header
	c := Cause{Status: resp.StatusCode, RequestID: RequestID(h), Message: message, Forge: servedBy(resp).Forge()}
	c.Date, _ = http.ParseTime(h.Get("Date"))
	switch code := resp.StatusCode; {
	case code == http.StatusNotFound:
		c.Kind = NotFound
	case code == http.StatusUnauthorized:
		c.Kind = Unauthorized
	case code == http.StatusUnprocessableEntity:
		c.Kind, c.Refusal = Validation, refusalOf(message)
	case code == http.StatusBadRequest:
		c.Kind = BadRequest
	case code == http.StatusTooManyRequests, code == http.StatusForbidden && isRateLimit(h, message, docURL):
		c.Kind = RateLimited
		rateLimit(&c, h, now)
	case code == http.StatusForbidden:
		c.Kind = Forbidden
		if scope, level, ok := AcceptedPermission(h.Get("X-Accepted-GitHub-Permissions")); ok {
			c.Permission = scope + "=" + level
		}
	case code >= 500:
		c.Kind = ServerError
	default:
		c.Kind = OtherStatus
	}
	return c
}

// Refusal is what a 422's message says was refused: GitHub's message text is read here,
// once, and nowhere else.
type Refusal int

// The refusals GitHub's messages name.
const (
	RefusalUnknown    Refusal = iota
	UnexpectedInputs          // "Unexpected inputs provided: [...]"
	RequiredInput             // "Required input 'x' not provided"
	NoDispatchTrigger         // "Workflow does not have 'workflow_dispatch' trigger"
	TooManyProperties         // "No more than 10 properties are allowed; 11 were supplied."
	// InaccessibleRepository: "There is at least one repository that does not exist or is
	// not accessible to the parent installation" (an App's token asked for one it lacks).
	InaccessibleRepository
)

// refusalOf reads what a 422's message says was refused.
func refusalOf(message string) Refusal {
	switch msg := strings.ToLower(message); {
	case strings.Contains(msg, "unexpected inputs"):
		return UnexpectedInputs
	case strings.Contains(msg, "required input"):
		return RequiredInput
	case strings.Contains(msg, "workflow_dispatch"):
		return NoDispatchTrigger
	case strings.Contains(msg, "properties are allowed"):
		return TooManyProperties
	case strings.Contains(msg, "not accessible to the parent installation"):
		return InaccessibleRepository
	}
	return RefusalUnknown
}

// isRateLimit tells a rate-limited 403 from a permission 403: rate-limit headers, or a
// message or documentation link about rate limits.
func isRateLimit(h http.Header, message, docURL string) bool {
	if h.Get("Retry-After") != "" || h.Get("X-RateLimit-Remaining") == "0" {
		return true
	}
	text := strings.ToLower(message + " " + docURL)
	return strings.Contains(text, "rate limit") || strings.Contains(text, "rate-limit") || strings.Contains(text, "abuse")
}

// AcceptedPermission reads the first "scope=level" of an X-Accepted-GitHub-Permissions
// header (entries separated by ";" or ","): a scope of lower-case letters and
// underscores, a level of read, write or admin. Anything else is not used.
func AcceptedPermission(header string) (scope, level string, ok bool) {
	first, _, _ := strings.Cut(strings.ReplaceAll(header, ",", ";"), ";")
	scope, level, ok = strings.Cut(strings.TrimSpace(first), "=")
	if !ok || scope == "" || len(scope) > 50 || strings.ContainsFunc(scope, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r == '_') }) {
		return "", "", false
	}
	switch level {
	case "read", "write", "admin":
		return scope, level, true
	}
	return "", "", false
}

// MaxWait is the longest wait a rate-limit header can ask for; a longer one is taken as
// this long (and then, against the step's deadline, fails at once).
const MaxWait = 24 * time.Hour

// rateLimit reads GitHub's rate-limit headers into c, defensively: Retry-After as
// delta-seconds or an HTTP date (RFC 9110), waits capped at MaxWait, a reset that is not
// a number ignored.
func rateLimit(c *Cause, h http.Header, now time.Time) {
	if d, ok := RetryAfter(h.Get("Retry-After"), now); ok {
		c.RetryAfter, c.HasRetryAfter = d, true
	}
	if strings.TrimSpace(h.Get("X-RateLimit-Remaining")) != "0" {
		return
	}
	reset, err := strconv.ParseInt(strings.TrimSpace(h.Get("X-RateLimit-Reset")), 10, 64)
	if err != nil || reset < 0 {
		return
	}
	c.Primary = true
	c.Reset = time.Unix(reset, 0)
	if latest := now.Add(MaxWait); !now.IsZero() && reset > latest.Unix() {
		c.Reset = latest
	}
	if n, err := strconv.Atoi(strings.TrimSpace(h.Get("X-RateLimit-Limit"))); err == nil && n > 0 {
		c.Limit = n
	}
}

// RetryAfter reads a Retry-After header: delta-seconds or an HTTP date, relative to now
// (a zero now: dates are not read), between 0 and MaxWait.
func RetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if !strings.ContainsFunc(v, func(r rune) bool { return r < '0' || r > '9' }) {
		secs, err := strconv.ParseUint(v, 10, 64)
		if err != nil { // only a range error is left: more seconds than fit
			secs = math.MaxUint64
		}
		return time.Duration(min(secs, uint64(MaxWait/time.Second))) * time.Second, true
	}
	if len(v) > 64 || now.IsZero() { // no date is this long; a date needs a time to read it against
		return 0, false
	}
	if at, err := http.ParseTime(v); err == nil {
		return min(max(at.Sub(now), 0), MaxWait), true
	}
	return 0, false
}

// RequestID is GitHub's X-GitHub-Request-Id when it has the shape of one (hex groups and
// colons), else "": it is printed, so nothing else from the header is.
func RequestID(h http.Header) string {
	id := h.Get("X-GitHub-Request-Id")
	if id == "" || len(id) > 64 {
		return ""
	}
	for _, c := range id {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == ':' || c == '-' || c == '.' || c == '_') {
			return ""
		}
	}
	return id
}

// errorMessage is GitHub's message with the details of its errors list, on one line.
func errorMessage(er *github.ErrorResponse) string {
	msg := er.Message
	var details []string
	for _, e := range er.Errors[:min(len(er.Errors), 10)] {
		switch {
		case e.Message != "":
			details = append(details, e.Message)
		case e.Field != "":
			details = append(details, fmt.Sprintf("%s %s", e.Field, e.Code))
		}
	}
	if len(details) > 0 {
		msg += " (" + strings.Join(details, "; ") + ")"
	}
	return oneLine(msg)
}

// MaxMessageRunes caps GitHub's message in a Cause: enough for any real one.
const MaxMessageRunes = 1000

// unwrapURL drops net/url's "Post \"…\": " around an error of ours.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// oneLine is GitHub's text as a Cause keeps it: one line, at most MaxMessageRunes.
func oneLine(s string) string { return untrusted.Line(strings.TrimSpace(s), MaxMessageRunes) }
