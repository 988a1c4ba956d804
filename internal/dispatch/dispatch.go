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
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
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
	DispatchedAt string `json:"dispatched_at,omitempty"` // RFC 3339, UTC, when GitHub accepted the event
	Attempts     int    `json:"attempts,omitempty"`      // requests sent, retries included
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

// Options tune one Send.
type Options struct {
	Now func() time.Time // the clock for DispatchedAt; nil means time.Now
	// OnAttempt hears about every attempt as it ends, for the audit log; may be nil.
	OnAttempt func(Event, ghclient.Attempt)
}

// Send posts the event with client (whose transport applies the retry policy) and
// describes the outcome.
func Send(ctx context.Context, client *github.Client, ev Event, o Options) Result {
	res := Result{Repository: ev.Repository.String(), EventType: ev.EventType}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	var last ghclient.Attempt
	var sentAt time.Time
	ctx = ghclient.WithObserver(ctx, func(a ghclient.Attempt) {
		res.Attempts++
		last = a
		if a.Status >= 200 && a.Status < 300 {
			sentAt = now()
		}
		if o.OnAttempt != nil {
			o.OnAttempt(ev, a)
		}
	})
	payload := ev.ClientPayload
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
		if last.GaveUp != "" {
			res.Error += "; gave up " + last.GaveUp
		}
		return res
	}
	res.Status = StatusDispatched
	if sentAt.IsZero() { // no attempt was observed (a transport without the policy)
		sentAt = now()
	}
	res.DispatchedAt = sentAt.UTC().Format(time.RFC3339)
	return res
}
