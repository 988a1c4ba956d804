package githubfake

import (
	"context"
	"sync"
	"time"
)

// Clock is a virtual clock for tests of waiting code: Sleep returns at once and moves the
// clock forward, and every wait is recorded. It starts at the real time, so rate-limit
// reset times the fake sends (real epoch seconds) mean the same to it.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
	shared *Clock // a Fork's: the clock its sleeps move too
}

// NewClock returns a virtual clock set to the real time.
func NewClock() *Clock { return &Clock{now: time.Now()} }

// Now returns the virtual time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep records d and moves the clock forward by it (and a Fork's shared clock too),
// unless ctx is already done.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.shared != nil {
		_ = c.shared.Sleep(ctx, d)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return nil
}

// Fork is a clock of one waiter among many that share c (the fake's): it starts at c's
// time and moves only by its own sleeps, which move c as well. So the fake's runs go on
// while anyone waits, and a waiter's deadline comes after its own waits, however the
// scheduler orders the others: many concurrent steps on one fake need not share a time
// line. (The fake's clock then runs ahead of a fork's, as GitHub's may of a runner's.)
func (c *Clock) Fork() *Clock { return &Clock{now: c.Now(), shared: c} }

// Sleeps returns every wait so far.
func (c *Clock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}
