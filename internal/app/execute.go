package app

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/dispatch"
	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghapp"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/outcome"
	"github.com/MrSunshyne/dispatch-action/internal/runs"
)

// progress hears what execute does as it happens. Its methods may be called from several
// goroutines at once (one per target in flight).
type progress interface {
	attempt(target string, a ghclient.Attempt) // every dispatch attempt; failed poll requests
	sent(r outcome.Result)                     // a dispatch was accepted or failed
	run(r runs.Run)                            // a run was found, or changed status
	mask(secret string)                        // a new secret (an App token) exists
}

// silent is the progress of a dry run: nothing happens worth telling as it happens.
type silent struct{}

func (silent) attempt(string, ghclient.Attempt) {}
func (silent) sent(outcome.Result)              {}
func (silent) run(runs.Run)                     {}
func (silent) mask(string)                      {}

// stepResult is what one run did: the result of each dispatch, for a dry run the requests
// that would have been sent, and warnings that do not fail the step.
type stepResult struct {
	results  []outcome.Result
	preview  []ghclient.RecordedRequest
	warnings []string
}

// execute sends the configured event to every target, at most cfg.Concurrency at once and
// paced, or in a dry run records the exact requests instead; then, as configured, finds
// the run each started and waits for it. The whole of it is bounded by the timeout.
func (rn runner) execute(ctx context.Context, cfg *config.Config, p progress) (out stepResult) {
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	start := rn.clock.Now()
	policy := ghclient.Policy{MaxAttempts: cfg.MaxAttempts, AttemptTimeout: rn.attemptTimeout, Deadline: start.Add(cfg.Timeout), Clock: rn.clock}
	var rec *ghclient.Recorder
	var base = ghclient.NewTransport(rn.getenv)   // one connection pool for every target, through the runner's proxy
	pacers := &ghclient.Pacers{Interval: rn.pace} // one pace per credential: a token, or each App installation's
	server := &ghclient.Server{}                  // the Enterprise Server release any answer names
	concurrency := cfg.Concurrency
	if cfg.DryRun {
		rec = &ghclient.Recorder{}
		base, pacers, concurrency, p = rec, nil, 1, silent{} // one at a time: the preview keeps the input order
	}
	// A client of one credential, paced as that credential (a token, or an App
	// installation, whose token changes as it is renewed) goes.
	newClient := func(cred ghclient.Credential, pace string) *github.Client {
		p := policy
		p.Pacer = pacers.For(pace)
		return ghclient.New(ghclient.Options{BaseURL: cfg.APIURL, Credential: cred, Transport: base, Policy: p, Server: server})
	}
	staticClient := func(token string) *github.Client { return newClient(ghclient.StaticToken(token), token) }
	clientFor := func(context.Context, event.Repo) (*github.Client, error) { return staticClient(cfg.Token), nil }
	var order []int // nil: the targets' order
	if cfg.App != nil && !cfg.DryRun {
		order = dispatch.ByOwner(cfg.Targets) // owners' installations go at their own pace, in parallel
		minter := &ghapp.Minter{App: *cfg.App,
			NewClient: staticClient, Now: rn.clock.Now, Mask: p.mask}
		defer func() { // every token revoked, even when cancelled: each on its own short deadline
			for _, err := range minter.RevokeAll(context.WithoutCancel(ctx), cmp.Or(rn.revokeTimeout, revokeEach)) {
				out.warnings = append(out.warnings, err.Error())
			}
		}()
		clientFor = func(ctx context.Context, repo event.Repo) (*github.Client, error) {
			names, kinds := ofOwner(cfg, repo.Owner)
			inst := minter.Credential(repo.Owner, names, ghapp.Permissions(kinds, cfg.Wait, cfg.CancelRunOnAbort))
			if _, err := inst.Token(ctx); err != nil { // the first token, before anything is sent
				return nil, err
			}
			return newClient(inst, "installation of "+strings.ToLower(repo.Owner)), nil
		}
	}
	st := &step{cfg: cfg, deadline: policy.Deadline, progress: p, clientFor: clientFor, server: server, logs: runs.NewLogBudget(runs.StepLogBytes)}
	if cfg.Status != nil { // posted with the status token, paced as that token goes
		st.status = newStatuses(cfg, staticClient(cfg.Status.Token))
	}
	one := func(ctx context.Context, t event.Target) outcome.Result { return rn.one(ctx, st, t) }
	out.results = dispatch.FanOut(ctx, cfg.Targets, order, concurrency, one, func(t event.Target, err error) outcome.Result {
		res := outcome.Result{Target: t}
		res.Fail(err)
		if errors.Is(err, dispatch.ErrNotSent) {
			res.Receipt.Delivery = dispatch.DeliveryNotSent
		}
		if !cfg.DryRun {
			st.status.final(ctx, res)
		}
		return res
	})
	out.warnings = append(out.warnings, st.status.all()...)
	if rec != nil {
		out.preview = rec.Requests()
	}
	return out
}

// revokeEach bounds the revocation of one App token, even when the step was cancelled.
const revokeEach = 5 * time.Second

// step is what the targets of one run of the action share.
type step struct {
	cfg       *config.Config
	deadline  time.Time // the step's timeout, on the runner's clock
	progress  progress
	clientFor func(context.Context, event.Repo) (*github.Client, error)
	server    *ghclient.Server // the Enterprise Server release any answer named
	logs      *runs.LogBudget  // what the failed jobs' log tails may hold, all targets together
	status    *statuses        // the commit statuses of the targets' outcomes (nil: none)
}

// one sends the target's event (or, with run-id, sends nothing) and follows its run as
// configured; its commit status, if any, says how it ended.
func (rn runner) one(ctx context.Context, st *step, t event.Target) (res outcome.Result) {
	cfg, p := st.cfg, st.progress
	res = outcome.Result{Target: t}
	c, err := st.clientFor(ctx, t.Repo)
	if !cfg.DryRun {
		defer func() { st.status.final(ctx, res) }()
	}
	if err != nil {
		res.Fail(err)
		res.Receipt.Delivery = dispatch.DeliveryNotSent
		p.sent(res)
		return res
	}
	if cfg.RunID != 0 {
		res.Status, res.FollowOnly = outcome.Followed, true
	} else {
		rn.send(ctx, st, c, &res)
		if cfg.DryRun {
			st.status.preview(ctx, res)
			return res
		}
		p.sent(res)
		if !res.OK() || cfg.Wait == event.WaitNone {
			return res
		}
	}
	runsOf := &runs.Client{API: c, Repo: t.Repo, Clock: rn.clock, OnAttempt: p.attempt}
	rn.follow(ctx, st, runsOf, &res)
	return res
}

// send sends the configured event to one target, and records its receipt in res; in a
// dry run res says that nothing was sent.
func (rn runner) send(ctx context.Context, st *step, c *github.Client, res *outcome.Result) {
	cfg := st.cfg
	dopts := dispatch.Options{Now: rn.clock.Now, DryRun: cfg.DryRun, OnAttempt: st.progress.attempt, Server: st.server}
	res.Receipt = dispatch.Send(ctx, c, res.Target, dopts)
	switch {
	case !res.Receipt.OK():
		res.Fail(res.Receipt.Err)
	case cfg.DryRun: // only what the dry run decided: the ref and the ID it would send
		res.Status, res.Receipt = outcome.DryRun, dispatch.Receipt{Ref: res.Receipt.Ref, DistinctID: res.Receipt.DistinctID}
	default:
		res.Status = outcome.Dispatched
	}
}

// follow finds and follows the run, and what comes after (runs.FollowThrough), into
// res.Run.
func (rn runner) follow(ctx context.Context, st *step, runsOf *runs.Client, res *outcome.Result) {
	cfg := st.cfg
	d := runs.Dispatched{Event: res.Event, Workflow: res.Receipt.WorkflowKey, DistinctID: res.Receipt.DistinctID,
		Accepted: res.Receipt.Accepted, RunID: res.Receipt.RunID, RunURL: res.Receipt.RunURL}
	if res.FollowOnly {
		d.RunID = cfg.RunID
	}
	pending := false
	onRun := func(run runs.Run) {
		st.progress.run(run)
		if !pending && run.ID != 0 { // known: its status links it
			pending = true
			st.status.pending(ctx, *res, run)
		}
	}
	res.Run = runsOf.FollowThrough(ctx, d,
		runs.Follow{Wait: cfg.Wait, WaitTimeout: cfg.WaitTimeout, StepDeadline: st.deadline, FailOnConclusion: cfg.FailOnConclusion, Jobs: cfg.Jobs},
		runs.After{CancelOnAbort: cfg.CancelRunOnAbort, LogLines: cfg.LogLines, Logs: st.logs, OutputsArtifact: cfg.OutputsArtifact},
		onRun)
	if res.FollowOnly && res.Run.Run.Event != "" {
		res.Event = res.Run.Run.Event // what started the run followed
	}
	if res.Run.Err != nil {
		res.Fail(res.Run.Err)
	}
}

// ofOwner lists the names of the repositories of owner among the targets, for an App
// token scoped to exactly those, and the kinds of event sent to them, for its permissions.
func ofOwner(cfg *config.Config, owner string) (names []string, kinds []event.Kind) {
	for _, r := range cfg.Repos() {
		if strings.EqualFold(r.Owner, owner) {
			names = append(names, r.Name)
		}
	}
	for _, t := range cfg.Targets {
		if strings.EqualFold(t.Repo.Owner, owner) && !slices.Contains(kinds, t.Event) && t.Event != "" {
			kinds = append(kinds, t.Event)
		}
	}
	return names, kinds
}
