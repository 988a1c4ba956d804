package app

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

func TestFiftyTargetsEachDeliveredOnceInOrder(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	var names []string
	for i := range 50 {
		name := fmt.Sprintf("org%d/repo-%02d", i%3, i)
		f.AddRepo(name)
		names = append(names, name)
	}
	// One per line, some comma-separated, one duplicate (dropped).
	list := strings.Join(names[:25], "\n") + "\n" + strings.Join(names[25:], ", ") + "\n" + names[7]
	run := runActionMode(t, map[string]string{"token": githubfake.TestToken, "repository": list, "event-type": "release",
		"api-url": f.URL(), "concurrency": "20"}, nil)
	if run.code != ExitOK {
		t.Fatalf("exit %d\n%s", run.code, run.stdout)
	}
	got := map[string]int{}
	for _, d := range f.Dispatches() {
		got[d.Repository]++
	}
	for _, n := range names {
		if got[n] != 1 {
			t.Errorf("%s received %d dispatches", n, got[n])
		}
	}
	rs := results(t, run.outputs)
	if len(rs) != 50 {
		t.Fatalf("%d results", len(rs))
	}
	for i, r := range rs {
		if r["repository"] != names[i] || r["status"] != "dispatched" {
			t.Errorf("result %d: %v, want %s dispatched", i, r, names[i])
		}
	}
	if _, ok := run.outputs["run-id"]; ok {
		t.Error("single-target outputs set for many targets")
	}
	if strings.Count(run.summary, "✅ dispatched (204)") != 50 {
		t.Errorf("summary:\n%s", run.summary)
	}
}

func TestOneMissingAmongTen(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	var names []string
	for i := range 10 {
		name := fmt.Sprintf("octo/r%d", i)
		if i != 6 {
			f.AddRepo(name)
		}
		names = append(names, name)
	}
	run := runActionMode(t, map[string]string{"token": githubfake.TestToken, "repository": strings.Join(names, ","), "event-type": "e", "api-url": f.URL()}, nil)
	if run.code != ExitFailed {
		t.Fatalf("exit %d\n%s", run.code, run.stdout)
	}
	if n := len(f.Dispatches()); n != 9 {
		t.Errorf("%d delivered, want 9", n)
	}
	rs := results(t, run.outputs)
	for i, r := range rs {
		want := "dispatched"
		if i == 6 {
			want = "failed"
		}
		if r["status"] != want {
			t.Errorf("result %d: %v", i, r)
		}
	}
	if !strings.Contains(rs[6]["error"].(string), "404 Not Found") ||
		!strings.Contains(run.stdout, `::error title=Dispatch failed::#7 dispatch to octo/r6 "e" failed: GitHub answered 404`) ||
		strings.Count(run.stdout, "::error") != 1 || !strings.Contains(run.summary, "❌") {
		t.Errorf("the failure is not explained:\n%s\n%s", run.stdout, run.summary)
	}
}

func TestConcurrencyAndPacingSeenByGitHub(t *testing.T) {
	t.Parallel()
	t.Run("concurrency", func(t *testing.T) {
		t.Parallel()
		f := githubfake.Standard(t, nil)
		f.SetLatency(40 * time.Millisecond)
		var names []string
		for i := range 12 {
			names = append(names, fmt.Sprintf("octo/c%d", i))
			f.AddRepo(names[i])
		}
		run := runCLIMode(t, map[string]string{"GITHUB_TOKEN": githubfake.TestToken}, "trigger", "--repository", strings.Join(names, ","),
			"--event-type", "e", "--api-url", f.URL(), "--concurrency", "3")
		if run.code != ExitOK || len(f.Dispatches()) != 12 {
			t.Fatalf("exit %d, %d dispatches\n%s", run.code, len(f.Dispatches()), run.stderr)
		}
		if p := f.PeakConcurrency(); p > 3 || p < 2 {
			t.Errorf("peak concurrency %d, want 2 or 3 with --concurrency 3", p)
		}
	})
}

// pacedRun runs the CLI on a virtual clock shared with the fake, with GitHub's pace: one
// content-creating request a second per credential, at concurrency 1 so that the order of
// the targets is the order of the requests.
func pacedRun(t *testing.T, f *githubfake.Fake, clock *githubfake.Clock, env map[string]string, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr strings.Builder
	rn := testRunner(func(k string) string { return env[k] }, &stdout, &stderr)
	rn.clock, rn.pace = clock, event.PaceInterval
	code := rn.run(context.Background(), append([]string{"trigger", "--event-type", "e", "--api-url", f.URL(), "--concurrency", "1"}, args...))
	return code, stderr.String()
}

// postsByCredential are the arrival times (by the fake's virtual clock) of the accepted
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

// One token: 70 targets go one a second (69 s from first to last) with no slowdown after
// the 57th, as the old hourly bucket imposed.
func TestPacingOneToken(t *testing.T) {
	t.Parallel()
	clock := githubfake.NewClock()
	f := githubfake.Standard(t, clock)
	var names []string
	for i := range 70 {
		names = append(names, fmt.Sprintf("octo/t%d", i))
		f.AddRepo(names[i])
	}
	code, stderr := pacedRun(t, f, clock, map[string]string{"GITHUB_TOKEN": githubfake.TestToken}, "--repository", strings.Join(names, ","))
	if code != ExitOK || len(f.Dispatches()) != 70 {
		t.Fatalf("exit %d, %d dispatches\n%s", code, len(f.Dispatches()), stderr)
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
	f.AddApp(githubfake.App{ID: "424242", PublicKey: &testKey().PublicKey, Installations: inst})
	code, stderr := pacedRun(t, f, clock, map[string]string{"GITHUB_APP_PRIVATE_KEY": keyPEM()},
		"--repository", strings.Join(targets, ","), "--app-id", "424242")
	if code != ExitOK || len(f.Dispatches()) != 16 {
		t.Fatalf("exit %d, %d dispatches\n%s", code, len(f.Dispatches()), stderr)
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

// A target not sent because the step ran out of time waiting its turn says exactly that,
// and how to raise timeout; nothing past the deadline is sent.
func TestTargetsBeyondTheTimeoutSaySo(t *testing.T) {
	t.Parallel()
	clock := githubfake.NewClock()
	f := githubfake.Standard(t, clock)
	var names []string
	for i := range 20 {
		names = append(names, fmt.Sprintf("octo/n%d", i))
		f.AddRepo(names[i])
	}
	code, stderr := pacedRun(t, f, clock, map[string]string{"GITHUB_TOKEN": githubfake.TestToken}, "--repository", strings.Join(names, ","), "--timeout", "10s")
	sent := len(f.Dispatches())
	if code != ExitFailed || sent < 10 || sent > 11 {
		t.Fatalf("exit %d, %d sent\n%s", code, sent, stderr)
	}
	if n := strings.Count(stderr, "not sent: the timeout would run out before this request's turn"); n != 20-sent ||
		!strings.Contains(stderr, "hint: raise --timeout, or leave it out: then it fits the targets") || strings.Contains(stderr, "no answer from GitHub") {
		t.Errorf("%d not-sent lines for %d targets\n%s", n, 20-sent, stderr)
	}
}

// Cancelling stops new sends; what was delivered and what was not is reported.
func TestCancelStopsNewSends(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	var names []string
	for i := range 6 {
		names = append(names, fmt.Sprintf("octo/s%d", i))
		f.AddRepo(names[i])
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr strings.Builder
	rn := testRunner(func(k string) string { return map[string]string{"GITHUB_TOKEN": githubfake.TestToken}[k] }, &stdout, &stderr)
	var once sync.Once
	rn.clock, rn.pace = ghclient.RealClock{}, 30*time.Millisecond // real time: the cancel lands mid-way
	go func() {
		for len(f.Dispatches()) < 2 {
			time.Sleep(5 * time.Millisecond)
		}
		once.Do(cancel) // as SIGTERM would, after two deliveries
	}()
	code := rn.run(ctx, []string{"trigger", "--repository", strings.Join(names, ","), "--event-type", "e", "--api-url", f.URL(),
		"--concurrency", "1", "--json"})
	if code != ExitFailed {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	var rs []map[string]any
	if err := json.Unmarshal([]byte(stdout.String()), &rs); err != nil || len(rs) != 6 {
		t.Fatalf("%q: %v", stdout.String(), err)
	}
	delivered := 0
	for _, r := range rs {
		if r["status"] == "dispatched" {
			delivered++
		} else if !strings.Contains(r["error"].(string), "not sent") && !strings.Contains(r["error"].(string), "cancelled") {
			t.Errorf("result %v", r)
		}
	}
	// The dispatch in flight when the signal came may have reached GitHub without its
	// answer reaching us: it is reported as not confirmed, which is the truth.
	if got := len(f.Dispatches()); got < delivered || got > delivered+1 || got < 2 || got == 6 {
		t.Errorf("%d reported delivered, %d delivered", delivered, len(f.Dispatches()))
	}
}

// testKey is one RSA key for the App tests (generating one per test is slow); otherKey is
// another, which the App does not know.
var (
	testKey  = sync.OnceValue(newKey)
	otherKey = sync.OnceValue(newKey)
)

func newKey() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}

func keyPEM() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(testKey())}))
}

func TestGitHubAppTwoOwners(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	f.SetServer(githubfake.GHES319)
	f.AddApp(githubfake.App{ID: "424242", PublicKey: &testKey().PublicKey, Installations: map[string]*githubfake.Installation{
		"octo":  {ID: 11, Repos: []string{"data", "site", "private-thing"}, Permissions: map[string]string{"contents": "write", "actions": "write"}},
		"other": {ID: 22, Repos: []string{"mirror"}, Permissions: map[string]string{"contents": "write"}},
	}})
	// On an Enterprise Server-style API root, as the runner's GITHUB_API_URL gives it.
	run := runActionMode(t, map[string]string{"token": githubfake.TestToken, "repository": "octo/data\nother/mirror\nocto/site", "event-type": "e",
		"app-id": "424242", "app-private-key": keyPEM()}, map[string]string{"GITHUB_API_URL": f.URL()})
	if run.code != ExitOK {
		t.Fatalf("exit %d\n%s", run.code, run.stdout)
	}
	minted := f.MintedTokens()
	if len(minted) != 2 {
		t.Fatalf("%d tokens minted, want one per owner: %+v", len(minted), minted)
	}
	byInst := map[int64]githubfake.MintedToken{}
	for _, m := range minted {
		byInst[m.Installation] = m
	}
	if r := byInst[11].Repos; strings.Join(r, ",") != "data,site" {
		t.Errorf("octo token scoped to %v, want data,site", r)
	}
	if r := byInst[22].Repos; strings.Join(r, ",") != "mirror" {
		t.Errorf("other token scoped to %v", r)
	}
	for _, m := range minted {
		if len(m.Permissions) != 1 || m.Permissions["contents"] != "write" {
			t.Errorf("token permissions %v, want only contents: write", m.Permissions)
		}
		if !strings.Contains(run.stdout, "::add-mask::"+m.Token+"\n") {
			t.Errorf("token %s… not masked", m.Token[:8])
		}
		if strings.Count(run.stdout, m.Token) != 1 {
			t.Errorf("token printed besides its mask")
		}
	}
	if rev := f.Revoked(); len(rev) != 2 {
		t.Errorf("%d tokens revoked, want 2", len(rev))
	}
	if len(f.Dispatches()) != 3 {
		t.Errorf("%d dispatches", len(f.Dispatches()))
	}
	if !strings.Contains(run.summary, "API: `"+f.URL()+"/`") {
		t.Errorf("summary does not name the API host:\n%s", run.summary)
	}
	for _, r := range f.Requests() {
		if r.Path == "/repos/octo/data/dispatches" && !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ghs_") {
			t.Errorf("dispatch not sent with the installation token: %q", r.Header.Get("Authorization"))
		}
	}
}

func TestGitHubAppErrors(t *testing.T) {
	t.Parallel()
	setup := func(t *testing.T) *githubfake.Fake {
		f := githubfake.Standard(t, nil)
		f.AddApp(githubfake.App{ID: "7", PublicKey: &testKey().PublicKey, Installations: map[string]*githubfake.Installation{
			"octo": {ID: 1, Permissions: map[string]string{"contents": "read"}},
		}})
		f.AddRepo("elsewhere/repo")
		return f
	}
	tests := []struct {
		name, repo, appID, key string
		code                   int
		want                   []string
		nothingSent            bool // not even a request: bad input
	}{
		{"not installed on the owner", "elsewhere/repo", "7", keyPEM(), ExitFailed,
			[]string{"GitHub App 7 is not installed on elsewhere", "install the App"}, false},
		{"permission not granted", "octo/data", "7", keyPEM(), ExitFailed,
			[]string{"was not granted contents: write"}, false},
		{"key of another App", "octo/data", "999", keyPEM(), ExitFailed,
			[]string{"GitHub refused the JWT signed for App 999", "one of its current private keys"}, false},
		{"key not PEM", "octo/data", "7", "not a key", ExitBadInput,
			[]string{`input "app-private-key": is not a PEM key`}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			f.AddRepo("octo/data")
			run := runActionMode(t, map[string]string{"repository": tt.repo, "event-type": "e", "api-url": f.URL(),
				"app-id": tt.appID, "app-private-key": tt.key, "max-attempts": "1"}, nil)
			if run.code != tt.code {
				t.Errorf("exit %d, want %d\n%s", run.code, tt.code, run.stdout)
			}
			for _, w := range tt.want {
				if !strings.Contains(run.stdout, w) {
					t.Errorf("output lacks %q:\n%s", w, run.stdout)
				}
			}
			if len(f.Dispatches()) != 0 || (tt.nothingSent && len(f.Requests()) != 0) {
				t.Errorf("%d requests, %d dispatches", len(f.Requests()), len(f.Dispatches()))
			}
		})
	}
	t.Run("key file in the CLI", func(t *testing.T) {
		t.Parallel()
		f := githubfake.Standard(t, nil)
		f.AddApp(githubfake.App{ID: "8", PublicKey: &testKey().PublicKey, Installations: map[string]*githubfake.Installation{
			"octo": {ID: 3, Repos: []string{"data"}, Permissions: map[string]string{"actions": "write", "contents": "write"}},
		}})
		f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true})
		path := filepath.Join(t.TempDir(), "app.pem")
		if err := os.WriteFile(path, []byte(keyPEM()), 0o600); err != nil {
			t.Fatal(err)
		}
		run := runCLIMode(t, map[string]string{}, "trigger", "--repository", "octo/data", "--workflow", "deploy.yml", "--ref", "main",
			"--api-url", f.URL(), "--app-id", "8", "--app-private-key-file", path)
		if run.code != ExitOK || len(f.MintedTokens()) != 1 || f.MintedTokens()[0].Permissions["actions"] != "write" {
			t.Errorf("exit %d %+v\n%s", run.code, f.MintedTokens(), run.stderr)
		}
		if strings.Contains(run.stdout+run.stderr, "ghs_") {
			t.Errorf("token printed:\n%s%s", run.stdout, run.stderr)
		}
	})
}

// cancelOnSleep cancels the step when the clock is asked to wait for the nth time, as a
// signal arriving then would.
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
	var names []string
	for i := range 6 {
		names = append(names, fmt.Sprintf("octo/t%d", i))
		f.AddRepo(names[i])
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr strings.Builder
	rn := testRunner(func(k string) string { return map[string]string{"GITHUB_TOKEN": githubfake.TestToken}[k] }, &stdout, &stderr)
	rn.pace = time.Second
	rn.clock = cancelOnSleep{Clock: clock, n: new(atomic.Int32), at: 2, cancel: cancel} // the third target's wait for its turn
	code := rn.run(ctx, []string{"trigger", "--repository", strings.Join(names, ","), "--event-type", "e", "--api-url", f.URL(), "--concurrency", "1", "--json"})
	var rs []map[string]any
	if err := json.Unmarshal([]byte(stdout.String()), &rs); code != ExitFailed || err != nil || len(rs) != 6 {
		t.Fatalf("exit %d: %v\n%s%s", code, err, stdout.String(), stderr.String())
	}
	attempts := 0.0
	for i, r := range rs {
		a, _ := r["attempts"].(float64)
		attempts += a
		want := "not_sent"
		if i < 2 {
			want = "answered"
		}
		if r["delivery"] != want || (i >= 2 && (a != 0 || !strings.HasPrefix(r["error"].(string), "not sent: "))) {
			t.Errorf("target %d: %v", i, r)
		}
	}
	if attempts != 2 || len(f.Requests()) != 2 || len(f.Dispatches()) != 2 || strings.Contains(stderr.String(), "probably not delivered") {
		t.Errorf("%v attempts, %d requests\n%s", attempts, len(f.Requests()), stderr.String())
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
	var stdout, stderr strings.Builder
	rn := testRunner(func(k string) string { return map[string]string{"GITHUB_TOKEN": githubfake.TestToken}[k] }, &stdout, &stderr)
	rn.attemptTimeout = time.Minute
	done := make(chan int)
	go func() {
		done <- rn.run(ctx, []string{"trigger", "--repository", "octo/data", "--event-type", "e", "--api-url", f.URL(), "--add-distinct-id=true", "--json"})
	}()
	for f.Arrived() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	code := <-done
	var rs []map[string]any
	if err := json.Unmarshal([]byte(stdout.String()), &rs); code != ExitFailed || err != nil {
		t.Fatalf("exit %d: %v\n%s", code, err, stderr.String())
	}
	want := fmt.Sprintf("sent, but cancelled before GitHub answered: the event may have been accepted; its distinct_id %q tells it apart if it is sent again", rs[0]["distinct_id"])
	if rs[0]["delivery"] != "unanswered" || rs[0]["attempts"] != float64(1) || rs[0]["error"] != want {
		t.Errorf("result %v\n%s", rs[0], stderr.String())
	}
}

// An App named by its client ID signs with it as the JWT's issuer, in either mode (the
// CLI also from GITHUB_APP_CLIENT_ID); its installation tokens, about 520 characters as
// GitHub mints them in 2026, are masked whole and never printed.
func TestGitHubAppByClientID(t *testing.T) {
	t.Parallel()
	const clientID = "Iv23liABCDEF0123456789"
	setup := func(t *testing.T) *githubfake.Fake {
		f := githubfake.Standard(t, nil)
		f.AddApp(githubfake.App{ID: "424242", ClientID: clientID, PublicKey: &testKey().PublicKey, Installations: map[string]*githubfake.Installation{
			"octo": {ID: 11, Repos: []string{"data"}, Permissions: map[string]string{"contents": "write"}}}})
		return f
	}
	issuers := func(f *githubfake.Fake) (iss []string) {
		for _, r := range f.Requests() {
			if r.Path == "/repos/octo/data/installation" {
				parts := strings.Split(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), ".")
				payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
				var claims struct{ Iss string }
				_ = json.Unmarshal(payload, &claims)
				iss = append(iss, claims.Iss)
			}
		}
		return iss
	}
	t.Run("action", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		run := runActionMode(t, map[string]string{"repository": "octo/data", "event-type": "e", "api-url": f.URL(),
			"client-id": clientID, "app-private-key": keyPEM()}, nil)
		minted := f.MintedTokens()
		if run.code != ExitOK || len(minted) != 1 || len(f.Dispatches()) != 1 || strings.Join(issuers(f), ",") != clientID {
			t.Fatalf("exit %d, %d minted, %d dispatches, issuers %v\n%s", run.code, len(minted), len(f.Dispatches()), issuers(f), run.stdout)
		}
		tok := minted[0].Token
		if len(tok) != githubfake.InstallationTokenLength || !strings.Contains(run.stdout, "::add-mask::"+tok+"\n") || strings.Count(run.stdout, tok) != 1 {
			t.Errorf("a %d-character token not masked whole, or printed besides its mask", len(tok))
		}
		for _, r := range f.Requests() {
			if r.Path == "/repos/octo/data/dispatches" && r.Header.Get("Authorization") != "Bearer "+tok {
				t.Errorf("dispatch sent with %d characters of credential, want the whole token", len(r.Header.Get("Authorization")))
			}
		}
	})
	t.Run("CLI from the environment", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		run := runCLIMode(t, map[string]string{"GITHUB_APP_CLIENT_ID": clientID, "GITHUB_APP_PRIVATE_KEY": keyPEM()},
			"trigger", "--repository", "octo/data", "--event-type", "e", "--api-url", f.URL())
		if run.code != ExitOK || len(f.Dispatches()) != 1 || strings.Join(issuers(f), ",") != clientID || strings.Contains(run.stdout+run.stderr, "ghs_") {
			t.Errorf("exit %d, %d dispatches, issuers %v\n%s%s", run.code, len(f.Dispatches()), issuers(f), run.stdout, run.stderr)
		}
	})
	for _, tt := range []struct {
		name string
		in   map[string]string
		want string
	}{
		{"both app-id and client-id", map[string]string{"client-id": clientID, "app-id": "424242"}, `input "client-id": and input "app-id" are both set`},
		{"an App ID as client-id", map[string]string{"client-id": "424242"}, `input "client-id": "424242" is an App ID, not a client ID: give it as app-id`},
		{"client-id without a key", map[string]string{"client-id": clientID, "app-private-key": ""}, `input "app-private-key": is empty, but input "client-id" is set`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := setup(t)
			in := map[string]string{"repository": "octo/data", "event-type": "e", "api-url": f.URL(), "app-private-key": keyPEM()}
			maps.Copy(in, tt.in)
			run := runActionMode(t, in, nil)
			if run.code != ExitBadInput || !strings.Contains(run.stdout, tt.want) || len(f.Requests()) != 0 {
				t.Errorf("exit %d, %d requests, want %q:\n%s", run.code, len(f.Requests()), tt.want, run.stdout)
			}
		})
	}
	t.Run("both in the CLI", func(t *testing.T) {
		t.Parallel()
		run := runCLIMode(t, map[string]string{"GITHUB_APP_CLIENT_ID": clientID, "GITHUB_APP_PRIVATE_KEY": keyPEM()},
			"trigger", "--repository", "octo/data", "--event-type", "e", "--app-id", "424242")
		if run.code != ExitBadInput || !strings.Contains(run.stderr, "--client-id: and --app-id are both set") {
			t.Errorf("exit %d\n%s%s", run.code, run.stdout, run.stderr)
		}
	})
}
