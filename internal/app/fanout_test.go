package app

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/dispatch"
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
		!strings.Contains(run.stdout, `::error title=Dispatch failed::dispatch to octo/r6 "e" failed: GitHub answered 404`) ||
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
	t.Run("pacing", func(t *testing.T) {
		t.Parallel()
		f := githubfake.Standard(t, nil)
		var names []string
		for i := range 8 {
			names = append(names, fmt.Sprintf("octo/p%d", i))
			f.AddRepo(names[i])
		}
		var stdout, stderr strings.Builder
		rn := testRunner(func(k string) string { return map[string]string{"GITHUB_TOKEN": githubfake.TestToken}[k] }, &stdout, &stderr)
		rn.pace = dispatch.Pace{Interval: 50 * time.Millisecond, HourBurst: 4, HourInterval: 100 * time.Millisecond}
		code := rn.main(context.Background(), []string{"trigger", "--repository", strings.Join(names, ","), "--event-type", "e",
			"--api-url", f.URL(), "--concurrency", "8"})
		if code != ExitOK {
			t.Fatalf("exit %d\n%s", code, stderr.String())
		}
		var arrivals []time.Time
		for _, r := range f.Requests() {
			arrivals = append(arrivals, r.Arrived)
		}
		sort.Slice(arrivals, func(i, j int) bool { return arrivals[i].Before(arrivals[j]) })
		if len(arrivals) != 8 {
			t.Fatalf("%d requests", len(arrivals))
		}
		// Token buckets: in any window of length W at most burst + W/interval requests
		// arrive (plus one for timer slack), for each of the two buckets.
		for _, b := range []struct {
			burst    int
			interval time.Duration
		}{{1, rn.pace.Interval}, {rn.pace.HourBurst, rn.pace.HourInterval}} {
			for i := range arrivals {
				for j := i + 1; j < len(arrivals); j++ {
					n, w := j-i+1, arrivals[j].Sub(arrivals[i])
					if allowed := b.burst + int(w/b.interval) + 1; n > allowed {
						t.Errorf("%d requests within %s: bucket of %d per %s allows %d", n, w, b.burst, b.interval, allowed)
					}
				}
			}
		}
		if total := arrivals[7].Sub(arrivals[0]); total < 350*time.Millisecond {
			t.Errorf("8 requests took %s: the hourly bucket (4, then one per 100 ms) was not applied", total)
		}
	})
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
	rn.pace = dispatch.Pace{Interval: 30 * time.Millisecond, HourBurst: 100, HourInterval: time.Millisecond}
	go func() {
		for len(f.Dispatches()) < 2 {
			time.Sleep(5 * time.Millisecond)
		}
		once.Do(cancel) // as SIGTERM would, after two deliveries
	}()
	code := rn.main(ctx, []string{"trigger", "--repository", strings.Join(names, ","), "--event-type", "e", "--api-url", f.URL(),
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

// testKey is one RSA key for the App tests (generating one per test is slow).
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func keyPEM() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(testKey())}))
}

func TestGitHubAppTwoOwners(t *testing.T) {
	t.Parallel()
	f := githubfake.Standard(t, nil)
	f.AddApp(githubfake.App{ID: "424242", PublicKey: &testKey().PublicKey, Installations: map[string]*githubfake.Installation{
		"octo":  {ID: 11, Repos: []string{"data", "site", "private-thing"}, Permissions: map[string]string{"contents": "write", "actions": "write"}},
		"other": {ID: 22, Repos: []string{"mirror"}, Permissions: map[string]string{"contents": "write"}},
	}})
	// On an Enterprise Server-style API root, as the runner's GITHUB_API_URL gives it.
	run := runActionMode(t, map[string]string{"token": githubfake.TestToken, "repository": "octo/data\nother/mirror\nocto/site", "event-type": "e",
		"app-id": "424242", "app-private-key": keyPEM()}, map[string]string{"GITHUB_API_URL": f.EnterpriseURL()})
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
	if !strings.Contains(run.summary, "API: `"+f.EnterpriseURL()+"/`") {
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
