package githubfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// The fake is only useful if it refuses what GitHub refuses: these tests pin its rules
// with raw HTTP, independent of the project's client.
func TestRepositoryDispatchRules(t *testing.T) {
	t.Parallel()
	f := NewServer(t)
	f.AddRepo("octo/data", "octo/private")
	f.AddToken(Token{Value: "good"})
	f.AddToken(Token{Value: "narrow", Repos: []string{"octo/data"}})
	f.AddToken(Token{Value: "readonly", Permissions: map[string]string{"contents": "read"}})

	props := func(n int) string {
		var kv []string
		for i := range n {
			kv = append(kv, fmt.Sprintf(`"k%d":%d`, i, i))
		}
		return "{" + strings.Join(kv, ",") + "}"
	}
	big := `{"event_type":"e","client_payload":{"x":"` + strings.Repeat("a", MaxBodyBytes) + `"}}`

	tests := []struct {
		name     string
		base     string // "" or "/api/v3"
		path     string
		auth     string
		ua       string
		version  string
		body     string
		want     int
		wantPerm string
	}{
		{name: "accepted", path: "/repos/octo/data/dispatches", body: `{"event_type":"e","client_payload":{"a":1}}`, want: 204},
		{name: "github.com has no /api/v3", base: "/api/v3", path: "/repos/octo/data/dispatches", body: `{"event_type":"e"}`, want: 404},
		{name: "unknown key", path: "/repos/octo/data/dispatches", body: `{"event_type":"e","ref":"main"}`, want: 422},
		{name: "repository name is case-insensitive", path: "/repos/OCTO/Data/dispatches", body: `{"event_type":"e"}`, want: 204},
		{name: "exactly ten properties", path: "/repos/octo/data/dispatches", body: `{"event_type":"e","client_payload":` + props(10) + `}`, want: 204},
		{name: "hundred-character event type", path: "/repos/octo/data/dispatches", body: `{"event_type":"` + strings.Repeat("é", 100) + `"}`, want: 204},
		{name: "token scheme", auth: "token good", path: "/repos/octo/data/dispatches", body: `{"event_type":"e"}`, want: 204},
		{name: "no auth", auth: "-", path: "/repos/octo/data/dispatches", body: `{"event_type":"e"}`, want: 401},
		{name: "bad token", auth: "Bearer nope", path: "/repos/octo/data/dispatches", body: `{"event_type":"e"}`, want: 401},
		{name: "no user agent", ua: "-", path: "/repos/octo/data/dispatches", body: `{"event_type":"e"}`, want: 403},
		{name: "unknown api version", version: "2020-01-01", path: "/repos/octo/data/dispatches", body: `{"event_type":"e"}`, want: 400},
		{name: "unknown repository", path: "/repos/octo/missing/dispatches", body: `{"event_type":"e"}`, want: 404},
		{name: "repository the token cannot see", auth: "Bearer narrow", path: "/repos/octo/private/dispatches", body: `{"event_type":"e"}`, want: 404},
		{name: "missing permission", auth: "Bearer readonly", path: "/repos/octo/data/dispatches", body: `{"event_type":"e"}`, want: 403, wantPerm: "contents=write"},
		{name: "invalid json", path: "/repos/octo/data/dispatches", body: `{"event_type":`, want: 400},
		{name: "body not an object", path: "/repos/octo/data/dispatches", body: `["e"]`, want: 400},
		{name: "no event type", path: "/repos/octo/data/dispatches", body: `{"client_payload":{}}`, want: 422},
		{name: "empty event type", path: "/repos/octo/data/dispatches", body: `{"event_type":""}`, want: 422},
		{name: "long event type", path: "/repos/octo/data/dispatches", body: `{"event_type":"` + strings.Repeat("a", 101) + `"}`, want: 422},
		{name: "payload not an object", path: "/repos/octo/data/dispatches", body: `{"event_type":"e","client_payload":[1]}`, want: 422},
		{name: "eleven properties", path: "/repos/octo/data/dispatches", body: `{"event_type":"e","client_payload":` + props(11) + `}`, want: 422},
		{name: "duplicate keys count", path: "/repos/octo/data/dispatches", body: `{"event_type":"e","client_payload":` + strings.TrimSuffix(props(10), "}") + `,"k0":1}}`, want: 422},
		{name: "body of 64 KB", path: "/repos/octo/data/dispatches", body: big, want: 422},
		{name: "unknown route", path: "/repos/octo/data/nothing", body: `{}`, want: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequest(http.MethodPost, f.URL()+tt.base+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			set := func(name, v, def string) {
				switch v {
				case "-":
					req.Header[name] = []string{""} // an empty User-Agent is not sent at all
				case "":
					req.Header.Set(name, def)
				default:
					req.Header.Set(name, v)
				}
			}
			set("Authorization", tt.auth, "Bearer good")
			set("User-Agent", tt.ua, "test")
			set("X-GitHub-Api-Version", tt.version, "2022-11-28")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d (%s)", resp.StatusCode, tt.want, b)
			}
			if got := resp.Header.Get("X-Accepted-GitHub-Permissions"); got != tt.wantPerm {
				t.Errorf("X-Accepted-GitHub-Permissions = %q, want %q", got, tt.wantPerm)
			}
			if resp.Header.Get("X-GitHub-Request-Id") == "" {
				t.Error("no X-GitHub-Request-Id")
			}
			if tt.want >= 400 {
				var e struct{ Message string }
				if json.Unmarshal(b, &e) != nil || e.Message == "" {
					t.Errorf("error body %q has no message", b)
				}
			}
		})
	}
	t.Cleanup(func() {
		accepted := 0
		for _, r := range f.Requests() {
			if r.Status == 204 {
				accepted++
			}
		}
		if got := len(f.Dispatches()); got != accepted {
			t.Errorf("%d dispatches recorded, %d requests answered 204", got, accepted)
		}
	})
}

func TestScriptedFaults(t *testing.T) {
	t.Parallel()
	f := NewServer(t)
	f.AddRepo("octo/data")
	f.AddToken(Token{Value: "good"})
	f.Script(Fault{Status: 502}, Fault{Status: 429, Header: http.Header{"Retry-After": {"3"}}}, Fault{Reset: true})

	post := func() (*http.Response, error) {
		req, _ := http.NewRequest(http.MethodPost, f.URL()+"/repos/octo/data/dispatches", strings.NewReader(`{"event_type":"e"}`))
		req.Header.Set("Authorization", "Bearer good")
		req.Header.Set("User-Agent", "test")
		return http.DefaultClient.Do(req)
	}
	for _, want := range []int{502, 429} {
		resp, err := post()
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("status %d, want %d", resp.StatusCode, want)
		}
		if want == 429 && resp.Header.Get("Retry-After") != "3" {
			t.Errorf("Retry-After = %q", resp.Header.Get("Retry-After"))
		}
	}
	if resp, err := post(); err == nil {
		resp.Body.Close()
		t.Fatal("reset connection gave no error")
	}
	resp, err := post()
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 {
		t.Fatalf("after the script: status %d, want 204", resp.StatusCode)
	}
	if n := len(f.Dispatches()); n != 1 {
		t.Fatalf("%d dispatches, want 1", n)
	}
	if n := len(f.Requests()); n != 4 {
		t.Fatalf("%d requests recorded, want 4", n)
	}
}

func TestPrimaryRateLimit(t *testing.T) {
	t.Parallel()
	f := NewServer(t)
	f.AddRepo("octo/data")
	f.AddToken(Token{Value: "good"})
	f.SetRateLimit(2)
	var got []string
	for range 3 {
		req, _ := http.NewRequest(http.MethodPost, f.URL()+"/repos/octo/data/dispatches", strings.NewReader(`{"event_type":"e"}`))
		req.Header.Set("Authorization", "Bearer good")
		req.Header.Set("User-Agent", "test")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got = append(got, fmt.Sprintf("%d/%s", resp.StatusCode, resp.Header.Get("X-RateLimit-Remaining")))
	}
	if strings.Join(got, " ") != "204/1 204/0 403/0" {
		t.Errorf("got %v", got)
	}
	if n := len(f.Dispatches()); n != 2 {
		t.Errorf("%d dispatches", n)
	}
}
