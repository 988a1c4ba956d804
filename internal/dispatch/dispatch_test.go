package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

var data = event.Repo{Owner: "octo", Name: "data"}

// client is a client of the standard fake with the given policy.
func client(t testing.TB, p ghclient.Policy) (*githubfake.Fake, *github.Client) {
	f := githubfake.Standard(t, nil)
	base, _ := url.Parse(f.URL() + "/")
	return f, ghclient.New(ghclient.Options{BaseURL: base, Token: githubfake.TestToken, Policy: p})
}

func TestSend(t *testing.T) {
	t.Parallel()
	f, c := client(t, ghclient.Policy{})
	at := time.Date(2026, 11, 28, 12, 0, 0, 0, time.FixedZone("X", 3600))
	ok := Send(context.Background(), c, Event{Repository: data, EventType: "e", ClientPayload: event.Object(`{"a":"<&>"}`)},
		Options{Now: func() time.Time { return at }})
	if !ok.OK() || ok.Status != StatusDispatched || ok.HTTPStatus != 204 || ok.DispatchedAt != "2026-11-28T11:00:00Z" || ok.RequestID != f.Dispatches()[0].RequestID {
		t.Errorf("result %+v", ok)
	}
	// The fake received exactly the body the vocabulary builds (and config measured).
	reqs := f.Requests()
	if got, want := string(reqs[0].Body), string(event.RepositoryDispatchBody("e", event.Object(`{"a":"<&>"}`))); got != want {
		t.Errorf("body %q, want %q", got, want)
	}
	bad := Send(context.Background(), c, Event{Repository: event.Repo{Owner: "octo", Name: "gone"}, EventType: "e", ClientPayload: event.EmptyObject}, Options{})
	if bad.OK() || bad.HTTPStatus != 404 || bad.Error != "GitHub answered 404 Not Found: Not Found" || bad.Delivered() ||
		ghclient.CauseOf(bad.Err).Kind != ghclient.NotFound {
		t.Errorf("result %+v", bad)
	}
	if n := len(f.Dispatches()); n != 1 {
		t.Errorf("%d dispatches", n)
	}
}

// Cancellation (SIGTERM from the runner, Ctrl-C) stops a wait at once and says the event
// was probably not delivered.
func TestCancelStopsWaiting(t *testing.T) {
	t.Parallel()
	f, c := client(t, ghclient.Policy{})
	f.Script(githubfake.Fault{Status: 429, Header: http.Header{"Retry-After": {"60"}}})
	ctx, cancel := context.WithCancel(context.Background())
	res := Send(ctx, c, Event{Repository: data, EventType: "e", ClientPayload: event.EmptyObject}, Options{OnAttempt: func(_ string, a ghclient.Attempt) {
		if a.Retry {
			cancel() // as a signal would, while the policy waits a minute
		}
	}})
	if res.OK() || res.Error != "cancelled before GitHub confirmed the event: it was probably not delivered" {
		t.Errorf("result %+v", res)
	}
	if len(f.Requests()) != 1 || len(f.Dispatches()) != 0 {
		t.Errorf("%d requests, %d dispatches", len(f.Requests()), len(f.Dispatches()))
	}
}

// A failure the policy gave up on says why.
func TestSendSaysWhyItGaveUp(t *testing.T) {
	t.Parallel()
	f, c := client(t, ghclient.Policy{MaxAttempts: 2, Clock: githubfake.NewClock()})
	f.Script(githubfake.Fault{Status: 502}, githubfake.Fault{Status: 502})
	res := Send(context.Background(), c, Event{Repository: data, EventType: "e", ClientPayload: event.EmptyObject}, Options{})
	if res.Error != "GitHub answered 502 Bad Gateway; gave up after 2 attempts (max-attempts)" || res.Attempts != 2 {
		t.Errorf("result %+v", res)
	}
}

// An older server that refuses return_run_details (400) gets the event again without it,
// with the distinct ID among the inputs; the fake accepts exactly one.
func TestSendWorkflowFallsBackOnOlderServer(t *testing.T) {
	t.Parallel()
	f, c := client(t, ghclient.Policy{})
	f.SetOldEnterprise(true)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true, Inputs: []string{"distinct_id", "env"}})
	res := SendWorkflow(context.Background(), c, WorkflowEvent{Repository: data, Workflow: "deploy.yml", Ref: "main",
		Inputs: event.Object(`{"env":"prod"}`), DistinctID: "abc"}, Options{})
	if !res.OK() || res.RunID != 0 || res.DistinctID != "abc" || !res.IDInInputs || res.Attempts != 2 {
		t.Fatalf("result %+v", res)
	}
	reqs := f.Requests()
	var last struct {
		Inputs  map[string]string `json:"inputs"`
		Details *bool             `json:"return_run_details"`
	}
	if err := json.Unmarshal(reqs[len(reqs)-1].Body, &last); err != nil || last.Details != nil || last.Inputs["distinct_id"] != "abc" || last.Inputs["env"] != "prod" {
		t.Errorf("second body %s", reqs[len(reqs)-1].Body)
	}
	if f.Runs() != 1 {
		t.Errorf("%d runs started", f.Runs())
	}
}

func TestByOwnerIsRoundRobin(t *testing.T) {
	t.Parallel()
	var targets []event.Repo
	for _, s := range strings.Split("a/1 a/2 a/3 B/1 c/1 b/2", " ") {
		o, n, _ := strings.Cut(s, "/")
		targets = append(targets, event.Repo{Owner: o, Name: n})
	}
	got := fmt.Sprint(ByOwner(targets))
	if want := "[0 3 4 1 5 2]"; got != want { // a/1 B/1 c/1 a/2 b/2 a/3
		t.Errorf("order %s, want %s", got, want)
	}
}

func TestFanOutKeepsOrderAndMarksTheRestNotSent(t *testing.T) {
	t.Parallel()
	var targets []event.Repo
	for _, n := range strings.Split("a b c d e f", " ") {
		targets = append(targets, event.Repo{Owner: "o", Name: n})
	}
	ctx, cancel := context.WithCancel(context.Background())
	got := FanOut(ctx, targets, nil, 1, func(_ context.Context, r event.Repo) Result {
		if r.Name == "c" {
			cancel()
		}
		return Result{Repository: r.String(), Status: StatusDispatched}
	}, func(r event.Repo) Result { return Result{Repository: r.String()} })
	var line []string
	for _, r := range got {
		line = append(line, r.Repository+":"+r.Status)
	}
	if want := "o/a:dispatched o/b:dispatched o/c:dispatched o/d:failed o/e:failed o/f:failed"; strings.Join(line, " ") != want {
		t.Errorf("got %s", strings.Join(line, " "))
	}
	if !errors.Is(got[5].Err, ErrNotSent) {
		t.Errorf("error %v", got[5].Err)
	}
}

// BenchmarkDispatch measures one repository_dispatch through the real client stack
// (go-github, auth, JSON) against the loopback fake, reusing one client as a run does.
func BenchmarkDispatch(b *testing.B) {
	f, c := client(b, ghclient.Policy{})
	f.SetRateLimit(1 << 30)
	ev := Event{Repository: data, EventType: "fetch-meetup-data", ClientPayload: event.Object(`{"source":"bench"}`)}
	b.ReportAllocs()
	for b.Loop() {
		if r := Send(context.Background(), c, ev, Options{}); !r.OK() {
			b.Fatal(r.Error)
		}
	}
	b.StopTimer()
	if len(f.Dispatches()) < b.N {
		b.Fatalf("%d dispatches for %d iterations", len(f.Dispatches()), b.N)
	}
}

// BenchmarkDispatchAfter502 measures a dispatch that needs one retry (502, then 204): two
// requests and the policy's bookkeeping, with the backoff wait on a virtual clock.
func BenchmarkDispatchAfter502(b *testing.B) {
	clock := githubfake.NewClock()
	f, c := client(b, ghclient.Policy{Clock: clock})
	f.SetRateLimit(1 << 30)
	ev := Event{Repository: data, EventType: "e", ClientPayload: event.Object(`{"n":1}`)}
	b.ReportAllocs()
	for b.Loop() {
		f.Script(githubfake.Fault{Status: 502})
		if r := Send(context.Background(), c, ev, Options{Now: clock.Now}); !r.OK() || r.Attempts != 2 {
			b.Fatalf("%+v", r)
		}
	}
}
