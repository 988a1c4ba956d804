package config

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/MrSunshyne/dispatch-action/internal/event"
)

// The commit status of each target's outcome, on the calling workflow's commit.

// maxContextRunes bounds status-context: each target's context adds " / owner/name" to it.
const maxContextRunes = 100

// maxEventBytes bounds the calling event's payload read for a pull request's head.
const maxEventBytes = 32 << 20

// headEvents are the events whose payload names the commit they are about, and where:
// GITHUB_SHA is then another commit (a pull request's merge commit, the default branch's
// tip), not the one a status belongs on.
var headEvents = map[string][]string{
	"pull_request":                {"pull_request", "head", "sha"},
	"pull_request_target":         {"pull_request", "head", "sha"},
	"pull_request_review":         {"pull_request", "head", "sha"},
	"pull_request_review_comment": {"pull_request", "head", "sha"},
	"workflow_run":                {"workflow_run", "head_sha"},
	"check_suite":                 {"check_suite", "head_sha"},
	"check_run":                   {"check_run", "head_sha"},
	"merge_group":                 {"merge_group", "head_sha"},
	"status":                      {"sha"},
}

// shaEvents are the events whose GITHUB_SHA is the commit they are about (what was
// pushed, the ref a workflow was started on, the release's or the deployment's commit).
// Any other event (issue_comment, issues, label, …) has no commit of its own: GITHUB_SHA
// is merely the default branch's tip, so a status there would hold up nothing it means to.
var shaEvents = []string{"push", "workflow_dispatch", "repository_dispatch", "schedule", "create", "release",
	"deployment", "deployment_status", "registry_package"}

// status: status-context, the token that posts the statuses, and the commit they go on.
func (b *builder) status() {
	in := b.in
	name := strings.TrimSpace(in.StatusContext)
	if name == "" {
		if strings.TrimSpace(in.StatusCommit) != "" {
			b.bad("status-commit", "needs status-context: it says what the commit status is named")
		}
		return
	}
	st := &Status{Context: name}
	if err := checkContext(name); err != nil {
		b.bad("status-context", "%v", err)
	}
	if b.c.Wait != event.WaitCompleted {
		b.bad("status-context", "needs wait: completed: the status is pending while the run goes and set to its result at its end; without waiting it would stay pending and hold up the pull request")
	}
	st.Token = strings.TrimSpace(in.StatusToken)
	switch {
	case st.Token == "" && !b.c.DryRun && b.mode == CLIMode:
		b.bad("status-context", "needs a token to post the commit status: export GH_TOKEN (or GITHUB_TOKEN) with Commit statuses: write on the repository of the commit")
	case st.Token == "" && !b.c.DryRun:
		b.bad("status-token", "is empty: leave it unset to use github.token (with permissions: statuses: write), or pass a token with Commit statuses: write")
	case st.Token != "":
		if err := CheckToken(st.Token); err != nil {
			b.bad("status-token", "%v", err)
		}
	}
	b.statusCommit(st)
	b.statusAPI(st)
	st.StepURL = stepURL(in.Caller)
	b.c.Status = st
}

// statusAPI: the server of the caller's commit, where its statuses (and the status token)
// go. In a workflow that is the runner's own (GITHUB_API_URL), whatever api-url the
// targets are on: the token of one server is never sent to another. The CLI has one
// token, for api-url's server.
func (b *builder) statusAPI(st *Status) {
	if b.mode == CLIMode || b.c.APIURL == nil {
		st.APIURL = b.c.APIURL
		return
	}
	raw := cmp.Or(strings.TrimSpace(b.in.Caller.APIURL), DefaultAPIURL)
	u, err := ParseAPIURL(raw)
	if err != nil {
		b.bad("status-context", "needs the API of the workflow's own server, and GITHUB_API_URL %v", err)
		return
	}
	st.APIURL = u
}

// statusCommit: the repository and commit the statuses go on, as given in status-commit
// (SHA, or OWNER/REPO@SHA) or the caller's: a pull request's head, else GITHUB_SHA, in
// GITHUB_REPOSITORY.
func (b *builder) statusCommit(st *Status) {
	in := b.in
	given := strings.TrimSpace(in.StatusCommit)
	givenRepo, givenSHA, hasRepo := strings.Cut(given, "@")
	if !hasRepo {
		givenRepo, givenSHA = "", given
	}
	repoInput, repo := "status-commit", strings.TrimSpace(givenRepo)
	if repo == "" {
		repoInput, repo = "status-context", in.Caller.Repository
	}
	if repo == "" {
		b.bad(repoInput, "needs the repository of the commit, which GITHUB_REPOSITORY gives in a workflow: give %s OWNER/REPO@SHA", Label(b.mode, "status-commit"))
	} else if r, err := ParseRepository(repo); err != nil {
		b.bad(repoInput, "the repository of the commit %v", err)
	} else {
		st.Repo = r
	}
	shaInput, sha := "status-commit", strings.TrimSpace(givenSHA)
	if sha == "" {
		var err error
		if sha, err = callerSHA(in.Caller); err != nil {
			b.bad(shaInput, "%v", err)
			return
		}
		shaInput = "status-context"
	}
	if sha == "" {
		b.bad(shaInput, "needs the commit, which GITHUB_SHA gives in a workflow: give %s SHA", Label(b.mode, "status-commit"))
	} else if err := checkSHA(sha); err != nil {
		b.bad(shaInput, "%v", err)
	}
	st.SHA = strings.ToLower(sha)
}

// callerSHA is the calling workflow's commit: the one its event's payload names (a pull
// request's head, a workflow run's head, …), else GITHUB_SHA for an event about a commit.
// An event with no commit of its own is refused: status-commit must say which.
func callerSHA(c Caller) (string, error) {
	path, fromPayload := headEvents[c.EventName]
	switch {
	case c.EventName == "" || slices.Contains(shaEvents, c.EventName):
		return c.SHA, nil
	case !fromPayload:
		return "", fmt.Errorf("is needed: the %s event has no commit of its own (its GITHUB_SHA is only the default branch's latest commit), so say which commit the status goes on, such as the head of the pull request the event is about", c.EventName)
	}
	where := strings.Join(path, ".")
	if c.EventPath == "" {
		return "", fmt.Errorf("cannot find the %s event's commit: GITHUB_EVENT_PATH is empty", c.EventName)
	}
	data, err := readLimited(c.EventPath, maxEventBytes)
	if err != nil {
		return "", fmt.Errorf("cannot find the %s event's commit: the event's payload (GITHUB_EVENT_PATH) %w", c.EventName, err)
	}
	var v any
	if err := json.Unmarshal(data, &v); err == nil {
		for _, key := range path {
			m, _ := v.(map[string]any)
			v = m[key]
		}
	}
	if sha, ok := v.(string); ok && sha != "" {
		return sha, nil
	}
	return "", fmt.Errorf("cannot find the %s event's commit: the event's payload (GITHUB_EVENT_PATH) has no %s", c.EventName, where)
}

// checkSHA accepts a full commit SHA: 40 hex digits (SHA-1) or 64 (SHA-256).
func checkSHA(s string) error {
	if len(s) != 40 && len(s) != 64 {
		return fmt.Errorf("%q is not a full commit SHA (40 hexadecimal digits)", s)
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return fmt.Errorf("%q is not a full commit SHA (40 hexadecimal digits)", s)
		}
	}
	return nil
}

// checkContext accepts a status context: 1–100 characters, no control characters.
func checkContext(s string) error {
	switch {
	case !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl):
		return errors.New("has a control character: use a plain name such as deploy")
	case utf8.RuneCountInString(s) > maxContextRunes:
		return fmt.Errorf("is longer than %d characters", maxContextRunes)
	}
	return nil
}

// stepURL is the web address of the calling workflow run, when the runner's environment
// names it well-formed; "" otherwise.
func stepURL(c Caller) string {
	u, err := url.Parse(strings.TrimSpace(c.ServerURL))
	if err != nil || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) || u.Host == "" || u.User != nil {
		return ""
	}
	repo, err := ParseRepository(c.Repository)
	if _, nerr := strconv.ParseInt(c.RunID, 10, 64); err != nil || nerr != nil {
		return ""
	}
	return strings.TrimRight(u.String(), "/") + "/" + repo.String() + "/actions/runs/" + c.RunID
}
