//go:build floor

package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	_ "github.com/MrSunshyne/dispatch-action/internal/app" // every package dispatch links, initialised
)

// The floor build arms the signal watcher as dispatch's main does.
func init() {
	start = func() { _, _ = signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM) }
}
