package runs

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
)

// Waiting for some jobs of a run only (the jobs input): each named as the run lists it,
// a matrix job also by the name before its values, a called reusable workflow's jobs also
// by the calling job's name.

// Job is a job of a run, as the action reports the ones it waited for.
type Job struct {
	Name       string     `json:"name"`
	Status     Status     `json:"-"`
	Conclusion Conclusion `json:"conclusion,omitempty"`
	URL        string     `json:"url,omitempty"`
}

// maxJobPages bounds one listing of a run's jobs: 1,000 jobs (a matrix has at most 256).
const maxJobPages = 10

// JobMatches reports whether the job a run lists as job is one that name names: that job
// (case aside), a job of its matrix ("build (ubuntu-latest, 20)"), or a job of the
// reusable workflow it calls ("deploy / compile").
func JobMatches(job, name string) bool {
	if len(job) < len(name) || !strings.EqualFold(job[:len(name)], name) {
		return false
	}
	rest := job[len(name):]
	return rest == "" || strings.HasPrefix(rest, " (") || strings.HasPrefix(rest, " / ")
}

// jobsOf lists the jobs of a run's latest attempt, every page, each checked as it is read.
func (p *Client) jobsOf(ctx context.Context, runID int64) ([]Job, error) {
	var all []Job
	for page := 1; page <= maxJobPages; page++ {
		var list struct {
			TotalCount int `json:"total_count"`
			Jobs       []struct {
				Name       string     `json:"name"`
				Status     Status     `json:"status"`
				Conclusion Conclusion `json:"conclusion"`
				HTMLURL    string     `json:"html_url"`
			} `json:"jobs"`
		}
		if err := p.get(ctx, p.jobsPath(runID, page), "jobs", &list); err != nil {
			return nil, fmt.Errorf("listing the run's jobs: %w", err)
		}
		for _, j := range list.Jobs {
			job := Job{Name: clip(j.Name), Status: j.Status, Conclusion: j.Conclusion, URL: j.HTMLURL}
			if !job.Status.Known() {
				job.Status = StatusUnknown
			}
			if job.Conclusion != "" && !job.Conclusion.Known() {
				job.Conclusion = ConclusionUnknown
			}
			if !ghclient.WebURL(job.URL, p.API.BaseURL) {
				job.URL = ""
			}
			all = append(all, job)
		}
		if size := p.Server.PageSize(); page*size >= list.TotalCount || len(list.Jobs) < size {
			break
		}
	}
	return all, nil
}

// jobsPath is page n of the jobs of the run's latest attempt.
func (p *Client) jobsPath(runID int64, page int) string {
	v := url.Values{}
	v.Set("filter", "latest")
	return p.Repo.Path() + fmt.Sprintf("actions/runs/%d/jobs?", runID) + p.Server.Page(v, page).Encode()
}

// named is what a listing says of the jobs asked for: those it has (in its order), the
// names none matches, and whether every one matched has completed.
func named(jobs []Job, names []string) (matched []Job, missing []string, completed bool) {
	completed = true
	for _, j := range jobs {
		for _, n := range names {
			if JobMatches(j.Name, n) {
				matched = append(matched, j)
				completed = completed && j.Status == StatusCompleted
				break
			}
		}
	}
	for _, n := range names {
		found := false
		for _, j := range matched {
			found = found || JobMatches(j.Name, n)
		}
		if !found {
			missing = append(missing, n)
		}
	}
	return matched, missing, completed
}

// JobsConclusion is the conclusion of jobs taken together: success only if every one
// succeeded, else the gravest of theirs.
func JobsConclusion(jobs []Job) Conclusion {
	// As GitHub judges a required check: a skipped (or neutral) job is no failure, so
	// a skipped matrix leg beside a successful one is a success.
	if slices.ContainsFunc(jobs, func(j Job) bool { return j.Conclusion == ConclusionSuccess }) &&
		!slices.ContainsFunc(jobs, func(j Job) bool {
			return j.Conclusion != ConclusionSuccess && j.Conclusion != ConclusionSkipped && j.Conclusion != ConclusionNeutral
		}) {
		return ConclusionSuccess
	}
	order := []Conclusion{ConclusionFailure, ConclusionStartupFailure, ConclusionTimedOut, ConclusionCancelled, ConclusionActionRequired,
		ConclusionUnknown, ConclusionStale, ConclusionNeutral, ConclusionSkipped}
	for _, c := range order {
		for _, j := range jobs {
			if j.Conclusion == c {
				return c
			}
		}
	}
	if len(jobs) == 0 {
		return ""
	}
	return ConclusionSuccess
}

// JobsNotFoundError says that jobs asked for are not the run's: none was listed once the
// run completed, or none appeared before the wait ran out while the run's other jobs ran.
type JobsNotFoundError struct {
	Missing []string // the names no job matched
	Jobs    string   // the run's jobs, as listed last (JobNames)
	RunDone bool     // the run completed
	Waited  time.Duration
	URL     string // the run's, when it is known
}

func (e *JobsNotFoundError) Error() string {
	names := make([]string, len(e.Missing))
	for i, n := range e.Missing {
		names[i] = fmt.Sprintf("%q", n)
	}
	list := e.Jobs
	if list == "" {
		list = "none"
	}
	msg := fmt.Sprintf("no job of the run is named %s; its jobs: %s", strings.Join(names, " or "), list)
	if !e.RunDone {
		msg = fmt.Sprintf("no job named %s appeared within %s while the run's jobs ran; its jobs: %s", strings.Join(names, " or "), e.Waited.Round(time.Second), list)
	}
	if e.URL != "" {
		msg += " (" + e.URL + ")"
	}
	return msg
}

// JobNames lists the jobs' names, at most most of them, and how many more there are.
func JobNames(jobs []Job, most int) string {
	var names []string
	for _, j := range jobs[:min(len(jobs), most)] {
		names = append(names, j.Name)
	}
	if len(jobs) > most {
		names = append(names, fmt.Sprintf("and %d more", len(jobs)-most))
	}
	return strings.Join(names, ", ")
}
