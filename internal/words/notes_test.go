package words

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/commitstatus"
	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/pipeline"
	"github.com/MrSunshyne/dispatch-action/internal/preflight"
	"github.com/MrSunshyne/dispatch-action/internal/runs"
)

// Each note of the step is said on one line, naming its target, in each mode's words.
func TestNotes(t *testing.T) {
	t.Parallel()
	target := &event.Target{Index: 1, Of: 3, Repo: event.Repo{Owner: "octo", Name: "data"}, Event: event.WorkflowDispatch, Workflow: "deploy.yml", Ref: "main"}
	refused := &commitstatus.PostError{Status: commitstatus.Status{Context: "deploy", State: "pending"}, Repo: event.Repo{Owner: "octo", Name: "self"}, SHA: "abc",
		Err: answered(403, nil, "Resource not accessible by integration")}
	failed := &commitstatus.PostError{Status: commitstatus.Status{Context: "deploy", State: "success"}, Repo: event.Repo{Owner: "octo", Name: "self"}, SHA: "abc",
		Err: answered(502, nil, "Bad Gateway")}
	expired := &commitstatus.PostError{Repo: event.Repo{Owner: "octo", Name: "self"}, Err: answered(401, nil, "Bad credentials")}
	sunset := time.Date(2028, 3, 10, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name        string
		n           pipeline.Note
		action, cli string // the whole line ("" cli: the same)
	}{
		{"unread", pipeline.Note{Kind: pipeline.Preflight, Target: target, Finding: preflight.Finding{Kind: preflight.Unread, What: "the workflow", Err: answered(403, nil, "Resource not accessible")}},
			"#2 octo/data deploy.yml@main: preflight could not read the workflow (GitHub answered 403 Forbidden: Resource not accessible): sent without the check; " +
				"to have it checked, give the token Contents: read (and Actions: read for the workflows' states)", ""},
		{"unread on Gitea", pipeline.Note{Kind: pipeline.Preflight, Target: target, Finding: preflight.Finding{Kind: preflight.Unread, Forge: ghclient.Gitea, What: "the workflow",
			Err: answered(404, nil, "Not Found")}},
			"#2 octo/data deploy.yml@main: preflight could not read the workflow (GitHub answered 404 Not Found: Not Found): sent without the check; to have it checked, give the token the read:repository scope", ""},
		{"unread for a rate limit", pipeline.Note{Kind: pipeline.Preflight, Target: target, Finding: preflight.Finding{Kind: preflight.Unread, What: "x", Err: errors.New("rate")}},
			"#2 octo/data deploy.yml@main: preflight could not read x (rate): sent without the check", ""},
		{"states unread", pipeline.Note{Kind: pipeline.Preflight, Target: target, Finding: preflight.Finding{Kind: preflight.StatesUnread, File: "r.yml", Err: errors.New("403")}},
			"#2 octo/data deploy.yml@main: preflight found r.yml listening, but could not read the workflows' states (403), so not whether it is disabled; give the token Actions: read to have that checked", ""},
		{"warned", pipeline.Note{Kind: pipeline.Preflight, Target: target, Finding: preflight.Finding{Kind: preflight.NoTrigger, Forge: ghclient.GitHub, File: ".github/workflows/deploy.yml", Ref: "main"}},
			"#2 octo/data deploy.yml@main: preflight: .github/workflows/deploy.yml at main has no workflow_dispatch trigger: GitHub would refuse the event (422); add `on: workflow_dispatch` to it, on the ref dispatched to (sent anyway: preflight is warn)", ""},
		{"skipped", pipeline.Note{Kind: pipeline.PreflightSkipped},
			"preflight: the receiving workflows were not read: a dry run reads them (never sends) only with a token (pass token: to have them checked)",
			"preflight: the receiving workflows were not read: a dry run reads them (never sends) only with a token (export GH_TOKEN to have them checked)"},
		{"dry run", pipeline.Note{Kind: pipeline.PreflightDryRun}, "preflight: the dry run read the receiving workflows (nothing was sent); its findings are above", ""},
		{"status refused", pipeline.Note{Kind: pipeline.StatusNotPosted, Err: refused},
			refused.Error() + ": give the job permissions: statuses: write (for github.token), or pass status-token a token with Commit statuses: write on octo/self; the step's result is unchanged",
			refused.Error() + ": the token needs Commit statuses: write on octo/self (classic token: repo:status); the result is unchanged"},
		{"status failed", pipeline.Note{Kind: pipeline.StatusNotPosted, Err: failed}, failed.Error() + "; the step's result is unchanged", failed.Error() + "; the result is unchanged"},
		{"status token expired", pipeline.Note{Kind: pipeline.StatusNotPosted, Err: expired},
			expired.Error() + ": the status token is invalid or expired; the step's result is unchanged", expired.Error() + ": the token is invalid or expired; the result is unchanged"},
		{"deprecated", pipeline.Note{Kind: pipeline.Deprecated, Deprecation: ghclient.Deprecation{Operation: "POST /repos/{owner}/{repo}/dispatches", Version: "2022-11-28", Sunset: sunset,
			Link: "https://docs.github.com/en/rest/about-the-rest-api/api-versions"}},
			"GitHub says POST /repos/{owner}/{repo}/dispatches under API version 2022-11-28 is deprecated; it is scheduled to be removed on 2028-03-10 (https://docs.github.com/en/rest/about-the-rest-api/api-versions). " +
				"This version of the action will need an update before then; nothing is wrong today.", ""},
		{"cancelled on abort", pipeline.Note{Kind: pipeline.RunCancelled, Target: target, Run: 7, Input: "on-abort"},
			"#2 octo/data deploy.yml@main: run 7 was cancelled, as cancel-run: on-abort asks, because it was given up on",
			"#2 octo/data deploy.yml@main: run 7 was cancelled, as --cancel-run on-abort asks, because it was given up on"},
		{"cancelled on failure", pipeline.Note{Kind: pipeline.RunCancelled, Target: target, Run: 7, Input: "on-failure", FailedJob: "build"},
			"#2 octo/data deploy.yml@main: run 7 was cancelled, as cancel-run: on-failure asks, because its job build failed",
			"#2 octo/data deploy.yml@main: run 7 was cancelled, as --cancel-run on-failure asks, because its job build failed"},
		{"not cancelled", pipeline.Note{Kind: pipeline.RunNotCancelled, Target: target, Run: 7, Input: "on-abort", Err: errors.New("refused")},
			"#2 octo/data deploy.yml@main: run 7 could not be cancelled (cancel-run: on-abort): refused",
			"#2 octo/data deploy.yml@main: run 7 could not be cancelled (--cancel-run on-abort): refused"},
		{"not cancelled for a permission", pipeline.Note{Kind: pipeline.RunNotCancelled, Target: target, Run: 7, Input: "on-failure",
			Err: answered(403, http.Header{"X-Accepted-Github-Permissions": {"actions=write"}}, "Resource not accessible by integration")},
			"#2 octo/data deploy.yml@main: run 7 could not be cancelled (cancel-run: on-failure): GitHub answered 403 Forbidden: Resource not accessible by integration; give the token Actions: write (actions=write) to have it cancelled",
			"#2 octo/data deploy.yml@main: run 7 could not be cancelled (--cancel-run on-failure): GitHub answered 403 Forbidden: Resource not accessible by integration; give the token Actions: write (actions=write) to have it cancelled"},
		{"final status out of time", pipeline.Note{Kind: pipeline.FinalNotPosted, Target: target, Context: "deploy / octo/data", Err: context.DeadlineExceeded,
			Ending: pipeline.Cancelled, Budget: 300 * time.Millisecond},
			`#2 octo/data deploy.yml@main: the final commit status "deploy / octo/data" was not posted: cancelled and the 300ms left for the clean-up ran out`, ""},
		{"final statuses refused", pipeline.Note{Kind: pipeline.FinalRefused, Targets: []event.Target{*target, *target}, Err: refused},
			"the final commit status of #2 octo/data deploy.yml@main, #2 octo/data deploy.yml@main: " + refused.Error() + ": give the job permissions: statuses: write",
			"the final commit status of #2 octo/data deploy.yml@main, #2 octo/data deploy.yml@main: " + refused.Error() + ": the token needs Commit statuses: write"},
		{"not revoked", pipeline.Note{Kind: pipeline.NotRevoked, Err: errors.New("revoking the token of octo: 500")}, "revoking the token of octo: 500", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			action, cli := Note(config.ActionMode, tc.n), Note(config.CLIMode, tc.n)
			wantCLI := tc.cli
			if wantCLI == "" {
				wantCLI = tc.action
			}
			if !strings.HasPrefix(action, tc.action) || !strings.HasPrefix(cli, wantCLI) || strings.Contains(action+cli, "\n") {
				t.Errorf("action %q\nwant   %q\ncli    %q\nwant   %q", action, tc.action, cli, wantCLI)
			}
		})
	}
}

// A step preflight refused is told what to do about each finding, once per file and
// advice, and how to send anyway, in each mode's words.
func TestPreflightHint(t *testing.T) {
	t.Parallel()
	f := preflight.Finding{Kind: preflight.NotABoolean, File: ".github/workflows/deploy.yml", Input: "dry", Value: "yes"}
	g := preflight.Finding{Kind: preflight.Disabled, Forge: ghclient.Gitea, File: ".gitea/workflows/ci.yml", State: "disabled"}
	r := failed(&pipeline.PreflightError{Findings: []preflight.Finding{f, f, g, {Kind: preflight.Undeclared, File: "x.yml"}}}, true, false)
	action := Hint(&config.Config{Mode: config.ActionMode}, r, time.Now(), false)
	cli := Hint(&config.Config{Mode: config.CLIMode}, r, time.Now(), false)
	want := ".github/workflows/deploy.yml: send true or false; .gitea/workflows/ci.yml: enable it (the repository's Actions tab); "
	if action != want+"preflight: warn sends anyway (with the findings as warnings)" || cli != want+"--preflight warn sends anyway (with the findings as warnings)" {
		t.Errorf("%q\n%q", action, cli)
	}
	another := failed(&pipeline.PreflightError{}, true, false)
	if h := Hint(&config.Config{Mode: config.CLIMode}, another, time.Now(), false); !strings.HasPrefix(h, "fix the receiving workflow or what is sent to it; --preflight warn") {
		t.Errorf("%q", h)
	}
	id := findingNote(preflight.Finding{Kind: preflight.IDUndeclared, File: "d.yml"})
	if !strings.Contains(id, "; declare the input distinct_id (required: false) in the receiving workflow and put ${{ inputs.distinct_id }} in its run-name") {
		t.Errorf("%q", id)
	}
	disabled := findingAdvice(preflight.Finding{Kind: preflight.Disabled})
	if disabled != "enable it (the Actions tab, or gh workflow enable)" {
		t.Errorf("%q", disabled)
	}
	if s := fmt.Sprint(undoneWhy(pipeline.Note{})); s != "" {
		t.Errorf("%q", s)
	}
}

// What went wrong for a target without failing it names the target; what following its
// run could not read names the permission (GitHub) or scope (Gitea) that would let it.
func TestWarnings(t *testing.T) {
	t.Parallel()
	r := failed(nil, true, true)
	r.Index, r.Of = 1, 2
	r.Receipt.MayBeDuplicate = true
	r.Run.Shortfalls = []runs.Shortfall{
		{Kind: runs.Unreadable, What: "the jobs' logs", Permission: "actions=read", Err: answered(403, nil, "Resource not accessible")},
		{Kind: runs.Unreadable, What: "the jobs' annotations", Permission: "checks=read", Err: errors.New("reset")},
		{Kind: runs.LogsLeftOut},
	}
	got := Warnings(config.ActionMode, r)
	want := []string{
		"#2 octo/data deploy.yml@main: an attempt GitHub may have accepted (a server error or a lost connection) was sent again, so the event may arrive twice; set add-distinct-id: true",
		"#2 octo/data: the jobs' logs could not be read (GitHub answered 403 Forbidden: Resource not accessible): give the token Actions: read to see them here",
		"#2 octo/data: the jobs' annotations could not be read: reset",
		"#2 octo/data: log lines left out: at most 16 MiB of failed jobs' logs are kept",
	}
	if len(got) != len(want) {
		t.Fatalf("%q", got)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("%q\nwant %q", got[i], want[i])
		}
	}
	if cli := Warnings(config.CLIMode, r); !strings.Contains(cli[0], "pass --add-distinct-id") {
		t.Errorf("%q", cli[0])
	}
	r.Receipt.DistinctID, r.Receipt.Forge = "abc", ghclient.Gitea
	got = Warnings(config.ActionMode, r)
	if !strings.Contains(got[0], `receivers can deduplicate on its distinct_id "abc"`) || !strings.Contains(got[1], "give the token the read:repository scope to see them here") {
		t.Errorf("%q", got)
	}
	r.Receipt.MayBeDuplicate, r.Run.Shortfalls = false, nil
	if got := Warnings(config.ActionMode, r); len(got) != 0 {
		t.Errorf("%q", got)
	}
}

// Both modes head a dry run's requests with the same words.
func TestDryRun(t *testing.T) {
	t.Parallel()
	if one, two := DryRun(1), DryRun(2); one != "Dry run: nothing was sent. This is the exact request:" || two != "Dry run: nothing was sent. These are the exact 2 requests:" {
		t.Errorf("%q %q", one, two)
	}
}
