package app

import (
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
	"strings"
	"sync"
	"testing"

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
			"--api-url", f.URL(), "--app-id", "8", "--app-private-key", "@"+path)
		if run.code != ExitOK || len(f.MintedTokens()) != 1 || f.MintedTokens()[0].Permissions["actions"] != "write" {
			t.Errorf("exit %d %+v\n%s", run.code, f.MintedTokens(), run.stderr)
		}
		if strings.Contains(run.stdout+run.stderr, "ghs_") {
			t.Errorf("token printed:\n%s%s", run.stdout, run.stderr)
		}
	})
}

// An App named by its client ID (in app-id) signs with it as the JWT's issuer, in either
// mode (the CLI also from GITHUB_APP_CLIENT_ID); its installation tokens, about 520
// characters as GitHub mints them in 2026, are masked whole and never printed.
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
			"app-id": clientID, "app-private-key": keyPEM()}, nil)
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
		{"the removed client-id", map[string]string{"client-id": clientID}, `input "client-id": was removed before v1: use input "app-id" (which takes the App's client ID as well as its App ID)`},
		{"a client ID without a key", map[string]string{"app-id": clientID, "app-private-key": ""}, `input "app-private-key": is empty, but input "app-id" is set`},
		{"neither an App ID nor a client ID", map[string]string{"app-id": "my-app"}, `input "app-id": is neither an App ID`},
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
	t.Run("a flag over the environment in the CLI", func(t *testing.T) {
		t.Parallel()
		f := setup(t)
		run := runCLIMode(t, map[string]string{"GITHUB_APP_CLIENT_ID": "Iv23other", "GITHUB_APP_PRIVATE_KEY": keyPEM()},
			"trigger", "--repository", "octo/data", "--event-type", "e", "--api-url", f.URL(), "--app-id", clientID)
		if run.code != ExitOK || strings.Join(issuers(f), ",") != clientID {
			t.Errorf("exit %d, issuers %v\n%s%s", run.code, issuers(f), run.stdout, run.stderr)
		}
	})
}
