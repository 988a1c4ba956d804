package githubfake

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func call(t *testing.T, f *Fake, method, path, body string, header ...string) (int, http.Header, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, f.URL()+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer good")
	req.Header.Set("User-Agent", "test")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v map[string]any
	_ = json.Unmarshal(b, &v)
	return resp.StatusCode, resp.Header, v
}

func TestWorkflowDispatchAndRuns(t *testing.T) {
	t.Parallel()
	f := NewServer(t)
	clock := NewClock()
	f.SetClock(clock)
	f.AddToken(Token{Value: "good"})
	f.AddWorkflow("octo/data", Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true, Inputs: []string{"env", "distinct_id"},
		RunName: "Deploy ${{ inputs.env }} ${{ inputs.distinct_id }}", Conclusion: "failure"})
	f.AddWorkflow("octo/data", Workflow{Path: ".github/workflows/refresh.yml", RepositoryDispatch: true, Types: []string{"fetch"},
		RunName: "Refresh ${{ github.event.client_payload.distinct_id }}"})
	f.AddWorkflow("octo/data", Workflow{Path: ".github/workflows/other.yml", RepositoryDispatch: true, Types: []string{"other"}})

	tests := []struct {
		body string
		want int
		msg  string
	}{
		{`{"ref":"main","inputs":{"env":"prod"},"return_run_details":true}`, 200, ""},
		{`{"ref":"main","inputs":{"env":"prod"}}`, 204, ""},
		{`{"inputs":{}}`, 422, "ref"},
		{`{"ref":"nope"}`, 422, "No ref found for: nope"},
		{`{"ref":"main","inputs":{"bogus":"1"}}`, 422, `Unexpected inputs provided: ["bogus"]`},
		{`{"ref":"main","inputs":{"env":{"a":1}}}`, 422, "not a string, number or boolean"},
	}
	for _, tt := range tests {
		code, _, v := call(t, f, "POST", "/repos/octo/data/actions/workflows/deploy.yml/dispatches", tt.body)
		if code != tt.want || (tt.msg != "" && !strings.Contains(v["message"].(string), tt.msg)) {
			t.Errorf("%s: %d %v, want %d %q", tt.body, code, v, tt.want, tt.msg)
		}
		if code == 200 && (v["workflow_run_id"] == nil || !strings.Contains(v["html_url"].(string), "/octo/data/actions/runs/")) {
			t.Errorf("run details %v", v)
		}
	}
	if code, _, _ := call(t, f, "POST", "/repos/octo/data/actions/workflows/missing.yml/dispatches", `{"ref":"main"}`); code != 404 {
		t.Errorf("missing workflow: %d", code)
	}
	if code, _, _ := call(t, f, "POST", "/repos/octo/data/dispatches", `{"event_type":"fetch","client_payload":{"distinct_id":"abc123"}}`); code != 204 {
		t.Fatalf("repository dispatch: %d", code)
	}
	if n := f.Runs(); n != 3 {
		t.Fatalf("%d runs, want 3 (two workflow_dispatch, one refresh; other.yml filters its type)", n)
	}

	// Runs appear seconds later, then progress queued → in_progress → completed.
	code, _, v := call(t, f, "GET", "/repos/octo/data/actions/runs?event=repository_dispatch", "")
	if code != 200 || v["total_count"].(float64) != 0 {
		t.Fatalf("runs visible at once: %v", v)
	}
	_ = clock.Sleep(t.Context(), 3*time.Second)
	code, _, v = call(t, f, "GET", "/repos/octo/data/actions/runs?event=repository_dispatch", "")
	runs := v["workflow_runs"].([]any)
	if code != 200 || len(runs) != 1 {
		t.Fatalf("runs: %d %v", code, v)
	}
	r := runs[0].(map[string]any)
	if r["display_title"] != "Refresh abc123" || r["status"] != "in_progress" || r["event"] != "repository_dispatch" {
		t.Errorf("run %v", r)
	}
	id := strings.TrimSuffix(strings.TrimPrefix(r["url"].(string), f.URL()+"/repos/octo/data/actions/runs/"), "")

	// Conditional requests: unchanged → 304, free of rate limit.
	code, h, _ := call(t, f, "GET", "/repos/octo/data/actions/runs/"+id, "")
	used := f.RateLimitUsed()
	code2, _, _ := call(t, f, "GET", "/repos/octo/data/actions/runs/"+id, "", "If-None-Match", h.Get("ETag"))
	if code != 200 || code2 != 304 || f.RateLimitUsed() != used {
		t.Errorf("conditional: %d then %d, rate limit used %d → %d", code, code2, used, f.RateLimitUsed())
	}
	_ = clock.Sleep(t.Context(), 10*time.Second)
	code, _, v = call(t, f, "GET", "/repos/octo/data/actions/runs/"+id, "", "If-None-Match", h.Get("ETag"))
	if code != 200 || v["status"] != "completed" || v["conclusion"] != "success" {
		t.Errorf("after completion: %d %v", code, v)
	}

	// Paging and the workflow filter.
	code, _, v = call(t, f, "GET", "/repos/octo/data/actions/workflows/deploy.yml/runs?per_page=1&page=2", "")
	if code != 200 || v["total_count"].(float64) != 2 || len(v["workflow_runs"].([]any)) != 1 {
		t.Errorf("paged workflow runs: %d %v", code, v)
	}
	// created filter
	future := clock.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if _, _, v = call(t, f, "GET", "/repos/octo/data/actions/runs?created=>="+future, ""); v["total_count"].(float64) != 0 {
		t.Errorf("created filter: %v", v)
	}
}

// Each server the fake plays answers workflow_dispatch as that release does: only
// github.com and Enterprise Server 3.21+ know return_run_details (older releases refuse it
// as an unknown key, with 422); before 3.20 at most 10 inputs. Its API is at its own root
// only, and an Enterprise Server names its release on every answer.
func TestEachServer(t *testing.T) {
	t.Parallel()
	for _, s := range Servers {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			f := NewServer(t)
			f.SetServer(s)
			f.AddToken(Token{Value: "good"})
			var inputs []string
			for i := range 25 {
				inputs = append(inputs, fmt.Sprintf("in%d", i))
			}
			f.AddWorkflow("octo/data", Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true, Inputs: inputs})
			code, h, v := call(t, f, "POST", "/repos/octo/data/actions/workflows/deploy.yml/dispatches", `{"ref":"main","return_run_details":true}`)
			if h.Get("X-GitHub-Enterprise-Version") != s.Release {
				t.Errorf("X-GitHub-Enterprise-Version %q, want %q", h.Get("X-GitHub-Enterprise-Version"), s.Release)
			}
			switch {
			case s.ReturnsRunDetails() && (code != 200 || v["workflow_run_id"] == nil):
				t.Errorf("return_run_details: %d %v", code, v)
			case !s.ReturnsRunDetails() && (code != 422 || v["message"] != "Invalid request.\n\n\"return_run_details\" is not a permitted key."):
				t.Errorf("return_run_details on %s: %d %v", s.Name, code, v)
			}
			if code, _, _ := call(t, f, "POST", "/repos/octo/data/actions/workflows/deploy.yml/dispatches", `{"ref":"main"}`); code != 204 {
				t.Errorf("without return_run_details: %d", code)
			}
			body := func(n int) string {
				var kv []string
				for i := range n {
					kv = append(kv, fmt.Sprintf(`"in%d":"x"`, i))
				}
				return `{"ref":"main","inputs":{` + strings.Join(kv, ",") + `}}`
			}
			limit := map[bool]int{true: 10, false: 25}[s.Enterprise() && s.Release < "3.20"]
			if code, _, _ := call(t, f, "POST", "/repos/octo/data/actions/workflows/deploy.yml/dispatches", body(limit)); code != 204 {
				t.Errorf("%d inputs: %d", limit, code)
			}
			if limit < 25 {
				code, _, v := call(t, f, "POST", "/repos/octo/data/actions/workflows/deploy.yml/dispatches", body(limit+1))
				if code != 422 || !strings.Contains(v["message"].(string), "No more than 10 properties") {
					t.Errorf("%d inputs: %d %v", limit+1, code, v)
				}
			}
			other := strings.TrimSuffix(f.WebURL()+"/api/v3", f.URL()) // the root it does not serve
			if other == "" {
				other = f.WebURL()
			}
			req, _ := http.NewRequest("GET", other+"/repos/octo/data", nil)
			req.Header.Set("Authorization", "Bearer good")
			req.Header.Set("User-Agent", "test")
			if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 404 {
				t.Errorf("the other API root: %v %v", resp, err)
			} else {
				resp.Body.Close()
			}
		})
	}
}

func TestPermissions(t *testing.T) {
	t.Parallel()
	f := NewServer(t)
	f.AddToken(Token{Value: "good"})
	f.AddToken(Token{Value: "contents-only", Permissions: map[string]string{"contents": "write"}})
	f.AddWorkflow("octo/data", Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true})
	code, h, _ := call(t, f, "GET", "/repos/octo/data/actions/runs", "", "Authorization", "Bearer contents-only")
	if code != 403 || h.Get("X-Accepted-GitHub-Permissions") != "actions=read" {
		t.Errorf("runs without actions:read: %d %v", code, h)
	}
	code, h, _ = call(t, f, "POST", "/repos/octo/data/actions/workflows/deploy.yml/dispatches", `{"ref":"main"}`, "Authorization", "Bearer contents-only")
	if code != 403 || h.Get("X-Accepted-GitHub-Permissions") != "actions=write" {
		t.Errorf("workflow dispatch without actions:write: %d %v", code, h)
	}
	code, _, v := call(t, f, "GET", "/repos/octo/data", "")
	if code != 200 || v["default_branch"] != "main" || v["full_name"] != "octo/data" {
		t.Errorf("repository: %d %v", code, v)
	}
}

func TestAppJWTRules(t *testing.T) {
	t.Parallel()
	f := NewServer(t)
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	f.AddApp(App{ID: "9", PublicKey: &key.PublicKey, Installations: map[string]*Installation{"octo": {ID: 5, Permissions: map[string]string{"contents": "write"}}}})
	sign := func(k *rsa.PrivateKey, iss string, iat, exp time.Duration) string {
		s, _ := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.RegisteredClaims{Issuer: iss,
			IssuedAt: jwt.NewNumericDate(time.Now().Add(iat)), ExpiresAt: jwt.NewNumericDate(time.Now().Add(exp))}).SignedString(k)
		return s
	}
	for _, tt := range []struct {
		name string
		jwt  string
		want int
	}{
		{"valid", sign(key, "9", -time.Minute, 9*time.Minute), 200},
		{"signed with another key", sign(other, "9", -time.Minute, 9*time.Minute), 401},
		{"unknown app", sign(key, "10", -time.Minute, 9*time.Minute), 401},
		{"expired", sign(key, "9", -20*time.Minute, -10*time.Minute), 401},
		{"exp too far ahead", sign(key, "9", -time.Minute, 11*time.Minute), 401},
		{"a token, not a JWT", "good", 401},
	} {
		code, _, _ := call(t, f, "GET", "/repos/octo/data/installation", "", "Authorization", "Bearer "+tt.jwt)
		if code != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, code, tt.want)
		}
	}
	valid := sign(key, "9", -time.Minute, 9*time.Minute)
	code, _, v := call(t, f, "POST", "/app/installations/5/access_tokens", `{"repositories":["data"],"permissions":{"contents":"write"}}`, "Authorization", "Bearer "+valid)
	if code != 201 || !strings.HasPrefix(v["token"].(string), "ghs_") {
		t.Fatalf("access token: %d %v", code, v)
	}
	if code, _, _ := call(t, f, "POST", "/app/installations/5/access_tokens", `{"permissions":{"actions":"write"}}`, "Authorization", "Bearer "+valid); code != 422 {
		t.Errorf("permission not granted: %d, want 422", code)
	}
	tok := v["token"].(string)
	f.AddRepo("octo/data")
	if code, _, _ := call(t, f, "POST", "/repos/octo/data/dispatches", `{"event_type":"e"}`, "Authorization", "Bearer "+tok); code != 204 {
		t.Errorf("dispatch with the installation token: %d", code)
	}
	if code, _, _ := call(t, f, "DELETE", "/installation/token", "", "Authorization", "Bearer "+tok); code != 204 {
		t.Errorf("revoke: %d", code)
	}
	if code, _, _ := call(t, f, "POST", "/repos/octo/data/dispatches", `{"event_type":"e"}`, "Authorization", "Bearer "+tok); code != 401 {
		t.Errorf("revoked token still works: %d", code)
	}
}

// Logs come by a 302 to a second host that refuses a request carrying Authorization, as
// GitHub's storage does; cancelling a completed run is a 409.
func TestStorageHostAndCancel(t *testing.T) {
	f := NewServer(t)
	f.AddToken(Token{Value: "tok"})
	f.AddWorkflow("octo/data", Workflow{Path: ".github/workflows/ci.yml", RepositoryDispatch: true, Conclusion: "failure",
		Jobs: []Job{{Name: "test", Log: "line 1\nline 2\n"}}})
	if code, _, _ := call(t, f, "POST", "/repos/octo/data/dispatches", `{"event_type":"e"}`, "Authorization", "Bearer tok"); code != 204 {
		t.Fatalf("dispatch: %d", code)
	}
	jobID := fmt.Sprintf("%d", 7001*perRun)
	req, _ := http.NewRequest("GET", f.URL()+"/repos/octo/data/actions/jobs/"+jobID+"/logs", nil)
	req.Header.Set("Authorization", "Bearer tok")
	req.Header.Set("User-Agent", "test")
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != 302 || !strings.Contains(loc, "?sig=") || strings.HasPrefix(loc, f.URL()) {
		t.Fatalf("logs: %d to %q", resp.StatusCode, loc)
	}
	for auth, want := range map[string]int{"": 200, "Bearer tok": 400} {
		r, _ := http.NewRequest("GET", loc, nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		got, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		got.Body.Close()
		if got.StatusCode != want {
			t.Errorf("storage with Authorization %q: %d, want %d", auth, got.StatusCode, want)
		}
	}
	f.SetClock(fixedClock{time.Now().Add(time.Hour)}) // the run has completed
	if code, _, _ := call(t, f, "POST", "/repos/octo/data/actions/runs/7001/cancel", "", "Authorization", "Bearer tok"); code != 409 {
		t.Errorf("cancel of a completed run: %d, want 409", code)
	}
}

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// TestJobsFinishAtTheirOwnTime: a run's jobs are listed and complete each at its own time,
// matrix and reusable-workflow names as GitHub gives them, paged, and a job still going
// when the run is cancelled is cancelled with it.
func TestJobsFinishAtTheirOwnTime(t *testing.T) {
	t.Parallel()
	f := NewServer(t)
	clock := NewClock()
	f.SetClock(clock)
	f.AddToken(Token{Value: "good"})
	f.AddWorkflow("octo/data", Workflow{Path: ".github/workflows/ci.yml", WorkflowDispatch: true, Queued: 2 * time.Second, Running: 60 * time.Second,
		Conclusion: "failure", Jobs: []Job{
			{Name: "build", Finishes: 10 * time.Second, Conclusion: "success"},
			{Name: "test (ubuntu-latest, 20)", Finishes: 20 * time.Second},
			{Name: "deploy / compile", Appears: 15 * time.Second, Finishes: 30 * time.Second, Conclusion: "success"},
			{Name: "deploy / publish", Appears: 30 * time.Second},
		}})
	if status, _, _ := call(t, f, "POST", "/repos/octo/data/actions/workflows/ci.yml/dispatches", `{"ref":"main"}`); status != 204 {
		t.Fatalf("dispatch: %d", status)
	}
	jobs := func(query string) string {
		t.Helper()
		_, _, body := call(t, f, "GET", "/repos/octo/data/actions/runs/7001/jobs"+query, "")
		var list []string
		for _, j := range body["jobs"].([]any) {
			m := j.(map[string]any)
			list = append(list, fmt.Sprintf("%s=%s/%v", m["name"], m["status"], m["conclusion"]))
		}
		return fmt.Sprintf("%v %s", body["total_count"], strings.Join(list, ", "))
	}
	steps := []struct {
		after time.Duration // since the dispatch
		want  string
	}{
		{time.Second, "2 build=queued/<nil>, test (ubuntu-latest, 20)=queued/<nil>"},
		{13 * time.Second, "2 build=completed/success, test (ubuntu-latest, 20)=in_progress/<nil>"},
		{23 * time.Second, "3 build=completed/success, test (ubuntu-latest, 20)=completed/failure, deploy / compile=in_progress/<nil>"},
		{40 * time.Second, "4 build=completed/success, test (ubuntu-latest, 20)=completed/failure, deploy / compile=completed/success, deploy / publish=in_progress/<nil>"},
	}
	start := clock.Now()
	for _, s := range steps {
		_ = clock.Sleep(context.Background(), start.Add(s.after).Sub(clock.Now()))
		if got := jobs(""); got != s.want {
			t.Errorf("after %s: %s\nwant %s", s.after, got, s.want)
		}
	}
	if got := jobs("?per_page=2&page=2"); got != "4 deploy / compile=completed/success, deploy / publish=in_progress/<nil>" {
		t.Errorf("page 2: %s", got)
	}
	if status, _, _ := call(t, f, "POST", "/repos/octo/data/actions/runs/7001/cancel", ""); status != 202 {
		t.Fatalf("cancel: %d", status)
	}
	if got := jobs(""); !strings.HasSuffix(got, "deploy / compile=completed/success, deploy / publish=completed/cancelled") {
		t.Errorf("after cancel: %s", got)
	}
}

// Each server answers API versions as that release does: 2026-03-10 on github.com and
// Enterprise Server 3.21 and later, where workflow_dispatch always names its run and
// return_run_details is an unknown key; older releases answer 400 to it. github.com
// announces 2022-11-28's retirement on a workflow_dispatch made under it (and under no
// version header, which means 2022-11-28), never under 2026-03-10.
func TestAPIVersionsOfEachServer(t *testing.T) {
	t.Parallel()
	const path = "/repos/octo/data/actions/workflows/deploy.yml/dispatches"
	for _, s := range Servers {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			f := NewServer(t)
			f.SetServer(s)
			f.AddToken(Token{Value: "good"})
			f.AddWorkflow("octo/data", Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true})
			current := s.minor() >= 21
			code, h, v := call(t, f, "POST", path, `{"ref":"main"}`, "X-GitHub-Api-Version", APIVersion2026)
			switch {
			case current && (code != 200 || v["workflow_run_id"] == nil || h.Get("Deprecation") != ""):
				t.Errorf("2026-03-10: %d %v %v", code, v, h)
			case !current && (code != 400 || v["message"] != "API version 2026-03-10 is not supported."):
				t.Errorf("2026-03-10 on %s: %d %v", s.Name, code, v)
			}
			if code, _, v := call(t, f, "POST", path, `{"ref":"main","return_run_details":true}`, "X-GitHub-Api-Version", APIVersion2026); current && code != 422 {
				t.Errorf("return_run_details under 2026-03-10: %d %v", code, v)
			}
			for _, header := range [][]string{nil, {"X-GitHub-Api-Version", APIVersion2022}} {
				code, h, _ := call(t, f, "POST", path, `{"ref":"main"}`, header...)
				announced := h.Get("Deprecation") == DeprecationDate && h.Get("Sunset") == DeprecationSunset && h.Get("Link") == DeprecationLink
				if code != 204 || announced == s.Enterprise() {
					t.Errorf("2022-11-28 (%v): %d, deprecation announced %v", header, code, announced)
				}
			}
			if len(f.Violations()) > 0 {
				t.Errorf("violations: %v", f.Violations())
			}
		})
	}
}

// The contents API serves each workflow's file (written from its fields, or File) as
// GitHub does: base64 in lines of 60, the directory as entries, 404 for a ref that does
// not exist, and a file over 1 MiB without its content. The workflows list gives states.
// A disabled workflow starts no run, and GitHub's own refusals of a workflow_dispatch
// apply: a disabled workflow, a required input not given, a value not allowed.
func TestWorkflowFilesStatesAndRefusals(t *testing.T) {
	t.Parallel()
	f := NewServer(t)
	f.AddToken(Token{Value: "good"})
	f.AddWorkflow("octo/data", Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true, Inputs: []string{"env", "dry"},
		InputSpecs: map[string]Input{"env": {Type: "choice", Required: true, Options: []string{"prod"}}, "dry": {Type: "boolean"}}})
	f.AddWorkflow("octo/data", Workflow{Path: ".github/workflows/off.yml", WorkflowDispatch: true, RepositoryDispatch: true, State: "disabled_manually"})
	f.AddWorkflow("octo/data", Workflow{Path: ".github/workflows/big.yml", File: "on: push\n#" + strings.Repeat("x", MaxContentBytes)})
	code, _, v := call(t, f, "GET", "/repos/octo/data/contents/.github/workflows/deploy.yml?ref=main", "")
	content, _ := v["content"].(string)
	raw, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(content, "\n", ""))
	if code != 200 || v["encoding"] != "base64" || err != nil || !strings.Contains(string(raw), "options: [\"prod\"]") || len(strings.Split(content, "\n")[0]) != 60 {
		t.Errorf("file: %d %v %q", code, err, raw)
	}
	if code, _, v := call(t, f, "GET", "/repos/octo/data/contents/.github/workflows/big.yml", ""); code != 200 || v["encoding"] != "none" || v["content"] != "" {
		t.Errorf("big file: %d %v", code, v["encoding"])
	}
	if code, _, _ := call(t, f, "GET", "/repos/octo/data/contents/.github/workflows/deploy.yml?ref=nope", ""); code != 404 {
		t.Errorf("missing ref: %d", code)
	}
	req, _ := http.NewRequest("GET", f.URL()+"/repos/octo/data/contents/.github/workflows", nil)
	req.Header.Set("Authorization", "Bearer good")
	req.Header.Set("User-Agent", "t")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var dir []map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&dir)
	resp.Body.Close()
	if len(dir) != 3 || dir[0]["name"] != "big.yml" || dir[0]["content"] != nil {
		t.Errorf("directory: %v", dir)
	}
	if _, _, v := call(t, f, "GET", "/repos/octo/data/actions/workflows", ""); !strings.Contains(fmt.Sprint(v["workflows"]), "state:disabled_manually") {
		t.Errorf("states: %v", v["workflows"])
	}
	const path = "/repos/octo/data/actions/workflows/%s/dispatches"
	for body, want := range map[string]string{
		`{"ref":"main","inputs":{"dry":"true"}}`:              "Required input 'env' not provided",
		`{"ref":"main","inputs":{"env":"qa"}}`:                "Provided value 'qa' for input 'env' not in the list of allowed values",
		`{"ref":"main","inputs":{"env":"prod","dry":"yes"}}`:  "Provided value 'yes' for input 'dry' not in the list of allowed values",
		`{"ref":"main","inputs":{"env":"prod","dry":"true"}}`: "",
	} {
		code, _, v := call(t, f, "POST", fmt.Sprintf(path, "deploy.yml"), body)
		if want == "" && code != 204 || want != "" && (code != 422 || v["message"] != want) {
			t.Errorf("%s: %d %v", body, code, v)
		}
	}
	if code, _, v := call(t, f, "POST", fmt.Sprintf(path, "off.yml"), `{"ref":"main"}`); code != 422 || v["message"] != "Cannot trigger a 'workflow_dispatch' on a disabled workflow" {
		t.Errorf("disabled: %d %v", code, v)
	}
	if code, _, _ := call(t, f, "POST", "/repos/octo/data/dispatches", `{"event_type":"e"}`); code != 204 || f.Runs() != 1 {
		t.Errorf("repository_dispatch: %d, %d runs (a disabled workflow starts none)", code, f.Runs())
	}
	if len(f.Violations()) > 0 {
		t.Errorf("violations: %v", f.Violations())
	}
}
