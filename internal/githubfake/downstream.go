package githubfake

import (
	"archive/zip"
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Job is a job of a workflow's runs: its steps, the annotations its check run carries,
// and its log. Its name is as GitHub lists it: a matrix job's "build (ubuntu-latest, 20)",
// a called reusable workflow's job's "deploy / compile".
type Job struct {
	Name        string       `json:"name"`
	Conclusion  string       `json:"conclusion,omitempty"` // when it completes; default: the run's conclusion
	Steps       []Step       `json:"steps,omitempty"`
	Annotations []Annotation `json:"annotations,omitempty"`
	Log         string       `json:"log,omitempty"` // the job's log, timestamped lines as GitHub serves them

	// Appears is how long after its run started (in progress) the job is first listed (a
	// job that needs others, or one of a called reusable workflow); 0: at once. Finishes is
	// how long after its run started it completes; 0: when its run does (a job cannot
	// outlast its run: past the run's Running, it completes with the run).
	Appears  time.Duration `json:"-"`
	Finishes time.Duration `json:"-"`
}

// jobView is a job as listed at one moment.
type jobView struct {
	status     string
	conclusion any // null until it completes
	completed  time.Time
	steps      []any
}

// view is the job at now, in a run of the given state; false while it is not listed yet.
func (j Job) view(rn *run, now time.Time) (jobView, bool) {
	status, runConclusion, _ := rn.state(now)
	started := rn.startedAt()
	switch {
	case status == "queued" || status == "waiting":
		return j.with("queued", nil, time.Time{}), j.Appears == 0
	case status != "completed" && now.Before(started.Add(j.Appears)):
		return jobView{}, false
	}
	end := started.Add(rn.wf.Running) // the run's, or when it was cancelled
	if !rn.cancelled.IsZero() && rn.cancelled.Before(end) {
		end = rn.cancelled
	}
	if started.Add(j.Appears).After(end) {
		return jobView{}, false // its run ended before it was created
	}
	finish := end
	if j.Finishes > 0 && started.Add(j.Finishes).Before(finish) {
		finish = started.Add(j.Finishes)
	}
	if status != "completed" && now.Before(finish) {
		return j.with("in_progress", nil, time.Time{}), true
	}
	var conclusion any = rn.conclusion // as its run was to end
	if j.Conclusion != "" {
		conclusion = j.Conclusion
	}
	if runConclusion == "cancelled" && !finish.Before(end) {
		conclusion = "cancelled" // still going when its run was cancelled
	}
	return j.with("completed", conclusion, finish), true
}

func (j Job) with(status string, conclusion any, completed time.Time) jobView {
	v := jobView{status: status, conclusion: conclusion, completed: completed, steps: []any{}}
	for n, st := range j.Steps {
		var sc any
		if status == "completed" {
			sc = st.Conclusion
			if st.Conclusion == "" {
				sc = "success"
			}
		}
		v.steps = append(v.steps, map[string]any{"number": n + 1, "name": st.Name, "status": status, "conclusion": sc})
	}
	return v
}

// Step is a step of a job.
type Step struct {
	Name       string `json:"name"`
	Conclusion string `json:"conclusion,omitempty"` // default "success"
}

// Annotation is one check-run annotation (what a step's ::error line becomes).
type Annotation struct {
	Level   string `json:"level"` // notice, warning, failure
	Title   string `json:"title,omitempty"`
	Message string `json:"message"`
	Path    string `json:"path,omitempty"`
	Line    int    `json:"line,omitempty"`
}

// storage is the second host logs and artifacts are served from, by redirect, as GitHub
// serves them from blob storage: it authenticates by the signature in the URL and refuses
// a request that also carries Authorization.
type storage struct {
	*httptest.Server
	mu       sync.Mutex
	objects  map[string][]byte // by path
	requests []Request
}

func (f *Fake) storageHost() *storage {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.store != nil {
		return f.store
	}
	st := &storage{objects: map[string][]byte{}}
	st.Server = httptest.NewServer(http.HandlerFunc(st.serve))
	f.store = st
	return st
}

func (st *storage) put(path string, data []byte) string {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.objects[path] = data
	return st.URL + path + "?sig=" + strconv.Itoa(len(path)*7919) + "&se=2099-01-01"
}

func (st *storage) serve(w http.ResponseWriter, r *http.Request) {
	st.mu.Lock()
	st.requests = append(st.requests, Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone()})
	data, ok := st.objects[r.URL.Path]
	st.mu.Unlock()
	switch {
	case r.Header.Get("Authorization") != "":
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte("<Error><Code>InvalidAuthenticationInfo</Code><Message>Authentication information is not given in the correct format.</Message></Error>"))
	case !ok || r.URL.Query().Get("sig") != strconv.Itoa(len(r.URL.Path)*7919):
		w.WriteHeader(http.StatusForbidden)
	default:
		_, _ = w.Write(data)
	}
}

// StorageRequests lists what the storage host received.
func (f *Fake) StorageRequests() []Request {
	st := f.storageHost()
	st.mu.Lock()
	defer st.mu.Unlock()
	return append([]Request(nil), st.requests...)
}

// Cancelled lists the runs cancelled through the API.
func (f *Fake) Cancelled() []int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []int64
	for _, r := range f.runs {
		if !r.cancelled.IsZero() {
			ids = append(ids, r.id)
		}
	}
	return ids
}

// findRun finds a run of repo by ID, unless it was deleted. Called with f.mu held.
func (f *Fake) findRun(repo, id string) *run {
	for _, r := range f.runs {
		if strings.EqualFold(r.repo, repo) && strconv.FormatInt(r.id, 10) == id && !r.gone(f.now()) {
			return r
		}
	}
	return nil
}

// routeDownstream serves what GitHub offers about a run after it started: jobs, check-run
// annotations, logs and artifacts (by redirect to storage), cancel, and the workflows.
func (f *Fake) routeDownstream(w *recorder, r *http.Request, repo, pattern, id string) {
	switch pattern {
	case "actions/workflows":
		f.listWorkflows(w, r, repo)
	case "actions/runs/*/jobs":
		f.listJobs(w, r, repo, id)
	case "actions/runs/*/pending_deployments":
		f.pendingDeployments(w, repo, id)
	case "check-runs/*/annotations":
		f.annotations(w, repo, id)
	case "actions/jobs/*/logs":
		f.jobLog(w, r, repo, id)
	case "actions/runs/*/artifacts":
		f.listArtifacts(w, r, repo, id)
	case "actions/artifacts/*/zip":
		f.artifactZip(w, r, repo, id)
	case "actions/runs/*/cancel":
		f.cancel(w, repo, id)
	}
}

func (f *Fake) listWorkflows(w *recorder, r *http.Request, repo string) {
	perPage, page := pageOf(r)
	f.mu.Lock()
	all := f.workflows[strings.ToLower(repo)]
	list := []map[string]any{}
	for i := (page - 1) * perPage; i >= 0 && i < len(all) && i < page*perPage; i++ {
		list = append(list, f.workflowJSON(repo, all[i]))
	}
	f.mu.Unlock()
	if page*perPage < len(all) { // as GitHub pages: the next page in a Link header
		next := *r.URL
		q := next.Query()
		q.Set("page", strconv.Itoa(page+1))
		next.RawQuery = q.Encode()
		w.Header().Set("Link", fmt.Sprintf(`<%s%s>; rel="next"`, f.srv.URL, next.RequestURI()))
	}
	writeJSON(w, http.StatusOK, map[string]any{"total_count": len(all), "workflows": list}, "")
}

// pendingDeployments answers GET …/actions/runs/{id}/pending_deployments: while a run
// waits for approval, its environment, reviewers and wait timer; else none.
func (f *Fake) pendingDeployments(w *recorder, repo, runID string) {
	f.mu.Lock()
	rn := f.findRun(repo, runID)
	list := []any{}
	if rn != nil {
		if status, _, since := rn.state(f.now()); status == "waiting" {
			list = append(list, f.pendingJSON(repo, rn.wf.Approval, since))
		}
	}
	f.mu.Unlock()
	if rn == nil {
		writeError(w, http.StatusNotFound, "Not Found", "")
		return
	}
	writeJSON(w, http.StatusOK, list, "")
}

// perRun spaces the IDs of a run's jobs (and artifacts): ID = run ID × perRun + index.
const perRun = 1000

// jobOf finds job number idx of a run by the job ID (run ID × perRun + index).
func (f *Fake) jobOf(repo, jobID string) (*run, int) {
	n, err := strconv.ParseInt(jobID, 10, 64)
	if err != nil {
		return nil, 0
	}
	rn := f.findRun(repo, strconv.FormatInt(n/perRun, 10))
	if rn == nil || int(n%perRun) >= len(rn.wf.Jobs) {
		return nil, 0
	}
	return rn, int(n % perRun)
}

// listJobs answers GET …/actions/runs/{id}/jobs: the jobs listed by now, paged, with an
// ETag.
func (f *Fake) listJobs(w *recorder, r *http.Request, repo, runID string) {
	perPage, page := pageOf(r)
	f.mu.Lock()
	rn := f.findRun(repo, runID)
	if rn == nil {
		f.mu.Unlock()
		writeError(w, http.StatusNotFound, "Not Found", "")
		return
	}
	now := f.now()
	jobs := []map[string]any{}
	for i, j := range rn.wf.Jobs {
		if v, listed := j.view(rn, now); listed {
			jobs = append(jobs, f.jobJSON(rn, rn.id*perRun+int64(i), j, v))
		}
	}
	f.mu.Unlock()
	lo := min((page-1)*perPage, len(jobs))
	hi := min(lo+perPage, len(jobs))
	writeJSON(w, http.StatusOK, map[string]any{"total_count": len(jobs), "jobs": jobs[lo:hi]}, r.Header.Get("If-None-Match"))
}

// pageOf reads per_page (default 30, at most 100) and page (default 1), as GitHub does.
func pageOf(r *http.Request) (perPage, page int) {
	perPage, page = 30, 1
	if v, err := strconv.Atoi(r.URL.Query().Get("per_page")); err == nil && v > 0 {
		perPage = min(v, 100)
	}
	if v, err := strconv.Atoi(r.URL.Query().Get("page")); err == nil && v > 0 {
		page = v
	}
	return perPage, page
}

const checkRunOffset = 50_000_000

func (f *Fake) annotations(w *recorder, repo, checkRunID string) {
	n, _ := strconv.ParseInt(checkRunID, 10, 64)
	f.mu.Lock()
	rn, idx := f.jobOf(repo, strconv.FormatInt(n-checkRunOffset, 10))
	list := []map[string]any{}
	if rn != nil {
		for _, a := range rn.wf.Jobs[idx].Annotations {
			list = append(list, f.annotationJSON(a))
		}
	}
	f.mu.Unlock()
	if rn == nil {
		writeError(w, http.StatusNotFound, "Not Found", "")
		return
	}
	writeJSON(w, http.StatusOK, list, "")
}

func (f *Fake) jobLog(w *recorder, r *http.Request, repo, jobID string) {
	f.mu.Lock()
	rn, idx := f.jobOf(repo, jobID)
	var log string
	if rn != nil {
		log = rn.wf.Jobs[idx].Log
	}
	f.mu.Unlock()
	if rn == nil {
		writeError(w, http.StatusNotFound, "Not Found", "")
		return
	}
	http.Redirect(w, r, f.storageHost().put("/logs/"+jobID+".txt", []byte(log)), http.StatusFound)
}

func (f *Fake) listArtifacts(w *recorder, r *http.Request, repo, runID string) {
	f.mu.Lock()
	rn := f.findRun(repo, runID)
	list := []map[string]any{}
	if rn != nil {
		names := make([]string, 0, len(rn.wf.Artifacts))
		for name := range rn.wf.Artifacts {
			names = append(names, name)
		}
		sort.Strings(names)
		for i, name := range names {
			if q := r.URL.Query().Get("name"); q != "" && q != name {
				continue
			}
			list = append(list, f.artifactJSON(rn, rn.id*perRun+int64(i), name))
		}
	}
	f.mu.Unlock()
	if rn == nil {
		writeError(w, http.StatusNotFound, "Not Found", "")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"total_count": len(list), "artifacts": list}, "")
}

func (f *Fake) artifactZip(w *recorder, r *http.Request, repo, artifactID string) {
	n, _ := strconv.ParseInt(artifactID, 10, 64)
	f.mu.Lock()
	rn := f.findRun(repo, strconv.FormatInt(n/perRun, 10))
	var files map[string]string
	if rn != nil {
		names := make([]string, 0, len(rn.wf.Artifacts))
		for name := range rn.wf.Artifacts {
			names = append(names, name)
		}
		sort.Strings(names)
		if i := int(n % perRun); i < len(names) {
			files = rn.wf.Artifacts[names[i]]
		}
	}
	f.mu.Unlock()
	if files == nil {
		writeError(w, http.StatusNotFound, "Not Found", "")
		return
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, content := range files {
		fw, _ := zw.Create(name)
		_, _ = fw.Write([]byte(content))
	}
	_ = zw.Close()
	http.Redirect(w, r, f.storageHost().put("/artifacts/"+artifactID+".zip", buf.Bytes()), http.StatusFound)
}

func (f *Fake) cancel(w *recorder, repo, runID string) {
	f.mu.Lock()
	rn := f.findRun(repo, runID)
	var status string
	if rn != nil {
		status, _, _ = rn.state(f.now())
		if status != "completed" {
			rn.cancelled = f.now()
		}
	}
	f.mu.Unlock()
	switch {
	case rn == nil:
		writeError(w, http.StatusNotFound, "Not Found", "")
	case status == "completed":
		writeError(w, http.StatusConflict, "Cannot cancel a workflow run that is completed.", "")
	default:
		writeJSON(w, http.StatusAccepted, map[string]any{}, "")
	}
}
