package preflight

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/untrusted"
	"github.com/MrSunshyne/dispatch-action/internal/workflows"
)

// judgeWorkflow is what the reads say of a workflow_dispatch target.
func (r *reads) judgeWorkflow(t event.Target, addsID bool) []Finding {
	at := Finding{Target: t.Index, Forge: r.forge, Repo: r.repo, Ref: t.Ref}
	w := r.listed(t)
	name := fileOf(t)
	if name == "" && w != nil {
		name = w.Path
	}
	if r.forge == ghclient.Gitea {
		var missing bool
		if name, missing = r.giteaFile(t); missing {
			at.Kind, at.Workflow, at.Names = NoWorkflowFile, t.Workflow, r.giteaNames(t.Ref)
			return []Finding{at}
		}
	}
	if r.err != nil || name == "" {
		return r.unread(t, "the workflow", firstErr(r.err, r.listErr))
	}
	f := r.files[fileKey(name, t.Ref)]
	at.File = name
	if names, err := r.dir(workflows.Dir, t.Ref); f != nil && ghclient.CauseOf(f.err).Kind == ghclient.NotFound && err == nil && r.forge != ghclient.Gitea {
		at.Kind, at.Workflow, at.Names = NoWorkflowFile, t.Workflow, event.Nearest(baseNames(names), t.Workflow)
		return []Finding{at} // the folder is there and readable, and the file is not in it
	}
	if f == nil || f.err != nil {
		return r.unread(t, untrusted.Line(name, 200)+atRef(t.Ref), errOf(f))
	}
	if !f.trig.WorkflowDispatch {
		at.Kind = NoTrigger
		return []Finding{at}
	}
	if w != nil && !w.Active() {
		at.Kind, at.State = Disabled, w.State
		return []Finding{at}
	}
	return inputProblems(f.trig, t, addsID, at)
}

// giteaNames are the files of .gitea/workflows at ref, by name.
func (r *reads) giteaNames(ref string) []string {
	names, _ := r.dir(workflows.GiteaDir, ref)
	return baseNames(names)
}

// baseNames are paths by their file names.
func baseNames(paths []string) []string {
	var base []string
	for _, n := range paths {
		base = append(base, path.Base(n))
	}
	return base
}

// inputProblems are the ways the inputs sent break the workflow's declarations, each a
// finding like at. GitHub refuses each of them; Gitea refuses none (it drops an undeclared
// input, and checks neither required inputs nor options), which their words say.
func inputProblems(trig workflows.Triggers, t event.Target, addsID bool, at Finding) []Finding {
	var given map[string]json.RawMessage
	_ = json.Unmarshal(t.Inputs, &given)
	names := make([]string, 0, len(given))
	for n := range given {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []Finding
	add := func(kind Kind, input, value string, names []string) {
		f := at
		f.Kind, f.Input, f.Value, f.Names = kind, input, value, names
		out = append(out, f)
	}
	for _, n := range names {
		in, ok := trig.Input(n)
		if !ok {
			add(Undeclared, n, "", declared(trig))
			continue
		}
		if kind, value := valueProblem(in, given[n]); kind != 0 {
			add(kind, n, value, in.Options)
		}
	}
	givenFolded := map[string]bool{}
	for n := range given {
		givenFolded[strings.ToLower(n)] = true
	}
	for _, in := range trig.Inputs {
		if ok := givenFolded[strings.ToLower(in.Name)]; !ok && in.Required && !in.HasDef && !(in.Name == event.DistinctIDKey && addsID) {
			add(MissingRequired, in.Name, "", nil)
		}
	}
	if _, ok := trig.Input(event.DistinctIDKey); addsID && t.DistinctID != "" && !ok && given[event.DistinctIDKey] == nil {
		add(IDUndeclared, event.DistinctIDKey, "", nil)
	}
	return out
}

// declared are the workflow's inputs, by name.
func declared(trig workflows.Triggers) []string {
	var names []string
	for _, in := range trig.Inputs {
		names = append(names, in.Name)
	}
	return names
}

// valueProblem is what is wrong with a value for its declaration (0 when nothing is),
// and the value as sent.
func valueProblem(in workflows.Input, raw json.RawMessage) (Kind, string) {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		s = string(raw) // a number or a boolean, sent as JSON
	}
	switch in.Type {
	case "choice":
		if !slices.Contains(in.Options, s) {
			return NotAnOption, s
		}
	case "boolean":
		if s != "true" && s != "false" {
			return NotABoolean, s
		}
	case "number":
		if _, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err != nil {
			return NotANumber, s
		}
	}
	return 0, s
}

// judgeRepository is what the reads say of a repository_dispatch target: some active
// workflow on the default branch must listen for its type.
func (r *reads) judgeRepository(t event.Target) []Finding {
	if _, dirErr := r.dir(workflows.Dir, ""); r.err != nil || dirErr != nil && r.listErr != nil {
		return r.unread(t, "the workflows on the default branch", firstErr(r.err, dirErr))
	}
	states := map[string]string{}
	for _, w := range r.list {
		states[w.Path] = w.State
	}
	at := Finding{Target: t.Index, Forge: r.forge, Repo: r.repo, EventType: t.EventType}
	var listening, unread []string
	for _, name := range r.candidates() {
		f := r.files[fileKey(name, "")]
		switch state := states[name]; {
		case f == nil || f.err != nil:
			unread = append(unread, fmt.Sprintf("%s (%v)", name, errOf(f)))
		case f.trig.Listens(t.EventType) && (workflows.Workflow{State: state}).Active():
			if r.listErr == nil {
				return nil
			}
			at.Kind, at.File, at.Err = StatesUnread, name, r.listErr // it may be disabled, for all this check knows
			return []Finding{at}
		case f.trig.RepositoryDispatch:
			listening = append(listening, listens(name, f.trig, state))
		}
	}
	if len(unread) > 0 {
		at.Kind, at.Names = SomeUnread, unread
		return []Finding{at}
	}
	at.Kind, at.Names = NoListener, listening
	at.NoFiles, at.NoTriggers = len(r.candidates()) == 0, len(listening) == 0
	return []Finding{at}
}

// listens says which types a workflow listens for, and that it is disabled.
func listens(name string, trig workflows.Triggers, state string) string {
	s := untrusted.Line(name, 200) + " listens for "
	if trig.Types == nil {
		s += "every type"
	} else {
		var q []string
		for _, ty := range trig.Types {
			q = append(q, strconv.Quote(untrusted.Line(ty, 100)))
		}
		s += "[" + strings.Join(q, ", ") + "]"
	}
	if state != "" && state != "active" {
		s += " but is " + untrusted.Line(state, 40)
	}
	return s
}

// unread is the finding that what was needed could not be read: the event is sent.
func (r *reads) unread(t event.Target, what string, err error) []Finding {
	return []Finding{{Target: t.Index, Kind: Unread, Forge: r.forge, Repo: r.repo, Ref: t.Ref, What: what, Err: err}}
}

func errOf(f *file) error {
	if f == nil {
		return errors.New("not found in the workflows list")
	}
	return f.err
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return errors.New("the workflow is not in the workflows list")
}
