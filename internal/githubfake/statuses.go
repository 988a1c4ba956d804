package githubfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// CommitStatus is one commit status the fake accepted.
type CommitStatus struct {
	Repository  string
	SHA         string
	State       string
	TargetURL   string
	Description string
	Context     string
	Token       string // the credential that posted it
}

// GitHub's rules for commit statuses.
const (
	maxStatusDescription  = 140  // characters
	maxStatusesPerContext = 1000 // per commit and context
)

// Statuses lists the commit statuses accepted so far, in order.
func (f *Fake) Statuses() []CommitStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]CommitStatus(nil), f.statuses...)
}

// createStatus answers POST /repos/{o}/{r}/statuses/{sha} as GitHub does: 201 with the
// status; 422 for a state it does not know, a description over 140 characters, a SHA that
// is not a commit's, or the 1,001st status of a commit and context.
func (f *Fake) createStatus(w *recorder, repo, sha string, body []byte, tok Token) {
	const doc = "https://docs.github.com/rest/commits/statuses#create-a-commit-status"
	var req struct {
		State       string  `json:"state"`
		TargetURL   *string `json:"target_url"`
		Description *string `json:"description"`
		Context     *string `json:"context"`
	}
	if json.Unmarshal(body, &req) != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON", doc)
		return
	}
	st := CommitStatus{Repository: repo, SHA: sha, State: req.State, Context: "default", Token: tok.Value}
	for p, v := range map[*string]*string{&st.TargetURL: req.TargetURL, &st.Description: req.Description, &st.Context: req.Context} {
		if v != nil {
			*p = *v
		}
	}
	status, msg, answer := f.acceptStatus(st)
	switch {
	case answer != nil:
		w.Header().Set("Location", fmt.Sprintf("%s/repos/%s/statuses/%s", f.URL(), repo, sha))
		writeJSON(w, status, answer, "")
	default:
		writeError(w, status, msg, doc)
	}
}

// acceptStatus decides, under the fake's lock, GitHub's answer to a status: 201 and the
// status (kept), or 422 and why.
func (f *Fake) acceptStatus(st CommitStatus) (int, string, map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, s := range f.statuses {
		if strings.EqualFold(s.Repository, st.Repository) && s.SHA == st.SHA && s.Context == st.Context {
			n++
		}
	}
	switch {
	case !isSHA(st.SHA):
		return http.StatusUnprocessableEntity, "No commit found for SHA: " + st.SHA, nil
	case st.State != "error" && st.State != "failure" && st.State != "pending" && st.State != "success":
		return http.StatusUnprocessableEntity, "Validation Failed: state is not included in the list", nil
	case utf8.RuneCountInString(st.Description) > maxStatusDescription:
		return http.StatusUnprocessableEntity, fmt.Sprintf("Validation Failed: description is too long (maximum is %d characters)", maxStatusDescription), nil
	case n >= maxStatusesPerContext:
		return http.StatusUnprocessableEntity, "Validation Failed: This SHA and context has reached the maximum number of statuses.", nil
	}
	f.statuses = append(f.statuses, st)
	return http.StatusCreated, "", f.statusJSON(st, len(f.statuses))
}

func isSHA(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool { return !strings.ContainsRune("0123456789abcdef", r) })
}

// statusJSON is the answer to a commit status posted. Called with f.mu held.
func (f *Fake) statusJSON(st CommitStatus, id int) map[string]any {
	var target, desc any
	if st.TargetURL != "" {
		target = st.TargetURL
	}
	if st.Description != "" {
		desc = st.Description
	}
	now := stamp(f.now())
	return set(f.example("status"), map[string]any{"id": id, "state": st.State, "target_url": target, "description": desc,
		"context": st.Context, "created_at": now, "updated_at": now,
		"url": fmt.Sprintf("%s/repos/%s/statuses/%s", f.apiRoot(), st.Repository, st.SHA)})
}
