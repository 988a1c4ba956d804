// Package runs finds the workflow run a dispatch started, follows it, and reads what came
// of it. A run is claimed only when its title carries the dispatch's distinct ID: creation
// time and event alone could belong to anybody else's dispatch. Polling uses conditional
// requests every few seconds (a 304 costs no rate limit) and backs off only while answers
// cost rate limit and change nothing.
package runs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/workflows"
)

// Run is what the action reports of a workflow run.
type Run struct {
	ID           int64      `json:"id"`
	HTMLURL      string     `json:"html_url"`
	Status       Status     `json:"status"`
	Conclusion   Conclusion `json:"conclusion"`
	DisplayTitle string     `json:"display_title"`
	Event        event.Kind `json:"event"`
	HeadBranch   string     `json:"head_branch"`
	HeadSHA      string     `json:"head_sha"`
	Path         string     `json:"path"`       // the workflow file, .github/workflows/ci.yml
	CreatedAt    time.Time  `json:"created_at"` // zero on Gitea, whose runs have none
	// Approvals are the environments the run waited for, as last read when its status
	// became waiting (kept once it goes on); none when it never waited.
	Approvals []Approval `json:"-"`
}

// Polling intervals.
const (
	// ClockSkew is how far GitHub's clock may be behind ours when filtering runs by
	// creation time.
	ClockSkew = 2 * time.Minute

	findFirst = 2 * time.Second  // runs appear seconds after the dispatch
	pollEvery = 3 * time.Second  // while answers are 304 (free): a change is seen within seconds
	pollMax   = 20 * time.Second // back-off cap while answers cost rate limit but change nothing
	// pollUnmetered is the poll of a server that neither counts requests against a rate
	// limit nor answers conditionally (Gitea: every answer a full 200, no X-RateLimit-*):
	// backing off would only delay noticing the end, so a change is seen within 2 s, at
	// 40 requests a minute for a run (80 when its jobs are read too).
	pollUnmetered = 1500 * time.Millisecond
	// maxPages bounds one look for the run: 1,000 runs created since the dispatch are
	// more than any repository starts in minutes.
	maxPages = 10
	// undatedPages bounds a look through runs that carry no creation time (Gitea's) and no
	// run to stop at: a run just dispatched is among the newest.
	undatedPages = 2
	// eliminationSkew is how much earlier than the answer that accepted the dispatch (its
	// Date, whole seconds, on the server's clock) the run it started may say it was created.
	eliminationSkew = 2 * time.Second
)

// Client is a client of one repository's workflow runs: it finds and follows them, explains
// a run that failed, reads its outputs artifact and cancels it.
type Client struct {
	API   *github.Client
	Repo  event.Repo
	Clock ghclient.Clock
	// Server is what the step knows of the server: its forge (Gitea cannot cancel a run),
	// how it pages lists. Nil: GitHub.
	Server *ghclient.Server
	// OnAttempt hears about failed or retried poll requests, for the audit log; may be nil.
	OnAttempt func(target string, a ghclient.Attempt)

	etags  map[string]cached // by request path: conditional requests
	costly int               // answers that counted against the rate limit (not 304)
	// unmetered: the last full answer carried neither an ETag nor rate-limit headers.
	unmetered bool
}

type cached struct {
	etag string
	body []byte
}

// Query says which run to find: the one whose title carries the distinct ID, or, by
// elimination, the only run of the workflow, event and branch newer than the dispatch.
type Query struct {
	Event      event.Kind
	Workflow   string    // for workflow_dispatch: list that workflow's runs only
	DistinctID string    // the run's title must contain it
	Since      time.Time // when the event was accepted (by the server's clock, or ours)
	// Elimination: the server named no run where it was asked to (a workflow_dispatch
	// answered 204): unless its title carries the distinct ID, the run is the only one of
	// the workflow, event and Branch that the dispatch could have started: between After
	// and Upto when Bracketed, else created since the dispatch.
	Elimination bool
	Branch      string // the ref dispatched to
	// Bracketed: After and Upto were read (Gitea): the newest run of the workflow before
	// the dispatch (0: none) and once it was accepted.
	Bracketed   bool
	After, Upto int64
}

// NotFoundError says that no run carrying the distinct ID appeared in time, and what the
// receiving workflow needs for it to.
type NotFoundError struct {
	Query   Query
	Waited  time.Duration
	Checked int // runs looked at
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("no run with %q in its title appeared within %s (%d runs of the event checked)",
		e.Query.DistinctID, e.Waited.Round(time.Second), e.Checked)
}

// Find polls the runs of the query's event created since q.Since (less ClockSkew) until one
// whose title contains the distinct ID appears, or deadline passes. It pages through all
// results each time.
func (p *Client) Find(ctx context.Context, q Query, deadline time.Time) (Run, error) {
	if q.DistinctID == "" && !q.Elimination {
		return Run{}, errors.New("the run cannot be identified: the dispatch carries no distinct ID")
	}
	start := p.Clock.Now()
	interval := findFirst
	seen := map[int64]bool{} // runs checked, each counted once across polls
	var alone int64          // by elimination: the run the last look left alone
	for {
		if err := p.sleepUntil(ctx, interval, deadline); err != nil {
			if errors.Is(err, errDeadline) {
				return Run{}, &NotFoundError{Query: q, Waited: p.Clock.Now().Sub(start), Checked: len(seen)}
			}
			return Run{}, err
		}
		costly, known := p.costly, len(seen)
		run, found, err := p.look(ctx, q, seen, &alone)
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil { // cut by the deadline: what was known then
			return Run{}, &NotFoundError{Query: q, Waited: p.Clock.Now().Sub(start), Checked: len(seen)}
		}
		if err != nil || found {
			return run, err
		}
		interval = p.next(interval, costly, len(seen) > known) // new runs listed: a change, not noise
	}
}

// look pages through the runs listing once, newest first, for the run whose title carries
// the distinct ID, or the one run a look by elimination leaves. It stops at the first run
// older than the dispatch (by ID when Bracketed, else created before it, less ClockSkew),
// at the last page, or after maxPages (undatedPages for runs without a creation time),
// whatever the server says of its total.
func (p *Client) look(ctx context.Context, q Query, seen map[int64]bool, alone *int64) (Run, bool, error) {
	oldest := q.Since.Add(-ClockSkew)
	size, pages := p.Server.PageSize(), maxPages
	var left []Run // by elimination: the runs it leaves
	undated := false
	for page := 1; page <= pages; page++ {
		var list struct {
			TotalCount   int   `json:"total_count"`
			WorkflowRuns []Run `json:"workflow_runs"`
		}
		if err := p.get(ctx, p.listPath(q, page), "runs", &list); err != nil {
			return Run{}, false, fmt.Errorf("listing runs: %w", err)
		}
		for _, r := range list.WorkflowRuns {
			if q.Bracketed && r.ID <= q.After || !q.Bracketed && !r.CreatedAt.IsZero() && r.CreatedAt.Before(oldest) {
				return p.eliminated(q, left, undated, alone)
			}
			if r.CreatedAt.IsZero() && !q.Bracketed {
				undated, pages = true, min(pages, undatedPages)
			}
			seen[r.ID] = true
			switch {
			case r.Event != q.Event:
			case HasToken(r.DisplayTitle, q.DistinctID):
				return p.checked(r), true, nil
			case q.Elimination && (q.Branch == "" || r.HeadBranch == q.Branch) &&
				(q.Bracketed && r.ID <= q.Upto || !q.Bracketed && !r.CreatedAt.IsZero() && !r.CreatedAt.Before(q.Since.Add(-eliminationSkew))):
				left = append(left, r)
			}
		}
		if page*size >= list.TotalCount || len(list.WorkflowRuns) < size {
			break
		}
	}
	return p.eliminated(q, left, undated, alone)
}

// eliminated is what a look by elimination found: the one run it left, or that it cannot
// tell which run is the dispatch's (several left, or runs that say neither when they were
// created nor anything to tell them by); nothing yet when no run is left. A run left
// alone by creation time is claimed only when the next look leaves it alone too (alone:
// the one the last look left): by then a run of the dispatch's own, which the server
// creates seconds after it answers, stands beside another's. A bracketed run (Gitea
// creates it before it answers) is claimed at once.
func (p *Client) eliminated(q Query, left []Run, undated bool, alone *int64) (Run, bool, error) {
	switch {
	case !q.Elimination:
		return Run{}, false, nil
	case len(left) == 1 && (q.Bracketed || *alone == left[0].ID):
		return p.checked(left[0]), true, nil
	case len(left) == 1:
		*alone = left[0].ID
		return Run{}, false, nil
	case len(left) > 1:
		return Run{}, false, &AmbiguousError{Runs: len(left), Forge: p.Server.Forge()}
	case undated:
		return Run{}, false, &AmbiguousError{Forge: p.Server.Forge()}
	}
	return Run{}, false, nil
}

// AmbiguousError says that the run a dispatch started cannot be told from others: the
// server named none, the dispatch carries no distinct ID, and more than one run of the
// workflow, event and ref started since (Runs), or the runs carry no creation time.
type AmbiguousError struct {
	Runs  int // runs left by elimination; 0: the runs could not be dated
	Forge ghclient.Forge
}

func (e *AmbiguousError) Error() string {
	if e.Runs == 0 {
		return fmt.Sprintf("the run cannot be identified: %s, and its runs carry no creation time to tell it by", e.Forge.Accepted("the dispatch without naming its run"))
	}
	return fmt.Sprintf("the run cannot be identified: %s, and %d runs of the workflow on that ref started since", e.Forge.Accepted("the dispatch without naming its run"), e.Runs)
}

// HasToken reports whether id occurs in title as a whole token: at the ends or between
// characters outside [A-Za-z0-9_-], so that "build-1" does not claim "build-12".
func HasToken(title, id string) bool {
	if id == "" {
		return false
	}
	for i := 0; ; {
		j := strings.Index(title[i:], id)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(id)
		if (start == 0 || !tokenByte(title[start-1])) && (end == len(title) || !tokenByte(title[end])) {
			return true
		}
		i = start + 1
	}
}

func tokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// checked is the run with every field the action shows checked against its expected
// shape: a status or conclusion GitHub does not use becomes "unknown", a run URL that is
// not an https URL (or one on the API's own origin) is dropped.
func (p *Client) checked(r Run) Run {
	if r.Status != "" && !r.Status.Known() {
		r.Status = StatusUnknown
	}
	if r.Conclusion != "" && !r.Conclusion.Known() {
		r.Conclusion = ConclusionUnknown
	}
	if !ghclient.WebURL(r.HTMLURL, p.API.BaseURL) {
		r.HTMLURL = ""
	}
	return r
}

// listPath is page n of the runs the query looks through: the workflow's (or the
// repository's) runs of its event (and branch), newest first; on GitHub created since the
// dispatch (less ClockSkew). Gitea ignores that filter and pages by limit.
func (p *Client) listPath(q Query, page int) string {
	v := url.Values{}
	v.Set("event", string(q.Event))
	if q.Branch != "" {
		v.Set("branch", q.Branch)
	}
	if p.Server.Forge() != ghclient.Gitea {
		v.Set("created", ">="+q.Since.Add(-ClockSkew).UTC().Format(time.RFC3339))
	}
	v = p.Server.Page(v, page)
	if q.Workflow != "" {
		return p.Repo.Path() + "actions/workflows/" + url.PathEscape(q.Workflow) + "/runs?" + v.Encode()
	}
	return p.Repo.Path() + "actions/runs?" + v.Encode()
}

// Get fetches a run. A run GitHub does not know (404) is a *RunNotFoundError.
func (p *Client) Get(ctx context.Context, id int64) (Run, error) {
	var r Run
	err := p.get(ctx, p.Repo.Path()+fmt.Sprintf("actions/runs/%d", id), fmt.Sprintf("run %d", id), &r)
	if ghclient.CauseOf(err).Kind == ghclient.NotFound {
		return Run{}, &RunNotFoundError{ID: id, Repo: p.Repo, Err: err}
	}
	if err == nil && r.ID != id {
		return Run{}, fmt.Errorf("reading run %d: %s", id, p.Server.Forge().Answered(fmt.Sprintf("with run %d", r.ID)))
	}
	return p.checked(r), err
}

// RunNotFoundError says that GitHub does not know a run: never (a wrong ID or repository,
// or a token that may not read its Actions), or no longer (Vanished: deleted, or access
// lost, while the step waited for it).
type RunNotFoundError struct {
	ID       int64
	Repo     event.Repo
	Vanished bool
	Err      error // GitHub's 404
}

func (e *RunNotFoundError) Error() string {
	if e.Vanished {
		return fmt.Sprintf("run %d disappeared from %s while it was waited for: %v", e.ID, e.Repo, e.Err)
	}
	return fmt.Sprintf("run %d not found in %s: %v", e.ID, e.Repo, e.Err)
}

func (e *RunNotFoundError) Unwrap() error { return e.Err }

// Wait polls the run until it completes, or, with names, until every job named has
// completed (the run may go on), or, with failFast, until a job waited for (one named, or
// any) ends in failure, timed_out or cancelled (a *FailFastError), or deadline passes. It calls onChange once for each
// change of the run's status from known (the state already reported; zero if none), and
// returns the last state seen and, with names, the jobs named as last listed; the error
// says why it stopped early.
func (p *Client) Wait(ctx context.Context, id int64, known Run, names []string, failFast bool, deadline time.Time, onChange func(Run)) (Run, []Job, error) {
	w := &waiting{last: known, start: p.Clock.Now(), names: names, failFast: failFast}
	interval := time.Duration(0)
	for {
		if interval > 0 {
			if err := p.sleepUntil(ctx, interval, deadline); err != nil {
				if errors.Is(err, errDeadline) {
					err = w.outOfTime(p.Clock.Now(), p.Repo)
				}
				return w.last, w.jobs, err
			}
		}
		costly := p.costly
		changed, done, err := p.waitLook(ctx, id, w, onChange)
		if err != nil || done {
			return w.last, w.jobs, err
		}
		interval = p.next(interval, costly, changed)
	}
}

// waiting is what a wait has seen so far.
type waiting struct {
	last  Run
	start time.Time
	names []string // the jobs waited for (none: the run)
	// failFast: a job waited for that fails ends the wait (its jobs are listed each look).
	failFast bool
	// approvalsRead: the pending deployments were read since the run began waiting.
	approvalsRead bool
	jobs          []Job // the jobs named, as last listed
	// decls are what the run's workflow file declares of its jobs, read at the first
	// failure (nil: not read, or could not be: then every failure counts).
	decls     []workflows.JobDecl
	declsRead bool
	all       []Job // every job, as last listed
	// done is the jobs named, when a look found every one completed while the run went on:
	// the next look confirms it (a job of the same name may still be created, a reusable
	// workflow's next job, or one that waited for others).
	done []Job
}

// waitLook reads the run (and, with names, its jobs) once: done when what is waited for
// has completed; changed when anything did.
func (p *Client) waitLook(ctx context.Context, id int64, w *waiting, onChange func(Run)) (changed, done bool, err error) {
	r, err := p.Get(ctx, id)
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil && w.last.Status != "" { // cut by the deadline: what was known then
		return false, false, w.outOfTime(p.Clock.Now(), p.Repo)
	}
	var gone *RunNotFoundError
	if errors.As(err, &gone) {
		gone.Vanished = w.last.Status != "" // it was seen: now it is gone
		return false, false, gone
	}
	if err != nil {
		return false, false, fmt.Errorf("checking the run: %w", err)
	}
	r.Approvals = w.last.Approvals
	changed = r.Status != w.last.Status || r.Conclusion != w.last.Conclusion
	if r.Status == StatusWaiting && (changed || !w.approvalsRead) { // once each time it starts waiting: who may approve
		w.approvalsRead, changed = true, true
		if approvals, err := p.approvals(ctx, id); err == nil {
			r.Approvals = approvals
		}
	}
	if changed {
		onChange(r)
	}
	w.last = r
	if len(w.names) == 0 && (!w.failFast || r.Status == StatusCompleted) {
		return changed, r.Status == StatusCompleted, nil
	}
	all, err := p.jobsOf(ctx, id)
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		return false, false, w.outOfTime(p.Clock.Now(), p.Repo)
	}
	if err != nil {
		return false, false, err
	}
	if failed := w.firstFailed(all, func(j Job) bool { return p.lenient(ctx, w, r, j) }); failed != nil {
		w.all = all
		if len(w.names) > 0 {
			w.jobs, _, _ = named(all, w.names)
		}
		return true, false, &FailFastError{Job: *failed, URL: r.HTMLURL}
	}
	if len(w.names) == 0 {
		changed = changed || !sameJobs(w.all, all)
		w.all = all
		return changed, false, nil
	}
	matched, missing, completed := named(all, w.names)
	changed = changed || !sameJobs(w.all, all)
	w.all, w.jobs = all, matched
	switch {
	case len(missing) == 0 && completed && (r.Status == StatusCompleted || w.done != nil && sameJobs(w.done, matched)):
		return changed, true, nil
	case len(missing) == 0 && completed:
		w.done = matched
		return true, false, nil // looked at again soon
	case r.Status == StatusCompleted && len(all) == 0 && r.Conclusion != ConclusionSuccess:
		return changed, true, nil // no job ever ran (a startup_failure): the run's conclusion is judged
	case r.Status == StatusCompleted && len(missing) > 0:
		return changed, false, &JobsNotFoundError{Missing: missing, Jobs: JobNames(all, 30), RunDone: true, URL: r.HTMLURL}
	}
	return changed, r.Status == StatusCompleted, nil
}

// firstFailed is, with failFast, the first job waited for (one named, or any) that ended
// in failure, timed_out or cancelled.
func (w *waiting) firstFailed(jobs []Job, lenient func(Job) bool) *Job {
	if !w.failFast {
		return nil
	}
	for i, j := range jobs {
		switch j.Conclusion {
		case ConclusionFailure, ConclusionTimedOut, ConclusionCancelled:
			if (len(w.names) == 0 || matchesAny(j.Name, w.names)) && !lenient(j) {
				return &jobs[i]
			}
		}
	}
	return nil
}

// lenient reports whether the failed job may leave the run's conclusion success: its
// workflow declares continue-on-error: true for it (or an expression, which this check
// cannot decide), so its failure decides nothing and the wait goes on. The workflow file
// is read once, at the run's head commit; when it cannot be read, every failure counts.
func (p *Client) lenient(ctx context.Context, w *waiting, r Run, j Job) bool {
	if !w.declsRead {
		w.declsRead = true
		path, _, _ := strings.Cut(r.Path, "@")
		if path != "" && r.HeadSHA != "" {
			w.decls, _ = workflows.ReadJobs(ctx, p.API, p.Repo, path, r.HeadSHA)
		}
	}
	name := j.Name
	if before, _, ok := strings.Cut(name, " / "); ok { // a reusable workflow's job: its caller's
		name = before
	}
	if before, _, ok := strings.Cut(name, " ("); ok { // a matrix leg: its job's
		name = before
	}
	for _, d := range w.decls {
		shown := d.Name
		if shown == "" {
			shown = d.Key
		}
		if d.Lenient() && (shown == name || strings.Contains(shown, "${{")) {
			return true
		}
	}
	return false
}

// FailFastError ends a wait at the first job waited for that failed (fail-fast), before
// the run completed.
type FailFastError struct {
	Job Job
	URL string // the run's
}

func (e *FailFastError) Error() string {
	msg := fmt.Sprintf("the job %s concluded %q, so the wait ended there (fail-fast)", e.Job.Name, e.Job.Conclusion)
	if e.URL != "" {
		msg += ": " + e.URL
	}
	return msg
}

// outOfTime is why a wait that ran out ended: the jobs named that never appeared while
// others ran, or the run (or the jobs named) still going.
func (w *waiting) outOfTime(now time.Time, repo event.Repo) error {
	if _, missing, _ := named(w.all, w.names); len(missing) > 0 && len(w.all) > 0 {
		return &JobsNotFoundError{Missing: missing, Jobs: JobNames(w.all, 30), Waited: now.Sub(w.start), URL: w.last.HTMLURL}
	}
	e := &StillRunningError{Status: w.last.Status, Waited: now.Sub(w.start), URL: w.last.HTMLURL, Repo: repo, RunID: w.last.ID}
	for _, j := range w.jobs {
		if j.Status != StatusCompleted {
			e.Jobs = append(e.Jobs, j.Name)
		}
	}
	return e
}

// sameJobs reports whether two listings of a run's jobs say the same.
func sameJobs(a, b []Job) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// next is the wait before the next poll: every few seconds while GitHub answers 304 (a
// conditional request that costs nothing) or something changed; longer, up to pollMax,
// only while answers cost rate limit and change nothing; every pollUnmetered on a server
// that neither meters requests nor answers conditionally. (A wait GitHub asks for, with
// Retry-After, is the retry policy's.)
func (p *Client) next(interval time.Duration, costlyBefore int, changed bool) time.Duration {
	if p.unmetered {
		return pollUnmetered
	}
	if p.costly == costlyBefore || changed {
		return pollEvery
	}
	return min(max(interval, pollEvery)*2, pollMax)
}

var errDeadline = errors.New("deadline")

// lastLook is how long before the deadline the last look starts (for a short wait, a
// tenth of it), so that it can finish: a look that meets the deadline is cut, and says
// nothing.
const lastLook = 3 * time.Second

// lastLookAt is when the last look of a wait that ends at deadline starts.
func lastLookAt(now, deadline time.Time) time.Time {
	return deadline.Add(-min(lastLook, deadline.Sub(now)/10))
}

// sleepUntil waits d, or returns errDeadline without waiting when d would pass last (the
// time of the last look), after a last, shorter wait that ends at it. A wait cut by the
// requests' deadline is the deadline too.
func (p *Client) sleepUntil(ctx context.Context, d time.Duration, last time.Time) error {
	left := last.Sub(p.Clock.Now())
	if left <= 0 {
		return errDeadline
	}
	if err := p.Clock.Sleep(ctx, min(d, left)); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return errDeadline
		}
		return err
	}
	return nil
}

// get makes a conditional GET: a 304 reuses the body cached with the ETag, at no rate
// limit cost. Failed attempts are reported to OnAttempt.
func (p *Client) get(ctx context.Context, path, label string, out any) error {
	if p.etags == nil {
		p.etags = map[string]cached{}
	}
	req, err := p.API.NewRequest("GET", path, nil)
	if err != nil {
		return err
	}
	key := fmt.Sprintf("%s %T", path, out) // what was kept is what this type decodes
	c, ok := p.etags[key]
	if ok {
		req.Header.Set("If-None-Match", c.etag)
	}
	ctx = ghclient.WithObserver(ctx, func(a ghclient.Attempt) {
		if p.OnAttempt != nil && (a.Retry || a.GaveUp != "" || a.Status >= 400 || a.Err != nil) {
			p.OnAttempt(p.Repo.String()+" "+label, a)
		}
	})
	resp, err := p.API.Do(ctx, req, out)
	if resp != nil && resp.StatusCode == http.StatusNotModified && ok {
		return json.Unmarshal(c.body, out)
	}
	if resp != nil {
		p.costly++
	}
	if err != nil {
		return ghclient.Check(err)
	}
	p.unmetered = resp.Header.Get("ETag") == "" && resp.Header.Get("X-RateLimit-Limit") == "" && resp.Header.Get("X-RateLimit-Remaining") == ""
	// Keep only what was decoded (a few fields a run), not GitHub's whole answer.
	if etag := resp.Header.Get("ETag"); validETag(etag) {
		if slim, err := json.Marshal(out); err == nil {
			p.etags[key] = cached{etag: etag, body: slim}
		}
	}
	return nil
}

// validETag accepts an ETag that can go back in If-None-Match: short, printable ASCII.
func validETag(s string) bool {
	return s != "" && len(s) <= 200 && !strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r > 0x7e })
}

// fetch GETs path (following GitHub's redirect to its storage host, where the token does
// not go) within logTimeout, and hands read a body of at most limit bytes.
func (p *Client) fetch(ctx context.Context, path string, limit int64, read func(io.Reader) error) error {
	ctx, cancel := context.WithTimeout(ghclient.WithBodyLimit(ctx, limit), logTimeout)
	defer cancel()
	req, err := p.API.NewRequest("GET", path, nil)
	if err != nil {
		return err
	}
	resp, err := p.API.BareDo(ctx, req)
	if err != nil {
		return ghclient.Check(err)
	}
	defer resp.Body.Close()
	if err := read(resp.Body); err != nil {
		return ghclient.Check(err)
	}
	return nil
}
