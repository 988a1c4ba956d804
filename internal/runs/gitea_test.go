package runs

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

// What following a run does differently on a server that answers as Gitea does (measured
// on the real one, ../shared/gitea-facts.md; internal/forgetest runs against it): no ETag
// and no rate-limit headers on any answer, lists paged by limit (50 at most), runs without
// created_at, no cancel. These tests pin the client's side of it without a Gitea.

// giteaLike serves run 1 of o/r, queued until 4 s after start, completed (success) at 10 s
// on clock, and its jobs (n of them, paged by limit as Gitea pages them); it records the
// paths it was asked for.
func giteaLike(t *testing.T, clock *githubfake.Clock, jobs int) (*Client, func() []string) {
	t.Helper()
	start := clock.Now()
	var mu sync.Mutex
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.URL.RequestURI())
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/api/v1/version":
			fmt.Fprint(w, `{"version":"1.27.3"}`)
		case r.URL.Path == "/api/v1/repos/o/r/actions/runs/1":
			status, conclusion := "queued", ""
			switch at := clock.Now().Sub(start); {
			case at >= 10*time.Second:
				status, conclusion = "completed", `,"conclusion":"success"`
			case at >= 4*time.Second:
				status = "in_progress"
			}
			fmt.Fprintf(w, `{"id":1,"status":%q%s,"event":"workflow_dispatch","started_at":"1970-01-01T00:00:00Z"}`, status, conclusion)
		case r.URL.Path == "/api/v1/repos/o/r/actions/runs/1/jobs":
			limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
			page, _ := strconv.Atoi(r.URL.Query().Get("page"))
			var list []string
			for i := (page - 1) * limit; i < min(page*limit, jobs); i++ {
				list = append(list, fmt.Sprintf(`{"id":%d,"name":"job %d","status":"completed","conclusion":"failure","steps":[]}`, i+1, i))
			}
			fmt.Fprintf(w, `{"jobs":[%s],"total_count":%d}`, strings.Join(list, ","), jobs)
		default:
			http.Error(w, "404 page not found", http.StatusNotFound)
		}
	}))
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL + "/api/v1/")
	server := ghclient.NewServer(base)
	api := ghclient.New(ghclient.Options{BaseURL: base, Token: "t", Policy: ghclient.Policy{Clock: clock}, Server: server})
	server.Identify(context.Background(), func() (*github.Client, error) { return api, nil })
	return &Client{API: api, Repo: event.Repo{Owner: "o", Name: "r"}, Clock: clock, Server: server}, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), asked...)
	}
}

// A server that neither answers conditionally nor meters requests is polled every 1.5 s
// whatever changes, never backed off: its run's end is noticed within 2 s.
func TestAnUnmeteredServerIsPolledSteadily(t *testing.T) {
	t.Parallel()
	clock := githubfake.NewClock()
	p, _ := giteaLike(t, clock, 1)
	start := clock.Now()
	run, _, err := p.Follow(context.Background(), Dispatched{Event: event.WorkflowDispatch, RunID: 1, Accepted: start},
		Follow{Wait: event.WaitCompleted, WaitTimeout: 5 * time.Minute}, func(Run) {})
	if err != nil || run.Status != StatusCompleted {
		t.Fatalf("run %+v, err %v", run, err)
	}
	if lag := clock.Now().Sub(start.Add(10 * time.Second)); lag < 0 || lag > 2*time.Second {
		t.Errorf("the end was noticed %s after it, want within 2 s", lag)
	}
	for _, d := range clock.Sleeps() {
		if d != pollUnmetered {
			t.Fatalf("waits %v, want every one %s", clock.Sleeps(), pollUnmetered)
		}
	}
}

// Gitea's lists are read by limit and page, every page; its cancel is never asked for.
func TestGiteaListsAndCancel(t *testing.T) {
	t.Parallel()
	clock := githubfake.NewClock()
	p, asked := giteaLike(t, clock, 60)
	jobs, err := p.explainedJobs(context.Background(), 1)
	if err != nil || len(jobs) != 60 {
		t.Fatalf("%d jobs, err %v", len(jobs), err)
	}
	want := []string{"/api/v1/repos/o/r/actions/runs/1/jobs?filter=latest&limit=50&page=1", "/api/v1/repos/o/r/actions/runs/1/jobs?filter=latest&limit=50&page=2"}
	if got := asked()[1:]; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("asked %v, want %v", got, want)
	}
	n := len(asked())
	err = p.Cancel(context.Background(), 1)
	if err == nil || err.Error() != "Gitea has no API to cancel a run (only the run's web page can)" || len(asked()) != n {
		t.Errorf("cancel: %v after %d requests", err, len(asked())-n)
	}
}

// The closing lines Gitea's runner adds to a job's log are not among the last lines
// shown; the job's own lines are, as many as asked for.
func TestTheRunnersClosingLinesAreLeftOut(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want []string }{
		{[]string{"a", "b", "##[error]Process completed with exit code 3.", "Job 'test' failed"}, []string{"a", "b", "##[error]Process completed with exit code 3."}},
		{[]string{"a", "Cleaning up container for job build", "Job failed"}, []string{"a"}},
		{[]string{"a", "Cleaning up services for job build", "Cleaning up network for job build, and network name is: x", "Job succeeded"}, []string{"a"}},
		{[]string{"Job failed in a test name", "the end"}, []string{"Job failed in a test name", "the end"}},
		{[]string{"Job failed", "Job failed", "Job failed", "Job failed", "Job failed"}, []string{"Job failed"}},
	}
	for _, tc := range cases {
		if got := withoutRunnerLines(tc.in); strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
}
