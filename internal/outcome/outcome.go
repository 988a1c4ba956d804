// Package outcome owns what became of each target of a step: what was to be sent where,
// what sending it returned (dispatch's Receipt), what following its run found (runs'
// Outcome), and why it failed, composed without copying one into the other; and the
// `results` JSON made of them, whose fields are only ever added.
package outcome

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/dispatch"
	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/runs"
)

// Status is how a target ended, as `results` says it.
type Status string

// The statuses.
const (
	Dispatched Status = "dispatched" // GitHub accepted the event (and its run, if followed, did as asked)
	Failed     Status = "failed"     // it did not, or its run failed or could not be followed; Err says why
	DryRun     Status = "dry-run"    // nothing was sent
	Followed   Status = "followed"   // run-id: nothing was sent, the run was followed
)

// Result is one target's outcome, from the input that named it to the outputs.
type Result struct {
	// Target is what was to be sent where (with run-id, Event is what started the run
	// followed; Ref is as given, and Receipt.Ref the one sent).
	event.Target
	Status Status
	// FollowOnly: nothing was sent; the run given by its ID (run-id) was followed.
	FollowOnly bool
	Receipt    dispatch.Receipt // what sending returned (zero: nothing was sent)
	Run        runs.Outcome     // what following the run found (zero: it was not followed)
	Err        error            // why the target failed
}

// OK reports whether everything asked for worked.
func (r Result) OK() bool { return r.Status != Failed }

// Delivered reports whether GitHub accepted the event (whatever happened after).
func (r Result) Delivered() bool { return !r.Receipt.Accepted.IsZero() }

// Fail marks the result failed with err.
func (r *Result) Fail(err error) { r.Status, r.Err = Failed, err }

// Error is why the target failed, "" when it did not.
func (r Result) Error() string {
	if r.Err == nil {
		return ""
	}
	return r.Err.Error()
}

// SentRef is the ref sent, or the one given when nothing was.
func (r Result) SentRef() string {
	if r.Receipt.Ref != "" {
		return r.Receipt.Ref
	}
	return r.Ref
}

// Label names the target in logs: `owner/name "event-type"` or `owner/name deploy.yml@ref`.
func (r Result) Label() string { return r.Target.Label(r.SentRef()) }

// RunID is the run the event started: the one found or followed, else the one GitHub named.
func (r Result) RunID() int64 {
	if r.Run.Run.ID != 0 {
		return r.Run.Run.ID
	}
	return r.Receipt.RunID
}

// RunURL is that run's web address, when it is known and checked.
func (r Result) RunURL() string {
	if r.Run.Run.ID != 0 {
		return r.Run.Run.HTMLURL
	}
	return r.Receipt.RunURL
}

// WaitingOn are the environments the run waited for approval of, when it did.
func (r Result) WaitingOn() []string {
	var envs []string
	for _, a := range r.Run.Run.Approvals {
		envs = append(envs, a.Environment)
	}
	return envs
}

// DispatchedAt is when GitHub accepted the event, RFC 3339 in UTC by its clock; "" when
// it did not.
func (r Result) DispatchedAt() string {
	if !r.Delivered() {
		return ""
	}
	return r.Receipt.Accepted.UTC().Format(time.RFC3339)
}

// entry is one entry of `results`: its fields, in this order, are the public contract.
type entry struct {
	Repository     string           `json:"repository"`
	Event          event.Kind       `json:"event"`                   // repository_dispatch or workflow_dispatch
	EventType      string           `json:"event_type,omitempty"`    // repository_dispatch
	Workflow       string           `json:"workflow,omitempty"`      // workflow_dispatch
	Ref            string           `json:"ref,omitempty"`           // workflow_dispatch
	Status         Status           `json:"status"`                  // dispatched, followed, failed, dry-run
	HTTPStatus     int              `json:"http_status,omitempty"`   // of the dispatch request
	RequestID      string           `json:"request_id,omitempty"`    // GitHub's X-GitHub-Request-Id of the dispatch
	DispatchedAt   string           `json:"dispatched_at,omitempty"` // RFC 3339, UTC, when GitHub accepted the event (by its clock)
	Attempts       int              `json:"attempts,omitempty"`      // dispatch requests that went out, retries included
	Delivery       string           `json:"delivery,omitempty"`      // not_sent, answered, unanswered
	DistinctID     string           `json:"distinct_id,omitempty"`   // the ID that finds the run, when one was sent
	RunID          int64            `json:"run_id,omitempty"`
	RunURL         string           `json:"run_url,omitempty"`
	RunStatus      runs.Status      `json:"run_status,omitempty"` // queued, in_progress, completed …
	Conclusion     runs.Conclusion  `json:"conclusion,omitempty"` // success, failure, cancelled …: the run's, or the jobs waited for
	Error          string           `json:"error,omitempty"`
	MayBeDuplicate bool             `json:"may_be_duplicate,omitempty"`
	FailedJobs     []runs.FailedJob `json:"failed_jobs,omitempty"`
	RunOutputs     json.RawMessage  `json:"run_outputs,omitempty"`
	RunCancelled   bool             `json:"run_cancelled,omitempty"`
	Jobs           []runs.Job       `json:"jobs,omitempty"`       // with the jobs input: the ones waited for
	FailFast       string           `json:"fail_fast,omitempty"`  // fail-fast: the job whose failure ended the wait
	WaitingOn      []string         `json:"waiting_on,omitempty"` // the environments the run waited for (approval)
}

// MarshalJSON is the result as one entry of `results`.
func (r Result) MarshalJSON() ([]byte, error) {
	e := entry{Repository: r.Repo.String(), Event: r.Event, EventType: r.EventType, Workflow: r.Workflow, Ref: r.SentRef(),
		Status: r.Status, HTTPStatus: r.Receipt.HTTPStatus, RequestID: r.Receipt.RequestID, Attempts: r.Receipt.Attempts,
		Delivery: r.Receipt.Delivery, DistinctID: r.Receipt.DistinctID, RunID: r.RunID(), RunURL: r.RunURL(),
		RunStatus: r.Run.Run.Status, Conclusion: r.Run.Conclusion, Error: r.Error(), MayBeDuplicate: r.Receipt.MayBeDuplicate,
		FailedJobs: r.Run.FailedJobs, RunOutputs: r.Run.Outputs, RunCancelled: r.Run.Cancelled, DispatchedAt: r.DispatchedAt(), Jobs: r.Run.Jobs,
		FailFast: r.Run.FailFast, WaitingOn: r.WaitingOn()}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// JSON is the `results` output: one entry for each target, in the targets' order.
func JSON(results []Result) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(results); err != nil {
		// Entries hold only strings, numbers and checked JSON: this cannot fail.
		panic(fmt.Sprintf("encoding results: %v", err))
	}
	return strings.TrimSuffix(b.String(), "\n")
}
