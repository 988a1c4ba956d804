package ghclient

import (
	"context"
	"errors"
	"testing"
	"time"
)

// stillClock records sleeps without moving: each wait shows the turn it was given.
type stillClock struct {
	now    time.Time
	sleeps []time.Duration
}

func (c *stillClock) Now() time.Time { return c.now }
func (c *stillClock) Sleep(_ context.Context, d time.Duration) error {
	c.sleeps = append(c.sleeps, d)
	return nil
}

// Each credential has its own turns a second apart; a turn past the deadline is refused
// at once, and not taken.
func TestPacersPerCredential(t *testing.T) {
	t.Parallel()
	clock := &stillClock{now: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)}
	ps := &Pacers{Interval: time.Second}
	deadline := clock.now.Add(2500 * time.Millisecond)
	a, b := ps.For("token-a"), ps.For("token-b")
	if ps.For("token-a") != a || a == b {
		t.Fatal("one Pacer per credential")
	}
	for _, p := range []*Pacer{a, a, b, a, b} {
		if err := p.wait(context.Background(), clock, deadline); err != nil {
			t.Fatal(err)
		}
	}
	// a: now, +1 s, +2 s; b: now, +1 s (a turn now needs no sleep).
	want := []time.Duration{time.Second, 2 * time.Second, time.Second}
	if len(clock.sleeps) != len(want) || clock.sleeps[0] != want[0] || clock.sleeps[1] != want[1] || clock.sleeps[2] != want[2] {
		t.Fatalf("waits %v, want %v", clock.sleeps, want)
	}
	err := a.wait(context.Background(), clock, deadline) // its turn would be at 3 s
	if !errors.Is(err, ErrNoTurn) || len(clock.sleeps) != 3 {
		t.Errorf("past the deadline: %v, sleeps %v", err, clock.sleeps)
	}
	if err := b.wait(context.Background(), clock, deadline); err != nil { // b's turn at 2 s still fits
		t.Errorf("b: %v", err)
	}
	if (*Pacers)(nil).For("x") != nil || (&Pacers{}).For("x") != nil {
		t.Error("no interval, no pacing")
	}
}
