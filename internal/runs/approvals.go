package runs

import (
	"context"
	"fmt"
	"strings"

	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/untrusted"
)

// Approval is an environment a run waits for (required reviewers), as its pending
// deployments say: who may approve, and its wait timer.
type Approval struct {
	Environment string   `json:"environment"`
	URL         string   `json:"url,omitempty"`
	Reviewers   []string `json:"reviewers,omitempty"`  // "@login" for a user, "team SLUG" for a team
	WaitTimer   int      `json:"wait_timer,omitempty"` // minutes
}

// maxApprovals bounds what is kept of a run's pending deployments.
const maxApprovals = 10

// approvals reads the run's pending deployments: the environments it waits for.
func (p *Client) approvals(ctx context.Context, runID int64) ([]Approval, error) {
	var list []struct {
		Environment struct {
			Name    string `json:"name"`
			HTMLURL string `json:"html_url"`
		} `json:"environment"`
		WaitTimer int `json:"wait_timer"`
		Reviewers []struct {
			Type     string `json:"type"`
			Reviewer struct {
				Login string `json:"login"`
				Slug  string `json:"slug"`
			} `json:"reviewer"`
		} `json:"reviewers"`
	}
	if err := p.get(ctx, p.Repo.Path()+fmt.Sprintf("actions/runs/%d/pending_deployments", runID), "pending deployments", &list); err != nil {
		return nil, err
	}
	var out []Approval
	for _, d := range list {
		if len(out) == maxApprovals {
			break
		}
		a := Approval{Environment: clip(d.Environment.Name), URL: d.Environment.HTMLURL, WaitTimer: max(d.WaitTimer, 0)}
		if !ghclient.WebURL(a.URL, p.API.BaseURL) {
			a.URL = ""
		}
		for _, r := range d.Reviewers {
			switch {
			case len(a.Reviewers) == maxApprovals:
			case r.Type == "Team" && r.Reviewer.Slug != "":
				a.Reviewers = append(a.Reviewers, "team "+untrusted.Line(r.Reviewer.Slug, 100))
			case r.Reviewer.Login != "":
				a.Reviewers = append(a.Reviewers, "@"+untrusted.Line(r.Reviewer.Login, 100))
			}
		}
		out = append(out, a)
	}
	return out, nil
}

// Words is the approval as a person reads it: environment, who may approve, the timer.
func (a Approval) Words() string {
	s := "environment " + a.Environment
	var more []string
	if len(a.Reviewers) > 0 {
		more = append(more, "reviewers: "+strings.Join(a.Reviewers, ", "))
	}
	if a.WaitTimer > 0 {
		more = append(more, fmt.Sprintf("wait timer %d min", a.WaitTimer))
	}
	if len(more) > 0 {
		s += " (" + strings.Join(more, "; ") + ")"
	}
	if a.URL != "" {
		s += " " + a.URL
	}
	return s
}
