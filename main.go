// Command dispatch sends repository_dispatch and workflow_dispatch events to GitHub
// repositories and follows the runs they start. It runs as an action (no arguments,
// GITHUB_ACTIONS=true: the Docker action, or the portable one on any runner OS) or as a
// CLI (dispatch trigger …, dispatch watch …). See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/MrSunshyne/dispatch-action/internal/app"
)

func main() {
	// What each OS delivers to stop a run: SIGTERM from the Actions runner or docker stop,
	// Ctrl-C (os.Interrupt, also on Windows, where SIGTERM never comes).
	// Not stopped before exit: os.Exit ends the watcher with the process, and stopping it
	// would cost one more hand-off to os/signal's thread at every exit.
	ctx, _ := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	os.Exit(app.Main(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}
