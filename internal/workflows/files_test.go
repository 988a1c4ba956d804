package workflows

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-github/v66/github"

	"github.com/MrSunshyne/dispatch-action/internal/event"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

var data = event.Repo{Owner: "octo", Name: "data"}

func client(t *testing.T) (*githubfake.Fake, *github.Client, *ghclient.Server) {
	f := githubfake.Standard(t, nil)
	base, _ := url.Parse(f.URL() + "/")
	server := ghclient.NewServer(base)
	return f, ghclient.New(ghclient.Options{BaseURL: base, Token: githubfake.TestToken, Server: server, Policy: ghclient.Policy{MaxAttempts: 1}}), server
}

// The list is read page after page, as the server pages it, every entry kept.
func TestList(t *testing.T) {
	t.Parallel()
	f, c, server := client(t)
	for i := range 130 {
		f.AddWorkflow("octo/data", githubfake.Workflow{Path: fmt.Sprintf(".github/workflows/w%d.yml", i), Name: fmt.Sprintf("W %d", i), State: "active"})
	}
	list, err := List(context.Background(), c, server, data)
	if err != nil || len(list) != 130 || list[129].ID == "" || !list[0].Active() {
		t.Fatalf("%d workflows, %v", len(list), err)
	}
	if w, ok := ByName(list, "w 120"); !ok || w.Path != ".github/workflows/w120.yml" {
		t.Errorf("%+v %v", w, ok)
	}
	if _, err := List(context.Background(), c, server, event.Repo{Owner: "octo", Name: "none"}); err == nil {
		t.Errorf("a repository that does not exist listed")
	}
}

// A folder lists its workflow files by path; a file is read and parsed; what cannot be
// read says why, classified.
func TestReadDirAndFile(t *testing.T) {
	t.Parallel()
	f, c, _ := client(t)
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/deploy.yml", WorkflowDispatch: true, Inputs: []string{"env"}})
	f.AddWorkflow("octo/data", githubfake.Workflow{Path: ".github/workflows/big.yml", File: "on: push\n#" + strings.Repeat("x", MaxFileBytes)})
	ctx := context.Background()
	names, err := ReadDir(ctx, c, data, Dir, "")
	if err != nil || strings.Join(names, " ") != ".github/workflows/big.yml .github/workflows/deploy.yml" {
		t.Errorf("%q %v", names, err)
	}
	if _, err := ReadDir(ctx, c, data, GiteaDir, "main"); ghclient.CauseOf(err).Kind != ghclient.NotFound {
		t.Errorf("a folder that is not there: %v", err)
	}
	if _, err := ReadDir(ctx, c, data, Dir+"/deploy.yml", ""); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("a file read as a folder: %v", err)
	}
	trig, err := ReadFile(ctx, c, data, FileOf("deploy.yml"), "main")
	if err != nil || !trig.WorkflowDispatch || len(trig.Inputs) != 1 || trig.Inputs[0].Name != "env" {
		t.Errorf("%+v %v", trig, err)
	}
	if _, err := ReadFile(ctx, c, data, Dir, ""); !errors.Is(err, ErrUnread) || !strings.Contains(err.Error(), "it is a directory") {
		t.Errorf("a folder read as a file: %v", err)
	}
	if _, err := ReadFile(ctx, c, data, Dir+"/big.yml", ""); !errors.Is(err, ErrUnread) || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("over the cap: %v", err)
	}
	if _, err := ReadFile(ctx, c, data, Dir+"/none.yml", "main"); ghclient.CauseOf(err).Kind != ghclient.NotFound {
		t.Errorf("no such file: %v", err)
	}
	if FileOf("123") != "" || FileOf("a.yaml") != ".github/workflows/a.yaml" {
		t.Errorf("%q %q", FileOf("123"), FileOf("a.yaml"))
	}
}
