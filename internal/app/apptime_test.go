package app

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

// appFake is a fake whose runs progress on the clock the action waits on, with an App
// installed on octo (every permission the action asks for).
func appFake(t *testing.T) (*githubfake.Fake, *githubfake.Clock) {
	t.Helper()
	f, clock := waitFake(t)
	f.AddApp(githubfake.App{ID: "424242", PublicKey: &testKey().PublicKey, Installations: map[string]*githubfake.Installation{
		"octo": {ID: 11, Permissions: map[string]string{"contents": "write", "actions": "write", "checks": "read"}}}})
	return f, clock
}

func appInputs(f *githubfake.Fake, more map[string]string) map[string]string {
	in := map[string]string{"repository": "octo/data", "event-type": "e", "api-url": f.URL(), "app-id": "424242", "app-private-key": keyPEM()}
	for k, v := range more {
		in[k] = v
	}
	return in
}

// Installation tokens expire after an hour: a wait of nearly six hours renews them before
// they do (no request is refused), and every token still valid at the end is revoked.
func TestSixHourWaitWithAnApp(t *testing.T) {
	t.Parallel()
	f, clock := appFake(t)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/refresh.yml", RepositoryDispatch: true, RunName: receiverRunName,
		Running: 5*time.Hour + 30*time.Minute})
	run := runActionModeClock(t, clock, appInputs(f, map[string]string{"wait": "completed", "wait-timeout": "5h50m"}), nil)
	if run.code != ExitOK || run.outputs["conclusion"] != "success" {
		t.Fatalf("exit %d\n%s", run.code, lastLog(run.stdout))
	}
	minted, revoked := f.MintedTokens(), f.Revoked()
	t.Logf("%d tokens minted, %d revoked", len(minted), len(revoked))
	if len(minted) < 6 {
		t.Errorf("%d tokens minted for 5.5 hours", len(minted))
	}
	for _, r := range f.Requests() {
		if r.Status == 401 {
			t.Fatalf("a request was refused (%s %s): the token was not renewed in time", r.Method, r.Path)
		}
	}
	// The last token, and the one before it if it has not expired yet, are revoked; no
	// expired one.
	if len(revoked) == 0 || len(revoked) > 2 || !slices.Contains(revoked, minted[len(minted)-1].Token) ||
		strings.Contains(run.stdout, "was not revoked") {
		t.Errorf("revoked %d of %d tokens\n%s", len(revoked), len(minted), lastLog(run.stdout))
	}
}

// A token GitHub stops accepting before its expires_at (an administrator revoked it): the
// 401 mints a new one, once, and the request is sent again.
func TestRefusedTokenIsRenewedOnce(t *testing.T) {
	t.Parallel()
	f, clock := appFake(t)
	f.SetTokenLifetime(20 * time.Minute)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/refresh.yml", RepositoryDispatch: true, RunName: receiverRunName,
		Running: 50 * time.Minute})
	run := runActionModeClock(t, clock, appInputs(f, map[string]string{"wait": "completed", "wait-timeout": "2h"}), nil)
	if run.code != ExitOK || run.outputs["conclusion"] != "success" {
		t.Fatalf("exit %d\n%s", run.code, lastLog(run.stdout))
	}
	refused := 0
	for _, r := range f.Requests() {
		if r.Status == 401 && r.Path != "/installation/token" { // revoking a dead token: 401, and nothing to do
			refused++
		}
	}
	if refused == 0 || len(f.MintedTokens()) != refused+1 {
		t.Errorf("%d requests refused, %d tokens minted: want one new token for each refusal", refused, len(f.MintedTokens()))
	}
}

// A token GitHub refuses when it is new: not renewed again and again; the hint speaks of
// the App's installation, not of a token input the step never used.
func TestFreshTokenRefused(t *testing.T) {
	t.Parallel()
	f, clock := appFake(t)
	f.SetTokenLifetime(-time.Second) // refused from the start
	run := runActionModeClock(t, clock, appInputs(f, nil), nil)
	if run.code != ExitFailed || len(f.MintedTokens()) != 1 || len(f.Dispatches()) != 0 ||
		!strings.Contains(run.stdout, "GitHub refused the App's installation token, new as it was") || strings.Contains(run.stdout, "update the secret you pass as the token input") {
		t.Errorf("exit %d, %d minted\n%s", run.code, len(f.MintedTokens()), run.stdout)
	}
}

// GitHub checks the App's JWT against its own clock: with the runner's clock 90 s ahead
// (iat in GitHub's future) or 15 minutes behind (exp already past), the refused JWT is
// signed again by GitHub's time, from the Date of its refusal, and the step goes on.
func TestJWTSignedByGitHubsClock(t *testing.T) {
	t.Parallel()
	for _, skew := range []time.Duration{-90 * time.Second, 15 * time.Minute} {
		t.Run(skew.String(), func(t *testing.T) {
			t.Parallel()
			f, clock := appFake(t)
			f.SetClockOffset(skew)
			run := runActionModeClock(t, clock, appInputs(f, nil), nil)
			if run.code != ExitOK || len(f.Dispatches()) != 1 {
				t.Fatalf("exit %d\n%s", run.code, run.stdout)
			}
			var refusedJWT int
			for _, r := range f.Requests() {
				if r.Status == 401 && r.Path == "/repos/octo/data/installation" {
					refusedJWT++
				}
			}
			if refusedJWT != 1 {
				t.Errorf("%d JWTs refused, want the first only", refusedJWT)
			}
		})
	}
}

// Refused again when signed by GitHub's clock: the hint names the runner's clock.
func TestJWTRefusedWithTheClocksApart(t *testing.T) {
	t.Parallel()
	f, clock := waitFake(t)
	f.AddApp(githubfake.App{ID: "424242", PublicKey: &otherKey().PublicKey, Installations: map[string]*githubfake.Installation{
		"octo": {ID: 11, Permissions: map[string]string{"contents": "write"}}}})
	f.SetClockOffset(-2 * time.Minute)
	run := runActionModeClock(t, clock, appInputs(f, nil), nil)
	if run.code != ExitFailed || !strings.Contains(run.stdout, "the runner's clock is 2m0s ahead of GitHub's") ||
		!strings.Contains(run.stdout, "check that app-id is the App's ID") {
		t.Errorf("exit %d\n%s", run.code, run.stdout)
	}
}

// lastLog is the end of a long log, enough to see why a run failed.
func lastLog(s string) string {
	if len(s) > 3000 {
		return "…" + s[len(s)-3000:]
	}
	return s
}
