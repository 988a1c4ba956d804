// Package dispatch sends repository_dispatch events and describes the outcome of each as a
// Result, the shape of the `results` output.
package dispatch

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/config"
)

// Status values of a Result.
const (
	StatusDispatched = "dispatched" // GitHub accepted the event (204)
	StatusFailed     = "failed"     // it did not; Error says why
	StatusDryRun     = "dry-run"    // nothing was sent
)

// Result is the outcome of one dispatch to one repository. Its JSON form is one entry of
// the `results` output: fields are only ever added, never renamed.
type Result struct {
	Repository   string `json:"repository"`
	EventType    string `json:"event_type"`
	Status       string `json:"status"`
	HTTPStatus   int    `json:"http_status,omitempty"`
	RequestID    string `json:"request_id,omitempty"`
	DispatchedAt string `json:"dispatched_at,omitempty"` // RFC 3339, UTC, when the accepted request was sent
	Error        string `json:"error,omitempty"`

	// Err is the error behind a failed Result, for choosing a hint; not part of the output.
	Err error `json:"-"`
	// Header holds the response headers of the last answer, if any; not part of the output.
	Header http.Header `json:"-"`
}

// OK reports whether the event was accepted (or, in a dry run, would have been sent).
func (r Result) OK() bool { return r.Status != StatusFailed }

// Event is one repository_dispatch event to send.
type Event struct {
	Repository    config.Repo
	EventType     string
	ClientPayload json.RawMessage
}

// Send posts the event with client and describes the outcome. now is the clock used for
// DispatchedAt.
func Send(ctx context.Context, client *github.Client, ev Event, now func() time.Time) Result {
	res := Result{Repository: ev.Repository.String(), EventType: ev.EventType}
	payload := ev.ClientPayload
	sentAt := now().UTC()
	_, resp, err := client.Repositories.Dispatch(ctx, ev.Repository.Owner, ev.Repository.Name, github.DispatchRequestOptions{
		EventType:     ev.EventType,
		ClientPayload: &payload,
	})
	if resp != nil && resp.Response != nil {
		res.HTTPStatus = resp.StatusCode
		res.RequestID = resp.Header.Get("X-GitHub-Request-Id")
		res.Header = resp.Header
	}
	if err != nil {
		res.Status = StatusFailed
		res.Err = err
		res.Error = Describe(err)
		return res
	}
	res.Status = StatusDispatched
	res.DispatchedAt = sentAt.Format(time.RFC3339)
	return res
}
