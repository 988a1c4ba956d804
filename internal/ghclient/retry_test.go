package ghclient_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

// sent is what one dispatch through the policy came to.
type sent struct {
	ok       bool
	status   int
	attempts int
	err      string // the classified error, and why the policy gave up
}

func (s sent) OK() bool { return s.ok }

// dispatchWith posts one repository_dispatch to octo/data through client and counts the
// attempts the policy reports.
func dispatchWith(ctx context.Context, client *github.Client, onAttempt func(ghclient.Attempt)) sent {
	var res sent
	var last ghclient.Attempt
	ctx = ghclient.WithObserver(ctx, func(a ghclient.Attempt) {
		res.attempts++
		last = a
		if onAttempt != nil {
			onAttempt(a)
		}
	})
	payload := json.RawMessage(`{"n":1}`)
	_, resp, err := client.Repositories.Dispatch(ctx, "octo", "data", github.DispatchRequestOptions{EventType: "e", ClientPayload: &payload})
	if resp != nil {
		res.status = resp.StatusCode
	}
	if err != nil {
		res.err = ghclient.Check(err).Error()
		if last.GaveUp != "" {
			res.err += "; gave up " + last.GaveUp
		}
		return res
	}
	res.ok = true
	return res
}

// faultClient is a client against a fresh standard fake whose retry policy runs on a
// virtual clock (waits cost nothing and are recorded), with a 5-minute deadline and a
// short attempt timeout. Jitter is fixed at the middle of its range.
// faultClient is a client of a fake with scripted faults. Its attempt timeout is 2s (an
// answer of the fake, its contract checked on the side, comes well within it even under
// -race), or short when a case scripts a hang.
func faultClient(t *testing.T, maxAttempts int, hang bool) (*githubfake.Fake, *githubfake.Clock, func(context.Context) sent) {
	t.Helper()
	f := githubfake.Standard(t, nil)
	clock := githubfake.NewClock()
	timeout := 2 * time.Second
	if hang {
		timeout = time.Second
	}
	client := ghclient.New(ghclient.Options{BaseURL: baseURL(f), Token: githubfake.TestToken, Policy: ghclient.Policy{
		MaxAttempts:    maxAttempts,
		AttemptTimeout: timeout,
		Deadline:       clock.Now().Add(5 * time.Minute),
		Clock:          clock,
		Jitter:         func() float64 { return 0.5 },
	}})
	var attempts []ghclient.Attempt
	t.Cleanup(func() {
		if t.Failed() {
			for _, a := range attempts {
				t.Logf("attempt %+v", a)
			}
		}
	})
	return f, clock, func(ctx context.Context) sent {
		return dispatchWith(ctx, client, func(a ghclient.Attempt) { attempts = append(attempts, a) })
	}
}

func baseURL(f *githubfake.Fake) *url.URL {
	u, _ := url.Parse(f.URL() + "/")
	return u
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
			errHas: []string{"primary rate limit exhausted", "resets at", "gave up at once", "would pass the deadline"}},
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
			f, clock, send := faultClient(t, max, strings.HasPrefix(tt.name, "hanging"))
			f.Script(tt.faults()...)
			res := send(context.Background())

			// A request the client gave up on is recorded when its handler ends, which on a
			// busy machine can come after the client's next request: wait for it (bounded).
			got := len(f.Requests())
			for end := time.Now().Add(30 * time.Second); got < tt.requests && time.Now().Before(end); got = len(f.Requests()) {
				time.Sleep(5 * time.Millisecond)
			}
			if got != tt.requests {
				t.Errorf("fake received %d requests, want %d", got, tt.requests)
			}
			if got := len(f.Dispatches()); got != tt.accepted {
				t.Errorf("fake accepted %d dispatches, want %d", got, tt.accepted)
			}
			if res.attempts != tt.requests {
				t.Errorf("result counts %d attempts, want %d", res.attempts, tt.requests)
			}
			sleeps := clock.Sleeps()
			if tt.waits != nil && !equalDurations(sleeps, tt.waits) {
				t.Errorf("waits %v, want %v", sleeps, tt.waits)
			}
			if tt.waitWithin[1] > 0 && (len(sleeps) != 1 || sleeps[0] < tt.waitWithin[0] || sleeps[0] > tt.waitWithin[1]) {
				t.Errorf("waits %v, want one within %v", sleeps, tt.waitWithin)
			}
			if tt.accepted == 1 {
				if !res.OK() || res.status != 204 {
					t.Errorf("result %+v", res)
				}
				return
			}
			if res.OK() {
				t.Fatalf("succeeded: %+v", res)
			}
			for _, want := range tt.errHas {
				if !strings.Contains(res.err, want) {
					t.Errorf("error %q lacks %q", res.err, want)
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
	f, _, send := faultClient(t, 5, false)
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

// Cancellation (SIGTERM from the runner, Ctrl-C) stops a wait at once, classified as
// cancelled.
func TestCancelStopsWaiting(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	f.Script(githubfake.Fault{Status: 429, Header: http.Header{"Retry-After": {"60"}}})
	client := ghclient.New(ghclient.Options{BaseURL: baseURL(f), Token: githubfake.TestToken, Policy: ghclient.Policy{MaxAttempts: 5}}) // the real clock
	ctx, cancel := context.WithCancel(context.Background())
	res := dispatchWith(ctx, client, func(a ghclient.Attempt) {
		if a.Retry {
			cancel() // as a signal would, while the policy waits a minute
		}
	})
	if res.OK() || res.err != "cancelled before GitHub answered" {
		t.Errorf("result %+v", res)
	}
	if len(f.Requests()) != 1 || len(f.Dispatches()) != 0 {
		t.Errorf("%d requests, %d dispatches", len(f.Requests()), len(f.Dispatches()))
	}
}

// A step whose deadline passes while a request hangs ends then, not at the attempt
// timeout; an attempt that times out on its own is a network fault, retried.
func TestDeadlineEndsAHangingRequest(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	f.Script(githubfake.Fault{Hang: true})
	client := ghclient.New(ghclient.Options{BaseURL: baseURL(f), Token: githubfake.TestToken})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	res := dispatchWith(ctx, client, nil)
	if res.OK() || res.err != "the timeout ran out before GitHub answered" || res.attempts != 1 {
		t.Errorf("result %+v", res)
	}

	f.Script(githubfake.Fault{Hang: true}, githubfake.Fault{Hang: true})
	client = ghclient.New(ghclient.Options{BaseURL: baseURL(f), Token: githubfake.TestToken,
		Policy: ghclient.Policy{MaxAttempts: 2, AttemptTimeout: 100 * time.Millisecond, Clock: githubfake.NewClock()}})
	res = dispatchWith(context.Background(), client, nil)
	if res.OK() || res.err != "no answer from GitHub: Post \""+f.URL()+"/repos/octo/data/dispatches\": no answer within 100ms; gave up after 2 attempts (max-attempts)" {
		t.Errorf("result %+v", res)
	}
}

// A body that trickles in is cut by the attempt timeout: a request never outlives it.
func TestASlowBodyIsCut(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	f.Script(githubfake.Fault{Path: "/repos/octo/data", Status: 200, Body: `{"default_branch":"main"}`, Trickle: 50 * time.Millisecond})
	client := ghclient.New(ghclient.Options{BaseURL: baseURL(f), Token: githubfake.TestToken,
		Policy: ghclient.Policy{MaxAttempts: 1, AttemptTimeout: 200 * time.Millisecond, Clock: githubfake.NewClock()}})
	_, _, err := client.Repositories.Get(context.Background(), "octo", "data")
	if c := ghclient.CauseOf(ghclient.Check(err)); err == nil || c.Kind != ghclient.TimedOut || len(f.Requests()) != 1 {
		t.Errorf("%v (%+v), %d requests", err, c, len(f.Requests()))
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
