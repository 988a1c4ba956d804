package ghclient

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Pacer spaces the content-creating requests of one credential (a token, or one App
// installation's token) Interval apart, on the policy's clock. Every client of that
// credential shares it; another credential has its own, and goes at its own pace. It is
// safe for concurrent use.
type Pacer struct {
	Interval time.Duration

	mu   sync.Mutex
	next time.Time // when the next request may go
}

// ErrNoTurn is a request never sent: the step's deadline would pass before its turn.
var ErrNoTurn = errors.New("not sent: the timeout would run out before this request's turn")

// turnError says how long the request would have waited for its turn.
type turnError struct{ wait, interval time.Duration }

func (e *turnError) Error() string {
	return fmt.Sprintf("%v (it would have waited %s: GitHub asks for one content-creating request every %s per credential)", ErrNoTurn, e.wait.Round(time.Second), e.interval)
}

func (e *turnError) Unwrap() error { return ErrNoTurn }

// wait takes the next turn and waits for it. A turn past deadline is not taken: the
// request fails at once with ErrNoTurn.
func (p *Pacer) wait(ctx context.Context, clock Clock, deadline time.Time) error {
	p.mu.Lock()
	now := clock.Now()
	turn := now
	if p.next.After(now) {
		turn = p.next
	}
	if !deadline.IsZero() && turn.After(deadline) {
		p.mu.Unlock()
		return &turnError{wait: turn.Sub(now), interval: p.Interval}
	}
	p.next = turn.Add(p.Interval)
	p.mu.Unlock()
	if d := turn.Sub(now); d > 0 {
		return clock.Sleep(ctx, d)
	}
	return nil
}

// Pacers hands out one Pacer per credential. It is safe for concurrent use.
type Pacers struct {
	Interval time.Duration // 0: no pacing

	mu sync.Mutex
	by map[string]*Pacer
}

// For returns the Pacer of credential, or nil when there is no pacing.
func (ps *Pacers) For(credential string) *Pacer {
	if ps == nil || ps.Interval <= 0 {
		return nil
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.by == nil {
		ps.by = map[string]*Pacer{}
	}
	p := ps.by[credential]
	if p == nil {
		p = &Pacer{Interval: ps.Interval}
		ps.by[credential] = p
	}
	return p
}
