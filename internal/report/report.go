// Package report says what happened, in every form it takes: log lines (each attempt,
// each dispatch, each run), the dry run's requests, the results JSON, the action's outputs
// and the step summary; and it keeps secrets out of all of them.
package report

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/outcome"

	"github.com/MrSunshyne/dispatch-action/internal/dispatch"
	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/runs"
	"github.com/MrSunshyne/dispatch-action/internal/untrusted"
)

// Requests prints the recorded requests of a dry run, in order.
func Requests(w io.Writer, reqs []ghclient.RecordedRequest) {
	for i := range reqs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		renderRequest(w, &reqs[i])
	}
	var branch, workflow bool
	for _, r := range reqs {
		branch = branch || strings.Contains(string(r.Body), ghclient.PlaceholderBranch)
		workflow = workflow || strings.Contains(r.URL, dispatch.PlaceholderWorkflowID)
	}
	if branch {
		fmt.Fprintf(w, "\n(%s stands for the repository's default branch, which a real run reads first)\n", ghclient.PlaceholderBranch)
	}
	if workflow {
		fmt.Fprintf(w, "\n(%s stands for the ID of the workflow named in workflow, which a real run looks up first)\n", dispatch.PlaceholderWorkflowID)
	}
}

// Every line this package makes for a log is one line: server text inside it (a message,
// a URL) can neither end it nor start a line of its own, so it never becomes a workflow
// command.

// SentLine says what GitHub accepted.
func SentLine(r outcome.Result) string {
	what := fmt.Sprintf("%q to %s", r.EventType, r.Repo.String())
	if r.Event == event.WorkflowDispatch {
		what = fmt.Sprintf("workflow %s on %s in %s", r.Workflow, r.SentRef(), r.Repo.String())
	}
	return untrusted.Line(fmt.Sprintf("%sDispatched %s: %s%s", r.Place(), what, r.Receipt.Forge.Answered(strconv.Itoa(r.Receipt.HTTPStatus)), requestID(r.Receipt.RequestID)), 0)
}

// requestID is " (request ID X)", or nothing when GitHub sent none.
func requestID(id string) string {
	if id == "" {
		return ""
	}
	return " (request ID " + id + ")"
}

// FailureLine says what failed: the dispatch, or (after GitHub accepted it) the run, with
// GitHub's request ID of the answer that failed, when there is one.
func FailureLine(r outcome.Result) string {
	id := ghclient.CauseOf(r.Err).RequestID
	if id == "" && !r.Delivered() {
		id = r.Receipt.RequestID
	}
	switch {
	case r.FollowOnly: // nothing was sent: what failed is following the run
		return untrusted.Line(fmt.Sprintf("%s%s%s", r.Place(), r.Error(), requestID(id)), 0)
	case r.Delivered():
		return untrusted.Line(fmt.Sprintf("%s: %s, but %s%s", r.Label(), r.Receipt.Forge.Accepted("the event"), r.Error(), requestID(id)), 0)
	}
	return untrusted.Line(fmt.Sprintf("%sdispatch to %s failed: %s%s", r.Place(), r.Target.Name(r.SentRef()), r.Error(), requestID(id)), 0)
}

// RunLine reports a run found or changed.
func RunLine(run runs.Run) string {
	url := run.HTMLURL
	if url == "" {
		url = "(no valid link)"
	}
	switch run.Status {
	case "":
		return untrusted.Line(fmt.Sprintf("Run %d: %s", run.ID, url), 0)
	case runs.StatusCompleted:
		return untrusted.Line(fmt.Sprintf("Run %d completed: %s  %s", run.ID, run.Conclusion, url), 0)
	case runs.StatusWaiting:
		if len(run.Approvals) > 0 {
			var envs []string
			for _, a := range run.Approvals {
				envs = append(envs, a.Words())
			}
			return untrusted.Line(fmt.Sprintf("Run %d is waiting for approval of %s: %s", run.ID, strings.Join(envs, "; "), url), 0)
		}
	}
	return untrusted.Line(fmt.Sprintf("Run %d is %s: %s", run.ID, run.Status.Words(), url), 0)
}

// renderRequest prints a recorded request as it went on the wire (headers sorted), with
// the Authorization header's credential replaced by "***".
func renderRequest(w io.Writer, r *ghclient.RecordedRequest) {
	fmt.Fprintf(w, "%s %s\n", r.Method, r.URL)
	names := make([]string, 0, len(r.Header))
	for name := range r.Header {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, v := range r.Header[name] {
			if strings.EqualFold(name, "Authorization") {
				scheme, _, _ := strings.Cut(v, " ")
				v = scheme + " ***"
			}
			fmt.Fprintf(w, "%s: %s\n", name, v)
		}
	}
	if _, ok := r.Header["Authorization"]; !ok {
		fmt.Fprintln(w, "Authorization: (none: no token is set; a real run needs one)")
	}
	fmt.Fprintf(w, "Content-Length: %d\n\n", len(r.Body))
	_, _ = w.Write(r.Body)
	if !bytes.HasSuffix(r.Body, []byte("\n")) {
		fmt.Fprintln(w)
	}
}

// AuditLine is one line of the delivery log: target, event, attempt, answer, request ID,
// and the wait before the next attempt with its reason. It never holds the token.
func AuditLine(target string, a ghclient.Attempt) string {
	line := fmt.Sprintf("%s attempt %d/%d: %s", target, a.N, a.Max, a.Answer())
	if a.RequestID != "" {
		line += ", request ID " + a.RequestID
	}
	line += fmt.Sprintf(", took %s", a.Took.Round(time.Millisecond))
	switch {
	case a.Retry:
		line += fmt.Sprintf("; retrying in %s: %s", a.Wait.Round(100*time.Millisecond), a.Why)
	case a.GaveUp != "":
		line += fmt.Sprintf("; %s; gave up %s", a.Why, a.GaveUp)
	}
	return untrusted.Line(line, 0)
}

// FailedJobLines name each job of a failed run that did not succeed, the steps that failed
// and its annotations, one line each.
func FailedJobLines(r outcome.Result) []string {
	var lines []string
	for _, j := range r.Run.FailedJobs {
		line := "job " + j.Name
		if len(j.FailedSteps) > 0 {
			line += ", step " + strings.Join(j.FailedSteps, ", step ")
		}
		line += " failed"
		if j.URL != "" {
			line += ": " + j.URL
		}
		lines = append(lines, untrusted.Line(line, 0))
		for _, a := range j.Annotations {
			lines = append(lines, untrusted.Line("  "+annotationText(a), 0))
		}
	}
	return lines
}

// annotationText is "failure: path:line: title: message".
func annotationText(a runs.Annotation) string {
	s := a.Level + ": "
	if a.Path != "" {
		s += a.Path
		if a.Line > 0 {
			s += fmt.Sprintf(":%d", a.Line)
		}
		s += ": "
	}
	if a.Title != "" && a.Title != a.Message {
		s += a.Title + ": "
	}
	return s + a.Message
}

// Notes are what a person should know of a target's outcome besides its lines so far:
// with jobs named, which judgement was made when the run says otherwise (the jobs
// succeeded, the run did not; or the run goes on); the outputs read from the run.
func Notes(r outcome.Result) []string {
	var notes []string
	if run := r.Run.Run; len(r.Run.Jobs) > 0 && r.Run.Conclusion != "" && run.Conclusion != r.Run.Conclusion {
		what := fmt.Sprintf("the run itself concluded %s (its other jobs are not judged)", run.Conclusion)
		if run.Status != runs.StatusCompleted {
			what = fmt.Sprintf("the run goes on (%s)", run.Status.Words())
		}
		notes = append(notes, untrusted.Line(fmt.Sprintf("%s%s: judged by the jobs named, %s: %s; %s",
			r.Place(), r.Repo, runs.JobNames(r.Run.Jobs, 10), r.Run.Conclusion, what), 0))
	}
	if len(r.Run.Outputs) > 0 {
		notes = append(notes, untrusted.Line(fmt.Sprintf("%s%s: run outputs %s", r.Place(), r.Repo, r.Run.Outputs), 2000))
	}
	return notes
}

// LogTailTitle names a failed job's log tail.
func LogTailTitle(r outcome.Result, j runs.FailedJob) string {
	return untrusted.Line(fmt.Sprintf("%sLast %d log lines of job %s (%s)", r.Place(), len(j.LogTail), j.Name, r.Repo.String()), 0)
}
