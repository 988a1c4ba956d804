// Package dispatch sends repository_dispatch and workflow_dispatch events and describes
// the outcome of each as a Result, the shape of one entry of the `results` output.
package dispatch

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/workflows"
)

// Receipt is what sending one event returned: whether GitHub accepted it (and when, by
// its clock), how, after how many requests, and the run GitHub named if it did. The
// outcome package composes it with what following the run found.
type Receipt struct {
	Ref         string // workflow_dispatch: the ref sent (the default branch when none was given)
	WorkflowKey string // workflow_dispatch: the workflow as the API's paths name it (a name resolved)
	HTTPStatus  int    // of the last answer
	RequestID   string // GitHub's X-GitHub-Request-Id of the last answer
	// Accepted is when GitHub accepted the event, by its own clock (the Date of its answer;
	// the runner's when it sent none); zero when it did not.
	Accepted time.Time
	Attempts int // requests that went out, retries included
	// Delivery: not_sent (no request went out), answered (the last one that did was
	// answered), unanswered (it was not: GitHub may have accepted the event).
	Delivery string
	// MayBeDuplicate: an attempt GitHub may have accepted (a 5xx, or no answer after the
	// request went out) was sent again, so the event may arrive twice.
	MayBeDuplicate bool
	DistinctID     string // the ID sent to find the run, when one was
	// IDInInputs: the server could not name the run, so the distinct ID was sent among the
	// workflow's inputs (older Enterprise Server).
	IDInInputs bool
	RunID      int64  // the run GitHub named in its answer (workflow_dispatch)
	RunURL     string // its web address, checked
	// Bracket holds the run a workflow_dispatch to Gitea started that Gitea's answer did
	// not name; nil when it was named, or not both ends could be read.
	Bracket *Bracket
	Forge   ghclient.Forge // the forge that was sent to, whose answers messages name
	Err     error          // why the event was not accepted; nil when it was
}

// Bracket is the newest run of a workflow just before a dispatch was sent (Before, 0 when
// it had none) and just after it was accepted (Upto). Gitea creates the run before it
// answers, so the run the dispatch started is newer than Before and no newer than Upto.
type Bracket struct{ Before, Upto int64 }

// OK reports whether GitHub accepted the event.
func (r Receipt) OK() bool { return r.Err == nil }

// fail records why the event was not accepted.
func (r *Receipt) fail(err error) { r.Err = err }

// Options tune one send.
type Options struct {
	Now    func() time.Time // the clock for DispatchedAt; nil means time.Now
	DryRun bool             // a workflow name is not looked up: PlaceholderWorkflowID stands for it
	// OnAttempt hears about every attempt as it ends, for the audit log, with the target's
	// label (event.Label); may be nil.
	OnAttempt func(target string, a ghclient.Attempt)
	// Server is what the step has learnt of the server (the Enterprise Server release its
	// answers named); nil: nothing.
	Server *ghclient.Server
}

// label is the target's name for OnAttempt; "" when nobody listens.
func (o Options) label(t event.Target, ref string) string {
	if o.OnAttempt == nil {
		return ""
	}
	return t.Label(ref)
}

// post makes a POST of body (exact JSON bytes) and decodes the answer into out, if any.
func post(client *github.Client, path string, body []byte, out any) func(context.Context) (*github.Response, error) {
	return func(ctx context.Context) (*github.Response, error) {
		req, err := client.NewRequest("POST", path, json.RawMessage(body))
		if err != nil {
			return nil, err
		}
		return client.Do(ctx, req, out)
	}
}

// Send sends the target's event with client (whose transport applies the retry policy)
// and says what came of it.
func Send(ctx context.Context, client *github.Client, t event.Target, o Options) Receipt {
	if t.Event == event.WorkflowDispatch {
		return sendWorkflow(ctx, client, t, o)
	}
	rec := Receipt{DistinctID: t.DistinctID, Forge: o.Server.Forge()}
	if rec.Forge == ghclient.Gitea { // the pipeline refuses it before anything is sent; never sent here either
		rec.Delivery = DeliveryNotSent
		rec.fail(&ghclient.UnsupportedError{Forge: rec.Forge, What: ghclient.UnsupportedRepositoryDispatch})
		return rec
	}
	body := event.RepositoryDispatchBody(t.EventType, t.ClientPayload)
	send(ctx, client, &rec, o, o.label(t, ""), post(client, t.Repo.Path()+"dispatches", body, nil),
		func(status int) bool { return status == http.StatusNoContent }, "204 No Content")
	return rec
}

// runDetails is GitHub's 200 answer to a workflow_dispatch under API version 2026-03-10.
type runDetails struct {
	WorkflowRunID int64  `json:"workflow_run_id"`
	RunURL        string `json:"run_url"`
	HTMLURL       string `json:"html_url"`
}

// What Enterprise Server releases accept of workflow_dispatch: 25 inputs since 3.20 (10
// before, as the ghes-3.17 to 3.19 descriptions say).
const (
	manyInputsMinor      = 20
	OldMaxWorkflowInputs = 10
)

// sendWorkflow posts a workflow_dispatch event. An empty Ref is resolved to the
// repository's default branch first. Where the server speaks API version 2026-03-10
// (github.com, GHE.com, Enterprise Server 3.21 and later), or is not known yet, it goes
// under that version, and GitHub's answer names the run. A server that answered with an
// older release, or that refuses the version (400: nothing was accepted, so this cannot
// deliver the event twice), gets it under 2022-11-28 with the distinct ID among the
// inputs, to be found by correlation.
func sendWorkflow(ctx context.Context, client *github.Client, t event.Target, o Options) Receipt {
	rec := Receipt{Ref: t.Ref, Forge: o.Server.Forge()}
	if rec.Ref == "" {
		if rec.Ref = defaultBranch(ctx, client, t.Repo, &rec); rec.Ref == "" {
			return rec
		}
	}
	workflow := t.Workflow
	if t.WorkflowByName {
		id, err := resolveWorkflow(ctx, client, o.Server, t.Repo, t.Workflow, o.DryRun)
		if err != nil {
			rec.fail(err)
			return rec
		}
		workflow = id
	}
	rec.WorkflowKey = workflow
	path := t.Repo.Path() + "actions/workflows/" + url.PathEscape(workflow) + "/dispatches"
	label := o.label(t, rec.Ref)
	if o.Server.Forge() == ghclient.Gitea {
		sendToGitea(ctx, client, path, label, t, &rec, o)
		return rec
	}
	if version, settled := o.Server.APIVersion(); (version == ghclient.APIVersion2026 || !settled) &&
		sendNamingTheRun(ghclient.WithAPIVersion(ctx, ghclient.APIVersion2026), client, path, label, t, &rec, o) {
		return rec
	}
	sendWithoutDetails(ctx, client, path, label, t, &rec, o)
	return rec
}

// sendNamingTheRun sends workflow_dispatch under 2026-03-10, whose answer names the run it
// started. It reports whether the server took the version; a refusal of it (400) accepted
// nothing, and the caller sends the older form.
func sendNamingTheRun(ctx context.Context, client *github.Client, path, label string, t event.Target, rec *Receipt, o Options) bool {
	if id, sent := t.Inputs.StringProperty(event.DistinctIDKey); sent {
		rec.DistinctID = id // add-distinct-id, or the user's own: receivers see it, so say it
	}
	var details runDetails
	send(ctx, client, rec, o, label, post(client, path, event.WorkflowDispatchBody(rec.Ref, t.Inputs), &details), func(status int) bool {
		return status == http.StatusNoContent || status == http.StatusOK && details.WorkflowRunID > 0
	}, "200 OK naming the run (or 204 No Content)")
	if ghclient.CauseOf(rec.Err).Kind == ghclient.BadRequest {
		rec.Err, rec.DistinctID = nil, "" // Attempts keeps counting across both
		return false
	}
	// On a 204 GitHub named no run and none carries an ID: RunID stays 0, and following
	// it fails with that reason.
	if rec.OK() && details.WorkflowRunID > 0 {
		rec.RunID = details.WorkflowRunID
		if ghclient.WebURL(details.HTMLURL, client.BaseURL) { // shown and linked: checked like every run URL
			rec.RunURL = details.HTMLURL
		}
	}
	limitHint(rec, o.Server, t.Inputs.Len())
	return true
}

// sendToGitea sends workflow_dispatch as Gitea takes it: the run asked for in the query
// (?return_run_details=true, which Gitea 1.26 and later answer with 200 naming the run;
// it ignores API versions), every input as a JSON string (it refuses a number or a
// boolean). For the answer that names no run (Gitea before 1.26, or anything in between
// that drops the query), when the run is to be found two things are done that cost Gitea
// little: the step's distinct ID goes among the inputs (Gitea drops an input the workflow
// does not declare), and the newest run of the workflow is read just before sending and,
// after a 204, just after.
// Gitea creates the run before it answers and its runs carry no creation time, so the run
// the dispatch started lies between the two (runs.Find, by elimination, when its title
// does not carry the ID).
func sendToGitea(ctx context.Context, client *github.Client, path, label string, t event.Target, rec *Receipt, o Options) {
	inputs := t.Inputs
	if t.DistinctID != "" {
		inputs = inputs.WithDistinctID(t.DistinctID)
	}
	if id, sent := inputs.StringProperty(event.DistinctIDKey); sent {
		rec.DistinctID = id
	}
	before, read := int64(0), false
	if t.DistinctID != "" && !o.DryRun { // the run is to be found
		before, read = newestRun(ctx, client, t.Repo, rec.WorkflowKey)
	}
	var details runDetails
	send(ctx, client, rec, o, label, post(client, path+"?return_run_details=true", event.WorkflowDispatchBody(rec.Ref, inputs.AsStrings()), &details), func(status int) bool {
		return status == http.StatusNoContent || status == http.StatusOK && details.WorkflowRunID > 0
	}, "200 OK naming the run (or 204 No Content)")
	if rec.OK() && details.WorkflowRunID == 0 && read {
		if upto, ok := newestRun(ctx, client, t.Repo, rec.WorkflowKey); ok {
			rec.Bracket = &Bracket{Before: before, Upto: upto}
		}
	}
	if rec.OK() && details.WorkflowRunID > 0 {
		rec.RunID = details.WorkflowRunID
		if ghclient.WebURL(details.HTMLURL, client.BaseURL) {
			rec.RunURL = details.HTMLURL
		}
	}
}

// newestRun is the ID of the newest run of the workflow on Gitea (0 when it has none),
// and whether it could be read.
func newestRun(ctx context.Context, client *github.Client, repo event.Repo, workflow string) (int64, bool) {
	v := url.Values{}
	v.Set("limit", "1")
	v.Set("page", "1")
	req, err := client.NewRequest("GET", repo.Path()+"actions/workflows/"+url.PathEscape(workflow)+"/runs?"+v.Encode(), nil)
	if err != nil {
		return 0, false
	}
	var list struct {
		Runs []struct {
			ID int64 `json:"id"`
		} `json:"workflow_runs"`
	}
	if _, err := client.Do(ctx, req, &list); err != nil {
		return 0, false
	}
	if len(list.Runs) == 0 {
		return 0, true
	}
	return list.Runs[0].ID, true
}

// sendWithoutDetails sends workflow_dispatch the way a server without 2026-03-10 knows
// it: with the ID to find the run by among the inputs (or the user's own distinct_id
// input, which config took as the ID), within the release's limit of inputs.
func sendWithoutDetails(ctx context.Context, client *github.Client, path, label string, t event.Target, rec *Receipt, o Options) {
	inputs := t.Inputs
	if t.DistinctID != "" {
		inputs = inputs.WithDistinctID(t.DistinctID)
		rec.DistinctID, rec.IDInInputs = t.DistinctID, true
	}
	release, _ := o.Server.Release()
	if limit := maxInputs(release); inputs.Len() > limit {
		rec.fail(&InputsLimitError{Release: release, Limit: limit, Inputs: inputs.Len(), IDAdded: inputs.Len() > t.Inputs.Len()})
		return
	}
	if rec.Attempts > 0 {
		label += " (sent again under API version 2022-11-28)"
	}
	send(ctx, client, rec, o, label, post(client, path, event.WorkflowDispatchBody(rec.Ref, inputs), nil),
		func(status int) bool { return status == http.StatusNoContent }, "204 No Content")
	limitHint(rec, o.Server, inputs.Len())
}

// limitHint explains GitHub's 422 to more inputs than Enterprise Server takes before 3.20,
// when the server's answers named such a release: elsewhere (github.com, GHE.com, a
// release not known, a proxy that drops the header) GitHub's own message says why.
func limitHint(rec *Receipt, server *ghclient.Server, inputs int) {
	release, known := server.Release()
	if rec.OK() || inputs <= OldMaxWorkflowInputs || ghclient.CauseOf(rec.Err).Kind != ghclient.Validation || !known || !release.Before(3, manyInputsMinor) {
		return
	}
	rec.fail(&InputsLimitError{Release: release, Inputs: inputs, Err: rec.Err})
}

// maxInputs is how many workflow inputs the release takes: 10 before 3.20, else 25
// (github.com, and a release not known, which then must be one that takes 25 or refuses).
func maxInputs(r ghclient.Release) int {
	if r.Before(3, manyInputsMinor) {
		return OldMaxWorkflowInputs
	}
	return event.MaxWorkflowInputs
}

// InputsLimitError says a workflow_dispatch carries more inputs than the server takes:
// 10 on an Enterprise Server release before 3.20, 25 elsewhere (the distinct_id the step
// adds to find the run on a server that cannot name it counts).
type InputsLimitError struct {
	Release ghclient.Release // zero: the server did not name its release
	Limit   int              // what it takes (0: OldMaxWorkflowInputs)
	Inputs  int              // inputs sent, or that would have been, distinct_id included
	IDAdded bool             // distinct_id was added to them, to find the run
	Err     error            // GitHub's refusal, when the event was sent
}

func (e *InputsLimitError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%v (%d inputs were sent; GitHub Enterprise Server before 3.20 takes at most %d)", e.Err, e.Inputs, OldMaxWorkflowInputs)
	}
	id := ""
	if e.IDAdded {
		id = ", distinct_id (added to find the run) included"
	}
	server := "GitHub Enterprise Server " + e.Release.String()
	if e.Release == (ghclient.Release{}) {
		server = "GitHub"
	}
	return fmt.Sprintf("not sent: %s takes at most %d workflow inputs, and this dispatch has %d%s",
		server, cmp.Or(e.Limit, OldMaxWorkflowInputs), e.Inputs, id)
}

func (e *InputsLimitError) Unwrap() error { return e.Err }

// defaultBranch asks GitHub for the repository's default branch; "" (with rec failed)
// when it cannot be had.
func defaultBranch(ctx context.Context, client *github.Client, repo event.Repo, rec *Receipt) string {
	r, resp, err := client.Repositories.Get(ctx, repo.Owner, repo.Name)
	if err != nil {
		if resp != nil {
			rec.HTTPStatus = resp.StatusCode
		}
		rec.fail(&opError{op: "finding the default branch for ref", err: ghclient.Check(err)})
		return ""
	}
	branch := r.GetDefaultBranch()
	if branch == "" || (branch != ghclient.PlaceholderBranch && event.CheckRef(branch) != nil) {
		rec.fail(errors.New("finding the default branch for ref: " + rec.Forge.String() + "'s answer names no valid branch; pass ref"))
		return ""
	}
	return branch
}

// PlaceholderWorkflowID stands for the ID of a workflow given by name in a dry run, which
// does not look it up.
const PlaceholderWorkflowID = "WORKFLOW_ID"

// resolveWorkflow finds the ID of the workflow whose name: is name (workflows.Find):
// GitHub's number, or Gitea's file name.
func resolveWorkflow(ctx context.Context, client *github.Client, server *ghclient.Server, repo event.Repo, name string, dryRun bool) (string, error) {
	if dryRun {
		return PlaceholderWorkflowID, nil
	}
	list, err := workflows.List(ctx, client, server, repo)
	if err != nil {
		return "", &opError{op: "listing the workflows to find " + strconv.Quote(name), err: ghclient.Check(err)}
	}
	w, err := workflows.Find(list, name)
	return w.ID, err
}

// Delivery values of a Result: what left the runner, and what came back.
const (
	DeliveryNotSent    = "not_sent"   // no request went out: nothing reached GitHub
	DeliveryAnswered   = "answered"   // the last request that went out was answered (status, http_status say how)
	DeliveryUnanswered = "unanswered" // the last request that went out got no answer: GitHub may have accepted it
)

// send makes one dispatch request with do (retried by the client's policy) and records
// the outcome in rec. The event is accepted only on an answer GitHub gives when it accepts
// it (documented, described by want) from the API's own origin: anything else came from
// something else (a proxy, a login portal) and fails, not retried.
func send(ctx context.Context, client *github.Client, rec *Receipt, o Options, label string, do func(context.Context) (*github.Response, error),
	documented func(status int) bool, want string) {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	var last ghclient.Attempt // the last attempt that went out
	var acceptedAt time.Time
	before := rec.Attempts // a request sent again (without return_run_details) counts on
	ctx = ghclient.WithObserver(ctx, func(a ghclient.Attempt) {
		if a.Sent {
			rec.Attempts++
			last = a
		}
		a.N, a.Max = a.N+before, a.Max+before // the log counts as results do
		if a.Retry && a.MayHaveArrived() {
			rec.MayBeDuplicate = true
		}
		if a.Status >= 200 && a.Status < 300 {
			// GitHub's clock, which its run listings use; the runner's when it sent none.
			if acceptedAt = a.Date; acceptedAt.IsZero() {
				acceptedAt = now()
			}
		}
		if o.OnAttempt != nil {
			o.OnAttempt(label, a)
		}
	})
	resp, err := do(ctx)
	switch {
	case rec.Attempts == 0:
		rec.Delivery = DeliveryNotSent
	case last.Status == 0:
		rec.Delivery = DeliveryUnanswered
	default:
		rec.Delivery = DeliveryAnswered
	}
	if resp != nil && resp.Response != nil {
		rec.HTTPStatus = resp.StatusCode
		rec.RequestID = ghclient.RequestID(resp.Header)
	}
	var accepted *github.AcceptedError // a 202: judged below, like any answer
	if c := ghclient.CauseOf(ghclient.Check(err)); c.Kind == ghclient.BadAnswer && rec.HTTPStatus >= 200 && rec.HTTPStatus < 300 {
		// A success whose body is not GitHub's JSON (a web page): not GitHub's answer.
		err = ghclient.NotForgeError(rec.Forge, rec.HTTPStatus, fmt.Sprintf("a %d %s whose body is not %s's JSON (%v)", rec.HTTPStatus, http.StatusText(rec.HTTPStatus), rec.Forge, c.Err))
	}
	if err != nil && !errors.As(err, &accepted) {
		rec.fail(&sendError{err: ghclient.Check(err), last: last, gaveUp: last.GaveUp, delivery: rec.Delivery, distinctID: rec.DistinctID, forge: rec.Forge})
		return
	}
	if resp != nil && resp.Response != nil {
		if got := ghclient.Origin(resp.Request.URL); got != ghclient.Origin(client.BaseURL) {
			rec.fail(&sendError{err: ghclient.NotForgeError(rec.Forge, rec.HTTPStatus, "the answer came from "+got+", not from the API's origin"), forge: rec.Forge})
			return
		}
		if !documented(resp.StatusCode) {
			rec.fail(&sendError{forge: rec.Forge, err: ghclient.NotForgeError(rec.Forge, rec.HTTPStatus, fmt.Sprintf("%s answers it with %s when it accepts it, not with %d %s", rec.Forge,
				want, resp.StatusCode, http.StatusText(resp.StatusCode)))})
			return
		}
	}
	if acceptedAt.IsZero() { // no attempt was observed (a transport without the policy)
		acceptedAt = now()
	}
	rec.Accepted = acceptedAt.UTC()
}

// sendError is a dispatch GitHub did not confirm: what it answered (or that it did not,
// or that nothing went out), and why the retry policy stopped.
type sendError struct {
	err        error            // a *ghclient.Error
	last       ghclient.Attempt // the last attempt that went out
	gaveUp     string
	delivery   string
	distinctID string
	forge      ghclient.Forge // the forge it was sent to, whose answers it names
}

func (e *sendError) Error() string {
	var msg string
	kind := ghclient.CauseOf(e.err).Kind
	switch {
	case kind != ghclient.Cancelled && kind != ghclient.TimedOut:
		msg = e.err.Error()
	case e.delivery == DeliveryNotSent:
		return "not sent: " + stopped(kind) + " before the request went out"
	case e.delivery == DeliveryUnanswered:
		msg = "sent, but " + stopped(kind) + " before " + e.forge.Answered("") + ": the event may have been accepted" + e.tell()
	case e.last.MayHaveArrived():
		msg = fmt.Sprintf("%s, and %s before the request was sent again: the event may have been accepted (a server error can come after %s processed it)%s",
			e.forge.Answered(e.last.Answer()), stopped(kind), e.forge, e.tell())
	default:
		msg = fmt.Sprintf("%s, and %s before the request was sent again", e.forge.Answered(e.last.Answer()), stopped(kind))
	}
	if e.gaveUp != "" {
		msg += "; gave up " + e.gaveUp
	}
	return msg
}

func (e *sendError) Unwrap() error { return e.err }

// tell says how to tell whether an event that may have been accepted was.
func (e *sendError) tell() string {
	if e.distinctID != "" {
		return fmt.Sprintf("; its distinct_id %q tells it apart if it is sent again", e.distinctID)
	}
	return "; check the receiving repository's Actions tab before sending it again"
}

func stopped(k ghclient.Kind) string {
	if k == ghclient.Cancelled {
		return "cancelled"
	}
	return "the timeout ran out"
}

// opError says which step of sending failed.
type opError struct {
	op  string
	err error
}

func (e *opError) Error() string { return e.op + ": " + e.err.Error() }
func (e *opError) Unwrap() error { return e.err }
