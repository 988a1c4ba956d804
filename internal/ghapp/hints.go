package ghapp

import (
	"fmt"
	"time"
)

// What the user can do about a failure of the App's authentication, said by the error that
// knows it.

// Hint says where to install the App.
func (e *NotInstalledError) Hint(bool) string {
	return fmt.Sprintf("install the App on %s (its settings: Install App) with access to %s/%s, or check the App ID; the App's owner can see where it is installed", e.Owner, e.Owner, e.Repo)
}

// Hint says what to check of the App's identity, and of the runner's clock when it was
// far from GitHub's.
func (e *JWTRefusedError) Hint(bool) string {
	keys := "check that app-id is the App's ID (or client ID) and that app-private-key is one of its current private keys (App settings, Private keys); a deleted key stops working at once"
	if e.Skew.Abs() <= skewTolerance {
		return keys
	}
	way := "ahead of"
	if e.Skew > 0 {
		way = "behind"
	}
	return fmt.Sprintf("the runner's clock is %s %s GitHub's, which checks the App's JWT against its own: "+
		"the action signed it again by GitHub's time and it was still refused. Set the runner's clock right (NTP), then %s",
		e.Skew.Abs().Round(time.Second), way, keys)
}

// Hint says which permissions to grant the App.
func (e *PermissionError) Hint(bool) string {
	return "in the App's settings, under Permissions, grant Repository permissions: Contents: Read and write for repository_dispatch, Actions: Read and write for workflow_dispatch (Actions: Read to wait for runs); then approve the new permissions on each installation"
}
