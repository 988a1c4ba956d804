// Package dispatch sends repository_dispatch and workflow_dispatch events and describes
// the outcome of each as a Result, the shape of one entry of the `results` output.
package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
)

// Status values of a Result.
const (
	StatusDispatched = "dispatched" // GitHub accepted the event
	StatusFailed     = "failed"     // it did not, or its run failed or could not be followed; Error says why
	StatusDryRun     = "dry-run"    // nothing was sent
)

// Result is the outcome of one dispatch to one repository. Its JSON form is one entry of
// the `results` output: fields are only ever added, never renamed.
type Result struct {
	Repository   string `json:"repository"`
	Event        string `json:"event"`                   // repository_dispatch or workflow_dispatch
	EventType    string `json:"event_type,omitempty"`    // repository_dispatch
	Workflow     string `json:"workflow,omitempty"`      // workflow_dispatch
	Ref          string `json:"ref,omitempty"`           // workflow_dispatch
	Status       string `json:"status"`                  // dispatched, failed, dry-run
	HTTPStatus   int    `json:"http_status,omitempty"`   // of the dispatch request
	RequestID    string `json:"request_id,omitempty"`    // GitHub's X-GitHub-Request-Id of the dispatch
	DispatchedAt string `json:"dispatched_at,omitempty"` // RFC 3339, UTC, when GitHub accepted the event
	Attempts     int    `json:"attempts,omitempty"`      // dispatch requests sent, retries included
	DistinctID   string `json:"distinct_id,omitempty"`   // the ID that finds the run, when one was needed
	RunID        int64  `json:"run_id,omitempty"`
	RunURL       string `json:"run_url,omitempty"`
	RunStatus    string `json:"run_status,omitempty"` // queued, in_progress, completed …
	Conclusion   string `json:"conclusion,omitempty"` // success, failure, cancelled …
	Error        string `json:"error,omitempty"`

	// Err is the error behind a failed Result, for choosing a hint; not part of the output.
	Err error `json:"-"`
	// Header holds the response headers of the last answer, if any; not part of the output.
	Header http.Header `json:"-"`
}

// OK reports whether everything asked for worked.
func (r Result) OK() bool { return r.Status != StatusFailed }

// Target names the dispatch in logs: `owner/name "event-type"` or `owner/name deploy.yml@ref`.
func (r Result) Target() string {
	if r.Event == config.EventWorkflowDispatch {
		t := r.Repository + " " + r.Workflow
		if r.Ref != "" {
			t += "@" + r.Ref
		}
		return t
	}
	return fmt.Sprintf("%s %q", r.Repository, r.EventType)
}

// Fail marks the result failed with err.
func (r *Result) Fail(err error) {
	r.Status = StatusFailed
	r.Err = err
	r.Error = Describe(err)
}

// Event is one repository_dispatch event to send.
type Event struct {
	Repository    config.Repo
	EventType     string
	ClientPayload json.RawMessage // with distinct_id already in it when the run is to be found
	DistinctID    string
}

// WorkflowEvent is one workflow_dispatch event to send.
type WorkflowEvent struct {
	Repository config.Repo
	Workflow   string          // file name or numeric ID
	Ref        string          // "" means the repository's default branch
	Inputs     json.RawMessage // a JSON object
	// DistinctID, when set, is added to the inputs if GitHub cannot name the run itself
	// (older Enterprise Server), so that the run can be found.
	DistinctID string
}

// Options tune one send.
type Options struct {
	Now func() time.Time // the clock for DispatchedAt; nil means time.Now
	// OnAttempt hears about every attempt as it ends, for the audit log; may be nil.
	OnAttempt func(target string, a ghclient.Attempt)
}

// Send posts a repository_dispatch event with client (whose transport applies the retry
// policy) and describes the outcome.
func Send(ctx context.Context, client *github.Client, ev Event, o Options) Result {
	res := Result{Repository: ev.Repository.String(), Event: config.EventRepositoryDispatch, EventType: ev.EventType,
		DistinctID: ev.DistinctID}
	payload := ev.ClientPayload
	send(ctx, &res, o, func(ctx context.Context) (*github.Response, error) {
		_, resp, err := client.Repositories.Dispatch(ctx, ev.Repository.Owner, ev.Repository.Name,
			github.DispatchRequestOptions{EventType: ev.EventType, ClientPayload: &payload})
		return resp, err
	})
	return res
}

// workflowDispatchRequest is the body of a workflow_dispatch; go-github v66 knows no
// return_run_details and discards the answer, so the request is built here.
type workflowDispatchRequest struct {
	Ref              string          `json:"ref"`
	Inputs           json.RawMessage `json:"inputs,omitempty"`
	ReturnRunDetails *bool           `json:"return_run_details,omitempty"`
}

// runDetails is GitHub's 200 answer to a workflow_dispatch with return_run_details.
type runDetails struct {
	WorkflowRunID int64  `json:"workflow_run_id"`
	RunURL        string `json:"run_url"`
	HTMLURL       string `json:"html_url"`
}

// SendWorkflow posts a workflow_dispatch event asking GitHub for the run it starts. An
// empty Ref is resolved to the repository's default branch first. When GitHub refuses
// return_run_details (Enterprise Server 3.20 and older answer 400), the event is sent
// again without it and with the distinct ID among the inputs, to be found by correlation.
func SendWorkflow(ctx context.Context, client *github.Client, ev WorkflowEvent, o Options) Result {
	res := Result{Repository: ev.Repository.String(), Event: config.EventWorkflowDispatch, Workflow: ev.Workflow, Ref: ev.Ref}
	if res.Ref == "" {
		repo, resp, err := client.Repositories.Get(ctx, ev.Repository.Owner, ev.Repository.Name)
		if err != nil {
			if resp != nil {
				res.HTTPStatus, res.Header = resp.StatusCode, resp.Header
			}
			res.Fail(fmt.Errorf("finding the default branch for ref: %w", err))
			return res
		}
		res.Ref = repo.GetDefaultBranch()
	}
	path := fmt.Sprintf("repos/%s/%s/actions/workflows/%s/dispatches",
		url.PathEscape(ev.Repository.Owner), url.PathEscape(ev.Repository.Name), url.PathEscape(ev.Workflow))
	post := func(body workflowDispatchRequest, out any) func(context.Context) (*github.Response, error) {
		return func(ctx context.Context) (*github.Response, error) {
			req, err := client.NewRequest("POST", path, body)
			if err != nil {
				return nil, err
			}
			return client.Do(ctx, req, out)
		}
	}
	yes := true
	var details runDetails
	send(ctx, &res, o, post(workflowDispatchRequest{Ref: res.Ref, Inputs: ev.Inputs, ReturnRunDetails: &yes}, &details))
	if res.HTTPStatus == http.StatusBadRequest && strings.Contains(res.Error, "return_run_details") {
		// An older server: send it the way it knows, with the ID to find the run by.
		inputs := ev.Inputs
		if ev.DistinctID != "" {
			var present map[string]json.RawMessage
			if json.Unmarshal(inputs, &present) == nil && present[config.DistinctIDKey] == nil {
				inputs = config.AddProperty(inputs, config.DistinctIDKey, ev.DistinctID)
			} // else the user passed their own, which config took as the ID
			res.DistinctID = ev.DistinctID
		}
		res.Status, res.Err, res.Error = "", nil, "" // Attempts keeps counting across both
		send(ctx, &res, o, post(workflowDispatchRequest{Ref: res.Ref, Inputs: inputs}, nil))
		return res
	}
	// On a 204 GitHub named no run and none carries an ID: RunID stays 0, and following it
	// fails with that reason.
	if res.OK() && details.WorkflowRunID != 0 {
		res.RunID, res.RunURL = details.WorkflowRunID, details.HTMLURL
	}
	return res
}

// send makes one dispatch request with do (retried by the client's policy) and records
// the outcome in res.
func send(ctx context.Context, res *Result, o Options, do func(context.Context) (*github.Response, error)) {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	var last ghclient.Attempt
	var acceptedAt time.Time
	ctx = ghclient.WithObserver(ctx, func(a ghclient.Attempt) {
		res.Attempts++
		last = a
		if a.Status >= 200 && a.Status < 300 {
			acceptedAt = now()
		}
		if o.OnAttempt != nil {
			o.OnAttempt(res.Target(), a)
		}
	})
	resp, err := do(ctx)
	if resp != nil && resp.Response != nil {
		res.HTTPStatus = resp.StatusCode
		res.RequestID = resp.Header.Get("X-GitHub-Request-Id")
		res.Header = resp.Header
	}
	var accepted *github.AcceptedError // 202 is not an answer dispatch endpoints give, but is not a failure
	if err != nil && !errors.As(err, &accepted) {
		res.Fail(err)
		if last.GaveUp != "" {
			res.Error += "; gave up " + last.GaveUp
		}
		return
	}
	res.Status = StatusDispatched
	if acceptedAt.IsZero() { // no attempt was observed (a transport without the policy)
		acceptedAt = now()
	}
	res.DispatchedAt = acceptedAt.UTC().Format(time.RFC3339)
}
