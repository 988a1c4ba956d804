package githubfake

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	pathpkg "path"
	"sort"
	"strconv"
	"strings"
)

// Input is what a workflow declares of one workflow_dispatch input, beyond its name.
type Input struct {
	Type     string   `json:"type,omitempty"` // string (default), boolean, choice, number, environment
	Required bool     `json:"required,omitempty"`
	Default  string   `json:"default,omitempty"`
	Options  []string `json:"options,omitempty"` // choice
}

// workflowsDir is where GitHub reads workflows from; giteaWorkflowsDir is where Gitea
// does, a folder GitHub serves like any other.
const (
	workflowsDir      = ".github/workflows"
	giteaWorkflowsDir = ".gitea/workflows"
)

// MaxContentBytes is the largest file the contents API answers in JSON with its content:
// above it GitHub gives the entry with an empty content and encoding "none".
const MaxContentBytes = 1 << 20

// source is the workflow file as the repository holds it: File when set, else written
// from the fields (its on: as GitHub reads it). Called with f.mu held.
func (wf *Workflow) source() string {
	if wf.File != "" {
		return wf.File
	}
	var b strings.Builder
	fmt.Fprintf(&b, "name: %q\n", wf.Name)
	if wf.RunName != "" {
		fmt.Fprintf(&b, "run-name: %q\n", wf.RunName)
	}
	b.WriteString("on:\n")
	if wf.RepositoryDispatch {
		b.WriteString("  repository_dispatch:\n")
		if len(wf.Types) > 0 {
			fmt.Fprintf(&b, "    types: [%s]\n", quoted(wf.Types))
		}
	}
	if wf.WorkflowDispatch {
		b.WriteString("  workflow_dispatch:\n")
		if len(wf.Inputs) > 0 {
			b.WriteString("    inputs:\n")
		}
		for _, name := range wf.Inputs {
			in := wf.InputSpecs[name]
			fmt.Fprintf(&b, "      %s:\n        required: %v\n", name, in.Required)
			if in.Type != "" {
				fmt.Fprintf(&b, "        type: %s\n", in.Type)
			}
			if in.Default != "" {
				fmt.Fprintf(&b, "        default: %q\n", in.Default)
			}
			if len(in.Options) > 0 {
				fmt.Fprintf(&b, "        options: [%s]\n", quoted(in.Options))
			}
		}
	}
	if !wf.RepositoryDispatch && !wf.WorkflowDispatch {
		b.WriteString("  push:\n")
	}
	b.WriteString("jobs:\n  run:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo done\n")
	return b.String()
}

func quoted(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

// contents answers GET /repos/{o}/{r}/contents/{path}?ref=REF for the repository's
// workflow files and their directory, on every branch the fake knows (the same files on
// each): a file as JSON with its content in base64 (60 characters a line), a directory as
// an array of entries; 404 for a path or ref that does not exist.
func (f *Fake) contents(w *recorder, r *http.Request, repo, path string) {
	const doc = "https://docs.github.com/rest/repos/contents#get-repository-content"
	status, answer := f.content(repo, strings.Trim(path, "/"), r.URL.Query().Get("ref"))
	if msg, ok := answer.(string); ok {
		writeError(w, status, msg, doc)
		return
	}
	writeJSON(w, status, answer, "")
}

// HeadSHA is the commit the fake's runs of a branch of repo name as their head: the
// contents API answers at it as at the branch's tip.
func HeadSHA(repo, branch string) string {
	return fmt.Sprintf("%x", sha1.Sum([]byte(strings.ToLower(repo)+"@"+branch)))
}

// content decides the contents API's answer: a file, a directory, or GitHub's message.
func (f *Fake) content(repo, path, ref string) (int, any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ref == HeadSHA(repo, "main") { // a run's head commit: the repository as it is
		ref = ""
	}
	if branch := strings.TrimPrefix(ref, "refs/heads/"); ref != "" && branch != "main" && !f.refs[strings.ToLower(repo)+"@"+branch] {
		return http.StatusNotFound, "No commit found for the ref " + ref
	}
	var dir []any
	for _, wf := range f.workflows[strings.ToLower(repo)] {
		folder := pathpkg.Dir(wf.Path)
		if folder != workflowsDir && folder != giteaWorkflowsDir {
			continue // a dynamic workflow (Pages, Dependabot) has no file
		}
		src := wf.source()
		if wf.Path == path {
			return http.StatusOK, f.fileJSON(repo, wf.Path, src, true)
		}
		if path == folder {
			dir = append(dir, f.fileJSON(repo, wf.Path, src, false))
		}
	}
	if dir == nil {
		return http.StatusNotFound, "Not Found"
	}
	sort.Slice(dir, func(i, j int) bool {
		return dir[i].(map[string]any)["name"].(string) < dir[j].(map[string]any)["name"].(string)
	})
	return http.StatusOK, dir
}

// fileJSON is one file as the contents API gives it: with its content (base64, a
// newline every 60 characters, as GitHub wraps it) when withContent and the file is at
// most MaxContentBytes, else the entry alone. Called with f.mu held.
func (f *Fake) fileJSON(repo, path, src string, withContent bool) map[string]any {
	sum := sha1.Sum([]byte("blob " + strconv.Itoa(len(src)) + "\x00" + src))
	sha := hex.EncodeToString(sum[:])
	name := path[strings.LastIndex(path, "/")+1:]
	self := fmt.Sprintf("%s/repos/%s/contents/%s", f.apiRoot(), repo, path)
	html := fmt.Sprintf("%s/%s/blob/main/%s", f.webRoot(), repo, path)
	git := fmt.Sprintf("%s/repos/%s/git/blobs/%s", f.apiRoot(), repo, sha)
	obj := map[string]any{"type": "file", "name": name, "path": path, "sha": sha, "size": len(src), "url": self,
		"html_url": html, "git_url": git, "download_url": f.webRoot() + "/raw/" + repo + "/main/" + path,
		"_links": map[string]any{"self": self, "html": html, "git": git}}
	if !withContent {
		return obj
	}
	obj["encoding"], obj["content"] = "none", ""
	if len(src) <= MaxContentBytes {
		enc := base64.StdEncoding.EncodeToString([]byte(src))
		var lines []string
		for len(enc) > 60 {
			lines, enc = append(lines, enc[:60]), enc[60:]
		}
		obj["encoding"], obj["content"] = "base64", strings.Join(append(lines, enc), "\n")+"\n"
	}
	return obj
}
