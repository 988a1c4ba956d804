package config

import (
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

// pullRequestEvents are the events whose payload holds the pull request, whose head is the
// commit a status belongs on (GITHUB_SHA is the merge commit).
var pullRequestEvents = []string{"pull_request", "pull_request_target", "pull_request_review", "pull_request_review_comment"}

// status: status-context, the token that posts the statuses, and the commit they go on.
func (b *builder) status() {
	in := b.in
	name := strings.TrimSpace(in.StatusContext)
	if name == "" {
		for _, f := range []struct{ input, value string }{{"status-repository", in.StatusRepository}, {"status-sha", in.StatusSHA}} {
			if strings.TrimSpace(f.value) != "" {
				b.bad(f.input, "needs status-context: it says where the commit status goes")
			}
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
		b.bad("status-context", "needs a token to post the commit status: export GITHUB_TOKEN (or GH_TOKEN) with Commit statuses: write on the repository of the commit")
	case st.Token == "" && !b.c.DryRun:
		b.bad("status-token", "is empty: leave it unset to use github.token (with permissions: statuses: write), or pass a token with Commit statuses: write")
	case st.Token != "":
		if err := CheckToken(st.Token); err != nil {
			b.bad("status-token", "%v", err)
		}
	}
	b.statusCommit(st)
	st.StepURL = stepURL(in.Caller)
	b.c.Status = st
}

// statusCommit: the repository and commit the statuses go on, as given (CLI) or the
// caller's: a pull request's head, else GITHUB_SHA.
func (b *builder) statusCommit(st *Status) {
	in := b.in
	repoInput, repo := "status-repository", strings.TrimSpace(in.StatusRepository)
	if repo == "" {
		repoInput, repo = "status-context", in.Caller.Repository
	}
	if repo == "" {
		b.bad(repoInput, "needs the repository of the commit, which GITHUB_REPOSITORY gives in a workflow: give %s", Label(b.mode, "status-repository"))
	} else if r, err := ParseRepository(repo); err != nil {
		b.bad(repoInput, "the repository of the commit %v", err)
	} else {
		st.Repo = r
	}
	shaInput, sha := "status-sha", strings.TrimSpace(in.StatusSHA)
	if sha == "" {
		shaInput = "status-context"
		var err error
		if sha, err = callerSHA(in.Caller); err != nil {
			b.bad(shaInput, "%v", err)
			return
		}
	}
	if sha == "" {
		b.bad(shaInput, "needs the commit, which GITHUB_SHA gives in a workflow: give %s", Label(b.mode, "status-sha"))
	} else if err := checkSHA(sha); err != nil {
		b.bad(shaInput, "%v", err)
	}
	st.SHA = strings.ToLower(sha)
}

// callerSHA is the calling workflow's commit: for a pull request event the head of the
// pull request (read from the event's payload), else GITHUB_SHA.
func callerSHA(c Caller) (string, error) {
	if !slices.Contains(pullRequestEvents, c.EventName) {
		return c.SHA, nil
	}
	if c.EventPath == "" {
		return "", fmt.Errorf("cannot find the pull request's head commit: GITHUB_EVENT_PATH is empty for a %s event", c.EventName)
	}
	data, err := readLimited(c.EventPath, maxEventBytes)
	if err != nil {
		return "", fmt.Errorf("cannot find the pull request's head commit: the event's payload (GITHUB_EVENT_PATH) %w", err)
	}
	var ev struct {
		PullRequest struct {
			Head struct {
				SHA string `json:"sha"`
			} `json:"head"`
		} `json:"pull_request"`
	}
	if err := json.Unmarshal(data, &ev); err != nil || ev.PullRequest.Head.SHA == "" {
		return "", fmt.Errorf("cannot find the pull request's head commit: the event's payload (GITHUB_EVENT_PATH) has no pull_request.head.sha")
	}
	return ev.PullRequest.Head.SHA, nil
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
