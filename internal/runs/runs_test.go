package runs

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

var data = event.Repo{Owner: "octo", Name: "data"}

const runName = "Refresh ${{ github.event.client_payload.distinct_id }}"

// setup is the standard fake with a receiving workflow whose runs progress on clock, and
// a poller of octo/data on the same clock.
func setup(t *testing.T, wf githubfake.Workflow) (*githubfake.Fake, *githubfake.Clock, *Client) {
	t.Helper()
	clock := githubfake.NewClock()
	f := githubfake.Standard(t, clock)
	wf.Path, wf.RepositoryDispatch = ".github/workflows/refresh.yml", true
	f.AddWorkflow("octo/data", wf)
	base, _ := url.Parse(f.URL() + "/")
	c := ghclient.New(ghclient.Options{BaseURL: base, Token: githubfake.TestToken, Policy: ghclient.Policy{Clock: clock}})
	return f, clock, &Client{API: c, Repo: data, Clock: clock}
}

// dispatch sends a repository_dispatch carrying id to the fake, which starts a run.
func dispatch(t testing.TB, p *Client, id string) {
	t.Helper()
	payload := json.RawMessage(`{"distinct_id":"` + id + `"}`)
	if _, _, err := p.API.Repositories.Dispatch(context.Background(), "octo", "data",
		github.DispatchRequestOptions{EventType: "e", ClientPayload: &payload}); err != nil {
		t.Fatal(err)
	}
}

func TestFindClaimsOnlyItsOwnRun(t *testing.T) {
	t.Parallel()
	f, clock, p := setup(t, githubfake.Workflow{RunName: runName})
	since := clock.Now()
	for _, id := range []string{"other-1", "mine-7", "other-2"} {
		dispatch(t, p, id)
	}
	run, err := p.Find(context.Background(), Query{Event: event.RepositoryDispatch, DistinctID: "mine-7", Since: since}, clock.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if run.ID == 0 || !strings.Contains(f.RunTitle(run.ID), "mine-7") || run.Event != event.RepositoryDispatch {
		t.Errorf("claimed %+v titled %q", run, f.RunTitle(run.ID))
	}
}

func TestFindGivesUpAtTheDeadlineAndSaysWhatIsMissing(t *testing.T) {
	t.Parallel()
	_, clock, p := setup(t, githubfake.Workflow{}) // no run-name: titles never carry the ID
	since := clock.Now()
	dispatch(t, p, "abc")
	_, err := p.Find(context.Background(), Query{Event: event.RepositoryDispatch, DistinctID: "abc", Since: since}, clock.Now().Add(time.Minute))
	var nf *NotFoundError
	if !errors.As(err, &nf) || nf.Checked != 1 || nf.Query.Event != event.RepositoryDispatch {
		t.Fatalf("error %v", err)
	}
	if waited := clock.Now().Sub(since); waited < time.Minute || waited > time.Minute+time.Second {
		t.Errorf("waited %s on the virtual clock, want the minute to the deadline", waited)
	}
}

// Follow waits for completion, reports each status once, polls with conditional
// requests, and applies the conclusion rule.
func TestFollowToCompletion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		conclusion string
		fail       bool
		wantErr    bool
	}{{"success", true, false}, {"failure", true, true}, {"failure", false, false}} {
		f, clock, p := setup(t, githubfake.Workflow{RunName: runName, Conclusion: tc.conclusion, Queued: 30 * time.Second, Running: 3 * time.Minute})
		accepted := clock.Now()
		dispatch(t, p, "abc")
		var seen []string
		run, _, err := p.Follow(context.Background(),
			Dispatched{Event: event.RepositoryDispatch, DistinctID: "abc", Accepted: accepted},
			Follow{Wait: event.WaitCompleted, WaitTimeout: 10 * time.Minute, FailOnConclusion: tc.fail},
			func(r Run) { seen = append(seen, string(r.Status)) })
		var ce *ConclusionError
		if tc.wantErr != errors.As(err, &ce) || (!tc.wantErr && err != nil) {
			t.Errorf("%s, fail %v: error %v", tc.conclusion, tc.fail, err)
		}
		if run.Status != StatusCompleted || string(run.Conclusion) != tc.conclusion {
			t.Errorf("run %+v", run)
		}
		if got := strings.Join(seen, " "); got != "queued in_progress completed" {
			t.Errorf("changes seen: %q", got)
		}
		if used := f.RateLimitUsed(); used > 5 {
			t.Errorf("following cost %d rate-limited requests, want at most 5 (1 dispatch, 1 listing, 3 states)", used)
		}
	}
}

func TestFollowEndsAtTheStepDeadlineOrWhenCancelled(t *testing.T) {
	t.Parallel()
	_, clock, p := setup(t, githubfake.Workflow{RunName: runName, Running: time.Hour})
	accepted := clock.Now()
	dispatch(t, p, "abc")
	d := Dispatched{Event: event.RepositoryDispatch, DistinctID: "abc", Accepted: accepted}
	run, _, err := p.Follow(context.Background(), d,
		Follow{Wait: event.WaitCompleted, WaitTimeout: 30 * time.Minute, StepDeadline: clock.Now().Add(5 * time.Minute)}, func(Run) {})
	if err == nil || !strings.Contains(err.Error(), "still in progress after 5m0s, when the wait ran out") || run.ID == 0 {
		t.Errorf("run %+v, error %v", run, err)
	}
	if waited := clock.Now().Sub(accepted); waited > 5*time.Minute+time.Second {
		t.Errorf("waited %s past the step's deadline", waited)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := p.Follow(ctx, d, Follow{Wait: event.WaitCompleted, WaitTimeout: time.Minute}, func(Run) {}); !errors.Is(err, ErrCancelled) {
		t.Errorf("cancelled: %v", err)
	}
}

// A run GitHub named is shown at once and read without listing runs.
func TestFollowARunGitHubNamed(t *testing.T) {
	t.Parallel()
	f, _, p := setup(t, githubfake.Workflow{RunName: runName})
	dispatch(t, p, "abc")
	before := len(f.Requests())
	var seen []Run
	run, _, err := p.Follow(context.Background(), Dispatched{Event: event.RepositoryDispatch, RunID: 7001, RunURL: "https://example/run"},
		Follow{Wait: event.WaitStarted, WaitTimeout: time.Minute}, func(r Run) { seen = append(seen, r) })
	if err != nil || run.ID != 7001 || run.Status != StatusQueued || len(seen) != 2 || seen[0].HTMLURL != "https://example/run" {
		t.Errorf("run %+v, seen %+v, error %v", run, seen, err)
	}
	for _, r := range f.Requests()[before:] {
		if !strings.HasSuffix(r.Path, "/actions/runs/7001") {
			t.Errorf("unexpected request %s", r.Path)
		}
	}
}

func TestHasTokenMatchesWholeTokensOnly(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		title, id string
		want      bool
	}{
		{"Deploy build-1", "build-1", true},
		{"Deploy build-12", "build-1", false},
		{"Deploy xbuild-1", "build-1", false},
		{"build-12 and build-1", "build-1", true},
		{"[build-1]", "build-1", true},
		{"build-1_x", "build-1", false},
		{"abc", "", false},
	} {
		if got := HasToken(tc.title, tc.id); got != tc.want {
			t.Errorf("HasToken(%q, %q) = %v", tc.title, tc.id, got)
		}
	}
}

// A user's distinct_id of "build-1" never claims the run titled "build-12".
func TestFindDoesNotClaimALongerID(t *testing.T) {
	t.Parallel()
	_, clock, p := setup(t, githubfake.Workflow{RunName: runName})
	since := clock.Now()
	dispatch(t, p, "build-12")
	_, err := p.Find(context.Background(), Query{Event: event.RepositoryDispatch, DistinctID: "build-1", Since: since}, clock.Now().Add(time.Minute))
	var nf *NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("claimed a run: %v", err)
	}
	dispatch(t, p, "build-1")
	run, err := p.Find(context.Background(), Query{Event: event.RepositoryDispatch, DistinctID: "build-1", Since: since}, clock.Now().Add(time.Minute))
	if err != nil || !strings.HasSuffix(run.DisplayTitle, " build-1") {
		t.Errorf("run %+v, %v", run, err)
	}
}

func FuzzHasToken(f *testing.F) {
	for _, s := range [][2]string{{"Deploy build-1", "build-1"}, {"build-12", "build-1"}, {"a-b-a-b", "a-b"}, {"ü build ü", "build"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, title, id string) {
		got := HasToken(title, id)
		if got && !strings.Contains(title, id) {
			t.Fatalf("HasToken(%q, %q) without the ID in the title", title, id)
		}
		// Reference: split the title into tokens of [A-Za-z0-9_-]; for an ID made only of
		// such characters, it matches exactly when it is one of them.
		if id != "" && !strings.ContainsFunc(id, func(r rune) bool { return r > 0x7f || !tokenByte(byte(r)) }) {
			want := false
			for _, tok := range strings.FieldsFunc(title, func(r rune) bool { return r > 0x7f || !tokenByte(byte(r)) }) {
				want = want || tok == id
			}
			if got != want {
				t.Fatalf("HasToken(%q, %q) = %v, reference %v", title, id, got, want)
			}
		}
	})
}
