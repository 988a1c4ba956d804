package runs

import (
	"context"
	"net/http"

	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
)

// Cancel asks GitHub to cancel the run. A run that completed meanwhile is not an error.
func (p *Client) Cancel(ctx context.Context, runID int64) error {
	resp, err := p.API.Actions.CancelWorkflowRunByID(ctx, p.Repo.Owner, p.Repo.Name, runID)
	if resp != nil && (resp.StatusCode == http.StatusAccepted || resp.StatusCode == http.StatusConflict) {
		return nil // cancelling, or completed already
	}
	return ghclient.Check(err)
}
