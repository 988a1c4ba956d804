// Package report says what happened, in every form it takes: log lines (each attempt,
// each dispatch, each run), the dry run's requests, the results JSON, the action's outputs
// and the step summary; and it keeps secrets out of all of them.
package report

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/dispatch"
	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/runs"
)

// Requests prints the recorded requests of a dry run, in order.
func Requests(w io.Writer, reqs []ghclient.RecordedRequest) {
	for i := range reqs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		renderRequest(w, &reqs[i])
	}
	if len(reqs) > 1 || (len(reqs) == 1 && strings.Contains(string(reqs[0].Body), ghclient.PlaceholderBranch)) {
		fmt.Fprintf(w, "\n(%s stands for the repository's default branch, which a real run reads first)\n", ghclient.PlaceholderBranch)
	}
}

// SentLine says what GitHub accepted.
func SentLine(r dispatch.Result) string {
	what := fmt.Sprintf("%q to %s", r.EventType, r.Repository)
	if r.Event == event.WorkflowDispatch {
		what = fmt.Sprintf("workflow %s on %s in %s", r.Workflow, r.Ref, r.Repository)
	}
	return fmt.Sprintf("Dispatched %s: GitHub answered %d (request ID %s)", what, r.HTTPStatus, r.RequestID)
}

// FailureLine says what failed: the dispatch, or (after GitHub accepted it) the run.
func FailureLine(r dispatch.Result) string {
	if r.DispatchedAt != "" {
		return fmt.Sprintf("%s: GitHub accepted the event, but %s", r.Target(), r.Error)
	}
	return fmt.Sprintf("dispatch to %s failed: %s", r.Target(), r.Error)
}

// RunLine reports a run found or changed.
func RunLine(run runs.Run) string {
	switch run.Status {
	case "":
		return fmt.Sprintf("Run %d: %s", run.ID, run.HTMLURL)
	case event.StatusCompleted:
		return fmt.Sprintf("Run %d completed: %s  %s", run.ID, run.Conclusion, run.HTMLURL)
	}
	return fmt.Sprintf("Run %d is %s: %s", run.ID, run.Status.Words(), run.HTMLURL)
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
	return line
}
