// Command dispatch sends repository_dispatch events to GitHub repositories. It runs as a
// Docker container action (no arguments, GITHUB_ACTIONS=true) or as a CLI
// (dispatch trigger …). See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/MrSunshyne/dispatch-action/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Main(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
