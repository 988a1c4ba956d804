package pool

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
)

// At most n run at once, whichever way they were started, and everything started runs.
func TestAtMostNAtOnce(t *testing.T) {
	t.Parallel()
	p := New(3)
	var now, peak, done atomic.Int32
	work := func() {
		n := now.Add(1)
		for {
			old := peak.Load()
			if n <= old || peak.CompareAndSwap(old, n) {
				break
			}
		}
		for range 1000 {
			_ = now.Load()
		}
		now.Add(-1)
		done.Add(1)
	}
	for range 10 {
		p.Go(context.Background(), work)
		p.Later(func() {
			work()
			p.Later(work) // work in the pool adds more without waiting for its own place
		})
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { _ = p.Do(context.Background(), func() error { work(); return nil }) })
	}
	wg.Wait()
	p.Wait()
	if done.Load() != 40 || peak.Load() > 3 || peak.Load() < 1 {
		t.Errorf("%d done, peak %d, want 40 done and at most 3 at once", done.Load(), peak.Load())
	}
}

// Once ctx is done, Go and Do run nothing, even when a place is free.
func TestNothingRunsOnceCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := New(2)
	ran := false
	if p.Go(ctx, func() { ran = true }) {
		t.Error("Go started work after ctx was done")
	}
	if err := p.Do(ctx, func() error { ran = true; return nil }); err != context.Canceled {
		t.Errorf("Do: %v, want context.Canceled", err)
	}
	p.Wait()
	if ran {
		t.Error("work ran after ctx was done")
	}
}

// Go waits for a place in the caller, so work starts in the order given.
func TestGoStartsInOrder(t *testing.T) {
	t.Parallel()
	p := New(1)
	var mu sync.Mutex
	var order []int
	for i := range 20 {
		p.Go(context.Background(), func() { mu.Lock(); order = append(order, i); mu.Unlock() })
	}
	p.Wait()
	for i, v := range order {
		if v != i {
			t.Fatalf("order %v", order)
		}
	}
}
