// Command fakegithub serves the project's fake GitHub on loopback, so that it can be used
// and checked from outside the test suite: the side-by-side benchmark (bench/), the check
// workflow nektos/act runs (.ci/act), a person trying the action by hand. It plays the
// server -server names, with the repositories, tokens, workflows (their runs, jobs,
// annotations, logs and artifacts) and GitHub Apps the flags and a scenario file give,
// checks every request and answer against that server's published description (a
// violation is printed on stderr and makes the exit status 1 when it stops), prints its
// API root and serves until it is stopped (SIGINT or SIGTERM).
//
//	fakegithub -server ghes-3.19 -repo octo/data \
//	  -workflow '{"repo":"octo/data","path":".github/workflows/deploy.yml","name":"Deploy","workflow_dispatch":true,
//	              "inputs":["distinct_id"],"run_name":"Deploy ${{ inputs.distinct_id }}","conclusion":"failure",
//	              "jobs":[{"name":"build","steps":[{"name":"Compile","conclusion":"failure"}]}]}'
package main

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

// Scenario is what the fake knows: the -scenario file's JSON, to which the flags add.
type Scenario struct {
	Server    string             `json:"server,omitempty"` // github.com (default), ghes-3.17 … ghes-3.22
	Repos     []string           `json:"repos,omitempty"`
	Tokens    []githubfake.Token `json:"tokens,omitempty"` // none: the -token flag's
	Workflows []Workflow         `json:"workflows,omitempty"`
	Apps      []App              `json:"apps,omitempty"`
}

// Workflow is a workflow of a repository, with how long its runs stay queued and run
// (Go durations; defaults 2s and 5s, on the real clock).
type Workflow struct {
	Repo string `json:"repo"`
	githubfake.Workflow
	Queued  string `json:"queued,omitempty"`
	Running string `json:"running,omitempty"`
}

// App is a GitHub App: its ID, the PEM public key of its private key (or a file holding
// it), and its installations by owner.
type App struct {
	ID            string                              `json:"id"`
	PublicKey     string                              `json:"public_key,omitempty"`
	PublicKeyFile string                              `json:"public_key_file,omitempty"`
	Installations map[string]*githubfake.Installation `json:"installations"`
}

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run serves until ctx ends, and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fakegithub", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "address to listen on")
	token := fs.String("token", githubfake.TestToken, "a token it accepts, with every permission on every repository")
	server := fs.String("server", "", "the GitHub it plays: github.com (default), ghes-3.17, ghes-3.18, ghes-3.19, ghes-3.20, ghes-3.21, ghes-3.22")
	scenarioFile := fs.String("scenario", "", "a JSON file of the Scenario type: server, repos, tokens, workflows, apps")
	var repos, workflows list
	fs.Var(&repos, "repo", "a repository it has, owner/name (repeatable)")
	fs.Var(&workflows, "workflow", "a workflow, as JSON: repo, path, name, repository_dispatch, types, workflow_dispatch, inputs, run_name, conclusion, queued, running, jobs, artifacts (repeatable)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	sc, err := scenario(*scenarioFile, *server, repos, workflows, *token)
	if err != nil {
		fmt.Fprintln(stderr, "fakegithub:", err)
		return 2
	}
	f, err := build(sc)
	if err != nil {
		fmt.Fprintln(stderr, "fakegithub:", err)
		return 2
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(stderr, "fakegithub:", err)
		return 1
	}
	violations := &stderrTB{w: stderr}
	f.ReportTo(violations)
	f.StartOn(ln)
	fmt.Fprintln(stdout, f.URL())
	<-ctx.Done()
	f.Close()
	if violations.n.Load() > 0 {
		fmt.Fprintf(stderr, "fakegithub: %d contract violations\n", violations.n.Load())
		return 1
	}
	return 0
}

// scenario reads the scenario file, if any, and adds what the flags give.
func scenario(file, server string, repos, workflows []string, token string) (Scenario, error) {
	var sc Scenario
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return sc, err
		}
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&sc); err != nil {
			return sc, fmt.Errorf("%s: %w", file, err)
		}
	}
	if server != "" {
		sc.Server = server
	}
	sc.Repos = append(sc.Repos, repos...)
	for _, w := range workflows {
		var wf Workflow
		dec := json.NewDecoder(strings.NewReader(w))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&wf); err != nil {
			return sc, fmt.Errorf("-workflow %s: %w", w, err)
		}
		sc.Workflows = append(sc.Workflows, wf)
	}
	if len(sc.Tokens) == 0 {
		sc.Tokens = []githubfake.Token{{Value: token}}
	}
	return sc, nil
}

// build makes the fake the scenario describes.
func build(sc Scenario) (*githubfake.Fake, error) {
	f := githubfake.New()
	if sc.Server != "" {
		s, ok := githubfake.ServerNamed(sc.Server)
		if !ok {
			return nil, fmt.Errorf("unknown server %q", sc.Server)
		}
		f.SetServer(s)
	}
	f.SetRateLimit(1 << 30)
	f.AddRepo(sc.Repos...)
	for _, t := range sc.Tokens {
		f.AddToken(t)
	}
	for _, w := range sc.Workflows {
		if w.Repo == "" || w.Path == "" {
			return nil, errors.New("a workflow needs repo and path")
		}
		wf := w.Workflow
		for _, d := range []struct {
			in  string
			out *time.Duration
		}{{w.Queued, &wf.Queued}, {w.Running, &wf.Running}} {
			if d.in == "" {
				continue
			}
			v, err := time.ParseDuration(d.in)
			if err != nil {
				return nil, fmt.Errorf("workflow %s: %w", w.Path, err)
			}
			*d.out = v
		}
		f.AddWorkflow(w.Repo, wf)
	}
	for _, a := range sc.Apps {
		if err := addApp(f, a); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func addApp(f *githubfake.Fake, a App) error {
	key := []byte(a.PublicKey)
	if a.PublicKeyFile != "" {
		var err error
		if key, err = os.ReadFile(a.PublicKeyFile); err != nil {
			return err
		}
	}
	block, _ := pem.Decode(key)
	if block == nil {
		return fmt.Errorf("app %s: no PEM public key", a.ID)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return fmt.Errorf("app %s: %w", a.ID, err)
	}
	rsaKey, ok := pub.(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("app %s: not an RSA key", a.ID)
	}
	f.AddApp(githubfake.App{ID: a.ID, PublicKey: rsaKey, Installations: a.Installations})
	return nil
}

// stderrTB prints contract violations as they happen.
type stderrTB struct {
	w io.Writer
	n atomic.Int64
}

func (t *stderrTB) Helper()        {}
func (t *stderrTB) Cleanup(func()) {}
func (t *stderrTB) Errorf(format string, args ...any) {
	t.n.Add(1)
	fmt.Fprintf(t.w, "contract violation: "+format+"\n", args...)
}
