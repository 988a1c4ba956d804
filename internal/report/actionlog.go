package report

import (
	"sync"

	"github.com/sethvargo/go-githubactions"
)

// NewActionLog returns the log of an action step written through gha.
func NewActionLog(gha *githubactions.Action) *ActionLog { return &ActionLog{gha: gha} }

// ActionLog writes the step's log: details (each attempt) in a collapsible "Delivery log"
// group, and what a person watches for (a dispatch accepted, a run and its status) outside
// it, so a run's link is never hidden in a collapsed group. Safe for concurrent use.
type ActionLog struct {
	mu   sync.Mutex
	gha  *githubactions.Action
	open bool
}

// Detail writes a line of the delivery log.
func (l *ActionLog) Detail(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.open {
		l.gha.Group("Delivery log")
		l.open = true
	}
	l.gha.Infof("%s", line)
}

// Info writes a line a person watches for, outside the group.
func (l *ActionLog) Info(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closeLocked()
	l.gha.Infof("%s", line)
}

// Close ends the group, if one is open.
func (l *ActionLog) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closeLocked()
}

func (l *ActionLog) closeLocked() {
	if l.open {
		l.gha.EndGroup()
		l.open = false
	}
}
