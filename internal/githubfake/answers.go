package githubfake

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"
	"time"
)

// The fake's answers are GitHub's own: each body starts as a copy of the example the
// description of the server it plays gives for that answer (a workflow run has some
// thirty required fields, a repository over seventy), with the scenario's values set on
// it. The client meets full-size answers with the fields it ignores, nested objects and
// null conclusions, and every answer is checked against the response schema.
//
// Where GitHub's own examples break GitHub's own schemas, the builders mend them: a job
// example without created_at, a repository example with a fork's source whose language is
// missing (and the fake's repositories are not forks), a cancel example of null where the
// schema says an empty object.

// example returns a deep copy of the description's named example, or of the element at
// index of a list inside it ("job-paginated", "jobs", 0).
func (f *Fake) example(name string, path ...any) map[string]any {
	v := f.desc.examples[name]
	for _, step := range path {
		switch s := step.(type) {
		case string:
			v = v.(map[string]any)[s]
		case int:
			v = v.([]any)[s]
		}
	}
	obj, ok := deepCopy(v).(map[string]any)
	if !ok {
		panic(fmt.Sprintf("githubfake: the %s description has no example %s%v", f.server.Name, name, path))
	}
	return obj
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}

// set sets the values at dotted paths of obj, creating objects on the way.
func set(obj map[string]any, values map[string]any) map[string]any {
	for path, v := range values {
		m := obj
		keys := strings.Split(path, ".")
		for _, k := range keys[:len(keys)-1] {
			next, ok := m[k].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[k] = next
			}
			m = next
		}
		m[keys[len(keys)-1]] = v
	}
	return obj
}

// webRoot is the fake's web host (github.com's place); apiRoot its API root.
func (f *Fake) webRoot() string { return f.srv.URL }

func (f *Fake) apiRoot() string {
	if f.server.Enterprise() {
		return f.srv.URL + "/api/v3"
	}
	return f.srv.URL
}

// numericID is a stable positive number for a name, as GitHub numbers its objects.
func numericID(name string) int64 {
	h := fnv.New32a()
	h.Write([]byte(strings.ToLower(name)))
	return int64(h.Sum32()%900_000_000) + 100_000_000
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// ownerJSON sets a repository's owner (a simple-user) on obj at prefix ("owner").
func (f *Fake) ownerValues(prefix, owner string) map[string]any {
	return map[string]any{
		prefix + ".login": owner, prefix + ".id": numericID(owner), prefix + ".type": "Organization",
		prefix + ".html_url": f.webRoot() + "/" + owner, prefix + ".url": f.apiRoot() + "/users/" + owner,
	}
}

// repositoryJSON is GET /repos/{o}/{r}: a private repository, not a fork, default
// branch main.
func (f *Fake) repositoryJSON(repo string) map[string]any {
	owner, name, _ := strings.Cut(repo, "/")
	obj := f.example("full-repository-default-response")
	for _, forkOnly := range []string{"parent", "source", "template_repository"} {
		delete(obj, forkOnly)
	}
	values := map[string]any{
		"id": numericID(repo), "name": name, "full_name": repo, "private": true, "visibility": "private", "fork": false,
		"default_branch": "main", "language": nil, "html_url": f.webRoot() + "/" + repo, "url": f.apiRoot() + "/repos/" + repo,
	}
	for k, v := range f.ownerValues("owner", owner) {
		values[k] = v
	}
	return set(obj, values)
}

// minimalRepositoryValues sets a run's repository and head_repository.
func (f *Fake) minimalRepositoryValues(prefix, repo string) map[string]any {
	owner, name, _ := strings.Cut(repo, "/")
	values := map[string]any{prefix + ".id": numericID(repo), prefix + ".name": name, prefix + ".full_name": repo,
		prefix + ".private": true, prefix + ".html_url": f.webRoot() + "/" + repo, prefix + ".url": f.apiRoot() + "/repos/" + repo}
	for k, v := range f.ownerValues(prefix+".owner", owner) {
		values[k] = v
	}
	return values
}

// runJSON is a workflow run as GET …/actions/runs/{id} and the listings show it at now,
// rendered once for each state it is in. Called with f.mu held.
func (f *Fake) runJSON(r *run, now time.Time) json.RawMessage {
	status, conclusion, updated := r.state(now)
	key := status + "/" + conclusion + "/" + stamp(updated)
	if r.renderedAs == key && f.hostile.Rewrite == nil {
		return r.rendered
	}
	b, _ := json.Marshal(f.rewrite("run", f.runObject(r, status, conclusion, updated)))
	r.rendered, r.renderedAs = b, key
	if f.hostile.Rewrite != nil {
		r.renderedAs = "" // rewritten each time
	}
	return b
}

func (f *Fake) runObject(r *run, status, conclusion string, updated time.Time) map[string]any {
	var concl any // null until the run completes
	if conclusion != "" {
		concl = conclusion
	}
	api := fmt.Sprintf("%s/repos/%s/actions/runs/%d", f.apiRoot(), r.repo, r.id)
	values := map[string]any{
		"id": r.id, "name": r.wf.Name, "display_title": r.title, "event": r.event, "status": status, "conclusion": concl,
		"workflow_id": r.wf.ID, "run_number": r.number, "run_attempt": 1, "head_branch": r.branch, "head_sha": HeadSHA(r.repo, "main"), "path": r.wf.Path,
		"created_at": stamp(r.created), "updated_at": stamp(updated), "run_started_at": stamp(r.created),
		"html_url": fmt.Sprintf("%s/%s/actions/runs/%d", f.webRoot(), r.repo, r.id), "url": api,
		"jobs_url": api + "/jobs", "logs_url": api + "/logs", "artifacts_url": api + "/artifacts", "cancel_url": api + "/cancel",
		"rerun_url": api + "/rerun", "workflow_url": fmt.Sprintf("%s/repos/%s/actions/workflows/%d", f.apiRoot(), r.repo, r.wf.ID),
		"pull_requests": []any{},
	}
	for _, prefix := range []string{"repository", "head_repository"} {
		for k, v := range f.minimalRepositoryValues(prefix, r.repo) {
			values[k] = v
		}
	}
	return set(f.example("workflow-run"), values)
}

// workflowJSON is one workflow of GET …/actions/workflows.
func (f *Fake) workflowJSON(repo string, wf *Workflow) map[string]any {
	return set(f.example("workflow-paginated", "workflows", 0), map[string]any{
		"id": wf.ID, "name": wf.Name, "path": wf.Path, "state": wf.state(),
		"url":      fmt.Sprintf("%s/repos/%s/actions/workflows/%d", f.apiRoot(), repo, wf.ID),
		"html_url": fmt.Sprintf("%s/%s/blob/main/%s", f.webRoot(), repo, wf.Path),
	})
}

// jobJSON is one job of GET …/actions/runs/{id}/jobs as v shows it. Called with f.mu held.
func (f *Fake) jobJSON(rn *run, id int64, j Job, v jobView) map[string]any {
	var completed any
	if v.status == "completed" {
		completed = stamp(v.completed)
	}
	started := rn.created.Add(rn.wf.Queued)
	return set(f.example("job-paginated", "jobs", 0), map[string]any{
		"id": id, "run_id": rn.id, "name": j.Name, "status": v.status, "conclusion": v.conclusion, "steps": v.steps,
		"workflow_name": rn.wf.Name, "head_branch": rn.branch, "run_attempt": 1,
		"created_at": stamp(rn.created), "started_at": stamp(started.Add(j.Appears)), "completed_at": completed,
		"run_url":       fmt.Sprintf("%s/repos/%s/actions/runs/%d", f.apiRoot(), rn.repo, rn.id),
		"url":           fmt.Sprintf("%s/repos/%s/actions/jobs/%d", f.apiRoot(), rn.repo, id),
		"html_url":      fmt.Sprintf("%s/%s/actions/runs/%d/job/%d", f.webRoot(), rn.repo, rn.id, id),
		"check_run_url": fmt.Sprintf("%s/repos/%s/check-runs/%d", f.apiRoot(), rn.repo, id+checkRunOffset),
	})
}

// annotationJSON is one annotation of GET …/check-runs/{id}/annotations.
func (f *Fake) annotationJSON(a Annotation) map[string]any {
	return set(f.example("check-annotation-items", 0), map[string]any{
		"path": a.Path, "start_line": a.Line, "end_line": a.Line, "annotation_level": a.Level, "title": a.Title,
		"message": a.Message, "raw_details": nil, "start_column": nil, "end_column": nil,
	})
}

// artifactJSON is one artifact of GET …/actions/runs/{id}/artifacts.
func (f *Fake) artifactJSON(rn *run, id int64, name string) map[string]any {
	api := fmt.Sprintf("%s/repos/%s/actions/artifacts/%d", f.apiRoot(), rn.repo, id)
	_, _, done := rn.state(f.now())
	return set(f.example("artifact-paginated", "artifacts", 0), map[string]any{
		"id": id, "name": name, "size_in_bytes": 100, "expired": false, "url": api, "archive_download_url": api + "/zip",
		"created_at": stamp(done), "updated_at": stamp(done), "expires_at": stamp(done.Add(90 * 24 * time.Hour)),
		"workflow_run.id": rn.id, "workflow_run.repository_id": numericID(rn.repo), "workflow_run.head_repository_id": numericID(rn.repo),
		"workflow_run.head_branch": rn.branch,
	})
}

// installationJSON is GET /repos/{o}/{r}/installation.
func (f *Fake) installationJSON(app *App, inst *Installation) map[string]any {
	perms := map[string]any{}
	for k, v := range inst.Permissions {
		perms[k] = v
	}
	values := map[string]any{"id": inst.ID, "permissions": perms, "target_id": numericID(inst.Owner),
		"access_tokens_url": fmt.Sprintf("%s/app/installations/%d/access_tokens", f.apiRoot(), inst.ID),
		"html_url":          fmt.Sprintf("%s/organizations/%s/settings/installations/%d", f.webRoot(), inst.Owner, inst.ID)}
	if id, err := parseID(app.ID); err == nil {
		values["app_id"] = id
	}
	for k, v := range f.ownerValues("account", inst.Owner) {
		values[k] = v
	}
	return set(f.example("installation"), values)
}

// tokenJSON is POST /app/installations/{id}/access_tokens.
func (f *Fake) tokenJSON(token string, expires time.Time, perms map[string]string) map[string]any {
	p := map[string]any{}
	for k, v := range perms {
		p[k] = v
	}
	obj := set(f.example("installation-token"), map[string]any{"token": token, "expires_at": stamp(expires),
		"permissions": p, "repository_selection": "selected"})
	delete(obj, "repositories") // full repositories, which the fake does not keep
	return obj
}

// runDetailsJSON is workflow_dispatch's 200 answer with return_run_details.
func (f *Fake) runDetailsJSON(repo string, id int64) map[string]any {
	return f.rewrite("run details", set(f.example("workflow-dispatch-response"), map[string]any{
		"workflow_run_id": id,
		"run_url":         fmt.Sprintf("%s/repos/%s/actions/runs/%d", f.apiRoot(), repo, id),
		"html_url":        fmt.Sprintf("%s/%s/actions/runs/%d", f.webRoot(), repo, id),
	}))
}

// pendingJSON is a pending deployment of a run waiting for a, built from GitHub's example.
func (f *Fake) pendingJSON(repo string, a *Approval, since time.Time) map[string]any {
	user, team := f.example("pending-deployment-items", 0, "reviewers", 0), f.example("pending-deployment-items", 0, "reviewers", 1)
	var reviewers []any
	for _, login := range a.Users {
		r := deepCopy(user).(map[string]any)
		set(r["reviewer"].(map[string]any), map[string]any{"login": login, "html_url": f.webRoot() + "/" + login})
		reviewers = append(reviewers, r)
	}
	for _, slug := range a.Teams {
		r := deepCopy(team).(map[string]any)
		// GitHub's example team lacks "type", which its schema requires and its answers carry.
		set(r["reviewer"].(map[string]any), map[string]any{"slug": slug, "name": slug, "type": "organization",
			"html_url": f.webRoot() + "/orgs/" + strings.Split(repo, "/")[0] + "/teams/" + slug})
		reviewers = append(reviewers, r)
	}
	p := f.example("pending-deployment-items", 0)
	env := p["environment"].(map[string]any)
	set(env, map[string]any{"name": a.Environment, "html_url": f.webRoot() + "/" + repo + "/deployments/activity_log?environments_filter=" + a.Environment})
	return set(p, map[string]any{"wait_timer": a.WaitTimer, "wait_timer_started_at": stamp(since), "reviewers": reviewers, "current_user_can_approve": false})
}
