package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/MrSunshyne/dispatch-action/internal/actionio"
	"github.com/MrSunshyne/dispatch-action/internal/dispatch"
	"github.com/MrSunshyne/dispatch-action/internal/event"
)

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
