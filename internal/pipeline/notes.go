package pipeline

import (
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/preflight"
)

// NoteKind is what a Note says.
type NoteKind int

// The kinds of note, with the fields each uses.
const (
	// Preflight: what preflight found and the step did not refuse on (Finding): what it
	// could not read (a note), or, with preflight: warn, what it found (a warning).
	Preflight NoteKind = iota + 1
	// PreflightSkipped: a dry run without a token reads no workflow.
	PreflightSkipped
	// PreflightDryRun: the dry run read the receiving workflows, and sent nothing.
	PreflightDryRun
	// StatusNotPosted: a commit status was not posted (Err: a *commitstatus.PostError);
	// a refusal of the token is said once for the step.
	StatusNotPosted
	// Deprecated: the server announced an operation deprecated (Deprecation).
	Deprecated
	// RunCancelled: the step cancelled the target's run (Run; Input, the value of
	// cancel-run that asked, on-abort or on-failure; FailedJob, the job that failed).
	RunCancelled
	// RunNotCancelled: the run could not be cancelled (Run, Input, Err).
	RunNotCancelled
	// FinalNotPosted: the target's final commit status was not posted in the clean-up
	// (Context, Err; Ending and Budget when it was the time that ran out).
	FinalNotPosted
	// FinalRefused: the server refused the final commit statuses of Targets (Err: the
	// *commitstatus.PostError), said once for them all.
	FinalRefused
	// NotRevoked: an App token could not be revoked (Err).
	NotRevoked
)

// Note is a fact the step reports besides its targets' outcomes: its kind, the target it
// is about (nil: the step), and the fields its kind names. The words package says it.
type Note struct {
	Kind        NoteKind
	Target      *event.Target
	Finding     preflight.Finding
	Err         error
	Run         int64
	Input       string
	FailedJob   string
	Context     string
	Ending      Ending        // FinalNotPosted: how the step ended, when the time ran out
	Budget      time.Duration // FinalNotPosted: the clean-up's budget, when it ran out
	Deprecation ghclient.Deprecation
	Targets     []event.Target
}

// Warning reports whether the note is a warning (something went wrong, or was let
// through, without failing a target); otherwise it is for information.
func (n Note) Warning() bool {
	switch n.Kind {
	case Preflight:
		return n.Finding.Refuses()
	case PreflightSkipped, PreflightDryRun:
		return false
	}
	return true
}

// Words is the ending as a message says it.
func (e Ending) Words() string {
	if e == Cancelled {
		return "cancelled"
	}
	return "the timeout ran out"
}
