package app

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/go-github/v66/github"
	"golang.org/x/time/rate"

	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/dispatch"
	"github.com/MrSunshyne/dispatch-action/internal/ghapp"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/runs"
)

// hooks are how execute reports progress as it happens. They may be called from several
// goroutines at once (one per target in flight).
type hooks struct {
	attempt func(target string, a ghclient.Attempt) // every dispatch attempt; failed poll requests
	sent    func(res dispatch.Result)               // a dispatch was accepted or failed
	run     func(res dispatch.Result, r runs.Run)   // a run was found, or changed status
	mask    func(secret string)                     // a new secret (an App token) exists
}

// pace spaces content-creating requests so a step stays within GitHub's secondary limits
// by construction: at most 80 a minute and 500 an hour, and (as GitHub asks of bulk
// requests) one a second. Two token buckets: one request per Interval with no burst, and
// an hourly budget of HourBurst refilled one per HourInterval.
type pace struct {
	Interval     time.Duration
	HourBurst    int
	HourInterval time.Duration
}

// githubPace: 1 per second keeps any minute at 60 (≤ 80); 50 at once plus one per 8 s
// keeps any hour at 50 + 450 = 500.
var githubPace = pace{Interval: time.Second, HourBurst: 50, HourInterval: 8 * time.Second}

// limiter builds the pace's limiters (x/time/rate) as a ghclient.Pacer.
func (p pace) limiter() ghclient.Pacer {
	if p.Interval <= 0 {
		return nil
	}
	return pacer{rate.NewLimiter(rate.Every(p.Interval), 1), rate.NewLimiter(rate.Every(p.HourInterval), p.HourBurst)}
}

type pacer []*rate.Limiter

func (p pacer) Wait(ctx context.Context) error {
	for _, l := range p {
		if err := l.Wait(ctx); err != nil {
			return err
		}
	}
	return nil
}

// errNotSent marks targets never tried because the step was cancelled or timed out first.
var errNotSent = errors.New("not sent: the step was cancelled or ran out of time before this target's turn")

// execute sends the configured event to every target, at most cfg.Concurrency at once and
// paced, or in a dry run records the exact requests instead; then, as configured, finds
// the run each started and waits for it. Every target is attempted even when others fail;
// results keep the input order. The whole of it is bounded by the configured timeout.
func (rn runner) execute(ctx context.Context, cfg *config.Config, h hooks) outcome {
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	start := rn.clock.Now()
	policy := ghclient.Policy{
		MaxAttempts:    cfg.MaxAttempts,
		AttemptTimeout: rn.attemptTimeout,
		Deadline:       start.Add(cfg.Timeout),
		Clock:          rn.clock,
	}
	var rec *ghclient.Recorder
	var base http.RoundTripper
	concurrency := cfg.Concurrency
	if cfg.DryRun {
		rec = &ghclient.Recorder{}
		base, concurrency = rec, 1 // one at a time: the preview keeps the input order
		h = hooks{}
	} else {
		base = ghclient.NewTransport() // one connection pool for every target
		policy.Pacer = rn.pace.limiter()
	}
	newClient := func(token string) *github.Client {
		return ghclient.New(ghclient.Options{BaseURL: cfg.APIURL, Token: token, Transport: base, Policy: policy})
	}
	var minter *ghapp.Minter
	if cfg.App != nil && !cfg.DryRun {
		minter = &ghapp.Minter{App: ghapp.App{ID: cfg.App.ID, Key: cfg.App.Key, InstallationID: cfg.App.InstallationID},
			NewClient: newClient, Now: rn.clock.Now, Mask: h.mask}
		defer func() {
			// Revoke even when cancelled: a fresh, short deadline.
			rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
			defer rcancel()
			if err := minter.RevokeAll(rctx); err != nil && h.attempt != nil {
				h.attempt("revoking App tokens", ghclient.Attempt{N: 1, Max: 1, Err: err})
			}
		}()
	}

	results := make([]dispatch.Result, len(cfg.Repositories))
	slots := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	for i, repo := range cfg.Repositories {
		select {
		case slots <- struct{}{}:
			if ctx.Err() == nil {
				break
			}
			<-slots
			results[i] = notSent(cfg, repo)
			continue
		case <-ctx.Done(): // cancelled: send nothing more, say so for the rest
			results[i] = notSent(cfg, repo)
			continue
		}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			results[i] = rn.one(ctx, cfg, repo, start, h, func() (*github.Client, error) {
				if minter == nil {
					return newClient(cfg.Token), nil
				}
				tok, err := minter.Token(ctx, repo.Owner, reposOf(cfg, repo.Owner), appPermissions(cfg))
				if err != nil {
					return nil, err
				}
				return newClient(tok), nil
			})
		}()
	}
	wg.Wait()
	out := outcome{results: results}
	if rec != nil {
		out.preview = rec.Requests()
	}
	return out
}

// one sends the event to one target and follows its run as configured.
func (rn runner) one(ctx context.Context, cfg *config.Config, repo config.Repo, start time.Time, h hooks, client func() (*github.Client, error)) dispatch.Result {
	c, err := client()
	if err != nil {
		res := notSent(cfg, repo)
		res.Fail(err)
		if h.sent != nil {
			h.sent(res)
		}
		return res
	}
	dopts := dispatch.Options{Now: rn.clock.Now, OnAttempt: h.attempt}
	var res dispatch.Result
	if cfg.Event == config.EventWorkflowDispatch {
		res = dispatch.SendWorkflow(ctx, c, dispatch.WorkflowEvent{
			Repository: repo, Workflow: cfg.Workflow, Ref: cfg.Ref, Inputs: cfg.Inputs, DistinctID: cfg.DistinctID,
		}, dopts)
	} else {
		res = dispatch.Send(ctx, c, dispatch.Event{
			Repository: repo, EventType: cfg.EventType, ClientPayload: cfg.ClientPayload, DistinctID: cfg.DistinctID,
		}, dopts)
	}
	if cfg.DryRun {
		if res.OK() {
			res.Status, res.HTTPStatus, res.DispatchedAt, res.Attempts, res.Header = dispatch.StatusDryRun, 0, "", 0, nil
			res.RunID, res.RunURL = 0, ""
		}
		return res
	}
	if h.sent != nil {
		h.sent(res)
	}
	if !res.OK() || cfg.Wait == config.WaitNone {
		return res
	}
	return rn.follow(ctx, c, cfg, repo, res, start, h)
}

// notSent is the result of a target that was not sent.
func notSent(cfg *config.Config, repo config.Repo) dispatch.Result {
	res := dispatch.Result{Repository: repo.String(), Event: cfg.Event, EventType: cfg.EventType, Workflow: cfg.Workflow, Ref: cfg.Ref}
	res.Fail(errNotSent)
	return res
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

// appPermissions is what an App token needs for the event: contents: write to send
// repository_dispatch, actions: write to send workflow_dispatch, and actions: read to find
// or wait for runs.
func appPermissions(cfg *config.Config) map[string]string {
	if cfg.Event == config.EventWorkflowDispatch {
		return map[string]string{"actions": "write"}
	}
	p := map[string]string{"contents": "write"}
	if cfg.Wait != config.WaitNone {
		p["actions"] = "read"
	}
	return p
}
