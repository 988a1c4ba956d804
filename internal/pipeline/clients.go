package pipeline

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghapp"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/pool"
)

// clients are the step's clients of GitHub, one credential at a time: the token, or each
// owner's App installation (the targets grouped by credential once, here), and the status
// token on the caller's own server. A target's work goes paced and within the step's
// deadline; its clean-up goes unpaced, within a budget of its own.
type clients struct {
	cfg    *config.Config
	o      Options
	policy ghclient.Policy
	base   http.RoundTripper              // what every client sends through: net, or a dry run's recorder
	net    http.RoundTripper              // one connection pool for every client, through the runner's proxy
	rec    *ghclient.Recorder             // a dry run's requests; nil otherwise
	pacers *ghclient.Pacers               // one pace per credential (and server); nil: none
	server *ghclient.Server               // what the targets' server's answers taught: its release, API version, deprecations
	caller *ghclient.Server               // the same of the caller's server, where statuses go
	minter *ghapp.Minter                  // nil: the token
	owners map[string]*ghapp.Installation // by lower-case owner
	order  []int                          // the order targets start in (nil: theirs)
}

func newClients(cfg *config.Config, o Options, deadline time.Time) *clients {
	c := &clients{cfg: cfg, o: o, server: ghclient.NewServer(cfg.APIURL), pacers: &ghclient.Pacers{Interval: o.Pace},
		policy: ghclient.Policy{MaxAttempts: cfg.MaxAttempts, AttemptTimeout: o.AttemptTimeout, Deadline: deadline, Clock: o.Clock}}
	c.net = ghclient.NewTransport(o.Getenv)
	c.base = c.net
	if cfg.Status != nil {
		c.caller = ghclient.NewServer(cfg.Status.APIURL)
		if sameAPI(cfg.Status.APIURL.String(), cfg.APIURL.String()) {
			c.caller = c.server // one server: what one client learns, the other knows
		}
	}
	if cfg.DryRun {
		c.rec = &ghclient.Recorder{}
		c.base, c.pacers = c.rec, nil
	}
	if cfg.App == nil || cfg.DryRun {
		return c
	}
	c.order = byOwner(cfg.Targets) // owners' installations go at their own pace, in parallel
	c.minter = &ghapp.Minter{App: *cfg.App, NewClient: c.static, Now: o.Clock.Now, Mask: o.Progress.Mask}
	c.owners = map[string]*ghapp.Installation{}
	names, kinds := map[string][]string{}, map[string][]event.Kind{}
	for _, t := range cfg.Targets {
		o := strings.ToLower(t.Repo.Owner)
		if !slices.ContainsFunc(names[o], func(n string) bool { return strings.EqualFold(n, t.Repo.Name) }) {
			names[o] = append(names[o], t.Repo.Name)
		}
		if t.Event != "" && !slices.Contains(kinds[o], t.Event) {
			kinds[o] = append(kinds[o], t.Event)
		}
	}
	for _, t := range cfg.Targets {
		o := strings.ToLower(t.Repo.Owner)
		if c.owners[o] == nil {
			c.owners[o] = c.minter.Credential(t.Repo.Owner, names[o], ghapp.Permissions(kinds[o], cfg.Wait, cfg.CancelRunOnAbort || cfg.CancelRunOnFailure, cfg.Preflight != config.PreflightOff))
		}
	}
	return c
}

// new is a client of the API at base with cred, paced as pace goes there ("": unpaced),
// under policy.
func (c *clients) new(base *url.URL, cred ghclient.Credential, pace string, policy ghclient.Policy, server *ghclient.Server) *github.Client {
	if pace != "" {
		policy.Pacer = c.pacers.For(base.String() + " " + pace)
	}
	return ghclient.New(ghclient.Options{BaseURL: base, Credential: cred, Transport: c.base, Policy: policy, Server: server})
}

// static is a paced client of the targets' API with a fixed token.
func (c *clients) static(token string) *github.Client {
	return c.new(c.cfg.APIURL, ghclient.StaticToken(token), token, c.policy, c.server)
}

// credential is what authenticates for repo, and the name of its pace: the token, or the
// installation of repo's owner, whose first token is minted here, before anything is
// sent.
func (c *clients) credential(ctx context.Context, repo event.Repo) (ghclient.Credential, string, error) {
	if c.minter == nil {
		return ghclient.StaticToken(c.cfg.Token), c.cfg.Token, nil
	}
	inst := c.owners[strings.ToLower(repo.Owner)]
	if err := inst.Covers(ctx, repo.Name); err != nil {
		return nil, "", err
	}
	return inst, "installation of " + strings.ToLower(repo.Owner), nil
}

// target is the client of repo's credential for the target's own work: paced, within the
// step's deadline.
func (c *clients) target(ctx context.Context, repo event.Repo) (*github.Client, error) {
	cred, pace, err := c.credential(ctx, repo)
	if err != nil {
		return nil, err
	}
	return c.new(c.cfg.APIURL, cred, pace, c.policy, c.server), nil
}

// cleanup is the client of repo's credential for clean-up: unpaced, and bound by its own
// deadline rather than the step's, which may have passed.
func (c *clients) cleanup(ctx context.Context, repo event.Repo, deadline time.Time) (*github.Client, error) {
	cred, _, err := c.credential(ctx, repo)
	if err != nil {
		return nil, err
	}
	return c.new(c.cfg.APIURL, cred, "", c.cleanupPolicy(deadline), c.server), nil
}

// cleanupPolicy is the step's policy bound by deadline instead, each attempt within it.
func (c *clients) cleanupPolicy(deadline time.Time) ghclient.Policy {
	p := c.policy
	p.Deadline = deadline
	if budget := c.o.CleanupBudget; p.AttemptTimeout <= 0 || p.AttemptTimeout > budget {
		p.AttemptTimeout = budget
	}
	return p
}

// status is the client of the status token on the caller's server: paced as that token
// goes there (pending statuses, as runs become known), or for clean-up (deadline set).
func (c *clients) status(deadline time.Time) *github.Client {
	st := c.cfg.Status
	cred := ghclient.StaticToken(st.Token)
	if deadline.IsZero() {
		return c.new(st.APIURL, cred, st.Token, c.policy, c.caller)
	}
	return c.new(st.APIURL, cred, "", c.cleanupPolicy(deadline), c.caller)
}

// revoke revokes every App token minted, each within the time left.
func (c *clients) revoke(ctx context.Context, each time.Duration, p *pool.Pool) []error {
	if c == nil || c.minter == nil {
		return nil
	}
	todo := c.minter.Unexpired()
	errs := make([]error, len(todo))
	for i, t := range todo {
		p.Later(func() { errs[i] = c.minter.Revoke(ctx, t, each) })
	}
	p.Wait()
	var failed []error
	for _, err := range errs {
		if err != nil {
			failed = append(failed, err)
		}
	}
	return failed
}

// deprecations are what GitHub's answers announced as deprecated, each operation once.
func (c *clients) deprecations() []Note {
	var ns []Note
	seen := map[string]bool{}
	for _, d := range append(c.server.Deprecations(), c.caller.Deprecations()...) {
		if key := d.Operation + " " + d.Version; !seen[key] {
			seen[key] = true
			ns = append(ns, Note{Kind: Deprecated, Deprecation: d})
		}
	}
	return ns
}

// preview is what a dry run would have sent.
func (c *clients) preview() []ghclient.RecordedRequest {
	if c == nil || c.rec == nil {
		return nil
	}
	return c.rec.Requests()
}
