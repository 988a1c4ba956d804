package runs

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/untrusted"
)

// What happens after a run ends: why it failed (jobs, steps, annotations, log tails), its
// outputs artifact, and cancelling it.

// After says what to do once following a run ended.
type After struct {
	CancelOnAbort   bool       // cancel the run if the step gave up on it
	LogLines        int        // of each failed job's log (0: none)
	Logs            *LogBudget // what all targets' log tails may hold together (nil: no bound)
	OutputsArtifact string     // read outputs.json from this artifact of a successful run
}

// StepLogBytes is how many bytes of log tails one step keeps, all targets together.
const StepLogBytes = 16 << 20

// LogBudget is how many bytes of log tails are left to keep, shared by a step's targets:
// whatever the logs hold and however many targets there are, their tails cost at most
// what the budget started with. It is safe for concurrent use.
type LogBudget struct {
	mu   sync.Mutex
	left int
}

// NewLogBudget returns a budget of n bytes.
func NewLogBudget(n int) *LogBudget { return &LogBudget{left: n} }

// fit takes from the budget the last lines that fit in it, and reports whether any were
// left out.
func (b *LogBudget) fit(lines []string) ([]string, bool) {
	if b == nil {
		return lines, false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	i := len(lines)
	for i > 0 && len(lines[i-1]) <= b.left {
		i--
		b.left -= len(lines[i])
	}
	return lines[i:], i > 0
}

// Outcome is all that following a run found out.
type Outcome struct {
	Run        Run
	Err        error // why following failed (or the run did, with FailOnConclusion)
	FailedJobs []event.FailedJob
	Outputs    json.RawMessage
	Cancelled  bool     // the step cancelled the run
	Warnings   []string // what went wrong without failing: a permission missing, a cancel refused
}

// cancelTimeout bounds cancelling a run the step gave up on, even after a signal.
const cancelTimeout = 5 * time.Second

// FollowThrough follows the run (Follow), then: cancels it if the step gave up on it and
// a.CancelOnAbort is set; explains it if it completed without success; reads its outputs
// artifact if it succeeded. A missing permission for the explanation or the outputs is a
// warning; a missing or malformed outputs artifact is the Outcome's Err.
func (p *Poller) FollowThrough(ctx context.Context, d Dispatched, f Follow, a After, onChange func(Run)) Outcome {
	o := Outcome{}
	o.Run, o.Err = p.Follow(ctx, d, f, onChange)
	id := o.Run.ID // a run GitHub named is known whatever follows
	if o.Err != nil && a.CancelOnAbort && id != 0 && GaveUp(o.Err) {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cancelTimeout)
		defer cancel()
		if err := p.Cancel(cctx, id); err != nil {
			o.Warnings = append(o.Warnings, fmt.Sprintf("run %d could not be cancelled (cancel-run-on-abort): %v", id, err))
		} else {
			o.Cancelled = true
			o.Warnings = append(o.Warnings, fmt.Sprintf("run %d was cancelled, as cancel-run-on-abort asks, because the step gave up on it", id))
		}
	}
	if o.Run.Status != event.StatusCompleted || id == 0 {
		return o
	}
	if o.Run.Conclusion != event.ConclusionSuccess {
		var warnings []string
		o.FailedJobs, warnings = p.Explain(ctx, id, a.LogLines, a.Logs)
		o.Warnings = append(o.Warnings, warnings...)
		return o
	}
	if a.OutputsArtifact != "" && o.Err == nil {
		out, err := p.Outputs(ctx, id, a.OutputsArtifact)
		switch kind := ghclient.CauseOf(err).Kind; {
		case err == nil:
			o.Outputs = out
		case kind == ghclient.Forbidden || kind == ghclient.NotFound:
			o.Warnings = append(o.Warnings, fmt.Sprintf("%v: give the token Actions: read to read the run's artifacts", err))
		default:
			o.Err = err
		}
	}
	return o
}

// Bounds of explaining a failed run.
const (
	maxFailedJobs    = 20               // named in the results
	maxAnnotations   = 5                // per failed job
	maxLogJobs       = 3                // jobs whose log tail is shown
	maxLogBytes      = 32 << 20         // read of one job's log, keeping only the tail
	maxLineRunes     = 500              // one log line or annotation message
	logTimeout       = 15 * time.Second // one log, redirect included
	maxArtifactBytes = 10 << 20         // the outputs artifact's zip
	MaxOutputsBytes  = 1 << 20          // outputs.json inside it
	OutputsFile      = "outputs.json"
)

// Explain lists the run's jobs (latest attempt) and names each that did not succeed, with
// its failed steps, its check-run annotations (failure level first) and, for the first
// few, the last logLines lines of its log. What cannot be read (a missing permission) is a
// warning with a hint, not a failure.
func (p *Poller) Explain(ctx context.Context, runID int64, logLines int, logs *LogBudget) (jobs []event.FailedJob, warnings []string) {
	var list struct {
		Jobs []struct {
			ID          int64            `json:"id"`
			Name        string           `json:"name"`
			Conclusion  event.Conclusion `json:"conclusion"`
			HTMLURL     string           `json:"html_url"`
			CheckRunURL string           `json:"check_run_url"`
			Steps       []struct {
				Name       string           `json:"name"`
				Conclusion event.Conclusion `json:"conclusion"`
			} `json:"steps"`
		} `json:"jobs"`
	}
	if err := p.get(ctx, p.Repo.Path()+fmt.Sprintf("actions/runs/%d/jobs?filter=latest&per_page=100", runID), "jobs", &list); err != nil {
		return nil, []string{permissionWarning("the run's jobs", "Actions: read", err)}
	}
	for _, j := range list.Jobs {
		if !failed(j.Conclusion) || len(jobs) == maxFailedJobs {
			continue
		}
		fj := event.FailedJob{Name: clip(j.Name), URL: j.HTMLURL}
		if !ghclient.WebURL(fj.URL, p.Client.BaseURL) {
			fj.URL = ""
		}
		for _, st := range j.Steps {
			if failed(st.Conclusion) && len(fj.FailedSteps) < 10 {
				fj.FailedSteps = append(fj.FailedSteps, clip(st.Name))
			}
		}
		if id, ok := lastID(j.CheckRunURL); ok {
			anns, err := p.annotations(ctx, id)
			if err != nil {
				warnings = appendOnce(warnings, permissionWarning("the jobs' annotations", "Checks: read", err))
			}
			fj.Annotations = anns
		}
		if logLines > 0 && len(jobs) < maxLogJobs {
			tail, err := p.logTail(ctx, j.ID, logLines)
			if err != nil {
				warnings = appendOnce(warnings, permissionWarning("the jobs' logs", "Actions: read", err))
			}
			var left bool
			if fj.LogTail, left = logs.fit(tail); left {
				warnings = appendOnce(warnings, fmt.Sprintf("log lines left out: the step keeps at most %d MiB of failed jobs' logs, all targets together; open the runs for the rest", StepLogBytes>>20))
			}
		}
		jobs = append(jobs, fj)
	}
	return jobs, warnings
}

// failed: a job or step that ended without success (skipped and neutral are not failures).
func failed(c event.Conclusion) bool {
	switch c {
	case "", event.ConclusionSuccess, event.ConclusionSkipped, event.ConclusionNeutral:
		return false
	}
	return true
}

// lastID reads the numeric ID at the end of a URL such as GitHub's check_run_url. Only
// the number is used: the request goes to the API root, not to the URL the server named.
func lastID(u string) (int64, bool) {
	i := strings.LastIndexByte(u, '/')
	n, err := strconv.ParseInt(u[i+1:], 10, 64)
	return n, err == nil && n > 0
}

// annotations reads a check run's annotations, failure level first, at most a handful.
func (p *Poller) annotations(ctx context.Context, checkRunID int64) ([]event.Annotation, error) {
	var list []struct {
		Path      string `json:"path"`
		StartLine int    `json:"start_line"`
		Level     string `json:"annotation_level"`
		Title     string `json:"title"`
		Message   string `json:"message"`
	}
	if err := p.get(ctx, p.Repo.Path()+fmt.Sprintf("check-runs/%d/annotations?per_page=50", checkRunID), "annotations", &list); err != nil {
		return nil, err
	}
	rank := map[string]int{"failure": 0, "warning": 1, "notice": 2}
	sort.SliceStable(list, func(i, j int) bool { return levelRank(rank, list[i].Level) < levelRank(rank, list[j].Level) })
	var out []event.Annotation
	for _, a := range list[:min(len(list), maxAnnotations)] {
		level := a.Level
		if _, ok := rank[level]; !ok {
			level = "notice"
		}
		out = append(out, event.Annotation{Level: level, Title: clip(a.Title), Message: clip(a.Message), Path: clip(a.Path), Line: a.StartLine})
	}
	return out, nil
}

func levelRank(rank map[string]int, level string) int {
	if r, ok := rank[level]; ok {
		return r
	}
	return len(rank)
}

// logTail fetches a job's log (GitHub redirects to a storage host, reached without the
// token) and keeps its last n lines, timestamps cut, whatever its size.
func (p *Poller) logTail(ctx context.Context, jobID int64, n int) ([]string, error) {
	tail := newTail(n)
	err := p.fetch(ctx, p.Repo.Path()+fmt.Sprintf("actions/jobs/%d/logs", jobID), maxLogBytes, func(body io.Reader) error {
		if _, err := io.Copy(tail, body); err != nil && !errors.Is(err, ghclient.ErrBodyTooLarge) {
			return err
		}
		return nil // past the cap: the tail read so far is the log's start, still worth showing
	})
	if err != nil {
		return nil, err
	}
	return tail.lines(), nil
}

// fetch GETs path (following GitHub's redirect to its storage host, where the token does
// not go) within logTimeout, and hands read a body of at most limit bytes.
func (p *Poller) fetch(ctx context.Context, path string, limit int64, read func(io.Reader) error) error {
	ctx, cancel := context.WithTimeout(ghclient.WithBodyLimit(ctx, limit), logTimeout)
	defer cancel()
	req, err := p.Client.NewRequest("GET", path, nil)
	if err != nil {
		return err
	}
	resp, err := p.Client.BareDo(ctx, req)
	if err != nil {
		return ghclient.Check(err)
	}
	defer resp.Body.Close()
	if err := read(resp.Body); err != nil {
		return ghclient.Check(err)
	}
	return nil
}

// tail keeps the last n lines written to it, each cut as it is read (a line of any length
// costs at most maxLineBytes) and all of them within maxTailBytes: a log of any size, with
// lines of any length, costs a bounded amount of memory.
type tail struct {
	n       int
	ring    []string // the last lines, cut and timestamps removed, oldest first
	bytes   int      // their size
	partial []byte   // the start of the line being read, at most maxLineBytes
	cut     bool     // the line being read is longer than partial
}

// What one job's log tail may hold.
const (
	maxLineBytes = 4 * maxLineRunes // of one line as read: maxLineRunes at 4 bytes each
	maxTailBytes = 256 << 10        // of all the lines kept
)

func newTail(n int) *tail { return &tail{n: n} }

func (t *tail) Write(p []byte) (int, error) {
	written := len(p)
	for len(p) > 0 {
		line := p
		i := bytes.IndexByte(p, '\n')
		if i >= 0 {
			line = p[:i]
		}
		room := maxLineBytes - len(t.partial)
		if len(line) > room {
			line, t.cut = line[:room], true
		}
		t.partial = append(t.partial, line...)
		if i < 0 {
			break
		}
		t.push()
		p = p[i+1:]
	}
	return written, nil
}

// push ends the line being read: shown without its timestamp, cut to maxLineRunes.
func (t *tail) push() {
	line := clip(timestamp.ReplaceAllString(strings.TrimRight(string(t.partial), "\r"), ""))
	if t.cut && !strings.HasSuffix(line, "…") {
		line += "…"
	}
	t.partial, t.cut = t.partial[:0], false
	t.ring = append(t.ring, line)
	t.bytes += len(line)
	for len(t.ring) > t.n || t.bytes > maxTailBytes {
		t.bytes -= len(t.ring[0])
		t.ring = t.ring[1:]
	}
}

var timestamp = regexp.MustCompile(`^\x{FEFF}?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z `)

// lines are the lines kept, the last one even without its line break.
func (t *tail) lines() []string {
	if len(t.partial) > 0 || t.cut {
		t.push()
	}
	return append([]string(nil), t.ring...)
}

// clip makes server text one line of at most maxLineRunes.
func clip(s string) string { return untrusted.Line(s, maxLineRunes) }

func appendOnce(list []string, s string) []string {
	for _, v := range list {
		if v == s {
			return list
		}
	}
	return append(list, s)
}

// permissionWarning says what could not be read and, for a 403 or 404, the permission
// that would let it be read.
func permissionWarning(what, permission string, err error) string {
	switch ghclient.CauseOf(err).Kind {
	case ghclient.Forbidden, ghclient.NotFound:
		return fmt.Sprintf("%s could not be read (%v): give the token %s to see them here", what, err, permission)
	}
	return fmt.Sprintf("%s could not be read: %v", what, err)
}

// Cancel asks GitHub to cancel the run. A run that completed meanwhile is not an error.
func (p *Poller) Cancel(ctx context.Context, runID int64) error {
	resp, err := p.Client.Actions.CancelWorkflowRunByID(ctx, p.Repo.Owner, p.Repo.Name, runID)
	if resp != nil && (resp.StatusCode == http.StatusAccepted || resp.StatusCode == http.StatusConflict) {
		return nil // cancelling, or completed already
	}
	return ghclient.Check(err)
}

// OutputsError says why a run's outputs could not be read.
type OutputsError struct {
	Artifact string
	Why      string
	Err      error // the GitHub failure behind it, if any
}

func (e *OutputsError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("outputs artifact %q: %s: %v", e.Artifact, e.Why, e.Err)
	}
	return fmt.Sprintf("outputs artifact %q: %s", e.Artifact, e.Why)
}

func (e *OutputsError) Unwrap() error { return e.Err }

// Outputs finds the artifact named name on the run, downloads its zip (GitHub redirects to
// a storage host, reached without the token) and returns the JSON object in its
// outputs.json, compacted.
func (p *Poller) Outputs(ctx context.Context, runID int64, name string) (json.RawMessage, error) {
	var list struct {
		Artifacts []struct {
			ID      int64  `json:"id"`
			Name    string `json:"name"`
			Expired bool   `json:"expired"`
		} `json:"artifacts"`
	}
	path := p.Repo.Path() + fmt.Sprintf("actions/runs/%d/artifacts?per_page=100&name=%s", runID, url.QueryEscape(name))
	if err := p.get(ctx, path, "artifacts", &list); err != nil {
		return nil, &OutputsError{Artifact: name, Why: "the run's artifacts could not be listed", Err: err}
	}
	var id int64
	for _, a := range list.Artifacts {
		if a.Name == name && !a.Expired {
			id = a.ID
		}
	}
	if id == 0 {
		return nil, &OutputsError{Artifact: name, Why: fmt.Sprintf("run %d has no such artifact", runID)}
	}
	archive, err := p.download(ctx, p.Repo.Path()+fmt.Sprintf("actions/artifacts/%d/zip", id))
	if err != nil {
		return nil, &OutputsError{Artifact: name, Why: "the archive could not be downloaded", Err: err}
	}
	return readOutputs(name, archive)
}

func (p *Poller) download(ctx context.Context, path string) ([]byte, error) {
	var data []byte
	err := p.fetch(ctx, path, maxArtifactBytes, func(body io.Reader) (err error) {
		data, err = io.ReadAll(body)
		return err
	})
	return data, err
}

// readOutputs reads outputs.json from a zip archive: at most MaxOutputsBytes however the
// archive claims its size, and a JSON object.
func readOutputs(name string, archive []byte) (json.RawMessage, error) {
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		return nil, &OutputsError{Artifact: name, Why: "it is not a zip archive"}
	}
	for _, f := range zr.File {
		if f.Name != OutputsFile {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, &OutputsError{Artifact: name, Why: fmt.Sprintf("%s cannot be read: %v", OutputsFile, err)}
		}
		data, err := io.ReadAll(io.LimitReader(rc, MaxOutputsBytes+1))
		_ = rc.Close()
		if err != nil {
			return nil, &OutputsError{Artifact: name, Why: fmt.Sprintf("%s cannot be read: %v", OutputsFile, err)}
		}
		if len(data) > MaxOutputsBytes {
			return nil, &OutputsError{Artifact: name, Why: fmt.Sprintf("%s is larger than 1 MiB", OutputsFile)}
		}
		var out bytes.Buffer
		if json.Compact(&out, data) != nil || out.Len() == 0 || out.Bytes()[0] != '{' {
			return nil, &OutputsError{Artifact: name, Why: fmt.Sprintf("%s is not a JSON object", OutputsFile)}
		}
		return out.Bytes(), nil
	}
	return nil, &OutputsError{Artifact: name, Why: fmt.Sprintf("it holds no %s at its top level", OutputsFile)}
}
