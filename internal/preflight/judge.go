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
)

// maxShown bounds the names a finding lists (inputs, options, files).
const maxShown = 20

// judgeWorkflow is what the reads say of a workflow_dispatch target.
func (r *reads) judgeWorkflow(t event.Target, addsID bool) []Finding {
	refuse := func(format string, args ...any) []Finding {
		return []Finding{{Target: t.Index, Refuses: true, Text: fmt.Sprintf(format, args...)}}
	}
	w := r.listed(t)
	name := fileOf(t)
	if name == "" && w != nil {
		name = w.Path
	}
	if r.forge == ghclient.Gitea {
		var missing bool
		if name, missing = r.giteaFile(t); missing {
			return refuse("%s has no workflow %s%s: Gitea would answer 404 (it reads .gitea/workflows, and .github/workflows only where .gitea/workflows does not exist); its workflows there: %s",
				r.repo, untrusted.Line(t.Workflow, 200), atRef(t.Ref), r.giteaNames(t.Ref))
		}
	}
	if r.err != nil || name == "" {
		return r.unread(t, "the workflow", firstErr(r.err, r.listErr))
	}
	f := r.files[fileKey(name, t.Ref)]
	where := untrusted.Line(name, 200) + atRef(t.Ref)
	if f == nil || f.err != nil {
		return r.unread(t, where, errOf(f))
	}
	if !f.trig.WorkflowDispatch {
		return refuse("%s has no workflow_dispatch trigger: %s would refuse the event (422); add `on: workflow_dispatch` to it", where, r.forge)
	}
	if w != nil && w.State != "active" {
		how := "the Actions tab, or gh workflow enable"
		if r.forge == ghclient.Gitea {
			how = "the repository's Actions tab"
		}
		return refuse("%s is %s: %s would refuse the event; enable it (%s)", untrusted.Line(name, 200), untrusted.Line(w.State, 40), r.forge, how)
	}
	var out []Finding
	for _, text := range inputProblems(f.trig, t, addsID, r.forge) {
		out = append(out, Finding{Target: t.Index, Refuses: true, Text: where + ": " + text})
	}
	return out
}

// giteaNames are the files of .gitea/workflows at ref, by name.
func (r *reads) giteaNames(ref string) string {
	names, _ := r.dir(giteaDir, ref)
	if len(names) == 0 {
		return "none"
	}
	var base []string
	for _, n := range names {
		base = append(base, path.Base(n))
	}
	return shown(base)
}

// inputProblems are the ways the inputs sent break the workflow's declarations. GitHub
// refuses each of them; Gitea refuses none (it drops an undeclared input, and checks
// neither required inputs nor options), which the words say.
func inputProblems(trig Triggers, t event.Target, addsID bool, forge ghclient.Forge) []string {
	var given map[string]json.RawMessage
	_ = json.Unmarshal(t.Inputs, &given)
	names := make([]string, 0, len(given))
	for n := range given {
		names = append(names, n)
	}
	sort.Strings(names)
	undeclared, refused, unchecked := "GitHub would answer 422 Unexpected inputs provided", "GitHub would refuse it", ""
	if forge == ghclient.Gitea {
		undeclared, refused, unchecked = "Gitea would drop it without a word", "Gitea would not check it, and the run would get it", " (Gitea does not check: the run would start without it)"
	}
	var out []string
	for _, n := range names {
		in, ok := trig.Input(n)
		if !ok {
			out = append(out, fmt.Sprintf("input %q is not declared (it declares %s): %s", n, declared(trig), undeclared))
			continue
		}
		if problem := valueProblem(in, given[n], refused); problem != "" {
			out = append(out, fmt.Sprintf("input %q %s", n, problem))
		}
	}
	for _, in := range trig.Inputs {
		if _, ok := given[in.Name]; !ok && in.Required && !in.HasDef && !(in.Name == event.DistinctIDKey && addsID) {
			out = append(out, fmt.Sprintf("input %q is required and has no default, but is not given%s", in.Name, unchecked))
		}
	}
	if _, ok := trig.Input(event.DistinctIDKey); addsID && t.DistinctID != "" && !ok && given[event.DistinctIDKey] == nil {
		out = append(out, "the step adds the input distinct_id to find the run (this server cannot name it), but the workflow does not declare it: "+
			"add `distinct_id: {required: false}` under its inputs and put ${{ inputs.distinct_id }} in its run-name")
	}
	return out
}

// declared lists the workflow's inputs.
func declared(trig Triggers) string {
	if len(trig.Inputs) == 0 {
		return "no inputs"
	}
	var names []string
	for _, in := range trig.Inputs {
		names = append(names, in.Name)
	}
	return shown(names)
}

// valueProblem is what is wrong with a value for its declaration ("" when nothing is);
// refused is what the server would do with a choice it does not offer.
func valueProblem(in Input, raw json.RawMessage, refused string) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		s = string(raw) // a number or a boolean, sent as JSON
	}
	switch in.Type {
	case "choice":
		if slices.Contains(in.Options, s) {
			return ""
		}
		return fmt.Sprintf("is %q, not one of its options (%s): %s", untrusted.Line(s, 60), shown(in.Options), refused)
	case "boolean":
		if s != "true" && s != "false" {
			return fmt.Sprintf("is %q, but it is a boolean: send true or false", untrusted.Line(s, 60))
		}
	case "number":
		if _, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err != nil {
			return fmt.Sprintf("is %q, but it is a number", untrusted.Line(s, 60))
		}
	}
	return ""
}

// judgeRepository is what the reads say of a repository_dispatch target: some active
// workflow on the default branch must listen for its type.
func (r *reads) judgeRepository(t event.Target) []Finding {
	if _, dirErr := r.dir(workflowsDir, ""); r.err != nil || dirErr != nil && r.listErr != nil {
		return r.unread(t, "the workflows on the default branch", firstErr(r.err, dirErr))
	}
	states := map[string]string{}
	for _, w := range r.list {
		states[w.Path] = w.State
	}
	var listening, unread []string
	for _, name := range r.candidates() {
		f := r.files[fileKey(name, "")]
		switch state := states[name]; {
		case f == nil || f.err != nil:
			unread = append(unread, fmt.Sprintf("%s (%v)", name, errOf(f)))
		case f.trig.Listens(t.EventType) && (state == "" || state == "active"):
			return r.statesUnread(t, name)
		case f.trig.RepositoryDispatch:
			listening = append(listening, listens(name, f.trig, state))
		}
	}
	if len(unread) > 0 {
		return []Finding{{Target: t.Index, Text: fmt.Sprintf("no workflow that could be read listens for %q, and %s could not be read: sent without the check",
			t.EventType, shown(unread))}}
	}
	text := fmt.Sprintf("no active workflow on the default branch listens for repository_dispatch type %q, so GitHub would start nothing: ", t.EventType)
	switch {
	case len(r.candidates()) == 0:
		text += "it has no workflow files"
	case len(listening) == 0:
		text += "none of its workflows has on: repository_dispatch"
	default:
		text += shown(listening)
	}
	return []Finding{{Target: t.Index, Refuses: true, Text: text}}
}

// statesUnread is nothing when the workflows list was read; otherwise the note that the
// listener found may be disabled for all this check knows.
func (r *reads) statesUnread(t event.Target, name string) []Finding {
	if r.listErr == nil {
		return nil
	}
	return []Finding{{Target: t.Index, Text: fmt.Sprintf("found %s listening, but could not read the workflows' states (%v), so not whether it is disabled: "+
		"give the token Actions: read to have that checked", untrusted.Line(name, 200), r.listErr)}}
}

// listens says which types a workflow listens for, and that it is disabled.
func listens(name string, trig Triggers, state string) string {
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
	text := fmt.Sprintf("could not read %s (%v): sent without the check", what, err)
	switch c := ghclient.CauseOf(err); {
	case c.Kind != ghclient.Forbidden && c.Kind != ghclient.NotFound:
	case r.forge == ghclient.Gitea:
		text += "; to have it checked, give the token the read:repository scope"
	default:
		text += "; to have it checked, give the token Contents: read (and Actions: read for the workflows' states)"
	}
	return []Finding{{Target: t.Index, Text: text}}
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

func atRef(ref string) string {
	if ref == "" {
		return " on the default branch"
	}
	return " at " + ref
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
