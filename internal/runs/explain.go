package runs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/untrusted"
)

// Why a run failed: its failed jobs and steps, their check-run annotations, and the
// last lines of their logs, within a budget the whole step shares.

// Bounds of explaining a failed run.
const (
	maxFailedJobs  = 20               // named in the results
	maxAnnotations = 5                // per failed job
	maxLogJobs     = 3                // jobs whose log tail is shown
	maxLogBytes    = 32 << 20         // read of one job's log, keeping only the tail
	maxLineRunes   = 500              // one log line or annotation message
	logTimeout     = 15 * time.Second // one log, redirect included
)

// Explain lists the run's jobs (latest attempt) and names each that did not succeed (of
// those only names, when given), with its failed steps, its check-run annotations (failure
// level first) and, for the first few, the last logLines lines of its log. What cannot be
// read (a missing permission) is a Shortfall, not a failure.
func (p *Client) Explain(ctx context.Context, runID int64, only []string, logLines int, logs *LogBudget) (jobs []FailedJob, short []Shortfall) {
	list, err := p.explainedJobs(ctx, runID)
	if err != nil {
		return nil, []Shortfall{{Kind: Unreadable, What: "the run's jobs", Permission: "actions=read", Err: err}}
	}
	for _, j := range list {
		if !failed(j.Conclusion) || len(jobs) == maxFailedJobs || len(only) > 0 && !matchesAny(j.Name, only) {
			continue
		}
		fj := FailedJob{Name: clip(j.Name), URL: j.HTMLURL}
		if !ghclient.WebURL(fj.URL, p.API.BaseURL) {
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
				short = appendOnce(short, Shortfall{Kind: Unreadable, What: "the jobs' annotations", Permission: "checks=read", Err: err})
			}
			fj.Annotations = anns
		}
		if logLines > 0 && len(jobs) < maxLogJobs {
			tail, err := p.logTail(ctx, j.ID, logLines)
			if err != nil {
				short = appendOnce(short, Shortfall{Kind: Unreadable, What: "the jobs' logs", Permission: "actions=read", Err: err})
			}
			var left bool
			if fj.LogTail, left = logs.fit(tail); left {
				short = appendOnce(short, Shortfall{Kind: LogsLeftOut})
			}
		}
		jobs = append(jobs, fj)
	}
	return jobs, short
}

// explainedJob is a job as Explain reads it: with its steps and check run.
type explainedJob struct {
	ID          int64      `json:"id"`
	Name        string     `json:"name"`
	Conclusion  Conclusion `json:"conclusion"`
	HTMLURL     string     `json:"html_url"`
	CheckRunURL string     `json:"check_run_url"`
	Steps       []struct {
		Name       string     `json:"name"`
		Conclusion Conclusion `json:"conclusion"`
	} `json:"steps"`
}

// explainedJobs lists the jobs of the run's latest attempt, every page (as the wait reads
// them), so that a failed job after the first hundred is explained too.
func (p *Client) explainedJobs(ctx context.Context, runID int64) ([]explainedJob, error) {
	var all []explainedJob
	for page := 1; page <= maxJobPages; page++ {
		var list struct {
			TotalCount int            `json:"total_count"`
			Jobs       []explainedJob `json:"jobs"`
		}
		if err := p.get(ctx, p.jobsPath(runID, page), "jobs", &list); err != nil {
			return nil, err
		}
		all = append(all, list.Jobs...)
		if size := p.Server.PageSize(); page*size >= list.TotalCount || len(list.Jobs) < size {
			break
		}
	}
	return all, nil
}

// failed: a job or step that ended without success (skipped and neutral are not failures).
func failed(c Conclusion) bool {
	switch c {
	case "", ConclusionSuccess, ConclusionSkipped, ConclusionNeutral:
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
func (p *Client) annotations(ctx context.Context, checkRunID int64) ([]Annotation, error) {
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
	var out []Annotation
	for _, a := range list[:min(len(list), maxAnnotations)] {
		level := a.Level
		if _, ok := rank[level]; !ok {
			level = "notice"
		}
		out = append(out, Annotation{Level: level, Title: clip(a.Title), Message: clip(a.Message), Path: clip(a.Path), Line: a.StartLine})
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
// token; Gitea answers with it) and keeps its last n lines, timestamps cut, whatever its
// size: on Gitea the last n before the runner's own closing lines.
func (p *Client) logTail(ctx context.Context, jobID int64, n int) ([]string, error) {
	gitea := p.Server.Forge() == ghclient.Gitea
	tail := newTail(n)
	if gitea {
		tail = newTail(n + maxRunnerLines)
	}
	err := p.fetch(ctx, p.Repo.Path()+fmt.Sprintf("actions/jobs/%d/logs", jobID), maxLogBytes, func(body io.Reader) error {
		if _, err := io.Copy(tail, body); err != nil && !errors.Is(err, ghclient.ErrBodyTooLarge) {
			return err
		}
		return nil // past the cap: the tail read so far is the log's start, still worth showing
	})
	if err != nil {
		return nil, err
	}
	lines := tail.lines()
	if gitea {
		lines = withoutRunnerLines(lines)
		lines = lines[max(len(lines)-n, 0):]
	}
	return lines, nil
}

// maxRunnerLines is how many closing lines of its own Gitea's runner writes at most.
const maxRunnerLines = 4

// withoutRunnerLines is a Gitea job's log without the closing lines its runner writes
// after the job's own (gitea.com/gitea/runner: "Cleaning up container for job build",
// "Job failed", "Job 'build' failed"), which say nothing of why the job failed.
func withoutRunnerLines(lines []string) []string {
	for cut := 0; cut < maxRunnerLines && len(lines) > 0; cut++ {
		last := lines[len(lines)-1]
		name, quoted := strings.CutPrefix(last, "Job '")
		switch {
		case last == "Job failed", last == "Job succeeded",
			quoted && strings.HasSuffix(name, "' failed"),
			strings.HasPrefix(last, "Cleaning up ") && strings.Contains(last, " for job "):
			lines = lines[:len(lines)-1]
		default:
			return lines
		}
	}
	return lines
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
	line := clip(timestamp().ReplaceAllString(strings.TrimRight(string(t.partial), "\r"), ""))
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

var timestamp = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\x{FEFF}?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z `) }) // compiled when first used, not at every start

// lines are the lines kept, the last one even without its line break.
func (t *tail) lines() []string {
	if len(t.partial) > 0 || t.cut {
		t.push()
	}
	return append([]string(nil), t.ring...)
}

// clip makes server text one line of at most maxLineRunes.
func clip(s string) string { return untrusted.Line(s, maxLineRunes) }

// appendOnce adds s unless one of its kind and what is there: the first error said.
func appendOnce(list []Shortfall, s Shortfall) []Shortfall {
	for _, v := range list {
		if v.Kind == s.Kind && v.What == s.What {
			return list
		}
	}
	return append(list, s)
}

// ShortfallKind is what following a run could not do.
type ShortfallKind int

// The shortfalls.
const (
	// Unreadable: What could not be read (Err); Permission is the one the token needs,
	// "scope=level", should the server have refused it.
	Unreadable ShortfallKind = iota + 1
	// LogsLeftOut: the step's budget of log tails (StepLogBytes) was used up.
	LogsLeftOut
)

// Shortfall is what following or explaining a run could not do without failing it.
type Shortfall struct {
	Kind       ShortfallKind
	What       string // "the run's jobs", "the jobs' annotations", "the jobs' logs", "the run's artifacts"
	Permission string
	Err        error
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

// matchesAny reports whether a job's name is one of names (JobMatches).
func matchesAny(job string, names []string) bool {
	for _, n := range names {
		if JobMatches(job, n) {
			return true
		}
	}
	return false
}
