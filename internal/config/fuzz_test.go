package config

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/MrSunshyne/dispatch-action/internal/event"
)

// Seeds live in testdata/fuzz/<FuzzName>; run one with: go test -fuzz=FuzzParsePayload ./internal/config

func FuzzParsePayload(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1}`, `[]`, `{"a":1,"a":2}`, `{"a":{"b":[1,2,{"c":null}]}}`, `{"a":1} x`, "", `"s"`, `{"\u00e9":"\ud83d\ude00"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePayload(s, event.MaxPayloadProperties)
		if err != nil {
			return
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(p, &m); err != nil || m == nil {
			t.Fatalf("accepted %q but result %q is not an object: %v", s, p, err)
		}
		if len(m) > event.MaxPayloadProperties {
			t.Fatalf("accepted %d properties", len(m))
		}
		again, err := ParsePayload(string(p), event.MaxPayloadProperties)
		if err != nil || string(again) != string(p) {
			t.Fatalf("not stable: %q → %q → %q, %v", s, p, again, err)
		}
	})
}

func FuzzParseRepository(f *testing.F) {
	for _, s := range []string{"octo/data", "https://github.com/octo/data.git", "github.com/o/r/", "a/b/c", "-a/b", "o/..", "http://x/o/r?q", "ssh://git@github.com/o/r"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRepository(s)
		if err != nil {
			return
		}
		if r.Owner == "" || r.Name == "" {
			t.Fatalf("accepted %q as %+v", s, r)
		}
		again, err := ParseRepository(r.String())
		if err != nil || again != r {
			t.Fatalf("%q → %q does not parse back: %+v, %v", s, r, again, err)
		}
	})
}

func FuzzCheckEventTypeAndAPIURL(f *testing.F) {
	for _, s := range []string{"fetch-meetup-data", "", "a\nb", "https://api.github.com", "http://127.0.0.1:1/", "http://[::1]/api/v3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if CheckEventType(s) == nil {
			body := event.RepositoryDispatchBody(s, event.EmptyObject)
			var v struct {
				EventType string `json:"event_type"`
			}
			if err := json.Unmarshal(body, &v); err != nil || v.EventType != s {
				t.Fatalf("event type %q does not round-trip: %q, %v", s, v.EventType, err)
			}
		}
		if u, err := ParseAPIURL(s); err == nil {
			if u.Host == "" || u.Path[len(u.Path)-1] != '/' {
				t.Fatalf("accepted %q as %q", s, u)
			}
		}
	})
}

// FuzzBuild feeds arbitrary values to every input at once, in both modes: Build must never
// panic, and must either report problems or return a config that keeps GitHub's rules.
func FuzzBuild(f *testing.F) {
	f.Add("ghp_x", "octo/data", "e", `{"a":1}`, "https://api.github.com", "false", "5m", "5", false)
	f.Add("", "https://github.com/o/r.git", "", "[]", "http://127.0.0.1:1", "true", "300", "x", true)
	f.Add("a b", "o/r/", "\x00", `{"a":1,"a":1}`, "ftp://x", "maybe", "-1s", "0", false)
	f.Fuzz(func(t *testing.T, token, repo, eventType, payload, api, dry, timeout, attempts string, cli bool) {
		mode := ActionMode
		if cli {
			mode = CLIMode
		}
		c, ps := Build(mode, Inputs{Token: token, Repository: repo, EventType: eventType, ClientPayload: payload,
			APIURL: api, DryRun: dry, Timeout: timeout, MaxAttempts: attempts})
		if (c == nil) == (ps == nil) {
			t.Fatalf("config %v and problems %v", c, ps)
		}
		for _, p := range ps {
			if p.Input == "" || p.Rule == "" {
				t.Fatalf("problem without input or rule: %+v", p)
			}
			// A token-like value (long, no spaces) must never be echoed; a short one such as
			// " " is a substring of any sentence.
			if len(token) >= 12 && !strings.ContainsAny(token, " \t\n") && strings.Contains(p.Error(), token) {
				t.Fatalf("problem shows the token: %q", p.Error())
			}
		}
		if c == nil {
			return
		}
		if CheckEventType(c.Targets[0].EventType) != nil || len(event.RepositoryDispatchBody(c.Targets[0].EventType, c.Targets[0].ClientPayload)) > event.MaxDispatchBodyBytes ||
			c.Timeout <= 0 || c.Timeout > MaxTimeout || c.MaxAttempts < 1 || c.MaxAttempts > MaxMaxAttempts ||
			(c.Token == "" && !c.DryRun) {
			t.Fatalf("config breaks a rule: %+v", c)
		}
	})
}

// FuzzRunInputs feeds arbitrary values to the workflow_dispatch and wait inputs.
func FuzzRunInputs(f *testing.F) {
	f.Add("deploy.yml", "main", `{"env":"prod"}`, "completed", "30m", "true", "", `{"a":1}`)
	f.Add("161335", "refs/heads/x", `{"a":{"b":1}}`, "started", "1h", "no", "40m", `{"distinct_id":""}`)
	f.Add("", "main", "", "sometimes", "0s", "maybe", "1m", "[]")
	f.Fuzz(func(t *testing.T, workflow, ref, inputs, wait, waitTimeout, fail, timeout, payload string) {
		in := Inputs{Token: "ghp_fuzz", Repository: "octo/data", EventType: "e", ClientPayload: payload, APIURL: "https://api.github.com",
			Workflow: workflow, Ref: ref, WorkflowInputs: inputs, Wait: wait, WaitTimeout: waitTimeout, FailOnConclusion: fail,
			Timeout: timeout, DistinctID: "fuzzid"}
		if workflow != "" {
			in.EventType = ""
		}
		c, ps := Build(ActionMode, in)
		if (c == nil) == (ps == nil) {
			t.Fatalf("config %v and problems %v", c, ps)
		}
		if c == nil {
			return
		}
		if c.Wait != event.WaitNone && c.Timeout <= c.WaitTimeout && timeout == "" {
			t.Fatalf("default timeout %s leaves no room for wait-timeout %s", c.Timeout, c.WaitTimeout)
		}
		if c.Targets[0].Event == event.RepositoryDispatch && c.Wait != event.WaitNone {
			if c.Targets[0].DistinctID == "" || !strings.Contains(string(c.Targets[0].ClientPayload), c.Targets[0].DistinctID) {
				t.Fatalf("waiting without a distinct ID in the payload: %+v %s", c, c.Targets[0].ClientPayload)
			}
			if _, err := ParsePayload(string(c.Targets[0].ClientPayload), event.MaxPayloadProperties); err != nil {
				t.Fatalf("payload with the ID breaks the rules: %v", err)
			}
		}
		if c.Targets[0].Event == event.WorkflowDispatch {
			if _, err := ParseWorkflowInputs(string(c.Targets[0].Inputs)); err != nil {
				t.Fatalf("inputs break the rules: %v", err)
			}
		}
	})
}

// FuzzTargets feeds arbitrary text to the targets input: JSON or YAML, of any shape. It
// never panics; what it accepts is events that break none of GitHub's rules, each with a
// distinct ID when waiting; what it refuses names the input, or an entry of it.
func FuzzTargets(f *testing.F) {
	for _, s := range []string{mixedJSON, mixedYAML, `[]`, `[{}]`, `{"a":1}`, "- a\n- b", "- &x {repository: o/r, event-type: *x}",
		`[{"repository":"o/r","workflow":"d.yml","inputs":{"a":1e400}}]`, "- repository: o/r\n  event-type: e\n  client-payload: {a: .inf}",
		"- repository: o/r\n  event-type: e\n  client-payload: {0x1F: 0o17, b: ~, c: [1, {d: yes}]}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.TrimSpace(s) == "" {
			return // not given: the repository input names the targets
		}
		in := targetsOnly(s)
		in.Wait = "started"
		c, ps := Build(ActionMode, in)
		if (c == nil) == (ps == nil) {
			t.Fatalf("config %v and problems %v", c, ps)
		}
		for _, p := range ps {
			if p.Input != "targets" || !strings.HasPrefix(p.Label, "targets") && p.Label != `input "targets"` || p.Rule == "" {
				t.Fatalf("problem %+v", p)
			}
		}
		if c == nil {
			return
		}
		for _, tg := range c.Targets {
			if tg.DistinctID == "" || !strings.HasPrefix(tg.DistinctID, "abc") {
				t.Fatalf("target without its distinct ID: %+v", tg)
			}
			switch tg.Event {
			case event.RepositoryDispatch:
				if _, err := ParsePayload(string(tg.ClientPayload), event.MaxPayloadProperties); err != nil || CheckEventType(tg.EventType) != nil {
					t.Fatalf("accepted %+v: %v", tg, err)
				}
			case event.WorkflowDispatch:
				if _, err := ParseWorkflowInputs(string(tg.Inputs)); err != nil {
					t.Fatalf("accepted %+v: %v", tg, err)
				}
			default:
				t.Fatalf("target of no kind: %+v", tg)
			}
		}
	})
}
