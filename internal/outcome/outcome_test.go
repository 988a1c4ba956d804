package outcome

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/dispatch"
	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/runs"
)

// The results JSON is a public contract: these are the bytes the results of the commit
// before this package wrote for the same values (fields in the same order, HTML not
// escaped, dispatched_at in UTC).
func TestResultsJSONIsTheContract(t *testing.T) {
	t.Parallel()
	full := Result{Target: event.Target{Repo: event.Repo{Owner: "octo", Name: "data"}, Event: event.WorkflowDispatch, Workflow: "deploy.yml"},
		Receipt: dispatch.Receipt{Ref: "main", HTTPStatus: 204, RequestID: "AB:CD", Accepted: time.Date(2026, 11, 28, 13, 0, 0, 0, time.FixedZone("CET", 3600)),
			Attempts: 2, Delivery: dispatch.DeliveryAnswered, DistinctID: "abc", MayBeDuplicate: true, RunID: 6},
		Run: runs.Outcome{Run: runs.Run{ID: 7, HTMLURL: "https://github.com/octo/data/actions/runs/7", Status: runs.StatusCompleted, Conclusion: runs.ConclusionFailure},
			Conclusion: runs.ConclusionFailure, Jobs: []runs.Job{{Name: "build (x, 1)", Status: runs.StatusCompleted, Conclusion: runs.ConclusionFailure, URL: "https://x/2"}},
			FailedJobs: []runs.FailedJob{{Name: "test <a>", URL: "https://x/1", FailedSteps: []string{"Run"}}},
			Outputs:    json.RawMessage(`{"v":"1<2"}`), Cancelled: true}}
	full.Fail(errors.New("the run concluded \"failure\" & <more>"))
	dry := Result{Target: event.Target{Repo: event.Repo{Owner: "o", Name: "x"}, Event: event.RepositoryDispatch, EventType: "e"}, Status: DryRun, Receipt: dispatch.Receipt{DistinctID: "d"}}
	const want = `[{"repository":"octo/data","event":"workflow_dispatch","workflow":"deploy.yml","ref":"main","status":"failed","http_status":204,"request_id":"AB:CD","dispatched_at":"2026-11-28T12:00:00Z","attempts":2,"delivery":"answered","distinct_id":"abc","run_id":7,"run_url":"https://github.com/octo/data/actions/runs/7","run_status":"completed","conclusion":"failure","error":"the run concluded \"failure\" & <more>","may_be_duplicate":true,"failed_jobs":[{"name":"test <a>","url":"https://x/1","failed_steps":["Run"]}],"run_outputs":{"v":"1<2"},"run_cancelled":true,"jobs":[{"name":"build (x, 1)","conclusion":"failure","url":"https://x/2"}]},{"repository":"o/x","event":"repository_dispatch","event_type":"e","status":"dry-run","distinct_id":"d"}]`
	if got := JSON([]Result{full, dry}); got != want {
		t.Errorf("results\n got %s\nwant %s", got, want)
	}
}

// The run shown is the one followed, else the one GitHub named.
func TestRunOfAResult(t *testing.T) {
	t.Parallel()
	r := Result{Receipt: dispatch.Receipt{RunID: 6, RunURL: "https://github.com/o/r/actions/runs/6"}}
	if r.RunID() != 6 || r.RunURL() != "https://github.com/o/r/actions/runs/6" {
		t.Errorf("named: %d %s", r.RunID(), r.RunURL())
	}
	r.Run.Run = runs.Run{ID: 6} // found again, its URL refused as unsafe
	if r.RunID() != 6 || r.RunURL() != "" {
		t.Errorf("followed: %d %q", r.RunID(), r.RunURL())
	}
	if r.Delivered() || r.DispatchedAt() != "" || !r.OK() {
		t.Errorf("nothing accepted: %v %q %v", r.Delivered(), r.DispatchedAt(), r.OK())
	}
}
