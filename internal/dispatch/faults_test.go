package dispatch

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

var event = Event{Repository: config.Repo{Owner: "octo", Name: "data"}, EventType: "e", ClientPayload: json.RawMessage(`{"n":1}`)}

// faultClient is a client against a fresh fake whose retry policy runs on a virtual clock
// (waits cost nothing and are recorded), with a 5-minute deadline and a short attempt
// timeout. Jitter is fixed at the middle of its range.
func faultClient(t *testing.T, maxAttempts int) (*githubfake.Fake, *githubfake.Clock, Options, func(context.Context) Result) {
	t.Helper()
	f := githubfake.NewServer(t)
	f.AddRepo("octo/data")
	f.AddToken(githubfake.Token{Value: token})
	clock := githubfake.NewClock()
	base, _ := url.Parse(f.URL() + "/")
	client := ghclient.New(ghclient.Options{BaseURL: base, Token: token, Policy: ghclient.Policy{
		MaxAttempts:    maxAttempts,
		AttemptTimeout: 300 * time.Millisecond,
		Deadline:       clock.Now().Add(5 * time.Minute),
		Clock:          clock,
		Jitter:         func() float64 { return 0.5 },
	}})
	var attempts []ghclient.Attempt
	opts := Options{Now: clock.Now, OnAttempt: func(_ string, a ghclient.Attempt) { attempts = append(attempts, a) }}
	t.Cleanup(func() {
		if t.Failed() {
			for _, a := range attempts {
				t.Logf("attempt %+v", a)
			}
		}
	})
	return f, clock, opts, func(ctx context.Context) Result { return Send(ctx, client, event, opts) }
}

func secondary(retryAfter string) githubfake.Fault {
	h := http.Header{}
	if retryAfter != "" {
		h.Set("Retry-After", retryAfter)
	}
	return githubfake.Fault{Status: 403, Header: h,
		Body: `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`}
}

func primary(reset time.Time) githubfake.Fault {
	return githubfake.Fault{Status: 403, Body: `{"message":"API rate limit exceeded for user ID 1."}`, Header: http.Header{
		"X-Ratelimit-Limit": {"5000"}, "X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {strconv.FormatInt(reset.Unix(), 10)}}}
}

// The fault matrix: each case scripts what the fake answers first, then counts what it
// received and accepted, and which waits the policy took.
func TestFaultMatrix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		maxAttempts int
		faults      func() []githubfake.Fault
		requests    int             // requests the fake received
		accepted    int             // dispatches it accepted
		waits       []time.Duration // exact waits; nil to skip
		waitWithin  [2]time.Duration
		errHas      []string // when it fails
	}{
		{name: "502 then 204", faults: func() []githubfake.Fault { return []githubfake.Fault{{Status: 502}} },
			requests: 2, accepted: 1, waits: []time.Duration{750 * time.Millisecond}},
		{name: "503, 503 then 204", faults: func() []githubfake.Fault { return []githubfake.Fault{{Status: 503}, {Status: 503}} },
			requests: 3, accepted: 1, waits: []time.Duration{750 * time.Millisecond, 1500 * time.Millisecond}},
		{name: "500 and 504 then 204", faults: func() []githubfake.Fault { return []githubfake.Fault{{Status: 500}, {Status: 504}} },
			requests: 3, accepted: 1, waits: []time.Duration{750 * time.Millisecond, 1500 * time.Millisecond}},
		{name: "429 with Retry-After then 204", faults: func() []githubfake.Fault {
			return []githubfake.Fault{{Status: 429, Header: http.Header{"Retry-After": {"7"}}}}
		}, requests: 2, accepted: 1, waits: []time.Duration{7 * time.Second}},
		{name: "429 without headers waits a minute", faults: func() []githubfake.Fault { return []githubfake.Fault{{Status: 429}} },
			requests: 2, accepted: 1, waits: []time.Duration{time.Minute}},
		{name: "secondary 403 with Retry-After then 204", faults: func() []githubfake.Fault { return []githubfake.Fault{secondary("3")} },
			requests: 2, accepted: 1, waits: []time.Duration{3 * time.Second}},
		{name: "secondary 403 without headers, twice: one minute, then two", faults: func() []githubfake.Fault {
			return []githubfake.Fault{secondary(""), secondary("")}
		}, requests: 3, accepted: 1, waits: []time.Duration{time.Minute, 2 * time.Minute}},
		{name: "primary 403 with reset a second away then 204", faults: func() []githubfake.Fault {
			return []githubfake.Fault{primary(time.Now().Add(time.Second))}
		}, requests: 2, accepted: 1, waitWithin: [2]time.Duration{time.Second, 2100 * time.Millisecond}},
		{name: "primary reset far beyond the deadline fails at once", faults: func() []githubfake.Fault {
			return []githubfake.Fault{primary(time.Now().Add(time.Hour))}
		}, requests: 1, accepted: 0, waits: []time.Duration{},
			errHas: []string{"primary rate limit exhausted", "resets at", "gave up at once", "would pass the step's deadline"}},
		{name: "Retry-After beyond the deadline fails at once", faults: func() []githubfake.Fault {
			return []githubfake.Fault{{Status: 429, Header: http.Header{"Retry-After": {"3600"}}}}
		}, requests: 1, accepted: 0, waits: []time.Duration{}, errHas: []string{"429 Too Many Requests", "gave up at once"}},
		{name: "reset connection then 204", faults: func() []githubfake.Fault { return []githubfake.Fault{{Reset: true}} },
			requests: 2, accepted: 1, waits: []time.Duration{750 * time.Millisecond}},
		{name: "hanging server costs one attempt", faults: func() []githubfake.Fault { return []githubfake.Fault{{Hang: true}} },
			requests: 2, accepted: 1, waits: []time.Duration{750 * time.Millisecond}},
		{name: "persistent 502 gives up after max-attempts", faults: func() []githubfake.Fault {
			return []githubfake.Fault{{Status: 502}, {Status: 502}, {Status: 502}, {Status: 502}, {Status: 502}, {Status: 502}}
		}, requests: 5, accepted: 0, waits: []time.Duration{750 * time.Millisecond, 1500 * time.Millisecond, 3 * time.Second, 6 * time.Second},
			errHas: []string{"502 Bad Gateway", "gave up after 5 attempts (max-attempts)"}},
		{name: "max-attempts 1 disables retries", maxAttempts: 1, faults: func() []githubfake.Fault { return []githubfake.Fault{{Status: 502}} },
			requests: 1, accepted: 0, waits: []time.Duration{}, errHas: []string{"502 Bad Gateway", "gave up after 1 attempts"}},
		{name: "401 is not retried", faults: func() []githubfake.Fault {
			return []githubfake.Fault{{Status: 401, Body: `{"message":"Bad credentials"}`}}
		}, requests: 1, accepted: 0, waits: []time.Duration{}, errHas: []string{"401 Unauthorized: Bad credentials"}},
		{name: "404 is not retried", faults: func() []githubfake.Fault {
			return []githubfake.Fault{{Status: 404, Body: `{"message":"Not Found"}`}}
		}, requests: 1, accepted: 0, waits: []time.Duration{}, errHas: []string{"404 Not Found"}},
		{name: "422 is not retried", faults: func() []githubfake.Fault {
			return []githubfake.Fault{{Status: 422, Body: `{"message":"Invalid request."}`}}
		}, requests: 1, accepted: 0, waits: []time.Duration{}, errHas: []string{"422 Unprocessable Entity"}},
		{name: "400 is not retried", faults: func() []githubfake.Fault {
			return []githubfake.Fault{{Status: 400, Body: `{"message":"Problems parsing JSON"}`}}
		}, requests: 1, accepted: 0, waits: []time.Duration{}, errHas: []string{"400 Bad Request"}},
		{name: "permission 403 is not retried", faults: func() []githubfake.Fault {
			return []githubfake.Fault{{Status: 403, Header: http.Header{"X-Accepted-Github-Permissions": {"contents=write"}},
				Body: `{"message":"Resource not accessible by personal access token"}`}}
		}, requests: 1, accepted: 0, waits: []time.Duration{}, errHas: []string{"403 Forbidden: Resource not accessible"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			max := tt.maxAttempts
			if max == 0 {
				max = 5
			}
			f, clock, _, send := faultClient(t, max)
			f.Script(tt.faults()...)
			res := send(context.Background())

			if got := len(f.Requests()); got != tt.requests {
				t.Errorf("fake received %d requests, want %d", got, tt.requests)
			}
			if got := len(f.Dispatches()); got != tt.accepted {
				t.Errorf("fake accepted %d dispatches, want %d", got, tt.accepted)
			}
			if res.Attempts != tt.requests {
				t.Errorf("result counts %d attempts, want %d", res.Attempts, tt.requests)
			}
			sleeps := clock.Sleeps()
			if tt.waits != nil && !equalDurations(sleeps, tt.waits) {
				t.Errorf("waits %v, want %v", sleeps, tt.waits)
			}
			if tt.waitWithin[1] > 0 && (len(sleeps) != 1 || sleeps[0] < tt.waitWithin[0] || sleeps[0] > tt.waitWithin[1]) {
				t.Errorf("waits %v, want one within %v", sleeps, tt.waitWithin)
			}
			if tt.accepted == 1 {
				if !res.OK() || res.Status != StatusDispatched || res.HTTPStatus != 204 {
					t.Errorf("result %+v", res)
				}
				return
			}
			if res.OK() {
				t.Fatalf("succeeded: %+v", res)
			}
			for _, want := range tt.errHas {
				if !strings.Contains(res.Error, want) {
					t.Errorf("error %q lacks %q", res.Error, want)
				}
			}
		})
	}
}

// go-github refuses calls locally once a response said the hourly limit is used up. A
// successful answer with x-ratelimit-remaining: 0 must not stop the next request from
// going out, so the policy (not go-github) decides what to do when it is refused.
func TestNextRequestGoesOutAfterLimitReachedOnSuccess(t *testing.T) {
	t.Parallel()
	f, _, _, send := faultClient(t, 5)
	reset := strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)
	f.Script(githubfake.Fault{Status: 204, Header: http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {reset}}})
	if r := send(context.Background()); !r.OK() {
		t.Fatalf("first: %+v", r)
	}
	if r := send(context.Background()); !r.OK() {
		t.Fatalf("second: %+v", r)
	}
	if n := len(f.Requests()); n != 2 {
		t.Errorf("fake received %d requests, want 2: the second was refused locally", n)
	}
}

// Cancellation (SIGTERM from the runner, Ctrl-C) stops a wait at once and says so.
func TestCancelStopsWaiting(t *testing.T) {
	t.Parallel()
	f := githubfake.NewServer(t)
	f.AddRepo("octo/data")
	f.AddToken(githubfake.Token{Value: token})
	f.Script(githubfake.Fault{Status: 429, Header: http.Header{"Retry-After": {"60"}}})
	base, _ := url.Parse(f.URL() + "/")
	client := ghclient.New(ghclient.Options{BaseURL: base, Token: token}) // the real clock
	ctx, cancel := context.WithCancel(context.Background())
	res := Send(ctx, client, event, Options{OnAttempt: func(_ string, a ghclient.Attempt) {
		if a.Retry {
			cancel() // as a signal would, while the policy waits a minute
		}
	}})
	if res.OK() || !strings.Contains(res.Error, "cancelled before GitHub confirmed the event") {
		t.Errorf("result %+v", res)
	}
	if len(f.Requests()) != 1 || len(f.Dispatches()) != 0 {
		t.Errorf("%d requests, %d dispatches", len(f.Requests()), len(f.Dispatches()))
	}
}

// A step whose deadline passes while a request hangs ends then, not at the attempt timeout.
func TestDeadlineEndsAHangingRequest(t *testing.T) {
	t.Parallel()
	f := githubfake.NewServer(t)
	f.AddRepo("octo/data")
	f.AddToken(githubfake.Token{Value: token})
	f.Script(githubfake.Fault{Hang: true})
	base, _ := url.Parse(f.URL() + "/")
	client := ghclient.New(ghclient.Options{BaseURL: base, Token: token})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	res := Send(ctx, client, event, Options{})
	if res.OK() || !strings.Contains(res.Error, "timeout ran out") || res.Attempts != 1 {
		t.Errorf("result %+v", res)
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// BenchmarkDispatchAfter502 measures a dispatch that needs one retry (502, then 204): two
// requests and the policy's bookkeeping, with the backoff wait on a virtual clock.
func BenchmarkDispatchAfter502(b *testing.B) {
	f := githubfake.NewServer(b)
	f.AddRepo("octo/data")
	f.AddToken(githubfake.Token{Value: token})
	f.SetRateLimit(1 << 30)
	clock := githubfake.NewClock()
	base, _ := url.Parse(f.URL() + "/")
	client := ghclient.New(ghclient.Options{BaseURL: base, Token: token, Policy: ghclient.Policy{Clock: clock}})
	b.ReportAllocs()
	for b.Loop() {
		f.Script(githubfake.Fault{Status: 502})
		if r := Send(context.Background(), client, event, Options{Now: clock.Now}); !r.OK() || r.Attempts != 2 {
			b.Fatalf("%+v", r)
		}
	}
}
