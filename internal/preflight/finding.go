package preflight

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/untrusted"
)

// Kind is what a finding found. Each kind has its own check in judge.go and its own test.
type Kind int

// The kinds of finding. Those up to Unread refuse the event (the server would refuse it,
// or it would start nothing); Unread and after are what could not be read: the event is
// sent unchecked.
const (
	// NoWorkflowFile: the workflow folder at the ref holds no such file: GitHub's
	// .github/workflows (File), or Gitea's .gitea/workflows (Repo, Workflow, Ref; Names:
	// the files it holds, the nearest to the name first on GitHub).
	NoWorkflowFile Kind = iota + 1
	// NoTrigger: the file has no workflow_dispatch trigger (File, Ref).
	NoTrigger
	// Disabled: the workflow is not active (File, State).
	Disabled
	// Undeclared: an input sent that the workflow does not declare (File, Ref, Input;
	// Names: the inputs it declares).
	Undeclared
	// NotAnOption: a choice input's value is not among its options (Input, Value, Names).
	NotAnOption
	// NotABoolean, NotANumber: a value its type does not allow (Input, Value).
	NotABoolean
	NotANumber
	// MissingRequired: a required input without a default is not given (Input).
	MissingRequired
	// IDUndeclared: the step adds distinct_id among the inputs, which the workflow does
	// not declare (File, Ref).
	IDUndeclared
	// NoListener: no active workflow on the default branch listens for the
	// repository_dispatch type (EventType; Names: what each workflow with the trigger
	// listens for; NoFiles, NoTriggers say why there are none).
	NoListener
	// Unread: what the check needed could not be read (What, Err).
	Unread
	// SomeUnread: no workflow that could be read listens for the type, and some could not
	// be read (EventType; Names: each file with why).
	SomeUnread
	// StatesUnread: a listener was found, but not whether it is disabled (File, Err).
	StatesUnread
)

// Finding is one thing the check found of one target: its kind and the fields the kind
// names. Where it points at a file, File and Ref say which; Forge is the server that
// would judge the event.
type Finding struct {
	Target     int // the target's place, event.Target.Index
	Kind       Kind
	Forge      ghclient.Forge
	Repo       event.Repo
	File, Ref  string   // the workflow file, and the ref ("": the default branch)
	Workflow   string   // NoWorkflowFile: the workflow as the target names it
	State      string   // Disabled: the workflow's state
	Input      string   // the input a finding is about
	Value      string   // the value sent for it
	Names      []string // what the kind lists (see each kind)
	EventType  string   // repository_dispatch's type
	NoFiles    bool     // NoListener: the repository has no workflow files
	NoTriggers bool     // NoListener: none of its workflows has on: repository_dispatch
	What       string   // Unread: what could not be read
	Err        error    // Unread, StatesUnread: why
}

// Refuses reports whether the finding is that the server would refuse the event, or
// that it would start nothing; otherwise it is something that could not be read, and the
// event is sent unchecked.
func (f Finding) Refuses() bool { return f.Kind < Unread }

// maxShown bounds the names a finding lists (inputs, options, files).
const maxShown = 20

// String is what the finding found, in one line: the file, the fact, and what the server
// would do. What to do about it is the words package's.
func (f Finding) String() string {
	where := untrusted.Line(f.File, 200) + atRef(f.Ref)
	switch f.Kind {
	case NoWorkflowFile:
		if f.Forge == ghclient.Gitea {
			return fmt.Sprintf("%s has no workflow %s%s: %s would answer 404 (it reads .gitea/workflows, and .github/workflows only where .gitea/workflows does not exist); its workflows there: %s",
				f.Repo, untrusted.Line(f.Workflow, 200), atRef(f.Ref), f.Forge, shownOr(f.Names, "none"))
		}
		return fmt.Sprintf("%s has no workflow file %s%s: %s would answer 404; its workflows there, the nearest first: %s",
			f.Repo, untrusted.Line(f.File, 200), atRef(f.Ref), f.Forge, shownOr(f.Names, "none"))
	case NoTrigger:
		return fmt.Sprintf("%s has no workflow_dispatch trigger: %s would refuse the event (422)", where, f.Forge)
	case Disabled:
		return fmt.Sprintf("%s is %s: %s would refuse the event", untrusted.Line(f.File, 200), untrusted.Line(f.State, 40), f.Forge)
	case Undeclared:
		what := "GitHub would answer 422 Unexpected inputs provided"
		if f.Forge == ghclient.Gitea {
			what = "Gitea would drop it without a word"
		}
		return fmt.Sprintf("%s: input %q is not declared (it declares %s): %s", where, f.Input, shownOr(f.Names, "no inputs"), what)
	case NotAnOption:
		what := "GitHub would refuse it"
		if f.Forge == ghclient.Gitea {
			what = "Gitea would not check it, and the run would get it"
		}
		return fmt.Sprintf("%s: input %q is %q, not one of its options (%s): %s", where, f.Input, untrusted.Line(f.Value, 60), shown(f.Names), what)
	case NotABoolean:
		return fmt.Sprintf("%s: input %q is %q, but it is a boolean", where, f.Input, untrusted.Line(f.Value, 60))
	case NotANumber:
		return fmt.Sprintf("%s: input %q is %q, but it is a number", where, f.Input, untrusted.Line(f.Value, 60))
	case MissingRequired:
		what := ""
		if f.Forge == ghclient.Gitea {
			what = " (Gitea does not check: the run would start without it)"
		}
		return fmt.Sprintf("%s: input %q is required and has no default, but is not given%s", where, f.Input, what)
	case IDUndeclared:
		return where + ": the step adds the input distinct_id to find the run (this server cannot name it), but the workflow does not declare it"
	case NoListener:
		text := fmt.Sprintf("no active workflow on the default branch listens for repository_dispatch type %q, so %s would start nothing: ", f.EventType, f.Forge)
		switch {
		case f.NoFiles:
			return text + "it has no workflow files"
		case f.NoTriggers:
			return text + "none of its workflows has on: repository_dispatch"
		}
		return text + shown(f.Names)
	case Unread:
		return fmt.Sprintf("could not read %s (%v): sent without the check", f.What, f.Err)
	case SomeUnread:
		return fmt.Sprintf("no workflow that could be read listens for %q, and %s could not be read: sent without the check", f.EventType, shown(f.Names))
	case StatesUnread:
		return fmt.Sprintf("found %s listening, but could not read the workflows' states (%v), so not whether it is disabled", untrusted.Line(f.File, 200), f.Err)
	}
	return "unknown finding " + strconv.Itoa(int(f.Kind))
}

func atRef(ref string) string {
	if ref == "" {
		return " on the default branch"
	}
	return " at " + ref
}

// shownOr is names shown, or none when there are none.
func shownOr(names []string, none string) string {
	if len(names) == 0 {
		return none
	}
	return shown(names)
}

// shown is names joined, at most maxShown of them, each one line.
func shown(names []string) string {
	var out []string
	for i, n := range names {
		if i == maxShown {
			out = append(out, fmt.Sprintf("and %d more", len(names)-maxShown))
			break
		}
		out = append(out, untrusted.Line(n, 200))
	}
	return strings.Join(out, ", ")
}
