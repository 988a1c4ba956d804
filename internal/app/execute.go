package app

import (
	"cmp"
	"context"
	"strings"
	"time"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/dispatch"
	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghapp"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/runs"
)

// progress hears what execute does as it happens. Its methods may be called from several
// goroutines at once (one per target in flight).
type progress interface {
	attempt(target string, a ghclient.Attempt) // every dispatch attempt; failed poll requests
	sent(r dispatch.Result)                    // a dispatch was accepted or failed
	run(r runs.Run)                            // a run was found, or changed status
	mask(secret string)                        // a new secret (an App token) exists
}

// silent is the progress of a dry run: nothing happens worth telling as it happens.
type silent struct{}

func (silent) attempt(string, ghclient.Attempt) {}
func (silent) sent(dispatch.Result)             {}
func (silent) run(runs.Run)                     {}
func (silent) mask(string)                      {}

// outcome is what one run did: the result of each dispatch, for a dry run the requests
// that would have been sent, and warnings that do not fail the step.
type outcome struct {
	results  []dispatch.Result
	preview  []ghclient.RecordedRequest
	warnings []string
}

// execute sends the configured event to every target, at most cfg.Concurrency at once and
// paced, or in a dry run records the exact requests instead; then, as configured, finds
// the run each started and waits for it. The whole of it is bounded by the timeout.
func (rn runner) execute(ctx context.Context, cfg *config.Config, p progress) (out outcome) {
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
		order = dispatch.ByOwner(cfg.Repositories) // owners' installations go at their own pace, in parallel
		minter := &ghapp.Minter{App: ghapp.App{ID: cfg.App.ID, Key: cfg.App.Key, InstallationID: cfg.App.InstallationID},
			NewClient: staticClient, Now: rn.clock.Now, Mask: p.mask}
		defer func() { // every token revoked, even when cancelled: each on its own short deadline
			for _, err := range minter.RevokeAll(context.WithoutCancel(ctx), cmp.Or(rn.revokeTimeout, revokeEach)) {
				out.warnings = append(out.warnings, err.Error())
			}
		}()
		clientFor = func(ctx context.Context, repo event.Repo) (*github.Client, error) {
			inst := minter.Credential(repo.Owner, reposOf(cfg, repo.Owner), ghapp.Permissions(cfg.Event, cfg.Wait, cfg.CancelRunOnAbort))
			if _, err := inst.Token(ctx); err != nil { // the first token, before anything is sent
				return nil, err
			}
			return newClient(inst, "installation of "+strings.ToLower(repo.Owner)), nil
		}
	}
	st := &step{cfg: cfg, deadline: policy.Deadline, progress: p, clientFor: clientFor, server: server, logs: runs.NewLogBudget(runs.StepLogBytes)}
	one := func(ctx context.Context, repo event.Repo) dispatch.Result { return rn.one(ctx, st, repo) }
	out.results = dispatch.FanOut(ctx, cfg.Repositories, order, concurrency, one, func(repo event.Repo) dispatch.Result { return newResult(cfg, repo) })
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
}

// one sends the event to one target (or, with run-id, sends nothing) and follows its run
// as configured.
func (rn runner) one(ctx context.Context, st *step, repo event.Repo) dispatch.Result {
	cfg, p := st.cfg, st.progress
	c, err := st.clientFor(ctx, repo)
	if err != nil {
		res := newResult(cfg, repo)
		res.Fail(err)
		res.Delivery = dispatch.DeliveryNotSent
		p.sent(res)
		return res
	}
	res := newResult(cfg, repo)
	if cfg.RunID != 0 {
		res.Status, res.RunID, res.Followed = dispatch.StatusFollowed, cfg.RunID, true
	} else {
		res = rn.send(ctx, st, c, repo)
		if cfg.DryRun {
			return res
		}
		p.sent(res)
		if !res.OK() || cfg.Wait == event.WaitNone {
			return res
		}
	}
	poller := &runs.Poller{Client: c, Repo: repo, Clock: rn.clock, OnAttempt: p.attempt}
	return rn.follow(ctx, st, poller, res)
}

// send sends the configured event to one target; in a dry run its result says so.
func (rn runner) send(ctx context.Context, st *step, c *github.Client, repo event.Repo) dispatch.Result {
	cfg := st.cfg
	dopts := dispatch.Options{Now: rn.clock.Now, DryRun: cfg.DryRun, OnAttempt: st.progress.attempt, Server: st.server}
	var res dispatch.Result
	if cfg.Event == event.WorkflowDispatch {
		res = dispatch.SendWorkflow(ctx, c, dispatch.WorkflowEvent{Repository: repo, Workflow: cfg.Workflow, ByName: cfg.WorkflowByName,
			Ref: cfg.Ref, Inputs: cfg.Inputs, DistinctID: cfg.DistinctID}, dopts)
	} else {
		res = dispatch.Send(ctx, c, dispatch.Event{Repository: repo, EventType: cfg.EventType, ClientPayload: cfg.ClientPayload,
			DistinctID: cfg.DistinctID}, dopts)
	}
	if cfg.DryRun && res.OK() {
		res = dispatch.Result{Repository: res.Repository, Event: res.Event, EventType: res.EventType, Workflow: res.Workflow,
			Ref: res.Ref, DistinctID: res.DistinctID, Status: dispatch.StatusDryRun}
	}
	return res
}

// follow finds and follows the run, and what comes after (runs.FollowThrough).
func (rn runner) follow(ctx context.Context, st *step, poller *runs.Poller, res dispatch.Result) dispatch.Result {
	cfg := st.cfg
	o := poller.FollowThrough(ctx,
		runs.Dispatched{Event: cfg.Event, Workflow: res.WorkflowKey, DistinctID: res.DistinctID, Accepted: res.Accepted, RunID: res.RunID, RunURL: res.RunURL},
		runs.Follow{Wait: cfg.Wait, WaitTimeout: cfg.WaitTimeout, StepDeadline: st.deadline, FailOnConclusion: cfg.FailOnConclusion},
		runs.After{CancelOnAbort: cfg.CancelRunOnAbort, LogLines: cfg.LogLines, Logs: st.logs, OutputsArtifact: cfg.OutputsArtifact},
		st.progress.run)
	if o.Run.ID != 0 {
		res.RunID, res.RunURL = o.Run.ID, o.Run.HTMLURL
	}
	if cfg.RunID != 0 && o.Run.Event != "" {
		res.Event = o.Run.Event // what started the run followed
	}
	res.RunStatus, res.Conclusion = o.Run.Status, o.Run.Conclusion
	res.FailedJobs, res.RunOutputs, res.RunCancelled, res.Warnings = o.FailedJobs, o.Outputs, o.Cancelled, o.Warnings
	if o.Err != nil {
		res.Fail(o.Err)
	}
	return res
}

// newResult is the result of a target before anything was sent.
func newResult(cfg *config.Config, repo event.Repo) dispatch.Result {
	return dispatch.Result{Repository: repo.String(), Event: cfg.Event, EventType: cfg.EventType, Workflow: cfg.Workflow, Ref: cfg.Ref}
}

// reposOf lists the names of the targets that belong to owner, for an App token scoped to
// exactly those repositories.
func reposOf(cfg *config.Config, owner string) []string {
	var names []string
	for _, r := range cfg.Repositories {
		if strings.EqualFold(r.Owner, owner) {
			names = append(names, r.Name)
		}
	}
	return names
}
