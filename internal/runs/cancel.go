package runs

import (
	"context"
	"net/http"

	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
)

// Cancel asks GitHub to cancel the run. A run that completed meanwhile is not an error.
// Gitea has no API for it: nothing is sent, and the error says so.
func (p *Client) Cancel(ctx context.Context, runID int64) error {
	if f := p.Server.Forge(); f == ghclient.Gitea {
		return &ghclient.UnsupportedError{Forge: f, What: ghclient.UnsupportedCancel}
	}
	resp, err := p.API.Actions.CancelWorkflowRunByID(ctx, p.Repo.Owner, p.Repo.Name, runID)
	if resp != nil && (resp.StatusCode == http.StatusAccepted || resp.StatusCode == http.StatusConflict) {
		return nil // cancelling, or completed already
	}
	return ghclient.Check(err)
}
