package dispatch

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
)

// gitea answers a workflow_dispatch as Gitea 1.27.3 does (../shared/gitea-facts.md):
// 204 whatever API version is asked for, or with ?return_run_details=true 200 naming the
// run; every input must be a JSON string. named false plays a Gitea that ignores the
// query (before 1.26): 204, and the run only in the workflow's runs list.
type gitea struct {
	mu     sync.Mutex
	named  bool
	newest int64
	got    []string // METHOD path?query of each request
	bodies []map[string]any
}

func (g *gitea) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.got = append(g.got, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
	const wf = "/api/v1/repos/octo/data/actions/workflows/deploy.yml/"
	switch {
	case r.Method == "GET" && r.URL.Path == wf+"runs":
		runs := []map[string]int64{}
		if g.newest > 0 {
			runs = append(runs, map[string]int64{"id": g.newest})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"workflow_runs": runs, "total_count": len(runs)})
	case r.Method == "POST" && r.URL.Path == wf+"dispatches":
		var body map[string]any
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &body)
		for _, v := range body["inputs"].(map[string]any) {
			if _, ok := v.(string); !ok {
				http.Error(w, `{"message":"inputs must be strings"}`, http.StatusUnprocessableEntity)
				return
			}
		}
		g.bodies = append(g.bodies, body)
		g.newest += 10
		if g.named && r.URL.Query().Get("return_run_details") == "true" {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"workflow_run_id": g.newest,
				"html_url": fmt.Sprintf("http://%s/octo/data/actions/runs/%d", r.Host, g.newest)})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		http.NotFound(w, r)
	}
}

// To Gitea, inputs go as strings with the distinct ID among them and the run is asked
// for in the query; a Gitea that names it gives the run; one that does not has the
// newest run read just before and just after, the bracket the run is found in.
func TestSendToGitea(t *testing.T) {
	t.Parallel()
	for _, named := range []bool{true, false} {
		g := &gitea{named: named, newest: 5}
		srv := httptest.NewServer(g)
		t.Cleanup(srv.Close)
		base, _ := url.Parse(srv.URL + "/api/v1/")
		server := ghclient.NewServer(base)
		c := ghclient.New(ghclient.Options{BaseURL: base, Token: "gitea-token", Server: server})
		target := event.Target{Event: event.WorkflowDispatch, Repo: data, Workflow: "deploy.yml", Ref: "main", Inputs: event.Object(`{"n":3,"dry":true}`), DistinctID: "abc"}
		r := Send(context.Background(), c, target, Options{Server: server})
		if !r.OK() || r.Forge != ghclient.Gitea || r.DistinctID != "abc" || len(g.bodies) != 1 {
			t.Fatalf("named %v: %+v", named, r)
		}
		if in := g.bodies[0]["inputs"].(map[string]any); in["n"] != "3" || in["dry"] != "true" || in["distinct_id"] != "abc" {
			t.Errorf("inputs %v", in)
		}
		if !strings.HasSuffix(g.got[len(g.got)-1], "?return_run_details=true") && named {
			t.Errorf("requests %q", g.got)
		}
		switch {
		case named && (r.RunID != 15 || !strings.HasSuffix(r.RunURL, "/octo/data/actions/runs/15") || r.Bracket != nil):
			t.Errorf("named: %+v", r)
		case !named && (r.RunID != 0 || r.Bracket == nil || r.Bracket.Before != 5 || r.Bracket.Upto != 15 || len(g.got) != 3):
			t.Errorf("bracketed: %+v, requests %q", r, g.got)
		}
	}
}
