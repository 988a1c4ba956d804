package githubfake

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Workflow is a workflow file in a repository of the fake: which events start it, how its
// runs are titled, and how they end.
type Workflow struct {
	ID   int64  `json:"id,omitempty"`
	Path string `json:"path"` // ".github/workflows/refresh.yml"
	Name string `json:"name,omitempty"`

	RepositoryDispatch bool     `json:"repository_dispatch,omitempty"` // on: repository_dispatch
	Types              []string `json:"types,omitempty"`               // its types: filter; empty means every type
	WorkflowDispatch   bool     `json:"workflow_dispatch,omitempty"`   // on: workflow_dispatch
	Inputs             []string `json:"inputs,omitempty"`              // declared workflow_dispatch inputs
	// InputSpecs are what the workflow declares of some inputs (type, required, default,
	// options); an input without one is an optional string. GitHub enforces them.
	InputSpecs map[string]Input `json:"input_specs,omitempty"`
	// State is the workflow's state in GitHub's list: "" or "active", "disabled_manually",
	// "disabled_inactivity", "disabled_fork". A disabled workflow starts no run.
	State string `json:"state,omitempty"`
	// File is the workflow file as the repository holds it (served by the contents API);
	// "": written from the fields above.
	File string `json:"file,omitempty"`

	// RunName is the run-name template, e.g. "Refresh ${{ github.event.client_payload.distinct_id }}".
	// Empty: runs are titled with Name.
	RunName string `json:"run_name,omitempty"`

	Conclusion string        `json:"conclusion,omitempty"` // how runs end; default "success"
	Queued     time.Duration `json:"-"`                    // how long a run stays queued (fake clock); default 2s
	Running    time.Duration `json:"-"`                    // then in progress; default 5s

	// Vanishes: each run is deleted this long (fake clock) after it was created; 0: never.
	Vanishes time.Duration `json:"-"`

	Jobs []Job `json:"jobs,omitempty"` // the jobs of each run (none: no jobs listed)
	// Approval: each run waits for an environment's reviewers after it was queued (status
	// waiting, its pending deployments listed), for Approval.Waits, then runs.
	Approval *Approval `json:"approval,omitempty"`
	// Artifacts each completed run uploaded: artifact name → file name → content.
	Artifacts map[string]map[string]string `json:"artifacts,omitempty"`
}

// Approval is an environment with required reviewers that a workflow's runs wait for.
type Approval struct {
	Environment string        `json:"environment"`
	Users       []string      `json:"users,omitempty"`      // logins of the users who may approve
	Teams       []string      `json:"teams,omitempty"`      // slugs of the teams who may
	WaitTimer   int           `json:"wait_timer,omitempty"` // minutes
	Waits       time.Duration `json:"-"`                    // how long a run waits for it
}

// state is the workflow's state in GitHub's list.
func (wf *Workflow) state() string {
	if wf.State == "" {
		return "active"
	}
	return wf.State
}

// waits is how long a run of wf waits for approval.
func (wf *Workflow) waits() time.Duration {
	if wf.Approval == nil {
		return 0
	}
	return wf.Approval.Waits
}

// Now is the fake's notion of time, for run progression.
type Now interface{ Now() time.Time }

type run struct {
	id         int64
	repo       string
	wf         *Workflow
	event      string
	title      string
	branch     string
	number     int
	created    time.Time
	conclusion string
	cancelled  time.Time // when it was cancelled; zero: never

	rendered   json.RawMessage // its JSON in the state renderedAs names
	renderedAs string
}

// runAppearsAfter is how long after its creation a run shows in listings, as on GitHub,
// where runs appear seconds after the dispatch was accepted.
const runAppearsAfter = 2 * time.Second

// AddWorkflow adds a workflow to a repository (which it also adds). A zero ID gets one.
func (f *Fake) AddWorkflow(repo string, wf Workflow) *Workflow {
	f.AddRepo(repo)
	f.mu.Lock()
	defer f.mu.Unlock()
	if wf.ID == 0 {
		wf.ID = int64(1000 + len(f.workflows[strings.ToLower(repo)]) + 1)
	}
	if wf.Name == "" {
		wf.Name = strings.TrimSuffix(strings.TrimSuffix(wf.Path[strings.LastIndex(wf.Path, "/")+1:], ".yml"), ".yaml")
	}
	if wf.Conclusion == "" {
		wf.Conclusion = "success"
	}
	if wf.Queued == 0 {
		wf.Queued = 2 * time.Second
	}
	if wf.Running == 0 {
		wf.Running = 5 * time.Second
	}
	w := wf
	f.workflows[strings.ToLower(repo)] = append(f.workflows[strings.ToLower(repo)], &w)
	return &w
}

// SetClock makes runs progress and get their times by c (a virtual clock in tests).
func (f *Fake) SetClock(c Now) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clock = c
}

// AddRef makes a branch or tag exist, besides the default branch "main".
func (f *Fake) AddRef(repo, ref string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refs[strings.ToLower(repo)+"@"+ref] = true
}

// Runs returns how many runs have been started.
func (f *Fake) Runs() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.runs)
}

// RunTitle returns the display title of a run, or "" if there is no such run.
func (f *Fake) RunTitle(id int64) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.runs {
		if r.id == id {
			return r.title
		}
	}
	return ""
}

// RateLimitUsed counts the requests that cost rate limit (a 304 costs nothing).
func (f *Fake) RateLimitUsed() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.limit - f.remaining
}

// now is GitHub's clock: the fake's clock (SetClock), ahead of it by the offset
// (SetClockOffset). Run times, the Date of every answer, JWT and token lifetimes are on
// it. Called with f.mu held.
func (f *Fake) now() time.Time {
	now := time.Now()
	if f.clock != nil {
		now = f.clock.Now()
	}
	return now.Add(f.offset)
}

// SetClockOffset puts GitHub's clock d ahead of the fake's clock (negative: behind), as a
// runner whose clock disagrees with GitHub's sees it.
func (f *Fake) SetClockOffset(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.offset = d
}

// startRuns starts a run of every workflow that listens for the event. Called with f.mu held.
func (f *Fake) startRuns(repo, event, branch string, match func(*Workflow) bool, vars map[string]string) *run {
	var last *run
	for _, wf := range f.workflows[strings.ToLower(repo)] {
		if !match(wf) || wf.state() != "active" { // a disabled workflow starts no run
			continue
		}
		f.nextRunID++
		title := wf.Name
		if wf.RunName != "" {
			title = renderRunName(wf.RunName, wf, vars)
		}
		last = &run{id: f.nextRunID, repo: repo, wf: wf, event: event, title: title, branch: branch,
			number: len(f.runs) + 1, created: f.now().UTC().Truncate(time.Second), conclusion: wf.Conclusion}
		f.runs = append(f.runs, last)
	}
	return last
}

var expr = regexp.MustCompile(`\$\{\{\s*([^}]*?)\s*\}\}`)

// renderRunName evaluates the run-name expressions the fake knows: github.event.action,
// github.event.client_payload.KEY, inputs.KEY, github.event.inputs.KEY, github.workflow.
func renderRunName(tmpl string, wf *Workflow, vars map[string]string) string {
	return expr.ReplaceAllStringFunc(tmpl, func(m string) string {
		e := strings.TrimSpace(expr.FindStringSubmatch(m)[1])
		if e == "github.workflow" {
			return wf.Name
		}
		return vars[strings.TrimPrefix(e, "github.event.")]
	})
}

// gone reports whether the run was deleted by now (Workflow.Vanishes).
func (r *run) gone(now time.Time) bool {
	return r.wf.Vanishes > 0 && now.Sub(r.created) >= r.wf.Vanishes
}

// state is the run's status and conclusion at time now.
func (r *run) state(now time.Time) (status, conclusion string, updated time.Time) {
	if !r.cancelled.IsZero() && !now.Before(r.cancelled) {
		return "completed", "cancelled", r.cancelled
	}
	age, waits := now.Sub(r.created), r.wf.waits()
	switch {
	case age < r.wf.Queued:
		return "queued", "", r.created
	case age < r.wf.Queued+waits:
		return "waiting", "", r.created.Add(r.wf.Queued)
	case age < r.wf.Queued+waits+r.wf.Running:
		return "in_progress", "", r.startedAt()
	}
	return "completed", r.conclusion, r.startedAt().Add(r.wf.Running)
}

// startedAt is when the run's jobs start: once queued, and approved if it waits for that.
func (r *run) startedAt() time.Time { return r.created.Add(r.wf.Queued + r.wf.waits()) }

// findWorkflow finds a workflow by numeric ID or file name. Called with f.mu held.
func (f *Fake) findWorkflow(repo, key string) *Workflow {
	for _, wf := range f.workflows[strings.ToLower(repo)] {
		if strconv.FormatInt(wf.ID, 10) == key || strings.EqualFold(wf.Path[strings.LastIndex(wf.Path, "/")+1:], key) {
			return wf
		}
	}
	return nil
}

// workflowDispatch answers POST /repos/{o}/{r}/actions/workflows/{wf}/dispatches as the
// server it plays, under the API version asked for: under 2026-03-10 always 200 with the
// run, and return_run_details is an unknown key; under 2022-11-28 return_run_details only
// where it exists (elsewhere an unknown key, refused with 422), and github.com announces
// the version's retirement (Deprecation, Sunset, Link). And that server's limit of inputs.
func (f *Fake) workflowDispatch(w *recorder, repo, key string, body []byte, version string) {
	const doc = "https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event"
	var req struct {
		Ref              *string                    `json:"ref"`
		Inputs           map[string]json.RawMessage `json:"inputs"`
		ReturnRunDetails *bool                      `json:"return_run_details"`
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil || fields == nil || json.Unmarshal(body, &req) != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON", doc)
		return
	}
	if version == APIVersion2022 && !f.Server().Enterprise() {
		setDeprecation(w.Header())
	}
	status, answer := f.dispatchWorkflow(repo, key, fields, req.Ref, req.Inputs, version, req.ReturnRunDetails != nil && *req.ReturnRunDetails)
	switch v := answer.(type) {
	case string:
		writeError(w, status, v, doc)
	case nil:
		w.WriteHeader(status)
	default:
		writeJSON(w, status, v, "")
	}
}

// dispatchWorkflow decides the answer to a workflow_dispatch, under the fake's lock: the
// status and GitHub's message (a string), the run details (an object), or no body.
func (f *Fake) dispatchWorkflow(repo, key string, fields map[string]json.RawMessage, ref *string, inputs map[string]json.RawMessage, version string, details bool) (int, any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	known := []string{"ref", "inputs"}
	if version == APIVersion2026 {
		details = true // always the run; the key is gone from this version
	} else if f.server.ReturnsRunDetails() {
		known = append(known, "return_run_details")
	}
	if k := unknownKey(fields, known...); k != "" {
		return http.StatusUnprocessableEntity, notPermitted(k)
	}
	if max := f.server.MaxWorkflowInputs(); len(inputs) > max {
		return http.StatusUnprocessableEntity, fmt.Sprintf("Invalid request.\n\nNo more than %d properties are allowed; %d were supplied.", max, len(inputs))
	}
	wf := f.findWorkflow(repo, key)
	if wf == nil {
		return http.StatusNotFound, "Not Found"
	}
	branch, vars, problem := f.checkDispatch(repo, wf, ref, inputs)
	if problem != "" {
		return http.StatusUnprocessableEntity, problem
	}
	r := f.startRuns(repo, "workflow_dispatch", branch, func(x *Workflow) bool { return x == wf }, vars)
	if details {
		return http.StatusOK, f.runDetailsJSON(repo, r.id)
	}
	return http.StatusNoContent, nil
}

// checkDispatch applies GitHub's rules for a workflow_dispatch of wf: the trigger, the
// ref, declared inputs of scalar values. It returns the branch and the run-name
// variables, or GitHub's 422 message. Called with f.mu held.
func (f *Fake) checkDispatch(repo string, wf *Workflow, ref *string, inputs map[string]json.RawMessage) (string, map[string]string, string) {
	if !wf.WorkflowDispatch {
		return "", nil, "Workflow does not have 'workflow_dispatch' trigger"
	}
	if ref == nil || *ref == "" {
		return "", nil, "Invalid request.\n\n\"ref\" wasn't supplied."
	}
	if wf.state() != "active" {
		return "", nil, "Cannot trigger a 'workflow_dispatch' on a disabled workflow"
	}
	branch := strings.TrimPrefix(*ref, "refs/heads/")
	if branch != "main" && !f.refs[strings.ToLower(repo)+"@"+branch] {
		return "", nil, "No ref found for: " + *ref
	}
	vars := map[string]string{}
	var unexpected []string
	for k, v := range inputs {
		if !slices.Contains(wf.Inputs, k) {
			unexpected = append(unexpected, strconv.Quote(k))
		}
		if len(v) > 0 && (v[0] == '{' || v[0] == '[' || v[0] == 'n') {
			return "", nil, fmt.Sprintf("Invalid request.\n\nFor 'properties/%s', %s is not a string, number or boolean.", k, v)
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			s = string(v)
		}
		vars["inputs."+k] = s
	}
	if len(unexpected) > 0 {
		sort.Strings(unexpected)
		return "", nil, "Unexpected inputs provided: [" + strings.Join(unexpected, ", ") + "]"
	}
	if problem := wf.checkInputs(inputs, vars); problem != "" {
		return "", nil, problem
	}
	return branch, vars, ""
}

// listRuns answers GET /repos/{o}/{r}/actions/runs and …/workflows/{wf}/runs, newest
// first, filtered by event and created, paged, with an ETag.
func (f *Fake) listRuns(w *recorder, r *http.Request, repo, workflowKey string) {
	q := r.URL.Query()
	perPage, page := pageOf(r)
	var since time.Time
	if c := q.Get("created"); c != "" {
		t, err := time.Parse(time.RFC3339, strings.TrimPrefix(c, ">="))
		if err != nil || !strings.HasPrefix(c, ">=") {
			writeError(w, http.StatusUnprocessableEntity, "Invalid created filter: "+c, "")
			return
		}
		since = t
	}
	f.mu.Lock()
	if f.hostile.EndlessRuns {
		body := f.endlessPage(repo, page, perPage)
		f.mu.Unlock()
		writeJSON(w, http.StatusOK, body, "")
		return
	}
	var wf *Workflow
	if workflowKey != "" {
		if wf = f.findWorkflow(repo, workflowKey); wf == nil {
			f.mu.Unlock()
			writeError(w, http.StatusNotFound, "Not Found", "")
			return
		}
	}
	now := f.now()
	match := [][]byte{}
	for i := len(f.runs) - 1; i >= 0; i-- {
		run := f.runs[i]
		if !strings.EqualFold(run.repo, repo) || now.Sub(run.created) < runAppearsAfter || run.gone(now) ||
			(wf != nil && run.wf != wf) || (q.Get("event") != "" && run.event != q.Get("event")) || run.created.Before(since) {
			continue
		}
		match = append(match, f.runJSON(run, now))
	}
	f.mu.Unlock()
	total := len(match)
	lo := min((page-1)*perPage, total)
	hi := min(lo+perPage, total)
	// Assembled from each run's JSON as rendered: encoding/json would re-read every one.
	body := append([]byte(`{"total_count":`+strconv.Itoa(total)+`,"workflow_runs":[`), bytes.Join(match[lo:hi], []byte(","))...)
	writeJSON(w, http.StatusOK, json.RawMessage(append(body, "]}"...)), r.Header.Get("If-None-Match"))
}

// getRun answers GET /repos/{o}/{r}/actions/runs/{id}, with an ETag.
func (f *Fake) getRun(w *recorder, r *http.Request, repo, id string) {
	f.mu.Lock()
	var found json.RawMessage
	if run := f.findRun(repo, id); run != nil && f.now().Sub(run.created) >= 0 {
		found = f.runJSON(run, f.now())
	}
	f.mu.Unlock()
	if found == nil {
		writeError(w, http.StatusNotFound, "Not Found", "https://docs.github.com/rest/actions/workflow-runs#get-a-workflow-run")
		return
	}
	writeJSON(w, http.StatusOK, found, r.Header.Get("If-None-Match"))
}

// writeJSON answers with v and a strong ETag of it; when ifNoneMatch names that ETag it
// answers 304 Not Modified with no body, as GitHub does.
func writeJSON(w http.ResponseWriter, status int, v any, ifNoneMatch string) {
	b, ok := v.(json.RawMessage)
	if !ok {
		b, _ = json.Marshal(v)
	}
	sum := sha256.Sum256(b)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	w.Header().Set("ETag", etag)
	if ifNoneMatch != "" && (ifNoneMatch == etag || ifNoneMatch == "W/"+etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// checkInputs applies the workflow's declarations as GitHub does: a required input
// without a default must be given ("Required input 'X' not provided"), and a choice or
// boolean takes only its allowed values (cli/cli#5246: "Provided value ” for input
// 'debug' not in the list of allowed values"). vars holds the values given, as strings.
func (wf *Workflow) checkInputs(given map[string]json.RawMessage, vars map[string]string) string {
	names := make([]string, 0, len(wf.InputSpecs))
	for name := range wf.InputSpecs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		in := wf.InputSpecs[name]
		v, ok := vars["inputs."+name]
		if _, sent := given[name]; !sent {
			if in.Required && in.Default == "" {
				return fmt.Sprintf("Required input '%s' not provided", name)
			}
			continue
		}
		allowed := in.Options
		if in.Type == "boolean" {
			allowed = []string{"true", "false"}
		}
		if ok && (in.Type == "choice" || in.Type == "boolean") && !slices.Contains(allowed, v) {
			return fmt.Sprintf("Provided value '%s' for input '%s' not in the list of allowed values", v, name)
		}
	}
	return ""
}
