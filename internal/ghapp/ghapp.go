// Package ghapp authenticates as a GitHub App: it signs the App's JWT, finds its
// installation on each owner, mints one short-lived installation token per owner restricted
// to the target repositories and the permissions the event needs, and revokes the tokens
// when the step ends.
package ghapp

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
)

// JWT lifetimes: GitHub accepts an exp at most 10 minutes ahead, and asks for an iat 60
// seconds in the past against clock drift.
const (
	jwtBackdate = 60 * time.Second
	jwtLifetime = 9 * time.Minute
)

// App is a GitHub App's identity.
type App struct {
	ID             string // App ID or client ID: the JWT's iss
	Key            *rsa.PrivateKey
	InstallationID int64 // 0: find it per owner
}

// JWT signs a token that authenticates as the App, valid from a minute ago for nine
// minutes.
func (a App) JWT(now time.Time) (string, error) {
	claims := jwt.RegisteredClaims{
		Issuer:    a.ID,
		IssuedAt:  jwt.NewNumericDate(now.Add(-jwtBackdate)),
		ExpiresAt: jwt.NewNumericDate(now.Add(jwtLifetime)),
	}
	return jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(a.Key)
}

// Minter hands out installation tokens, one per owner, and revokes them at the end. It is
// safe for concurrent use.
type Minter struct {
	App       App
	NewClient func(token string) *github.Client // a client that authenticates with token
	Now       func() time.Time
	// Mask is called with every token as soon as it exists, before it is used or printed.
	Mask func(string)

	mu     sync.Mutex
	owners map[string]*ownerToken // by lower-case owner
}

type ownerToken struct {
	once  sync.Once
	token string
	err   error
}

// Token returns the installation token for owner, minting it on first use, restricted to
// repos (names without owner) and p: its required permissions, and its optional ones when
// the installation was granted them.
func (m *Minter) Token(ctx context.Context, owner string, repos []string, p Perms) (string, error) {
	m.mu.Lock()
	if m.owners == nil {
		m.owners = map[string]*ownerToken{}
	}
	ot := m.owners[strings.ToLower(owner)]
	if ot == nil {
		ot = &ownerToken{}
		m.owners[strings.ToLower(owner)] = ot
	}
	m.mu.Unlock()
	ot.once.Do(func() {
		ot.token, ot.err = m.mint(ctx, owner, repos, p.all())
		var denied *PermissionError
		if len(p.Optional) > 0 && errors.As(ot.err, &denied) {
			ot.token, ot.err = m.mint(ctx, owner, repos, p.Required)
		}
	})
	return ot.token, ot.err
}

// Perms are the permissions a token is asked for: Required, and Optional ones (for
// explaining a failed run) that are dropped when the installation lacks them.
type Perms struct {
	Required, Optional map[string]string
}

func (p Perms) all() map[string]string {
	all := maps.Clone(p.Required)
	for k, v := range p.Optional {
		if _, ok := all[k]; !ok {
			all[k] = v
		}
	}
	return all
}

func (m *Minter) mint(ctx context.Context, owner string, repos []string, perms map[string]string) (string, error) {
	signed, err := m.App.JWT(m.Now())
	if err != nil {
		return "", fmt.Errorf("signing the App's JWT: %w", err)
	}
	appClient := m.NewClient(signed)
	id := m.App.InstallationID
	if id == 0 {
		inst, _, err := appClient.Apps.FindRepositoryInstallation(ctx, owner, repos[0])
		if err = ghclient.Check(err); err != nil {
			switch ghclient.CauseOf(err).Kind {
			case ghclient.Unauthorized:
				return "", &JWTRefusedError{App: m.App.ID, Err: err}
			case ghclient.NotFound:
				return "", &NotInstalledError{App: m.App.ID, Owner: owner, Repo: repos[0], Err: err}
			}
			return "", fmt.Errorf("finding the App's installation on %s: %w", owner, err)
		}
		id = inst.GetID()
	}
	sorted := append([]string(nil), repos...)
	sort.Strings(sorted)
	// Minting is one POST per owner, not content: outside the pacing, so that installations
	// start at once and each goes at its own pace.
	tok, _, err := appClient.Apps.CreateInstallationToken(ghclient.WithoutPacing(ctx), id, &github.InstallationTokenOptions{
		Repositories: sorted,
		Permissions:  permissions(perms),
	})
	if err = ghclient.Check(err); err != nil {
		switch ghclient.CauseOf(err).Kind {
		case ghclient.Unauthorized:
			return "", &JWTRefusedError{App: m.App.ID, Err: err}
		case ghclient.Validation:
			return "", &PermissionError{App: m.App.ID, Owner: owner, Perms: perms, Err: err}
		}
		return "", fmt.Errorf("minting an installation token for %s: %w", owner, err)
	}
	if m.Mask != nil {
		m.Mask(tok.GetToken())
	}
	return tok.GetToken(), nil
}

// RevokeAll revokes every token minted, all at once, each within its own deadline and
// outside the pacing of content-creating requests, and reports the ones that could not be.
func (m *Minter) RevokeAll(ctx context.Context, each time.Duration) []error {
	m.mu.Lock()
	owners := make([]string, 0, len(m.owners))
	for owner, ot := range m.owners {
		if ot.token != "" {
			owners = append(owners, owner)
		}
	}
	sort.Strings(owners)
	tokens := make([]string, len(owners))
	for i, owner := range owners {
		tokens[i] = m.owners[owner].token
	}
	m.mu.Unlock()
	errs := make([]error, len(owners))
	var wg sync.WaitGroup
	for i := range owners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rctx, cancel := context.WithTimeout(ghclient.WithoutPacing(ctx), each)
			defer cancel()
			if _, err := m.NewClient(tokens[i]).Apps.RevokeInstallationToken(rctx); err != nil {
				errs[i] = fmt.Errorf("the App token for %s was not revoked (it expires within an hour): %w", owners[i], ghclient.Check(err))
			}
		}()
	}
	wg.Wait()
	var failed []error
	for _, err := range errs {
		if err != nil {
			failed = append(failed, err)
		}
	}
	return failed
}

// Permissions is what an installation token needs: contents: write to send
// repository_dispatch, actions: write to send workflow_dispatch or to cancel a run,
// actions: read to find, follow or read a run (jobs, logs, artifacts), and, optionally,
// checks: read for the annotations of a failed run's jobs. kind is "" when nothing is
// sent (following a run by its ID).
func Permissions(kind event.Kind, wait event.Wait, cancel bool) Perms {
	req := map[string]string{}
	switch kind {
	case event.RepositoryDispatch:
		req["contents"] = "write"
	case event.WorkflowDispatch:
		req["actions"] = "write"
	}
	if wait != event.WaitNone && req["actions"] == "" {
		req["actions"] = "read"
	}
	if cancel {
		req["actions"] = "write"
	}
	p := Perms{Required: req}
	if wait == event.WaitCompleted {
		p.Optional = map[string]string{"checks": "read"}
	}
	return p
}

func permissions(p map[string]string) *github.InstallationPermissions {
	ip := &github.InstallationPermissions{}
	for k, v := range p {
		v := v
		switch k {
		case "contents":
			ip.Contents = &v
		case "actions":
			ip.Actions = &v
		case "metadata":
			ip.Metadata = &v
		case "checks":
			ip.Checks = &v
		}
	}
	return ip
}

// NotInstalledError says the App is not installed on the owner, or not on the repository.
type NotInstalledError struct {
	App, Owner, Repo string
	Err              error
}

func (e *NotInstalledError) Error() string {
	return fmt.Sprintf("GitHub App %s is not installed on %s (or its installation does not include %s/%s): %v", e.App, e.Owner, e.Owner, e.Repo, e.Err)
}

func (e *NotInstalledError) Unwrap() error { return e.Err }

// PermissionError says the installation was not granted the permission the event needs.
type PermissionError struct {
	App, Owner string
	Perms      map[string]string
	Err        error
}

func (e *PermissionError) Error() string {
	var want []string
	for k, v := range e.Perms {
		want = append(want, k+": "+v)
	}
	sort.Strings(want)
	return fmt.Sprintf("GitHub App %s's installation on %s was not granted %s, or does not include every target repository: %v", e.App, e.Owner, strings.Join(want, ", "), e.Err)
}

func (e *PermissionError) Unwrap() error { return e.Err }

// JWTRefusedError says GitHub did not accept the App's JWT: a wrong App ID, or a key that
// is not (or no longer) this App's.
type JWTRefusedError struct {
	App string
	Err error
}

func (e *JWTRefusedError) Error() string {
	return fmt.Sprintf("GitHub refused the JWT signed for App %s: %v", e.App, e.Err)
}

func (e *JWTRefusedError) Unwrap() error { return e.Err }
