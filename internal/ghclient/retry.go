package ghclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
	"time"
)

// The retry policy: the one place that decides whether and how long to wait before a
// request is sent again. It sits below go-github as an http.RoundTripper, so go-github only
// ever sees the final answer and a retry really goes out (go-github would otherwise refuse
// calls locally after a rate-limit answer).

// Defaults of the policy, as GitHub documents them where it does.
const (
	DefaultAttemptTimeout  = 30 * time.Second
	defaultBackoffBase     = time.Second
	defaultBackoffMax      = 30 * time.Second
	secondaryLimitMinWait  = time.Minute // "wait at least one minute" without headers
	rateLimitResetMargin   = time.Second // the reset is whole seconds; do not arrive early
	maxSecondaryLimitSteps = 5
)

// Clock tells the time and waits; tests pass a virtual one so waits cost nothing.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done, whichever comes first.
	Sleep(ctx context.Context, d time.Duration) error
}

// RealClock is the wall clock.
type RealClock struct{}

// Now implements Clock.
func (RealClock) Now() time.Time { return time.Now() }

// Sleep implements Clock.
func (RealClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Policy bounds the attempts of one request.
type Policy struct {
	MaxAttempts    int           // attempts of one request (config's max-attempts); 0 or 1: no retries
	AttemptTimeout time.Duration // one attempt, dial to last header; 0 means DefaultAttemptTimeout
	// Deadline is when the whole step must be over (by Clock): no wait may pass it.
	// Zero means no deadline beyond the request context's.
	Deadline time.Time
	Clock    Clock // nil means RealClock
	// Jitter returns a number in [0,1) to spread backoff waits; nil means math/rand.
	Jitter func() float64
	// Pacer, if set, is waited on before every attempt of a request that creates content
	// (anything but GET and HEAD), retries included: the pace of one credential.
	Pacer *Pacer
}

func (p Policy) withDefaults() Policy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 1
	}
	if p.AttemptTimeout <= 0 {
		p.AttemptTimeout = DefaultAttemptTimeout
	}
	if p.Clock == nil {
		p.Clock = RealClock{}
	}
	if p.Jitter == nil {
		p.Jitter = rand.Float64
	}
	return p
}

// Attempt is one try of a request, as the audit log shows it.
type Attempt struct {
	N         int           // 1-based
	Max       int           // the policy's MaxAttempts
	Sent      bool          // the request went out (was written whole); else nothing reached the server
	Status    int           // HTTP status, 0 when there was no answer
	Date      time.Time     // the answer's Date: GitHub's clock when it answered (zero: none, or malformed)
	RequestID string        // GitHub's X-GitHub-Request-Id, if any
	Err       error         // transport error, if there was no answer
	Took      time.Duration // how long the attempt took
	Wait      time.Duration // how long before the next attempt (0: none follows)
	Why       string        // why it is (or could have been) retried
	GaveUp    string        // why a retryable failure was not retried; "" otherwise
	Retry     bool          // another attempt follows
}

// Answer says what came back: the HTTP status, or why nothing did.
func (a Attempt) Answer() string {
	switch {
	case a.Status != 0:
		return fmt.Sprintf("%d %s", a.Status, http.StatusText(a.Status))
	case !a.Sent && a.Err != nil:
		return "not sent (" + a.Err.Error() + ")"
	case a.Err != nil:
		return "no answer (" + a.Err.Error() + ")"
	}
	return "no answer"
}

// MayHaveArrived reports whether GitHub may have accepted an attempt that failed: the
// request went out and no answer came, or a server error did (which can come after the
// request was processed). A request that never went out carried nothing.
func (a Attempt) MayHaveArrived() bool {
	return a.Sent && (a.Status == 0 || a.Status >= 500)
}

// Observer is told about every attempt as it ends. It is attached to a request's context
// with WithObserver, so each caller learns about its own request's attempts.
type Observer func(Attempt)

type observerKey struct{}

// WithObserver returns a context whose requests report their attempts to obs.
func WithObserver(ctx context.Context, obs Observer) context.Context {
	return context.WithValue(ctx, observerKey{}, obs)
}

type unpacedKey struct{}

// WithoutPacing returns a context whose requests skip the Pacer: requests that must go
// out at once whatever the pace, such as revoking App tokens at the end of a step.
func WithoutPacing(ctx context.Context) context.Context {
	return context.WithValue(ctx, unpacedKey{}, true)
}

type retryTransport struct {
	next   http.RoundTripper
	policy Policy
}

// NewRetryTransport wraps next with the retry policy.
func NewRetryTransport(next http.RoundTripper, p Policy) http.RoundTripper {
	return &retryTransport{next: next, policy: p.withDefaults()}
}

// RoundTrip sends req, and again as the policy allows. It returns the last answer (or
// error), whose body stays readable.
func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	p := t.policy
	ctx := req.Context()
	observe, _ := ctx.Value(observerKey{}).(Observer)
	if observe == nil {
		observe = func(Attempt) {}
	}
	if !replayable(req) {
		return nil, errors.New("retry: request body cannot be replayed")
	}
	if req.Response != nil {
		// A hop of a redirect the client follows: part of the request it follows, not an
		// attempt of its own (neither paced, reported nor retried), but bounded and capped.
		return t.hop(req)
	}
	secondarySteps := 0
	for n := 1; ; n++ {
		resp, a, err := t.attempt(req, n)
		if errors.Is(err, errNotTried) {
			return nil, errors.Unwrap(err) // the pace's turn never came: nothing was tried
		}
		if err != nil && ctx.Err() != nil {
			// Cancelled or past the step's deadline: not a fault of this attempt.
			observe(a)
			return nil, err
		}
		wait, why, retryable := t.classify(resp, err, n, &secondarySteps)
		switch {
		case !retryable:
		case n >= p.MaxAttempts:
			a.Why, a.GaveUp = why, fmt.Sprintf("after %d attempts (max-attempts)", n)
		case !p.Deadline.IsZero() && p.Clock.Now().Add(wait).After(p.Deadline):
			a.Why = why
			a.GaveUp = fmt.Sprintf("at once: waiting until %s would pass the deadline at %s (timeout)",
				p.Clock.Now().Add(wait).UTC().Format(time.RFC3339), p.Deadline.UTC().Format(time.RFC3339))
		default:
			a.Retry, a.Wait, a.Why = true, wait, why
		}
		observe(a)
		if !a.Retry {
			return finish(resp, err)
		}
		if resp != nil {
			drain(resp)
		}
		if err := p.Clock.Sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("stopped while waiting %s to retry: %w", wait, err)
		}
	}
}

// attempt sends the n-th try of req, paced if it creates content, within the attempt
// timeout, and describes it.
func (t *retryTransport) attempt(req *http.Request, n int) (*http.Response, Attempt, error) {
	p := t.policy
	ctx := req.Context()
	attemptReq := req
	if n > 1 {
		var err error
		if attemptReq, err = replay(req); err != nil {
			return nil, Attempt{N: n, Max: p.MaxAttempts, Err: err}, err
		}
	}
	if p.Pacer != nil && req.Method != http.MethodGet && req.Method != http.MethodHead && ctx.Value(unpacedKey{}) == nil {
		if err := p.Pacer.wait(ctx, p.Clock, p.Deadline); err != nil {
			return nil, Attempt{}, &notTriedError{err}
		}
	}
	var wrote atomic.Bool
	actx, cancel := context.WithTimeout(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(w httptrace.WroteRequestInfo) { wrote.Store(w.Err == nil) },
	}), p.AttemptTimeout)
	start := time.Now() // a measurement of the network, not a wait: real time
	resp, err := t.next.RoundTrip(attemptReq.WithContext(actx))
	a := Attempt{N: n, Max: p.MaxAttempts, Err: err, Took: time.Since(start), Sent: wrote.Load() || resp != nil}
	if resp != nil {
		a.Status = resp.StatusCode
		a.RequestID = RequestID(resp.Header)
		a.Date, _ = http.ParseTime(resp.Header.Get("Date"))
		capBody(ctx, resp)
		resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	} else {
		cancel()
	}
	if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		err = &attemptTimeoutError{after: p.AttemptTimeout}
		a.Err = err
	}
	return resp, a, err
}

// hop sends one hop of a redirect within the attempt timeout, its answer capped.
func (t *retryTransport) hop(req *http.Request) (*http.Response, error) {
	actx, cancel := context.WithTimeout(req.Context(), t.policy.AttemptTimeout)
	resp, err := t.next.RoundTrip(req.WithContext(actx))
	if resp == nil {
		cancel()
		return nil, err
	}
	capBody(req.Context(), resp)
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return finish(resp, err)
}

// errNotTried marks an attempt that never started: the pace's turn did not come (the
// step's deadline, or a cancellation, came first).
var errNotTried = errors.New("not tried")

type notTriedError struct{ err error }

func (e *notTriedError) Error() string   { return e.err.Error() }
func (e *notTriedError) Unwrap() error   { return e.err }
func (e *notTriedError) Is(t error) bool { return t == errNotTried }

// attemptTimeoutError is an attempt that got no answer within the attempt timeout. It is
// not a context error: the step goes on, and the request may be tried again.
type attemptTimeoutError struct{ after time.Duration }

func (e *attemptTimeoutError) Error() string {
	return fmt.Sprintf("no answer within %s", e.after)
}

// finish hands the last answer to go-github. A successful answer that used up the hourly
// limit is passed on without its rate-limit headers, or go-github would refuse the next
// call locally (a missing remaining count reads as 0, so the reset goes too), before this
// policy could wait for the reset.
func finish(resp *http.Response, err error) (*http.Response, error) {
	if resp != nil && resp.StatusCode < 400 && resp.Header.Get("X-RateLimit-Remaining") == "0" {
		resp.Header.Del("X-RateLimit-Remaining")
		resp.Header.Del("X-RateLimit-Reset")
	}
	return resp, err
}

// classify decides whether an answer is worth another attempt and how long to wait first,
// from its Cause: GitHub's guidance for rate limits, and 5xx and broken connections as
// passing faults.
func (t *retryTransport) classify(resp *http.Response, err error, n int, secondarySteps *int) (wait time.Duration, why string, retry bool) {
	var c Cause
	if err != nil {
		c = transport(err)
	} else {
		c = ClassifyResponse(resp, t.policy.Clock.Now())
	}
	switch {
	case c.Kind == Network:
		var timeout *attemptTimeoutError
		if errors.As(err, &timeout) {
			return t.backoff(n), "no answer in time", true
		}
		return t.backoff(n), "connection failed", true
	case c.Transient():
		return t.backoff(n), fmt.Sprintf("server error %d", c.Status), true
	case c.Kind != RateLimited:
		return 0, "", false
	case c.HasRetryAfter:
		return c.RetryAfter, fmt.Sprintf("rate limited (%d): %s asks to retry after %ds", c.Status, c.Forge, int(c.RetryAfter/time.Second)), true
	case c.Primary:
		// Reset is at most MaxWait away: adding the margin cannot overflow.
		wait := max(c.Reset.Sub(t.policy.Clock.Now()), 0) + rateLimitResetMargin
		return wait, fmt.Sprintf("primary rate limit exhausted (%d): it resets at %s", c.Status, c.Reset.UTC().Format(time.RFC3339)), true
	}
	// A secondary limit without headers: at least a minute, growing when it repeats.
	*secondarySteps++
	steps := min(*secondarySteps, maxSecondaryLimitSteps)
	wait = secondaryLimitMinWait << (steps - 1)
	return wait, fmt.Sprintf("secondary rate limit (%d) without Retry-After: waiting %s", c.Status, wait), true
}

// backoff is exponential with jitter: about 1s, 2s, 4s … up to 30s, each between half and
// the whole of that.
func (t *retryTransport) backoff(n int) time.Duration {
	d := defaultBackoffBase << min(n-1, 10)
	if d > defaultBackoffMax {
		d = defaultBackoffMax
	}
	return d/2 + time.Duration(t.policy.Jitter()*float64(d/2))
}

// cancelOnClose releases an attempt's timeout when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}
