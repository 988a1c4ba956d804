// Package report says what happened, in every form it takes: log lines (each attempt,
// each dispatch, each run), the dry run's requests, the results JSON, the action's outputs
// and the step summary; and it keeps secrets out of all of them.
package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/actionio"
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

// ResultsJSON is the `results` output.
func ResultsJSON(results []dispatch.Result) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(results); err != nil {
		// Result holds only strings and numbers: this cannot fail.
		panic(fmt.Sprintf("encoding results: %v", err))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// Summary is the step summary: a table of what was sent where, with the outcome.
func Summary(results []dispatch.Result, apiURL *url.URL) string {
	var b strings.Builder
	b.WriteString("### Repository dispatch\n\n")
	web := webBase(apiURL)
	if web != "https://github.com" {
		fmt.Fprintf(&b, "API: `%s`\n\n", apiURL.String())
	}
	b.WriteString("| Repository | Event | Outcome | Run | Request ID |\n|---|---|---|---|---|\n")
	for _, r := range results {
		repo := cell(r.Repository)
		if web != "" {
			repo = fmt.Sprintf("[%s](%s/%s)", repo, web, r.Repository)
		}
		what := code(r.EventType)
		if r.Event == event.WorkflowDispatch {
			what = "workflow " + code(r.Workflow)
			if r.Ref != "" {
				what += " on " + code(r.Ref)
			}
		}
		run := "–"
		if r.RunID != 0 {
			run = fmt.Sprintf("[#%d](%s)", r.RunID, r.RunURL)
			if r.RunStatus != "" {
				run += " " + cell(r.RunStatus.Words())
			}
			if r.Conclusion != "" {
				run += ": " + cell(string(r.Conclusion))
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", repo, what, cell(outcomeText(r)), run, code(r.RequestID))
	}
	return b.String()
}

func outcomeText(r dispatch.Result) string {
	switch r.Status {
	case dispatch.StatusDispatched:
		return fmt.Sprintf("✅ dispatched (%d)", r.HTTPStatus)
	}
	if r.DispatchedAt != "" {
		return fmt.Sprintf("⚠️ dispatched (%d), then: %s", r.HTTPStatus, r.Error)
	}
	switch r.Status {
	case dispatch.StatusDryRun:
		return "📝 dry run: not sent"
	}
	return "❌ " + r.Error
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

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\r", " ", "\n", " ", "<", "&lt;", ">", "&gt;").Replace(s)
}

// code shows s as inline code in a table cell, or a dash when empty.
func code(s string) string {
	if s == "" {
		return "–"
	}
	return "<code>" + cell(strings.ReplaceAll(s, "&", "&amp;")) + "</code>"
}

// Redactor replaces every secret (the token, App tokens minted during the run) wherever
// output would show it, and serialises writes, which may come from several goroutines.
type Redactor struct {
	mu      sync.Mutex
	secrets []string
}

// minRedactLen avoids replacing short strings that only a test would use as a token.
const minRedactLen = 6

func NewRedactor(secret string) *Redactor {
	r := &Redactor{}
	r.Add(secret)
	return r
}

func (r *Redactor) Add(secret string) {
	if len(secret) < minRedactLen {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets = append(r.secrets, secret)
}

// addWhile adds a secret and, under the same lock as every redacted write, runs announce
// (the ::add-mask:: command, which must reach the log unredacted and whole).
func (r *Redactor) AddWhile(secret string, announce func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	announce()
	if len(secret) >= minRedactLen {
		r.secrets = append(r.secrets, secret)
	}
}

func (r *Redactor) String(s string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.redact(s)
}

func (r *Redactor) redact(s string) string {
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, "***")
	}
	return s
}

// Writer wraps w so nothing written through it contains a secret, one write at a time.
func (r *Redactor) Writer(w io.Writer) io.Writer { return redactingWriter{w: w, r: r} }

type redactingWriter struct {
	w io.Writer
	r *Redactor
}

func (rw redactingWriter) Write(p []byte) (int, error) {
	rw.r.mu.Lock()
	defer rw.r.mu.Unlock()
	if _, err := io.WriteString(rw.w, rw.r.redact(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
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

// Outputs are the step's outputs, named as in action.yml. The single-dispatch
// outputs describe the first (today: the only) target.
func Outputs(results []dispatch.Result) []actionio.Output {
	if len(results) != 1 {
		// Several targets: only what is common to all, and the results.
		return []actionio.Output{
			{Name: "event-type", Value: results[0].EventType},
			{Name: "distinct-id", Value: results[0].DistinctID},
			{Name: "results", Value: ResultsJSON(results)},
		}
	}
	first := results[0]
	runID := ""
	if first.RunID != 0 {
		runID = strconv.FormatInt(first.RunID, 10)
	}
	return []actionio.Output{
		{Name: "repository", Value: first.Repository},
		{Name: "event-type", Value: first.EventType},
		{Name: "dispatched-at", Value: first.DispatchedAt},
		{Name: "request-id", Value: first.RequestID},
		{Name: "distinct-id", Value: first.DistinctID},
		{Name: "run-id", Value: runID},
		{Name: "run-url", Value: first.RunURL},
		{Name: "run-status", Value: string(first.RunStatus)},
		{Name: "conclusion", Value: string(first.Conclusion)},
		{Name: "results", Value: ResultsJSON(results)},
	}
}

func (r *Redactor) Outputs(outs []actionio.Output) []actionio.Output {
	for i := range outs {
		outs[i].Value = r.String(outs[i].Value)
	}
	return outs
}
