package report

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/MrSunshyne/dispatch-action/internal/outcome"

	"github.com/MrSunshyne/dispatch-action/internal/actionio"
	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/runs"
	"github.com/MrSunshyne/dispatch-action/internal/untrusted"
)

// Summary is the step summary: a table of what was sent where, with the outcome, then why
// runs failed and the warnings. Every piece of text in it is escaped; the only links are
// the ones built here, to the repository and to a run URL checked to be https. It stays
// within the runner's limit of actionio.MaxSummaryBytes for a step: the outcome table is
// always whole, and what does not fit after it (annotations, later targets' failed jobs,
// warnings) is left out with a note saying what.
func Summary(results []outcome.Result, apiURL *url.URL, warnings []string) string {
	return summary(results, apiURL, warnings, actionio.MaxSummaryBytes-summaryMargin)
}

// summaryMargin keeps the summary clear of the limit: the redactor may still edit it, and
// the clean-up's section (CleanupSummary) comes after it.
const summaryMargin = 4<<10 + maxCleanupBytes

// maxCleanupBytes bounds CleanupSummary.
const maxCleanupBytes = 4 << 10

// CleanupSummary is the section the step's clean-up adds to the summary after it was
// written (a run cancelled, a status or a token it could not see to): its warnings, within
// maxCleanupBytes, with a note of how many did not fit.
func CleanupSummary(warnings []string) string {
	var b strings.Builder
	b.WriteString("\n**After the report**\n\n")
	left := &leftOut{}
	for _, w := range warnings {
		if line := "- " + cell(w) + "\n"; b.Len()+len(line)+maxNoteBytes <= maxCleanupBytes {
			b.WriteString(line)
		} else {
			left.warnings++
		}
	}
	b.WriteString(left.note())
	return b.String()
}

func summary(results []outcome.Result, apiURL *url.URL, warnings []string, limit int) string {
	var b strings.Builder
	b.WriteString("### Repository dispatch\n\n")
	web := webBase(apiURL)
	if web != "https://github.com" {
		// The API root is checked input (an absolute URL, escaped by net/url): no backtick.
		fmt.Fprintf(&b, "API: `%s`\n\n", apiURL.String())
	}
	b.WriteString("| Repository | Event | Outcome | Run | Request ID |\n|---|---|---|---|---|\n")
	for _, r := range results {
		b.WriteString(row(r, web))
	}
	left := &leftOut{}
	room := func(s string) bool { return b.Len()+len(s)+maxNoteBytes <= limit }
	failedJobs(&b, results, room, left)
	approvals(&b, results, room)
	if len(warnings) > 0 && room("\n**Warnings**\n\n") {
		b.WriteString("\n**Warnings**\n\n")
		for _, w := range warnings {
			if line := "- " + cell(w) + "\n"; room(line) {
				b.WriteString(line)
			} else {
				left.warnings++
			}
		}
	} else {
		left.warnings = len(warnings)
	}
	b.WriteString(left.note())
	return b.String()
}

// approvals lists the environments runs waited for: who may approve, the wait timer, the
// environment's link (wait-timeout counted the time waited).
func approvals(b *strings.Builder, results []outcome.Result, room func(string) bool) {
	head := "\n**Waited for approval** (the time counts against wait-timeout)\n\n"
	for _, r := range results {
		for _, a := range r.Run.Run.Approvals {
			line := "- " + cell(r.Place()+r.Repo.String()) + ": environment " + code(a.Environment)
			if len(a.Reviewers) > 0 {
				line += ", reviewers " + cell(strings.Join(a.Reviewers, ", "))
			}
			if a.WaitTimer > 0 {
				line += fmt.Sprintf(", wait timer %d min", a.WaitTimer)
			}
			if a.URL != "" {
				line += " ([deployments](" + link(a.URL) + "))"
			}
			if !room(head + line + "\n") {
				return
			}
			b.WriteString(head + line + "\n")
			head = ""
		}
	}
}

// row is one target's line of the outcome table.
func row(r outcome.Result, web string) string {
	repo := cell(r.Repo.String())
	if web != "" {
		repo = fmt.Sprintf("[%s](%s)", repo, link(web+"/"+r.Repo.String()))
	}
	what := code(r.EventType)
	if r.Event == event.WorkflowDispatch {
		what = "workflow " + code(r.Workflow)
		if r.SentRef() != "" {
			what += " on " + code(r.SentRef())
		}
	}
	run := "–"
	if r.RunID() != 0 {
		run = fmt.Sprintf("#%d", r.RunID())
		if r.RunURL() != "" {
			run = fmt.Sprintf("[#%d](%s)", r.RunID(), link(r.RunURL()))
		}
		if r.Run.Run.Status != "" {
			run += " " + cell(r.Run.Run.Status.Words())
		}
		if r.Run.Run.Conclusion != "" {
			run += ": " + cell(string(r.Run.Run.Conclusion))
		}
		if len(r.Run.Jobs) > 0 && r.Run.Conclusion != "" {
			run += "; jobs " + cell(runs.JobNames(r.Run.Jobs, 5)) + ": " + cell(string(r.Run.Conclusion))
		}
	}
	return fmt.Sprintf("| %s | %s | %s | %s | %s |\n", repo, what, cell(outcomeText(r)), run, code(r.Receipt.RequestID))
}

// leftOut counts what the summary left out to stay within the runner's limit.
type leftOut struct{ annotations, targets, warnings int }

// maxNoteBytes is room kept for the note.
const maxNoteBytes = 512

func (l *leftOut) note() string {
	var parts []string
	for _, p := range []struct {
		n    int
		what string
	}{{l.annotations, "the annotations of %d targets' failed jobs"}, {l.targets, "why the runs of %d targets failed"}, {l.warnings, "%d warnings"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf(p.what, p.n))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("\n_Left out to stay within GitHub's limit of %d KiB for a step summary: %s. The step's log has them all._\n",
		actionio.MaxSummaryBytes>>10, strings.Join(parts, ", "))
}

// failedJobs adds, for every run that did not succeed, its failed jobs (linked), steps
// and annotations: a target's whole block while it fits, else its jobs without their
// annotations, else nothing more.
func failedJobs(b *strings.Builder, results []outcome.Result, room func(string) bool, left *leftOut) {
	heading := false
	for _, r := range results {
		if len(r.Run.FailedJobs) == 0 {
			continue
		}
		if !heading {
			if !room("\n**Why the run failed**\n\n") {
				left.targets++
				continue
			}
			b.WriteString("\n**Why the run failed**\n\n")
			heading = true
		}
		switch full, bare := jobsBlock(r, true), jobsBlock(r, false); {
		case room(full):
			b.WriteString(full)
		case room(bare):
			b.WriteString(bare)
			left.annotations++
		default:
			left.targets++
		}
	}
}

// jobsBlock is one target's failed jobs, with their annotations or without.
func jobsBlock(r outcome.Result, annotations bool) string {
	var b strings.Builder
	for _, j := range r.Run.FailedJobs {
		name := code(j.Name)
		if j.URL != "" {
			name = fmt.Sprintf("%s ([log](%s))", name, link(j.URL))
		}
		fmt.Fprintf(&b, "- %s run #%d: job %s failed", cell(r.Repo.String()), r.RunID(), name)
		for i, st := range j.FailedSteps {
			sep := " at step "
			if i > 0 {
				sep = ", "
			}
			b.WriteString(sep + code(st))
		}
		b.WriteString("\n")
		if annotations {
			for _, a := range j.Annotations {
				b.WriteString("  - " + cell(annotationText(a)) + "\n")
			}
		}
	}
	return b.String()
}

func outcomeText(r outcome.Result) string {
	switch r.Status {
	case outcome.Dispatched:
		return fmt.Sprintf("✅ dispatched (%d)", r.Receipt.HTTPStatus)
	}
	if r.DispatchedAt() != "" {
		return fmt.Sprintf("⚠️ dispatched (%d), then: %s", r.Receipt.HTTPStatus, r.Error())
	}
	switch r.Status {
	case outcome.DryRun:
		return "📝 dry run: not sent"
	}
	return "❌ " + r.Error()
}

// webBase derives the web address of the GitHub instance from its API URL:
// https://api.github.com/ → https://github.com, https://HOST/api/v3/ → https://HOST, else "".
func webBase(api *url.URL) string {
	if api == nil {
		return ""
	}
	if strings.EqualFold(api.Host, "api.github.com") {
		return "https://github.com"
	}
	if strings.HasSuffix(api.Path, "/api/v3/") {
		return api.Scheme + "://" + api.Host + strings.TrimSuffix(strings.TrimSuffix(api.Path, "api/v3/"), "/")
	}
	return ""
}

// maxCellRunes caps one piece of text in the summary.
const maxCellRunes = 1000

// cell makes text inert inside a Markdown table cell: one line, HTML special characters
// as entities, Markdown punctuation escaped (no link, image, emphasis or code of the
// text's own), and bare URLs broken so that they are not turned into links.
func cell(s string) string {
	s = untrusted.Line(s, maxCellRunes)
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\\', '`', '*', '_', '[', ']', '~', '|':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return breakAutolinks(b.String())
}

// breakAutolinks puts a zero-width space into "://" and "www." (any case): GitHub links
// them in text by itself, and the only links in the summary are the ones built here.
func breakAutolinks(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case strings.HasPrefix(s[i:], "://"):
			b.WriteString(":&#8203;")
			continue
		case i+4 <= len(s) && strings.EqualFold(s[i:i+3], "www") && s[i+3] == '.':
			b.WriteString(s[i:i+3] + "&#8203;")
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// code shows s as inline code in a table cell, or a dash when empty.
func code(s string) string {
	if s == "" {
		return "–"
	}
	return "<code>" + cell(s) + "</code>"
}

// link is a URL made safe as a Markdown link target: percent-encoded where Markdown or
// HTML would read a character as its own.
func link(u string) string {
	return strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29", "<", "%3C", ">", "%3E", "\"", "%22", "'", "%27", "`", "%60", "|", "%7C", "\\", "%5C").Replace(u)
}

// Outputs are the step's outputs, named as in action.yml: what a later step of a
// one-target step reads directly (the run's ID, address, status, conclusion and outputs,
// the distinct ID), and results, which holds everything of every target.
func Outputs(results []outcome.Result) []actionio.Output {
	if len(results) != 1 {
		// Several targets: only what is common to all, and the results.
		distinctID := results[0].Receipt.DistinctID
		for _, r := range results[1:] {
			if r.Receipt.DistinctID != distinctID {
				distinctID = ""
			}
		}
		return []actionio.Output{
			{Name: "distinct-id", Value: distinctID},
			{Name: "results", Value: outcome.JSON(results)},
		}
	}
	first := results[0]
	runID := ""
	if first.RunID() != 0 {
		runID = strconv.FormatInt(first.RunID(), 10)
	}
	return []actionio.Output{
		{Name: "distinct-id", Value: first.Receipt.DistinctID},
		{Name: "run-id", Value: runID},
		{Name: "run-url", Value: first.RunURL()},
		{Name: "run-status", Value: string(first.Run.Run.Status)},
		{Name: "conclusion", Value: string(first.Run.Conclusion)},
		{Name: "run-outputs", Value: string(first.Run.Outputs)},
		{Name: "results", Value: outcome.JSON(results)},
	}
}
