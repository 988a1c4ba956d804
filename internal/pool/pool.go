// Package pool is the project's one bounded pool: work runs a bounded number at a time,
// each in a place of the pool. A step's sends (dispatch.FanOut), preflight's reads and
// the clean-up's requests each go through a Pool of their own size.
package pool

import (
	"context"
	"sync"
)

// Pool runs work at most a fixed number at once. It is safe for concurrent use.
type Pool struct {
	places chan struct{}
	wg     sync.WaitGroup
}

// New is a pool of n places (at least one).
func New(n int) *Pool { return &Pool{places: make(chan struct{}, max(n, 1))} }

// acquire waits for a free place, or for ctx to be done first (then, even when a place
// came free at the same moment, it holds none and says why).
func (p *Pool) acquire(ctx context.Context) error {
	select {
	case p.places <- struct{}{}:
		if err := ctx.Err(); err != nil {
			<-p.places
			return err
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *Pool) release() { <-p.places }

// Go waits, in the caller, for a free place, then runs f in a goroutine of its own that
// frees it: work started by Go starts in the order it was given. It reports false, f not
// run, when ctx was done first.
func (p *Pool) Go(ctx context.Context, f func()) bool {
	if p.acquire(ctx) != nil {
		return false
	}
	p.wg.Go(func() {
		defer p.release()
		f()
	})
	return true
}

// Later runs f in a goroutine of its own as soon as a place is free, and returns at once:
// work already in the pool may add more without waiting for a place it holds itself.
func (p *Pool) Later(f func()) {
	p.wg.Go(func() {
		_ = p.acquire(context.Background())
		defer p.release()
		f()
	})
}

// Do runs f in the caller once a place is free, and returns what f returns; ctx.Err()
// without running f when ctx was done first.
func (p *Pool) Do(ctx context.Context, f func() error) error {
	if err := p.acquire(ctx); err != nil {
		return err
	}
	defer p.release()
	return f()
}

// Wait waits until everything started by Go and Later has returned.
func (p *Pool) Wait() { p.wg.Wait() }
