package runs

import "strings"

// The vocabulary of a workflow run: its status and conclusion as GitHub reports them, and
// what the action tells of a run that failed.

// Status is a workflow run's status as GitHub reports it.
type Status string

// Statuses GitHub documents for a workflow run.
const (
	StatusRequested  Status = "requested"
	StatusQueued     Status = "queued"
	StatusPending    Status = "pending"
	StatusWaiting    Status = "waiting"
	StatusInProgress Status = "in_progress"
	StatusCompleted  Status = "completed"
	// StatusUnknown stands for a status GitHub does not document (a broken or hostile
	// server): shown as such, never as the server's text.
	StatusUnknown Status = "unknown"
)

// Known reports whether GitHub documents the status.
func (s Status) Known() bool {
	switch s {
	case StatusRequested, StatusQueued, StatusPending, StatusWaiting, StatusInProgress, StatusCompleted:
		return true
	}
	return false
}

// Words is the status for people: "in progress" rather than "in_progress".
func (s Status) Words() string { return strings.ReplaceAll(string(s), "_", " ") }

// Conclusion is how a completed workflow run ended.
type Conclusion string

// Conclusions GitHub documents for a workflow run.
const (
	ConclusionSuccess        Conclusion = "success"
	ConclusionFailure        Conclusion = "failure"
	ConclusionCancelled      Conclusion = "cancelled"
	ConclusionTimedOut       Conclusion = "timed_out"
	ConclusionActionRequired Conclusion = "action_required"
	ConclusionNeutral        Conclusion = "neutral"
	ConclusionSkipped        Conclusion = "skipped"
	ConclusionStale          Conclusion = "stale"
	ConclusionStartupFailure Conclusion = "startup_failure"
	// ConclusionUnknown stands for a conclusion GitHub does not document.
	ConclusionUnknown Conclusion = "unknown"
)

// Known reports whether GitHub documents the conclusion.
func (c Conclusion) Known() bool {
	switch c {
	case ConclusionSuccess, ConclusionFailure, ConclusionCancelled, ConclusionTimedOut, ConclusionActionRequired,
		ConclusionNeutral, ConclusionSkipped, ConclusionStale, ConclusionStartupFailure:
		return true
	}
	return false
}

// FailedJob is a job of a run that did not succeed: in the results JSON its name, link
// and failed steps; for the log and the summary also its annotations and last log lines.
type FailedJob struct {
	Name        string       `json:"name"`
	URL         string       `json:"url,omitempty"`
	FailedSteps []string     `json:"failed_steps,omitempty"`
	Annotations []Annotation `json:"-"` // failure level first, a handful
	LogTail     []string     `json:"-"` // the last log-lines lines, timestamps cut
}

// Annotation is a check-run annotation of a job: what its steps reported with ::error,
// ::warning or ::notice.
type Annotation struct {
	Level   string // failure, warning, notice
	Title   string
	Message string
	Path    string
	Line    int
}
