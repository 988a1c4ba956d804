package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
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
	clock := githubfake.NewClock()
	f.SetClock(clock)
	f.SetClockOffset(-3 * time.Minute) // the runner's clock 3 minutes ahead of GitHub's
	at := clock.Now()
	ok := Send(context.Background(), c, event.Target{Event: event.RepositoryDispatch, Repo: data, EventType: "e", ClientPayload: event.Object(`{"a":"<&>"}`)},
		Options{Now: func() time.Time { return at }})
	// Accepted when GitHub says (its answer's Date), not when the runner's clock does.
	github := at.Add(-3 * time.Minute).UTC().Truncate(time.Second)
	if !ok.OK() || ok.HTTPStatus != 204 || ok.Delivery != DeliveryAnswered || ok.Attempts != 1 ||
		!ok.Accepted.Equal(github) || ok.RequestID != f.Dispatches()[0].RequestID {
		t.Errorf("result %+v", ok)
	}
	// The fake received exactly the body the vocabulary builds (and config measured).
	reqs := f.Requests()
	if got, want := string(reqs[0].Body), string(event.RepositoryDispatchBody("e", event.Object(`{"a":"<&>"}`))); got != want {
		t.Errorf("body %q, want %q", got, want)
	}
	bad := Send(context.Background(), c, event.Target{Event: event.RepositoryDispatch, Repo: event.Repo{Owner: "octo", Name: "gone"}, EventType: "e", ClientPayload: event.EmptyObject}, Options{})
	if bad.OK() || bad.HTTPStatus != 404 || bad.Err.Error() != "GitHub answered 404 Not Found: Not Found" || !bad.Accepted.IsZero() ||
		ghclient.CauseOf(bad.Err).Kind != ghclient.NotFound {
		t.Errorf("result %+v", bad)
	}
	if n := len(f.Dispatches()); n != 1 {
		t.Errorf("%d dispatches", n)
	}
}

// Cancellation (SIGTERM from the runner, Ctrl-C) stops a wait at once and says what is
// known: GitHub refused the request (429), and it was not sent again.
func TestCancelStopsWaiting(t *testing.T) {
	t.Parallel()
	f, c := client(t, ghclient.Policy{MaxAttempts: 5})
	f.Script(githubfake.Fault{Status: 429, Header: http.Header{"Retry-After": {"60"}}})
	ctx, cancel := context.WithCancel(context.Background())
	res := Send(ctx, c, event.Target{Event: event.RepositoryDispatch, Repo: data, EventType: "e", ClientPayload: event.EmptyObject}, Options{OnAttempt: func(_ string, a ghclient.Attempt) {
		if a.Retry {
			cancel() // as a signal would, while the policy waits a minute
		}
	}})
	if res.OK() || res.Err.Error() != "GitHub answered 429 Too Many Requests, and cancelled before the request was sent again" || res.Delivery != DeliveryAnswered {
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
	res := Send(context.Background(), c, event.Target{Event: event.RepositoryDispatch, Repo: data, EventType: "e", ClientPayload: event.EmptyObject}, Options{})
	if res.Err.Error() != "GitHub answered 502 Bad Gateway; gave up after 2 attempts (max-attempts)" || res.Attempts != 2 {
		t.Errorf("result %+v", res)
	}
}

// serverClient is a client of a fake playing server, and what the step learns of it.
func serverClient(t *testing.T, server githubfake.Server, rt http.RoundTripper) (*githubfake.Fake, *github.Client, *ghclient.Server) {
	f := githubfake.Standard(t, nil)
	f.SetServer(server)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true,
		Inputs: []string{"distinct_id", "env", "i1", "i2", "i3", "i4", "i5", "i6", "i7", "i8", "i9", "i10"}})
	base, _ := url.Parse(f.URL() + "/")
	learnt := &ghclient.Server{}
	return f, ghclient.New(ghclient.Options{BaseURL: base, Token: githubfake.TestToken, Server: learnt, Transport: rt}), learnt
}

// dispatchBodies are the workflow_dispatch bodies the fake received, in order.
func dispatchBodies(f *githubfake.Fake) []map[string]any {
	var bodies []map[string]any
	for _, r := range f.Requests() {
		if strings.HasSuffix(r.Path, "/dispatches") {
			var b map[string]any
			_ = json.Unmarshal(r.Body, &b)
			bodies = append(bodies, b)
		}
	}
	return bodies
}

// Every server gets the event exactly once, in the form it accepts: github.com and
// Enterprise Server 3.21 and later speak API version 2026-03-10 and name the run in their
// answer (no return_run_details, which that version removed); older releases refuse the
// version with 400, and get the event again under 2022-11-28 without it, the distinct ID
// among the inputs. Once an answer has named an older release, the first POST is already
// the form it knows.
func TestSendWorkflowOnEachServer(t *testing.T) {
	t.Parallel()
	for _, server := range githubfake.Servers {
		for _, known := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/release known %v", server.Name, known), func(t *testing.T) {
				t.Parallel()
				f, c, learnt := serverClient(t, server, nil)
				ref := "main"
				if known {
					ref = "" // the default branch is looked up first: that answer names the release
				}
				res := Send(context.Background(), c, event.Target{Event: event.WorkflowDispatch, Repo: data, Workflow: "deploy.yml", Ref: ref,
					Inputs: event.Object(`{"env":"prod"}`), DistinctID: "abc"}, Options{Server: learnt})
				bodies, versions := dispatchBodies(f), dispatchVersions(f)
				if !res.OK() || f.Runs() != 1 || len(f.Violations()) > 0 {
					t.Fatalf("result %+v, %d runs, %v", res, f.Runs(), f.Violations())
				}
				last := bodies[len(bodies)-1]
				inputs, _ := last["inputs"].(map[string]any)
				if slices.Contains(server.APIVersions(), githubfake.APIVersion2026) {
					if len(bodies) != 1 || versions[0] != "2026-03-10" || last["return_run_details"] != nil || res.RunID == 0 || res.IDInInputs || res.Attempts != 1 {
						t.Errorf("result %+v, bodies %v under %v", res, bodies, versions)
					}
					if v, settled := learnt.APIVersion(); v != "2026-03-10" || !settled {
						t.Errorf("version %s %v", v, settled)
					}
					return
				}
				want := 2 // refused (400: the version is unknown, nothing accepted), then the older form
				if known {
					want = 1
				}
				if len(bodies) != want || res.Attempts != want || last["return_run_details"] != nil || inputs["distinct_id"] != "abc" ||
					inputs["env"] != "prod" || res.RunID != 0 || !res.IDInInputs || res.HTTPStatus != 204 || versions[want-1] != "2022-11-28" {
					t.Errorf("result %+v, bodies %v under %v", res, bodies, versions)
				}
				if rel, ok := learnt.Release(); !ok || rel.String() != strings.TrimSuffix(server.Release, ".0") {
					t.Errorf("release learnt %v %v, want %s", rel, ok, server.Release)
				}
			})
		}
	}
}

// dispatchVersions are the API versions the workflow_dispatch requests went under.
func dispatchVersions(f *githubfake.Fake) []string {
	var vs []string
	for _, r := range f.Requests() {
		if strings.HasSuffix(r.Path, "/dispatches") {
			vs = append(vs, r.Header.Get("X-GitHub-Api-Version"))
		}
	}
	return vs
}

// Some servers answer an unknown key with 400 rather than 422: the same fallback.
func TestSendWorkflowFallsBackOn400(t *testing.T) {
	t.Parallel()
	f, c, learnt := serverClient(t, githubfake.GitHubCom, nil)
	f.Script(githubfake.Fault{Path: "/dispatches", Status: 400, Body: `{"message":"Problems parsing JSON"}`})
	var log []string
	res := Send(context.Background(), c, event.Target{Event: event.WorkflowDispatch, Repo: data, Workflow: "deploy.yml", Ref: "main",
		Inputs: event.Object(`{"env":"prod"}`), DistinctID: "abc"}, Options{Server: learnt, OnAttempt: func(label string, a ghclient.Attempt) {
		log = append(log, fmt.Sprintf("%s attempt %d/%d: %d", label, a.N, a.Max, a.Status))
	}})
	if bodies := dispatchBodies(f); !res.OK() || len(bodies) != 2 || bodies[1]["return_run_details"] != nil || f.Runs() != 1 || !res.IDInInputs {
		t.Errorf("result %+v, bodies %v", res, bodies)
	}
	// The log counts the requests as the results do.
	want := []string{"octo/data deploy.yml@main attempt 1/1: 400", "octo/data deploy.yml@main (sent again under API version 2022-11-28) attempt 2/2: 204"}
	if res.Attempts != 2 || strings.Join(log, "|") != strings.Join(want, "|") {
		t.Errorf("attempts %d, log %q", res.Attempts, log)
	}
}

// A 422 for any other reason is GitHub's verdict on the event: no second request.
func TestSendWorkflowDoesNotFallBackOnOther422(t *testing.T) {
	t.Parallel()
	f, c, learnt := serverClient(t, githubfake.GHES319, nil)
	res := Send(context.Background(), c, event.Target{Event: event.WorkflowDispatch, Repo: data, Workflow: "deploy.yml", Ref: "nope",
		Inputs: event.Object(`{"env":"prod"}`), DistinctID: "abc"}, Options{Server: learnt})
	// 3.19: refused for return_run_details, then for the ref: two requests, the ref named.
	if res.OK() || len(dispatchBodies(f)) != 2 || !strings.Contains(res.Err.Error(), "No ref found for: nope") || f.Runs() != 0 {
		t.Errorf("result %+v, bodies %v", res, dispatchBodies(f))
	}
	f, c, learnt = serverClient(t, githubfake.GitHubCom, nil)
	res = Send(context.Background(), c, event.Target{Event: event.WorkflowDispatch, Repo: data, Workflow: "deploy.yml", Ref: "nope", DistinctID: "abc"}, Options{Server: learnt})
	if res.OK() || len(dispatchBodies(f)) != 1 || res.IDInInputs {
		t.Errorf("github.com: result %+v, bodies %v", res, dispatchBodies(f))
	}
}

// Before 3.20 an Enterprise Server takes 10 inputs. Once its release is known, more are
// not sent at all; when it did not say (a proxy dropped the header), GitHub's 422 says why
// in its own words, and nothing is blamed on a limit the server was not known to have.
func TestSendWorkflowInputsLimitOfTheRelease(t *testing.T) {
	t.Parallel()
	ten := event.Object(`{"env":"x","i1":"x","i2":"x","i3":"x","i4":"x","i5":"x","i6":"x","i7":"x","i8":"x","i9":"x"}`)
	f, c, learnt := serverClient(t, githubfake.GHES319, nil)
	res := Send(context.Background(), c, event.Target{Event: event.WorkflowDispatch, Repo: data, Workflow: "deploy.yml", Inputs: ten, DistinctID: "abc"}, Options{Server: learnt})
	var limit *InputsLimitError
	if res.OK() || !errors.As(res.Err, &limit) || limit.Err != nil || limit.Inputs != 11 || !limit.IDAdded || len(dispatchBodies(f)) != 0 ||
		res.Err.Error() != "not sent: GitHub Enterprise Server 3.19 takes at most 10 workflow inputs, and this dispatch has 11, distinct_id (added to find the run) included" {
		t.Errorf("known release: %+v (%d dispatches)", res, len(dispatchBodies(f)))
	}
	// Without waiting (no distinct ID) ten inputs go.
	f, c, learnt = serverClient(t, githubfake.GHES319, nil)
	if res := Send(context.Background(), c, event.Target{Event: event.WorkflowDispatch, Repo: data, Workflow: "deploy.yml", Inputs: ten}, Options{Server: learnt}); !res.OK() || f.Runs() != 1 {
		t.Errorf("ten inputs: %+v", res)
	}
	f, c, learnt = serverClient(t, githubfake.GHES319, dropHeader{"X-Github-Enterprise-Version"})
	res = Send(context.Background(), c, event.Target{Event: event.WorkflowDispatch, Repo: data, Workflow: "deploy.yml", Ref: "main", Inputs: ten, DistinctID: "abc"}, Options{Server: learnt})
	if res.OK() || errors.As(res.Err, &limit) || ghclient.CauseOf(res.Err).Kind != ghclient.Validation || len(dispatchBodies(f)) != 2 ||
		!strings.HasSuffix(res.Err.Error(), "No more than 10 properties are allowed; 11 were supplied.") {
		t.Errorf("unknown release: %+v", res)
	}
	// 3.20 takes 25, and cannot name the run: 25 and the distinct_id the step adds are 26,
	// refused before sending.
	twentyFive := `{"i0":"x"`
	for i := 1; i < 25; i++ {
		twentyFive += fmt.Sprintf(`,"i%d":"x"`, i)
	}
	f, c, learnt = serverClient(t, githubfake.GHES320, nil)
	res = Send(context.Background(), c, event.Target{Event: event.WorkflowDispatch, Repo: data, Workflow: "deploy.yml", Inputs: event.Object(twentyFive + "}"), DistinctID: "abc"}, Options{Server: learnt})
	if res.OK() || !errors.As(res.Err, &limit) || limit.Limit != 25 || len(dispatchBodies(f)) != 0 ||
		res.Err.Error() != "not sent: GitHub Enterprise Server 3.20 takes at most 25 workflow inputs, and this dispatch has 26, distinct_id (added to find the run) included" {
		t.Errorf("3.20: %+v (%d dispatches)", res, len(dispatchBodies(f)))
	}
}

// dropHeader is a proxy that drops a header from every answer.
type dropHeader struct{ name string }

func (d dropHeader) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := ghclient.NewTransport(nil).RoundTrip(req)
	if resp != nil {
		resp.Header.Del(d.name)
	}
	return resp, err
}

// BenchmarkDispatch measures one repository_dispatch through the real client stack
// (go-github, auth, JSON) against the loopback fake, reusing one client as a run does.
func BenchmarkDispatch(b *testing.B) {
	f, c := client(b, ghclient.Policy{})
	f.SetRateLimit(1 << 30)
	f.WithoutContract() // the client's time, not the fake's checks
	ev := event.Target{Event: event.RepositoryDispatch, Repo: data, EventType: "fetch-meetup-data", ClientPayload: event.Object(`{"source":"bench"}`)}
	b.ReportAllocs()
	for b.Loop() {
		if r := Send(context.Background(), c, ev, Options{}); !r.OK() {
			b.Fatal(r.Err)
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
	f, c := client(b, ghclient.Policy{Clock: clock, MaxAttempts: 5})
	f.SetRateLimit(1 << 30)
	f.WithoutContract()
	ev := event.Target{Event: event.RepositoryDispatch, Repo: data, EventType: "e", ClientPayload: event.Object(`{"n":1}`)}
	b.ReportAllocs()
	for b.Loop() {
		f.Script(githubfake.Fault{Status: 502})
		if r := Send(context.Background(), c, ev, Options{Now: clock.Now}); !r.OK() || r.Attempts != 2 {
			b.Fatalf("%+v", r)
		}
	}
}
