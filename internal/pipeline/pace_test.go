package pipeline

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/dispatch"
	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghapp"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

// sendTo is a repository_dispatch "e" to each of names, from one token, at concurrency.
func sendTo(f *githubfake.Fake, names []string, concurrency string) config.Inputs {
	return config.Inputs{Token: githubfake.TestToken, Repository: strings.Join(names, ","), EventType: "e", APIURL: f.URL(), Concurrency: concurrency, Preflight: "off"}
}

// named adds n repositories prefix0 … to the fake and returns their names.
func named(f *githubfake.Fake, prefix string, n int) []string {
	var names []string
	for i := range n {
		names = append(names, fmt.Sprintf("%s%d", prefix, i))
		f.AddRepo(names[i])
	}
	return names
}

// appKeyPEM is the App's private key as the input takes it.
func appKeyPEM() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(appKey())}))
}

// postsByCredential are the arrival times (by the fake's clock) of the accepted
// dispatches, by the credential that sent them.
func postsByCredential(f *githubfake.Fake) map[string][]time.Time {
	by := map[string][]time.Time{}
	for _, r := range f.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/dispatches") {
			auth := r.Header.Get("Authorization")
			by[auth] = append(by[auth], r.ArrivedOn)
		}
	}
	return by
}

// checkPace: per credential, never two content-creating requests closer than a second,
// never more than 80 in a minute.
func checkPace(t *testing.T, by map[string][]time.Time) {
	t.Helper()
	var all []time.Time
	for cred, times := range by {
		for i := 1; i < len(times); i++ {
			if gap := times[i].Sub(times[i-1]); gap < time.Second {
				t.Errorf("credential %s…: requests %d and %d only %s apart", cred[:min(len(cred), 14)], i-1, i, gap)
			}
		}
		all = append(all, times...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Before(all[j]) })
	for i := range all {
		n := 0
		for j := i; j < len(all) && all[j].Sub(all[i]) < time.Minute; j++ {
			n++
		}
		if n > 80 {
			t.Errorf("%d content-creating requests within a minute", n)
		}
	}
}

// At most concurrency requests are in flight at GitHub at once.
func TestConcurrencySeenByGitHub(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	f.SetLatency(40 * time.Millisecond)
	st := Run(t.Context(), build(t, config.CLIMode, sendTo(f, named(f, "octo/c", 12), "3")), Options{})
	if len(f.Dispatches()) != 12 || len(st.Results) != 12 {
		t.Fatalf("%d dispatches", len(f.Dispatches()))
	}
	if p := f.PeakConcurrency(); p > 3 || p < 2 {
		t.Errorf("peak concurrency %d, want 2 or 3 with concurrency 3", p)
	}
}

// One token: 70 targets go one a second (69 s from first to last) with no slowdown after
// the 57th, as the old hourly bucket imposed.
func TestPacingOneToken(t *testing.T) {
	t.Parallel()
	clock := githubfake.NewClock()
	f := githubfake.Standard(t, clock)
	st := Run(t.Context(), build(t, config.CLIMode, sendTo(f, named(f, "octo/t", 70), "1")), Options{Clock: clock, Pace: event.PaceInterval})
	if len(f.Dispatches()) != 70 || !st.Results[69].OK() {
		t.Fatalf("%d dispatches", len(f.Dispatches()))
	}
	by := postsByCredential(f)
	checkPace(t, by)
	times := by["Bearer "+githubfake.TestToken]
	if span := times[len(times)-1].Sub(times[0]); span > 71*time.Second {
		t.Errorf("70 targets took %s of virtual time, want about 69 s (N s + 2 s)", span)
	}
}

// A GitHub App: each installation's token is its own credential with its own pace, so 16
// targets over three owners (8, 4, 4) take about the largest owner's count of seconds.
func TestPacingPerAppInstallation(t *testing.T) {
	t.Parallel()
	clock := githubfake.NewClock()
	f := githubfake.Standard(t, clock)
	inst := map[string]*githubfake.Installation{}
	var targets []string
	for o, n := range map[string]int{"big": 8, "mid": 4, "small": 4} {
		in := &githubfake.Installation{ID: int64(100 + len(inst)), Permissions: map[string]string{"contents": "write"}}
		for i := range n {
			in.Repos = append(in.Repos, fmt.Sprintf("r%d", i))
		}
		inst[o] = in
	}
	for i := range 8 { // interleaved: big, mid, small, big, …
		for _, o := range []string{"big", "mid", "small"} {
			if i < len(inst[o].Repos) {
				targets = append(targets, o+"/"+inst[o].Repos[i])
			}
		}
	}
	f.AddApp(githubfake.App{ID: "424242", PublicKey: &appKey().PublicKey, Installations: inst})
	in := sendTo(f, targets, "1")
	in.Token, in.AppID, in.AppPrivateKey, in.KeyFromEnv = "", "424242", appKeyPEM(), true
	st := Run(t.Context(), build(t, config.CLIMode, in), Options{Clock: clock, Pace: event.PaceInterval})
	st.Finish(t.Context())
	if len(f.Dispatches()) != 16 {
		t.Fatalf("%d dispatches", len(f.Dispatches()))
	}
	by := postsByCredential(f)
	if len(by) != 3 {
		t.Fatalf("%d credentials sent dispatches, want 3", len(by))
	}
	checkPace(t, by)
	var first, last time.Time
	for _, times := range by {
		if first.IsZero() || times[0].Before(first) {
			first = times[0]
		}
		if times[len(times)-1].After(last) {
			last = times[len(times)-1]
		}
	}
	if span := last.Sub(first); span > 9*time.Second {
		t.Errorf("16 targets over 3 installations took %s, want about 7 s (the largest owner's 8)", span)
	}
}

// A target not sent because the step ran out of time waiting its turn says exactly that;
// nothing past the deadline is sent.
func TestTargetsBeyondTheTimeoutSaySo(t *testing.T) {
	t.Parallel()
	clock := githubfake.NewClock()
	f := githubfake.Standard(t, clock)
	in := sendTo(f, named(f, "octo/n", 20), "1")
	in.Timeout = "10s"
	st := Run(t.Context(), build(t, config.CLIMode, in), Options{Clock: clock, Pace: event.PaceInterval})
	sent := len(f.Dispatches())
	if sent < 10 || sent > 11 {
		t.Fatalf("%d sent", sent)
	}
	noTurn := 0
	for _, r := range st.Results {
		if ghclient.CauseOf(r.Err).Kind == ghclient.NoTurn && strings.Contains(r.Error(), "not sent: the timeout would run out before this request's turn") &&
			r.Receipt.Delivery == dispatch.DeliveryNotSent {
			noTurn++
		}
	}
	if noTurn != 20-sent {
		t.Errorf("%d targets without a turn, %d not sent", noTurn, 20-sent)
	}
}

// Cancelling stops new sends; what was delivered and what was not is reported.
func TestCancelStopsNewSends(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	go func() {
		for len(f.Dispatches()) < 2 {
			time.Sleep(5 * time.Millisecond)
		}
		once.Do(cancel) // as SIGTERM would, after two deliveries
	}()
	// Real time, a short pace: the cancel lands mid-way.
	st := Run(ctx, build(t, config.CLIMode, sendTo(f, named(f, "octo/s", 6), "1")), Options{Clock: ghclient.RealClock{}, Pace: 30 * time.Millisecond})
	delivered := 0
	for _, r := range st.Results {
		if r.OK() {
			delivered++
		} else if !errors.Is(r.Err, ErrNotSent) && ghclient.CauseOf(r.Err).Kind != ghclient.Cancelled {
			t.Errorf("result %+v", r)
		}
	}
	// The dispatch in flight when the signal came may have reached GitHub without its
	// answer reaching us: it is reported as not confirmed, which is the truth.
	if got := len(f.Dispatches()); st.Ending != Cancelled || got < delivered || got > delivered+1 || got < 2 || got == 6 {
		t.Errorf("ending %q, %d reported delivered, %d delivered", st.Ending, delivered, got)
	}
}

// cancelOnSleep is a clock that cancels the step at its at-th wait, as a signal arriving
// then would.
type cancelOnSleep struct {
	*githubfake.Clock
	n      *atomic.Int32
	at     int32
	cancel context.CancelFunc
}

func (c cancelOnSleep) Sleep(ctx context.Context, d time.Duration) error {
	if c.n.Add(1) == c.at {
		c.cancel()
	}
	return c.Clock.Sleep(ctx, d)
}

// Six paced targets, the step cancelled after two requests went out: those two were
// answered (one attempt each); the third, waiting for its turn, and the three never
// started were not sent, and say so; attempts count only requests that went out.
func TestCancelledPacedTargetsAreNotSent(t *testing.T) {
	t.Parallel()
	clock := githubfake.NewClock()
	f := githubfake.Standard(t, clock)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	on := cancelOnSleep{Clock: clock, n: new(atomic.Int32), at: 2, cancel: cancel} // the third target's wait for its turn
	st := Run(ctx, build(t, config.CLIMode, sendTo(f, named(f, "octo/t", 6), "1")), Options{Clock: on, Pace: time.Second})
	attempts := 0
	for i, r := range st.Results {
		attempts += r.Receipt.Attempts
		want := dispatch.DeliveryNotSent
		if i < 2 {
			want = dispatch.DeliveryAnswered
		}
		if r.Receipt.Delivery != want || (i >= 2 && (r.Receipt.Attempts != 0 || !strings.HasPrefix(r.Error(), "not sent: "))) {
			t.Errorf("target %d: %+v", i, r)
		}
	}
	if attempts != 2 || len(f.Requests()) != 2 || len(f.Dispatches()) != 2 {
		t.Errorf("%d attempts, %d requests", attempts, len(f.Requests()))
	}
}

// Cancelled while GitHub had the request and had not answered: sent without an answer,
// the event may have been accepted, and its distinct_id tells it apart.
func TestCancelledWithARequestInFlight(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	f.Script(githubfake.Fault{Path: "/dispatches", Hang: true})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for f.Arrived() == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	in := sendTo(f, []string{"octo/data"}, "1")
	in.AddDistinctID, in.DistinctID = "true", "abc"
	st := Run(ctx, build(t, config.CLIMode, in), Options{AttemptTimeout: time.Minute})
	r := st.Results[0]
	want := `sent, but cancelled before GitHub answered: the event may have been accepted; its distinct_id "abc" tells it apart if it is sent again`
	if r.Receipt.Delivery != dispatch.DeliveryUnanswered || r.Receipt.Attempts != 1 || r.Error() != want {
		t.Errorf("%+v\n%q", r, r.Error())
	}
}

// Ten owners, one revocation hangs: the other nine are revoked within the clean-up's
// budget, and the one that was not is said.
func TestEveryAppTokenRevoked(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	inst := map[string]*githubfake.Installation{}
	var targets []string
	for i := range 10 {
		owner := fmt.Sprintf("owner%d", i)
		inst[owner] = &githubfake.Installation{ID: int64(100 + i), Repos: []string{"r"}, Permissions: map[string]string{"contents": "write"}}
		targets = append(targets, owner+"/r")
	}
	f.AddApp(githubfake.App{ID: "424242", PublicKey: &appKey().PublicKey, Installations: inst})
	f.Script(githubfake.Fault{Path: "/installation/token", Hang: true})
	in := sendTo(f, targets, "10")
	in.Token, in.AppID, in.AppPrivateKey = "", "424242", appKeyPEM()
	// The revocation's own deadline, not the attempt timeout, ends the hang.
	st := Run(t.Context(), build(t, config.ActionMode, in), Options{CleanupBudget: 300 * time.Millisecond, AttemptTimeout: 5 * time.Second})
	c := st.Finish(t.Context())
	if len(f.Revoked()) != 9 || len(c.Notes) != 1 || c.Notes[0].Kind != NotRevoked || !strings.Contains(c.Notes[0].Err.Error(), "owner") {
		t.Fatalf("%d revoked, notes %+v", len(f.Revoked()), c.Notes)
	}
}

// With an App, a repository its installation does not reach fails alone, named as not
// covered: the others of its owner are sent.
func TestARepositoryOutsideTheInstallationFailsAlone(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	f.AddRepo("octo/real")
	f.AddRepo("octo/retired")
	f.AddApp(githubfake.App{ID: "424242", PublicKey: &appKey().PublicKey, Installations: map[string]*githubfake.Installation{
		"octo": {ID: 7, Repos: []string{"real"}, Permissions: map[string]string{"contents": "write"}}}})
	in := sendTo(f, []string{"octo/real", "octo/retired"}, "2")
	in.Token, in.AppID, in.AppPrivateKey, in.KeyFromEnv = "", "424242", appKeyPEM(), true
	st := Run(t.Context(), build(t, config.CLIMode, in), Options{})
	st.Finish(t.Context())
	var nc *ghapp.NotCoveredError
	if !st.Results[0].OK() || st.Results[1].OK() || !errors.As(st.Results[1].Err, &nc) || nc.Repo != "retired" ||
		st.Results[1].Receipt.Delivery != dispatch.DeliveryNotSent {
		t.Fatalf("%+v\n%+v", st.Results[0], st.Results[1])
	}
	if ds := f.Dispatches(); len(ds) != 1 || ds[0].Repository != "octo/real" {
		t.Errorf("dispatches %+v", ds)
	}
}
