package words

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/MrSunshyne/dispatch-action/internal/commitstatus"
	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/outcome"
	"github.com/MrSunshyne/dispatch-action/internal/pipeline"
	"github.com/MrSunshyne/dispatch-action/internal/preflight"
	"github.com/MrSunshyne/dispatch-action/internal/runs"
	"github.com/MrSunshyne/dispatch-action/internal/untrusted"
)

// Note says a note of the step in the mode's words, on one line.
func Note(mode config.Mode, n pipeline.Note) string {
	cli := mode == config.CLIMode
	label := ""
	if n.Target != nil {
		label = n.Target.Label(n.Target.Ref) + ": "
	}
	var s string
	switch n.Kind {
	case pipeline.Preflight:
		s = label + findingNote(n.Finding)
	case pipeline.PreflightSkipped:
		s = "preflight: the receiving workflows were not read: a dry run reads them (never sends) only with a token (pass token: to have them checked)"
		if cli {
			s = "preflight: the receiving workflows were not read: a dry run reads them (never sends) only with a token (export GH_TOKEN to have them checked)"
		}
	case pipeline.PreflightDryRun:
		s = "preflight: the dry run read the receiving workflows (nothing was sent); its findings are above"
	case pipeline.StatusNotPosted:
		s = statusWarning(cli, n.Err)
	case pipeline.Deprecated:
		s = deprecation(n.Deprecation)
	case pipeline.RunCancelled:
		why := "because it was given up on"
		if n.FailedJob != "" {
			why = "because its job " + n.FailedJob + " failed"
		}
		s = fmt.Sprintf("%srun %d was cancelled, as %s asks, %s", label, n.Run, cancelRun(cli, n.Input), why)
	case pipeline.RunNotCancelled:
		s = fmt.Sprintf("%srun %d could not be cancelled (%s)%s%s", label, n.Run, cancelRun(cli, n.Input), undoneWhy(n), cancelPermission(n.Err))
	case pipeline.FinalNotPosted:
		s = fmt.Sprintf("%sthe final commit status %q was not posted%s", label, n.Context, undoneWhy(n))
	case pipeline.FinalRefused:
		var labels []string
		for _, t := range n.Targets {
			labels = append(labels, t.Label(t.Ref))
		}
		s = fmt.Sprintf("the final commit status of %s: %s", strings.Join(labels, ", "), statusWarning(cli, n.Err))
	case pipeline.NotRevoked:
		s = n.Err.Error()
	}
	return untrusted.Line(s, 0)
}

// cancelRun is the value of cancel-run that asked for a cancel, as the mode says it.
func cancelRun(cli bool, value string) string {
	if cli {
		return "--cancel-run " + value
	}
	return "cancel-run: " + value
}

// cancelPermission is what a cancel refused for a permission needs: the one GitHub named
// in X-Accepted-GitHub-Permissions, else Actions: write.
func cancelPermission(err error) string {
	c := ghclient.CauseOf(err)
	if c.Kind != ghclient.Forbidden && c.Kind != ghclient.NotFound {
		return ""
	}
	need := c.Permission
	if need == "" {
		need = "actions=write"
	}
	return fmt.Sprintf("; give the token %s (%s) to have it cancelled", permissionName(need), need)
}

// undoneWhy is why a clean-up request could not be made: the step's ending and the
// budget when the time ran out, else the server's answer.
func undoneWhy(n pipeline.Note) string {
	switch {
	case n.Budget > 0:
		return fmt.Sprintf(": %s and the %s left for the clean-up ran out", n.Ending.Words(), n.Budget)
	case n.Err != nil:
		return ": " + n.Err.Error()
	}
	return ""
}

// findingNote is a finding preflight did not refuse on: what it could not read, or, with
// preflight: warn, what it found, sent anyway.
func findingNote(f preflight.Finding) string {
	s := f.String()
	if advice := findingAdvice(f); advice != "" {
		s += "; " + advice
	}
	if f.Refuses() {
		return "preflight: " + s + " (sent anyway: preflight is warn)"
	}
	return "preflight " + s
}

// findingAdvice is what to do about a finding, in the words of the forge that judges it
// ("" for nothing to say).
func findingAdvice(f preflight.Finding) string {
	gitea := f.Forge == ghclient.Gitea
	switch f.Kind {
	case preflight.NoWorkflowFile:
		if !gitea && len(f.Names) > 0 {
			return "did you mean " + untrusted.Line(f.Names[0], 200) + "? give the workflow's file name as it is on that ref"
		}
	case preflight.NoTrigger:
		return addTrigger
	case preflight.Disabled:
		if gitea {
			return "enable it (the repository's Actions tab)"
		}
		return "enable it (the Actions tab, or gh workflow enable)"
	case preflight.NotABoolean:
		return "send true or false"
	case preflight.IDUndeclared:
		return declareID
	case preflight.Unread:
		switch k := ghclient.CauseOf(f.Err).Kind; {
		case k != ghclient.Forbidden && k != ghclient.NotFound:
		case gitea:
			return "to have it checked, give the token the read:repository scope"
		default:
			return "to have it checked, give the token Contents: read (and Actions: read for the workflows' states)"
		}
	case preflight.StatesUnread:
		return "give the token Actions: read to have that checked"
	}
	return ""
}

// preflightHint says how to go on from a step preflight refused: what to do about each
// finding, then how to send anyway.
func preflightHint(e *pipeline.PreflightError) phrasing {
	var todo []string
	for _, f := range e.Findings {
		if advice := findingAdvice(f); advice != "" {
			if line := untrusted.Line(f.File, 200) + ": " + advice; !slices.Contains(todo, line) {
				todo = append(todo, line)
			}
		}
	}
	first := "fix the receiving workflow or what is sent to it"
	if len(todo) > 0 {
		first = strings.Join(todo, "; ")
	}
	return phrasing{action: first + "; preflight: warn sends anyway (with the findings as warnings)",
		cli: first + "; --preflight warn sends anyway (with the findings as warnings)"}
}

// statusWarning is a commit status not posted, with what would let it be posted.
func statusWarning(cli bool, err error) string {
	msg := untrusted.Line(err.Error(), 0)
	repo := ""
	if pe, ok := errors.AsType[*commitstatus.PostError](err); ok {
		repo = pe.Repo.String()
	}
	switch ghclient.CauseOf(err).Kind {
	case ghclient.Forbidden, ghclient.NotFound:
		if cli {
			return msg + ": the token needs Commit statuses: write on " + repo + " (classic token: repo:status); the result is unchanged"
		}
		return msg + ": give the job permissions: statuses: write (for github.token), or pass status-token a token with Commit statuses: write on " + repo + "; the step's result is unchanged"
	case ghclient.Unauthorized:
		if cli {
			return msg + ": the token is invalid or expired; the result is unchanged"
		}
		return msg + ": the status token is invalid or expired; the step's result is unchanged"
	}
	if cli {
		return msg + "; the result is unchanged"
	}
	return msg + "; the step's result is unchanged"
}

// deprecation is an operation the server announced deprecated, with its date and link.
func deprecation(d ghclient.Deprecation) string {
	s := fmt.Sprintf("GitHub says %s under API version %s is deprecated", d.Operation, d.Version)
	if !d.Sunset.IsZero() {
		s += "; it is scheduled to be removed on " + d.Sunset.UTC().Format("2006-01-02")
	}
	if d.Link != "" {
		s += " (" + d.Link + ")"
	}
	return s + ". This version of the action will need an update before then; nothing is wrong today."
}

// Warnings are what went wrong for r without failing it, each naming the target: an
// event that may arrive twice (and what receivers can deduplicate on), then what
// following its run could not do, with the permission that would let it.
func Warnings(mode config.Mode, r outcome.Result) []string {
	var out []string
	if r.Receipt.MayBeDuplicate {
		on := "set add-distinct-id: true so that every event carries a distinct_id receivers can deduplicate on"
		if mode == config.CLIMode {
			on = "pass --add-distinct-id so that every event carries a distinct_id receivers can deduplicate on"
		}
		if r.Receipt.DistinctID != "" {
			on = fmt.Sprintf("receivers can deduplicate on its distinct_id %q", r.Receipt.DistinctID)
		}
		out = append(out, untrusted.Line(fmt.Sprintf("%s: an attempt %s may have accepted (a server error or a lost connection) was sent again, so the event may arrive twice; %s", r.Label(), r.Receipt.Forge, on), 0))
	}
	for _, s := range r.Run.Shortfalls {
		out = append(out, untrusted.Line(r.Place()+r.Repo.String()+": "+shortfall(s, forgeOf(r)), 0))
	}
	return out
}

// shortfall says what following a run could not do, and, when the server refused it,
// the permission (GitHub) or scope (Gitea) that would let it.
func shortfall(s runs.Shortfall, forge ghclient.Forge) string {
	if s.Kind == runs.LogsLeftOut {
		return fmt.Sprintf("log lines left out: at most %d MiB of failed jobs' logs are kept, all targets together; open the runs for the rest", runs.StepLogBytes>>20)
	}
	switch k := ghclient.CauseOf(s.Err).Kind; {
	case k != ghclient.Forbidden && k != ghclient.NotFound:
		return fmt.Sprintf("%s could not be read: %v", s.What, s.Err)
	case forge == ghclient.Gitea:
		return fmt.Sprintf("%s could not be read (%v): give the token the read:repository scope to see them here", s.What, s.Err)
	}
	return fmt.Sprintf("%s could not be read (%v): give the token %s to see them here", s.What, s.Err, permissionName(s.Permission))
}

// permissionName is a fine-grained permission as GitHub's settings show it: "actions=read"
// is "Actions: read".
func permissionName(p string) string {
	scope, level, _ := strings.Cut(p, "=")
	if scope == "" {
		return p
	}
	return strings.ToUpper(scope[:1]) + scope[1:] + ": " + level
}

// DryRun heads what a dry run would have sent: n requests, shown below it.
func DryRun(n int) string {
	if n == 1 {
		return "Dry run: nothing was sent. This is the exact request:"
	}
	return fmt.Sprintf("Dry run: nothing was sent. These are the exact %d requests:", n)
}
