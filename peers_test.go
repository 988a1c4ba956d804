package main

import (
	"regexp"
	"strings"
	"testing"
)

// peerFact is one input or output of another dispatch action, as its own action.yml (or
// its code, where the file gives no default) says, at the release docs/migrating.md names:
// its default, what it is here, and whether the difference must be flagged in the row.
type peerFact struct {
	name   string
	output bool
	def    string // its default ("" none, or required)
	here   string // this action's input(s) or output it maps to, space-separated; "—" none
	// flag is the bold words the row's note must hold ("Default differs", "Meaning
	// differs", …) where the default or the meaning is not the same here; "" when it is.
	flag string
}

// peers are the facts of each action the migration guide maps, from each action's own
// files (the source of each is named above its list).
var peers = map[string][]peerFact{
	// peter-evans/repository-dispatch action.yml (v1, commit 0ae1c4b; v2 to v4 keep the
	// inputs and default token to github.token). No outputs.
	"peter-evans/repository-dispatch": {
		{name: "token", def: "${{ github.token }}", here: "token"},
		{name: "repository", here: "repository"},
		{name: "event-type", here: "event-type"},
		{name: "client-payload", def: "{}", here: "client-payload"},
		{name: "(none)", output: true, here: "results"},
	},
	// benc-uk/workflow-dispatch v1.3: src/main.ts (the inputs it reads: wait-for-completion
	// and sync-status are on only when "true", wait-timeout-seconds 900 when empty; its
	// outputs runId, runUrl from the API's run_url, runUrlHtml from html_url, workflowId the
	// workflow's ID) and action.yaml (ref defaults to github.head_ref || github.ref).
	"benc-uk/workflow-dispatch": {
		{name: "workflow", here: "workflow"},
		{name: "token", def: "${{ github.token }}", here: "token"},
		{name: "inputs", here: "inputs"},
		{name: "ref", def: "${{ github.head_ref || github.ref }}", here: "ref", flag: "Default differs"},
		{name: "repo", here: "repository"},
		{name: "wait-for-completion", def: "false", here: "wait"},
		{name: "wait-timeout-seconds", def: "900", here: "wait-timeout", flag: "Default differs"},
		{name: "sync-status", def: "false", here: "fail-on-conclusion", flag: "Default differs"},
		{name: "runId", output: true, here: "run-id"},
		{name: "runUrl", output: true, here: "run-url", flag: "Meaning differs"},
		{name: "runUrlHtml", output: true, here: "run-url"},
		{name: "workflowId", output: true, here: "—", flag: "Meaning differs"},
	},
	// the-actions-org/workflow-dispatch action.yaml (commit 2960291; v4 adds bypass,
	// run-name and workflow-logs, default ignore).
	"the-actions-org/workflow-dispatch": {
		{name: "workflow", here: "workflow"},
		{name: "token", here: "token"},
		{name: "inputs", here: "inputs"},
		{name: "ref", here: "ref", flag: "Default differs"},
		{name: "repo", here: "repository"},
		{name: "bypass", here: "—"},
		{name: "run-name", here: "—"},
		{name: "display-workflow-run-url", def: "true", here: "wait"},
		{name: "display-workflow-run-url-interval", def: "1m", here: "—"},
		{name: "display-workflow-run-url-timeout", def: "10m", here: "wait-timeout", flag: "Default differs"},
		{name: "wait-for-completion", def: "true", here: "wait", flag: "Default differs"},
		{name: "wait-for-completion-timeout", def: "1h", here: "wait-timeout", flag: "Default differs"},
		{name: "wait-for-completion-interval", def: "1m", here: "—"},
		{name: "workflow-logs", def: "ignore", here: "log-lines"},
		{name: "workflow-url", output: true, here: "run-url"},
		{name: "workflow-conclusion", output: true, here: "conclusion", flag: "Failure differs"},
		{name: "workflow-id", output: true, here: "run-id"},
		{name: "workflow-logs", output: true, here: "results"},
	},
	// convictional/trigger-workflow-and-wait action.yml (commit 0e8f635; its v1.6 adds the
	// comment and summary inputs; event_type is of early releases).
	"convictional/trigger-workflow-and-wait": {
		{name: "owner", here: "repository"},
		{name: "repo", here: "repository"},
		{name: "github_token", here: "token"},
		{name: "github_user", here: "—"},
		{name: "workflow_file_name", here: "workflow"},
		{name: "ref", def: "main", here: "ref", flag: "Default differs"},
		{name: "wait_interval", here: "—"},
		{name: "client_payload", here: "inputs"},
		{name: "propagate_failure", def: "true", here: "fail-on-conclusion"},
		{name: "trigger_workflow", def: "true", here: "run-id"},
		{name: "wait_workflow", def: "true", here: "wait", flag: "Default differs"},
		{name: "comment_downstream_url", here: "status-context"},
		{name: "comment_github_token", def: "${{ github.token }}", here: "status-token"},
		{name: "summarize", here: "—"},
		{name: "event_type", here: "—"},
		{name: "workflow_id", output: true, here: "run-id"},
		{name: "workflow_url", output: true, here: "run-url"},
		{name: "conclusion", output: true, here: "conclusion"},
	},
	// Codex-/return-dispatch action.yml (commit 0328d6a, its v2 inputs; v4 drops
	// workflow_timeout_seconds, workflow_job_steps_retry_seconds and distinct_id) and
	// Codex-/await-remote-run action.yml (commit 0d8381f; v3 adds jobs and
	// cancel_timeout_seconds).
	"Codex-/return-dispatch": {
		{name: "token", here: "token"},
		{name: "ref", here: "ref"},
		{name: "repo", here: "repository"},
		{name: "owner", here: "repository"},
		{name: "workflow", here: "workflow"},
		{name: "workflow_inputs", here: "inputs"},
		{name: "workflow_timeout_seconds", def: "300", here: "wait-timeout", flag: "Default differs"},
		{name: "workflow_job_steps_retry_seconds", here: "—"},
		{name: "distinct_id", here: "inputs"},
		{name: "run_id", here: "run-id"},
		{name: "run_timeout_seconds", def: "300", here: "wait-timeout", flag: "Default differs"},
		{name: "poll_interval_ms", def: "5000", here: "—"},
		{name: "jobs", here: "jobs"},
		{name: "cancel_timeout_seconds", here: "cancel-run wait-timeout"},
		{name: "run_id", output: true, here: "run-id"},
		{name: "run_url", output: true, here: "run-url"},
	},
	// lasith-kg/dispatch-workflow action.yml (commit 2fa0f53; v3 has the same inputs).
	"lasith-kg/dispatch-workflow": {
		{name: "dispatch-method", here: "event-type workflow"},
		{name: "repo", here: "repository"},
		{name: "owner", here: "repository"},
		{name: "token", here: "token"},
		{name: "ref", here: "ref"},
		{name: "workflow", here: "workflow"},
		{name: "event-type", here: "event-type"},
		{name: "workflow-inputs", def: "{}", here: "client-payload inputs"},
		{name: "discover", def: "false", here: "wait"},
		{name: "starting-delay-ms", def: "200", here: "—"},
		{name: "max-attempts", def: "5", here: "max-attempts"},
		{name: "time-multiple", def: "2", here: "—"},
		{name: "run-id", output: true, here: "run-id"},
		{name: "run-url", output: true, here: "run-url"},
	},
}

// guideRow is a row of a table of docs/migrating.md: its left name, right column, note.
type guideRow struct{ here, note string }

// guideRows reads each action's tables: by the action's first name, "input NAME" or
// "output NAME" to its row.
func guideRows(t *testing.T) map[string]map[string]guideRow {
	t.Helper()
	rows := map[string]map[string]guideRow{}
	var action, table string
	for _, line := range strings.Split(read(t, "docs/migrating.md"), "\n") {
		if m := heading.FindStringSubmatch(line); m != nil {
			action, table = m[1], ""
			rows[action] = map[string]guideRow{}
			continue
		}
		if strings.HasPrefix(line, "## ") { // another section: no action's tables
			action = ""
			continue
		}
		switch {
		case strings.HasPrefix(line, "| Its input "):
			table = "input"
		case strings.HasPrefix(line, "| Its output "):
			table = "output"
		case action != "" && table != "" && strings.HasPrefix(line, "| ") && !strings.HasPrefix(line, "|---"):
			c := cells(line)
			if len(c) >= 3 {
				rows[action][table+" "+strings.Trim(c[0], "`")] = guideRow{here: c[1], note: strings.Join(c[2:], " | ")}
			}
		}
	}
	return rows
}

// The migration guide is true to each action's own files: every input and output of each
// is a row, and no row names one it does not have; each maps to what the facts say; and a
// default or a meaning that differs here is flagged in the row's note.
func TestTheMigrationGuideIsTrueToEachAction(t *testing.T) {
	t.Parallel()
	rows := guideRows(t)
	tickedName := regexp.MustCompile("`([^`]+)`")
	for action, facts := range peers {
		got, ok := rows[action]
		if !ok {
			t.Errorf("docs/migrating.md has no section for %s", action)
			continue
		}
		want := map[string]bool{}
		for _, f := range facts {
			key := "input " + f.name
			if f.output {
				key = "output " + f.name
			}
			want[key] = true
			row, ok := got[key]
			if !ok {
				t.Errorf("%s: its %s has no row", action, key)
				continue
			}
			var named []string
			for _, m := range tickedName.FindAllStringSubmatch(row.here, -1) {
				named = append(named, m[1])
			}
			if mapped := strings.Join(named, " "); mapped != f.here && !(f.here == "—" && strings.TrimSpace(row.here) == "—") {
				t.Errorf("%s: %s maps to %q, the facts say %q", action, key, row.here, f.here)
			}
			if f.flag != "" && !strings.Contains(row.note, "**"+f.flag) {
				t.Errorf("%s: %s (its default %q) differs here, and the row does not say **%s**: %q", action, key, f.def, f.flag, row.note)
			}
		}
		for key := range got {
			if !want[key] {
				t.Errorf("%s: the guide has a row for %s, which its files do not have", action, key)
			}
		}
	}
}
