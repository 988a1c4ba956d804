package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/dispatch"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/runs"
)

// renderRequests prints the recorded requests of a dry run, in order.
func renderRequests(w io.Writer, reqs []ghclient.RecordedRequest) {
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

// sentLine says what GitHub accepted.
func sentLine(r dispatch.Result) string {
	what := fmt.Sprintf("%q to %s", r.EventType, r.Repository)
	if r.Event == config.EventWorkflowDispatch {
		what = fmt.Sprintf("workflow %s on %s in %s", r.Workflow, r.Ref, r.Repository)
	}
	return fmt.Sprintf("Dispatched %s: GitHub answered %d (request ID %s)", what, r.HTTPStatus, r.RequestID)
}

// failureLine says what failed: the dispatch, or (after GitHub accepted it) the run.
func failureLine(r dispatch.Result) string {
	if r.DispatchedAt != "" {
		return fmt.Sprintf("%s: GitHub accepted the event, but %s", r.Target(), r.Error)
	}
	return fmt.Sprintf("dispatch to %s failed: %s", r.Target(), r.Error)
}

// runLine reports a run found or changed.
func runLine(run runs.Run) string {
	switch run.Status {
	case "":
		return fmt.Sprintf("Run %d: %s", run.ID, run.HTMLURL)
	case "completed":
		return fmt.Sprintf("Run %d completed: %s  %s", run.ID, run.Conclusion, run.HTMLURL)
	}
	return fmt.Sprintf("Run %d is %s: %s", run.ID, strings.ReplaceAll(run.Status, "_", " "), run.HTMLURL)
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

// resultsJSON is the `results` output.
func resultsJSON(results []dispatch.Result) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(results); err != nil {
		// Result holds only strings and numbers: this cannot fail.
		panic(fmt.Sprintf("encoding results: %v", err))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// summaryMarkdown is the step summary: a table of what was sent where, with the outcome.
func summaryMarkdown(results []dispatch.Result, apiURL *url.URL) string {
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
		event := code(r.EventType)
		if r.Event == config.EventWorkflowDispatch {
			event = "workflow " + code(r.Workflow)
			if r.Ref != "" {
				event += " on " + code(r.Ref)
			}
		}
		run := "–"
		if r.RunID != 0 {
			run = fmt.Sprintf("[#%d](%s)", r.RunID, r.RunURL)
			if r.RunStatus != "" {
				run += " " + cell(strings.ReplaceAll(r.RunStatus, "_", " "))
			}
			if r.Conclusion != "" {
				run += ": " + cell(r.Conclusion)
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", repo, event, cell(outcomeText(r)), run, code(r.RequestID))
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

// redactor replaces every secret (the token, App tokens minted during the run) wherever
// output would show it, and serialises writes, which may come from several goroutines.
type redactor struct {
	mu      sync.Mutex
	secrets []string
}

// minRedactLen avoids replacing short strings that only a test would use as a token.
const minRedactLen = 6

func newRedactor(secret string) *redactor {
	r := &redactor{}
	r.add(secret)
	return r
}

func (r *redactor) add(secret string) {
	if len(secret) < minRedactLen {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets = append(r.secrets, secret)
}

// addWhile adds a secret and, under the same lock as every redacted write, runs announce
// (the ::add-mask:: command, which must reach the log unredacted and whole).
func (r *redactor) addWhile(secret string, announce func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	announce()
	if len(secret) >= minRedactLen {
		r.secrets = append(r.secrets, secret)
	}
}

func (r *redactor) String(s string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.redact(s)
}

func (r *redactor) redact(s string) string {
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, "***")
	}
	return s
}

// Writer wraps w so nothing written through it contains a secret, one write at a time.
func (r *redactor) Writer(w io.Writer) io.Writer { return redactingWriter{w: w, r: r} }

type redactingWriter struct {
	w io.Writer
	r *redactor
}

func (rw redactingWriter) Write(p []byte) (int, error) {
	rw.r.mu.Lock()
	defer rw.r.mu.Unlock()
	if _, err := io.WriteString(rw.w, rw.r.redact(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
