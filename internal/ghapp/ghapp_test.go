package ghapp

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"maps"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v66/github"

	"github.com/golang-jwt/jwt/v5"

	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

func TestJWTClaims(t *testing.T) {
	t.Parallel()
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	now := time.Now().Truncate(time.Second)
	signed, err := JWT(config.App{ID: "12345", Key: rk}, now)
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.RegisteredClaims{}
	tok, err := jwt.ParseWithClaims(signed, &claims, func(*jwt.Token) (any, error) { return &rk.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(func() time.Time { return now }))
	if err != nil || !tok.Valid {
		t.Fatalf("not a valid RS256 JWT: %v", err)
	}
	if claims.Issuer != "12345" || !claims.IssuedAt.Equal(now.Add(-time.Minute)) || !claims.ExpiresAt.Equal(now.Add(9*time.Minute)) {
		t.Errorf("claims %+v", claims)
	}
	if claims.ExpiresAt.Sub(now) >= 10*time.Minute {
		t.Error("exp at least 10 minutes ahead: GitHub refuses it")
	}
}

var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// minter is a Minter of App 42 against a fake on clock, installed on octo with perms.
func minter(t *testing.T, perms map[string]string) (*githubfake.Fake, *githubfake.Clock, *Minter) {
	t.Helper()
	clock := githubfake.NewClock()
	f := githubfake.Standard(t, clock)
	f.AddApp(githubfake.App{ID: "42", PublicKey: &testKey().PublicKey, Installations: map[string]*githubfake.Installation{
		"octo": {ID: 7, Repos: []string{"data"}, Permissions: perms}}})
	base, _ := url.Parse(f.URL() + "/")
	return f, clock, &Minter{App: config.App{ID: "42", Key: testKey()}, Now: clock.Now,
		NewClient: func(token string) *github.Client {
			return ghclient.New(ghclient.Options{BaseURL: base, Token: token, Policy: ghclient.Policy{Clock: clock}})
		}}
}

var contents = Perms{Required: map[string]string{"contents": "write"}}

// One token per installation, reused while it is young, renewed five minutes before its
// hour is up; after a 401, renewed only when it is older than a few minutes; revoked at
// the end unless it expired.
func TestInstallationTokenLifetime(t *testing.T) {
	t.Parallel()
	f, clock, m := minter(t, map[string]string{"contents": "write"})
	in := m.Credential("octo", []string{"data"}, contents)
	first, err := in.Token(context.Background())
	if err != nil || m.Credential("OCTO", []string{"data"}, contents) != in {
		t.Fatalf("%v: one credential per owner", err)
	}
	if again, _ := in.Token(context.Background()); again != first || len(f.MintedTokens()) != 1 {
		t.Errorf("a young token was not reused")
	}
	if _, ok, _ := in.Renew(context.Background(), first); ok {
		t.Errorf("a token a minute old was renewed after a 401: its age did not cause it")
	}
	_ = clock.Sleep(context.Background(), 56*time.Minute)
	second, err := in.Token(context.Background())
	if err != nil || second == first || len(f.MintedTokens()) != 2 {
		t.Fatalf("not renewed before expiry: %v", err)
	}
	_ = clock.Sleep(context.Background(), 3*time.Minute)
	third, ok, err := in.Renew(context.Background(), second)
	if !ok || err != nil || third == second {
		t.Fatalf("not renewed after a 401 on a token three minutes old: %v", err)
	}
	if tok, ok, _ := in.Renew(context.Background(), second); !ok || tok != third {
		t.Errorf("a 401 on the token another request already renewed: %q %v", tok, ok)
	}
	_ = clock.Sleep(context.Background(), 10*time.Minute) // the first has expired; the second and third have not
	var errs []error
	for _, t := range m.Unexpired() {
		if err := m.Revoke(context.Background(), t, time.Second); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	if got := f.Revoked(); len(got) != 2 || slices.Contains(got, first) {
		t.Errorf("revoked %d tokens (the expired one: %v)", len(got), slices.Contains(got, first))
	}
}

// GitHub checks the JWT against its own clock: 90 s behind the runner's, the JWT is
// refused once, signed again by the time of GitHub's answer, and accepted.
func TestJWTSignedAgainByGitHubsClock(t *testing.T) {
	t.Parallel()
	f, _, m := minter(t, map[string]string{"contents": "write"})
	f.SetClockOffset(-90 * time.Second)
	if _, err := m.Credential("octo", []string{"data"}, contents).Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(f.MintedTokens()) != 1 || m.offset > -89*time.Second || m.offset < -91*time.Second {
		t.Errorf("%d minted, offset %s", len(f.MintedTokens()), m.offset)
	}
}

// What an installation was not granted: an optional permission is dropped (and not asked
// for again); a required one is an error naming it, the same for every later request of
// that owner, from one attempt. An owner without the App: not installed.
func TestMintingErrors(t *testing.T) {
	t.Parallel()
	f, _, m := minter(t, map[string]string{"actions": "read"})
	optional := m.Credential("octo", []string{"data"}, Perms{Required: map[string]string{"actions": "read"}, Optional: map[string]string{"checks": "read"}})
	if _, err := optional.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := f.MintedTokens(); len(got) != 1 || got[0].Permissions["checks"] != "" || got[0].Permissions["actions"] != "read" {
		t.Errorf("minted %+v", got)
	}

	f, _, m = minter(t, map[string]string{"actions": "read"})
	required := m.Credential("octo", []string{"data"}, contents)
	_, err1 := required.Token(context.Background())
	_, err2 := required.Token(context.Background())
	var perm *PermissionError
	if !errors.As(err1, &perm) || perm.Perms["contents"] != "write" || !errors.Is(err2, err1) || len(f.MintedTokens()) != 0 {
		t.Errorf("errors %v, %v; %d minted", err1, err2, len(f.MintedTokens()))
	}
	var notInstalled *NotInstalledError
	if _, err := m.Credential("nobody", []string{"x"}, contents).Token(context.Background()); !errors.As(err, &notInstalled) {
		t.Errorf("not installed: %v", err)
	}
}

// TestPermissionsOfMixedTargets: an owner's targets that send both kinds get one token
// with both permissions.
func TestPermissionsOfMixedTargets(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		kinds []event.Kind
		wait  event.Wait
		want  map[string]string
	}{
		{[]event.Kind{event.RepositoryDispatch}, event.WaitNone, map[string]string{"contents": "write"}},
		{[]event.Kind{event.RepositoryDispatch}, event.WaitStarted, map[string]string{"contents": "write", "actions": "read"}},
		{[]event.Kind{event.RepositoryDispatch, event.WorkflowDispatch}, event.WaitCompleted, map[string]string{"contents": "write", "actions": "write"}},
		{nil, event.WaitCompleted, map[string]string{"actions": "read"}},
	} {
		if got := Permissions(tt.kinds, tt.wait, false, false).Required; !maps.Equal(got, tt.want) {
			t.Errorf("%v %s: %v, want %v", tt.kinds, tt.wait, got, tt.want)
		}
	}
}

// A renewal that fails while the token in use is still valid is no failure: the token is
// used until nearly its end (the renewal tried again every 30 s); past that, the failure
// is the request's.
func TestAFailedRenewalKeepsTheValidToken(t *testing.T) {
	t.Parallel()
	f, clock, m := minter(t, map[string]string{"contents": "write"})
	in := m.Credential("octo", []string{"data"}, contents)
	first, err := in.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_ = clock.Sleep(context.Background(), 56*time.Minute) // within the five minutes before its expiry
	down := githubfake.Fault{Path: "/access_tokens", Status: 503}
	f.Script(down)
	if tok, err := in.Token(context.Background()); err != nil || tok != first {
		t.Fatalf("%q %v, want the token in use", tok, err)
	}
	if tok, err := in.Token(context.Background()); err != nil || tok != first || countMints(f) != 2 {
		t.Fatalf("%q %v; %d mint requests, want the renewal not tried again at once", tok, err, countMints(f))
	}
	_ = clock.Sleep(context.Background(), 3*time.Minute+40*time.Second) // 20 s before it expires
	f.Script(down)
	if _, err := in.Token(context.Background()); err == nil {
		t.Error("a token about to expire was used after its renewal failed")
	}
	if tok, err := in.Token(context.Background()); err != nil || tok == first {
		t.Errorf("renewed once GitHub answered: %q %v", tok, err)
	}
}

// countMints counts the requests to mint an installation token.
func countMints(f *githubfake.Fake) int {
	n := 0
	for _, r := range f.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/access_tokens") {
			n++
		}
	}
	return n
}

// A repository the installation does not reach fails alone: the token is minted for the
// others once GitHub refused one for all; when it reaches none, each says so.
func TestAnInstallationsReach(t *testing.T) {
	t.Parallel()
	f, _, m := minter(t, map[string]string{"contents": "write"}) // the installation reaches octo/data only
	in := m.Credential("octo", []string{"data", "retired"}, contents)
	var nc *NotCoveredError
	if err := in.Covers(context.Background(), "retired"); !errors.As(err, &nc) || nc.Repo != "retired" || nc.Owner != "octo" ||
		!strings.Contains(err.Error(), "installation on octo does not reach octo/retired") {
		t.Fatalf("%v", err)
	}
	if err := in.Covers(context.Background(), "data"); err != nil {
		t.Errorf("data: %v", err)
	}
	if minted := f.MintedTokens(); len(minted) != 1 {
		t.Errorf("%d tokens minted, want the one for data", len(minted))
	}
	none := m.Credential("OCTO2", []string{"gone"}, contents)
	if err := none.Covers(context.Background(), "gone"); err == nil {
		t.Errorf("an owner with no installation is covered")
	}
	_, _, m2 := minter(t, map[string]string{"contents": "write"})
	first := m2.Credential("octo", []string{"archived", "data"}, contents) // the one not reached first
	if err := first.Covers(context.Background(), "data"); err != nil {
		t.Errorf("data after a repository not reached: %v", err)
	}
	if err := first.Covers(context.Background(), "archived"); !errors.As(err, &nc) || nc.Repo != "archived" {
		t.Errorf("archived: %v", err)
	}
	_, _, m3 := minter(t, map[string]string{"contents": "write"})
	var notInstalled *NotInstalledError
	if err := m3.Credential("octo", []string{"old", "older"}, contents).Covers(context.Background(), "older"); !errors.As(err, &notInstalled) {
		t.Errorf("none reached: %v", err)
	}
}
