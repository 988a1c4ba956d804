// Package ghapp authenticates as a GitHub App: it signs the App's JWT, finds its
// installation on each owner, mints one short-lived installation token per owner restricted
// to the target repositories and the permissions the event needs, and revokes the tokens
// when the step ends.
package ghapp

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
)

// JWT lifetimes: GitHub accepts an exp at most 10 minutes ahead, and asks for an iat 60
// seconds in the past against clock drift.
const (
	jwtBackdate = 60 * time.Second
	jwtLifetime = 9 * time.Minute
)

// JWT signs a token that authenticates as the App, valid from a minute before now for
// nine minutes.
func JWT(app config.App, now time.Time) (string, error) {
	claims := jwt.RegisteredClaims{
		Issuer:    app.ID,
		IssuedAt:  jwt.NewNumericDate(now.Add(-jwtBackdate)),
		ExpiresAt: jwt.NewNumericDate(now.Add(jwtLifetime)),
	}
	return jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(app.Key)
}

// Minter mints installation tokens, one installation (owner) at a time, renews them
// before they expire and when GitHub refuses one, and revokes every one it minted when the
// step ends. It is safe for concurrent use.
type Minter struct {
	App       config.App                        // its identity, as the inputs gave it
	NewClient func(token string) *github.Client // a client that authenticates with token
	Now       func() time.Time                  // the runner's clock
	// Mask is called with every token as soon as it exists, before it is used or printed.
	Mask func(string)

	mu     sync.Mutex
	owners map[string]*Installation // by lower-case owner
	offset time.Duration            // GitHub's clock less the runner's, once a refused JWT told it
}

// When installation tokens are renewed.
const (
	// renewBefore: a token is renewed this long before it expires (an hour after minting).
	renewBefore = 5 * time.Minute
	// staleAfter: a 401 on a token older than this mints a new one; a younger one was not
	// refused for its age.
	staleAfter = 2 * time.Minute
	// skewTolerance: a refused JWT is signed again by GitHub's clock when the clocks
	// disagree by more than this.
	skewTolerance = 30 * time.Second
	// stillValid: a token this close to its expiry is not used after a failed renewal (a
	// request made with it could arrive after it); renewRetry: how long until the next try.
	stillValid = 30 * time.Second
	renewRetry = 30 * time.Second
)

// Installation is the credential of the App's installation on one owner: a
// ghclient.Credential whose token is minted on first use, restricted to the target
// repositories and the permissions the event needs, and renewed as it ages.
type Installation struct {
	m     *Minter
	owner string
	repos []string
	perms Perms

	mu      sync.Mutex
	id      int64     // the installation's ID, once known
	current *minted   // the token in use
	all     []*minted // every token minted, to revoke
	retryAt time.Time // after a failed renewal, the current token is used until then
	err     error     // why the first token could not be minted: every request fails so
	// uncovered are the target repositories the installation does not reach: their
	// targets fail alone (Covers), and the tokens are minted for the others.
	uncovered []string
}

// minted is one installation token.
type minted struct {
	token    string
	at       time.Time     // when it was minted, by the runner's clock
	validFor time.Duration // how long GitHub said it is valid (expires_at less the Date of its answer)
}

func (t *minted) expires() time.Time { return t.at.Add(t.validFor) }

// Credential returns owner's installation credential, the same for every target of that
// owner: repos are the names (without owner) its tokens are restricted to.
func (m *Minter) Credential(owner string, repos []string, p Perms) *Installation {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.owners == nil {
		m.owners = map[string]*Installation{}
	}
	in := m.owners[strings.ToLower(owner)]
	if in == nil {
		in = &Installation{m: m, owner: owner, repos: repos, perms: p}
		m.owners[strings.ToLower(owner)] = in
	}
	return in
}

// Token implements ghclient.Credential: the current token, or a new one when there is
// none yet or it expires within renewBefore.
func (in *Installation) Token(ctx context.Context) (string, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.err != nil {
		return "", in.err
	}
	now := in.m.Now()
	if in.current != nil && (now.Before(in.current.expires().Add(-renewBefore)) || now.Before(in.retryAt)) {
		return in.current.token, nil
	}
	tok, err := in.renew(ctx)
	switch {
	case err != nil && in.current == nil:
		in.err = err // the first token: nothing can be sent for this owner
	case err != nil && now.Before(in.current.expires().Add(-stillValid)):
		// The renewal failed while the token in use is still good: keep using it, and
		// try again a little later, not on every request.
		in.retryAt = now.Add(renewRetry)
		return in.current.token, nil
	}
	return tok, err
}

// Renew implements ghclient.Credential: after a 401, a new token, unless the one refused
// was minted moments ago (its age did not cause the 401) or another request renewed it
// already.
func (in *Installation) Renew(ctx context.Context, refused string) (string, bool, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	switch {
	case in.current == nil || in.err != nil:
		return "", false, nil
	case in.current.token != refused:
		return in.current.token, true, nil
	case in.m.Now().Sub(in.current.at) < staleAfter:
		return "", false, nil
	}
	tok, err := in.renew(ctx)
	return tok, err == nil, err
}

// renew mints a token with the permissions asked for, or without the optional ones when
// the installation was not granted them (and from then on). Called with in.mu held.
func (in *Installation) renew(ctx context.Context) (string, error) {
	t, err := in.m.mint(ctx, in, in.perms.all())
	if c := ghclient.CauseOf(err); c.Kind == ghclient.Validation && c.Refusal == ghclient.InaccessibleRepository && in.uncovered == nil {
		if err = in.m.coverage(ctx, in); err == nil { // the others get their token
			t, err = in.m.mint(ctx, in, in.perms.all())
		}
	}
	var denied *PermissionError
	if len(in.perms.Optional) > 0 && errors.As(err, &denied) {
		in.perms.Optional = nil
		t, err = in.m.mint(ctx, in, in.perms.Required)
	}
	if err != nil {
		return "", err
	}
	in.current = t
	in.all = append(in.all, t)
	return t.token, nil
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

// mint mints one token for in. A JWT GitHub refused while the two clocks disagree is
// signed again by GitHub's clock (the Date of its refusal) and tried once more.
func (m *Minter) mint(ctx context.Context, in *Installation, perms map[string]string) (*minted, error) {
	t, err := m.mintOnce(ctx, in, perms)
	var refused *JWTRefusedError
	if !errors.As(err, &refused) || refused.Skew.Abs() <= skewTolerance {
		return t, err
	}
	m.mu.Lock()
	m.offset = refused.Skew
	m.mu.Unlock()
	t, err = m.mintOnce(ctx, in, perms)
	if errors.As(err, &refused) {
		refused.Skew, refused.Resigned = m.offset, true
	}
	return t, err
}

// github is GitHub's time by the runner's clock and what a refused JWT told of the two.
func (m *Minter) github() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.Now().Add(m.offset)
}

func (m *Minter) mintOnce(ctx context.Context, in *Installation, perms map[string]string) (*minted, error) {
	signed, err := JWT(m.App, m.github())
	if err != nil {
		return nil, fmt.Errorf("signing the App's JWT: %w", err)
	}
	appClient := m.NewClient(signed)
	if in.id == 0 {
		in.id = m.App.InstallationID
	}
	for i := 0; in.id == 0 && i < len(in.repos); i++ { // any repository it reaches names it
		inst, _, err := appClient.Apps.FindRepositoryInstallation(ctx, in.owner, in.repos[i])
		if err = ghclient.Check(err); err != nil && (ghclient.CauseOf(err).Kind != ghclient.NotFound || i == len(in.repos)-1) {
			return nil, m.refused(err, in, "finding the App's installation on "+in.owner)
		}
		in.id = inst.GetID()
	}
	sorted := append([]string(nil), in.repos...)
	sort.Strings(sorted)
	// Minting is one POST per owner, not content: outside the pacing, so that installations
	// start at once and each goes at its own pace.
	tok, resp, err := appClient.Apps.CreateInstallationToken(ghclient.WithoutPacing(ctx), in.id, &github.InstallationTokenOptions{
		Repositories: sorted,
		Permissions:  permissions(perms),
	})
	if err = ghclient.Check(err); err != nil {
		if c := ghclient.CauseOf(err); c.Kind == ghclient.Validation && c.Refusal != ghclient.InaccessibleRepository {
			return nil, &PermissionError{App: m.App.ID, Owner: in.owner, Perms: perms, Err: err}
		}
		return nil, m.refused(err, in, "minting an installation token for "+in.owner)
	}
	if m.Mask != nil {
		m.Mask(tok.GetToken())
	}
	t := &minted{token: tok.GetToken(), at: m.Now(), validFor: time.Hour}
	if exp := tok.GetExpiresAt(); !exp.IsZero() {
		said := m.github() // GitHub's time of its answer: its Date, else the runner's clock's estimate
		if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
			said = d
		}
		t.validFor = min(max(exp.Sub(said), 0), time.Hour)
	}
	return t, nil
}

// coverage finds which of in's repositories the installation reaches (GitHub answers 404
// for the others, or for one that does not exist), keeps those, and records the rest as
// uncovered; none reached is a NotCoveredError of the first. Called with in.mu held.
func (m *Minter) coverage(ctx context.Context, in *Installation) error {
	signed, err := JWT(m.App, m.github())
	if err != nil {
		return fmt.Errorf("signing the App's JWT: %w", err)
	}
	appClient := m.NewClient(signed)
	var covered, uncovered []string
	for _, repo := range in.repos {
		_, _, err := appClient.Apps.FindRepositoryInstallation(ghclient.WithoutPacing(ctx), in.owner, repo)
		switch err = ghclient.Check(err); ghclient.CauseOf(err).Kind {
		case ghclient.KindNone:
			covered = append(covered, repo)
		case ghclient.NotFound:
			uncovered = append(uncovered, repo)
		default:
			return m.refused(err, in, "finding which repositories the App's installation on "+in.owner+" reaches")
		}
	}
	in.uncovered = uncovered
	if len(covered) == 0 {
		return &NotCoveredError{App: m.App.ID, Owner: in.owner, Repo: uncovered[0]}
	}
	in.repos = covered
	return nil
}

// Covers says whether the installation reaches repo (a name, without its owner): its
// token is minted first, which finds out; a repository it does not reach is a
// NotCoveredError, and only its target fails.
func (in *Installation) Covers(ctx context.Context, repo string) error {
	if _, err := in.Token(ctx); err != nil {
		var nc *NotCoveredError
		if errors.As(err, &nc) {
			return &NotCoveredError{App: nc.App, Owner: nc.Owner, Repo: repo}
		}
		return err
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if slices.ContainsFunc(in.uncovered, func(r string) bool { return strings.EqualFold(r, repo) }) {
		return &NotCoveredError{App: in.m.App.ID, Owner: in.owner, Repo: repo}
	}
	return nil
}

// NotCoveredError is a target repository the App's installation on its owner does not
// reach (or that does not exist): nothing is sent to it.
type NotCoveredError struct {
	App, Owner, Repo string
}

func (e *NotCoveredError) Error() string {
	return fmt.Sprintf("not sent: GitHub App %s's installation on %s does not reach %s/%s (or the repository does not exist)", e.App, e.Owner, e.Owner, e.Repo)
}

// refused says why a request authenticated with the App's JWT failed: the JWT refused
// (with how far the runner's clock is from GitHub's, by the Date of the refusal), the App
// not installed, or else what GitHub answered.
func (m *Minter) refused(err error, in *Installation, doing string) error {
	c := ghclient.CauseOf(err)
	switch c.Kind {
	case ghclient.Unauthorized:
		e := &JWTRefusedError{App: m.App.ID, Err: err}
		if !c.Date.IsZero() { // whole seconds, as the Date is
			e.Skew = c.Date.Sub(m.Now().Truncate(time.Second))
		}
		return e
	case ghclient.NotFound:
		return &NotInstalledError{App: m.App.ID, Owner: in.owner, Repo: in.repos[0], Err: err}
	}
	return fmt.Errorf("%s: %w", doing, err)
}

// Minted is an installation token minted for an owner.
type Minted struct {
	Owner string
	token string
}

// Unexpired are the tokens minted that have not expired, by owner: those to revoke (an
// expired token needs no revoking, and cannot be).
func (m *Minter) Unexpired() []Minted {
	var todo []Minted
	m.mu.Lock()
	owners := slices.Sorted(maps.Keys(m.owners))
	installations := maps.Clone(m.owners)
	m.mu.Unlock()
	for _, owner := range owners {
		in := installations[owner]
		in.mu.Lock()
		for _, t := range in.all {
			if m.Now().Before(t.expires()) {
				todo = append(todo, Minted{owner, t.token})
			}
		}
		in.mu.Unlock()
	}
	return todo
}

// Revoke revokes a token within each, outside the pacing of content-creating requests;
// a token the server no longer takes (401) is revoked already.
func (m *Minter) Revoke(ctx context.Context, t Minted, each time.Duration) error {
	rctx, cancel := context.WithTimeout(ghclient.WithoutPacing(ctx), each)
	defer cancel()
	_, err := m.NewClient(t.token).Apps.RevokeInstallationToken(rctx)
	if err = ghclient.Check(err); err != nil && ghclient.CauseOf(err).Kind != ghclient.Unauthorized {
		return fmt.Errorf("an App token for %s was not revoked (it expires within an hour): %w", t.Owner, err)
	}
	return nil
}

// Permissions is what an installation token needs: contents: write to send
// repository_dispatch, actions: write to send workflow_dispatch or to cancel a run,
// actions: read to find, follow or read a run (jobs, logs, artifacts), and, optionally,
// checks: read for the annotations of a failed run's jobs; for every kind of event the
// owner's targets send (none when nothing is sent: following a run by its ID).
//
// With preflight, the token may also read the receiving workflows: contents: read (the
// files) and actions: read (their states), both optional, where not already required.
func Permissions(kinds []event.Kind, wait event.Wait, cancel, preflight bool) Perms {
	req := map[string]string{}
	for _, kind := range kinds {
		switch kind {
		case event.RepositoryDispatch:
			req["contents"] = "write"
		case event.WorkflowDispatch:
			req["actions"] = "write"
		}
	}
	if wait != event.WaitNone && req["actions"] == "" {
		req["actions"] = "read"
	}
	if cancel {
		req["actions"] = "write"
	}
	p := Perms{Required: req, Optional: map[string]string{}}
	if wait == event.WaitCompleted {
		p.Optional["checks"] = "read"
	}
	if preflight && len(kinds) > 0 {
		for _, scope := range []string{"contents", "actions"} {
			if req[scope] == "" {
				p.Optional[scope] = "read"
			}
		}
	}
	if len(p.Optional) == 0 {
		p.Optional = nil
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

// JWTRefusedError says GitHub did not accept the App's JWT: a wrong App ID, a key that is
// not (or no longer) this App's, or a runner's clock far from GitHub's.
type JWTRefusedError struct {
	App string
	// Skew is how far GitHub's clock was ahead of the runner's (negative: behind), by the
	// Date of its answer; zero when it sent none.
	Skew time.Duration
	// Resigned: the JWT was refused again when signed by GitHub's clock.
	Resigned bool
	Err      error
}

func (e *JWTRefusedError) Error() string {
	return fmt.Sprintf("GitHub refused the JWT signed for App %s: %v", e.App, e.Err)
}

func (e *JWTRefusedError) Unwrap() error { return e.Err }
