package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/MrSunshyne/dispatch-action/internal/event"
)

func TestByOwnerIsRoundRobin(t *testing.T) {
	t.Parallel()
	var targets []event.Target
	for _, s := range strings.Split("a/1 a/2 a/3 B/1 c/1 b/2", " ") {
		o, n, _ := strings.Cut(s, "/")
		targets = append(targets, event.Target{Repo: event.Repo{Owner: o, Name: n}})
	}
	got := fmt.Sprint(byOwner(targets))
	if want := "[0 3 4 1 5 2]"; got != want { // a/1 B/1 c/1 a/2 b/2 a/3
		t.Errorf("order %s, want %s", got, want)
	}
}

func TestFanOutKeepsOrderAndMarksTheRestNotSent(t *testing.T) {
	t.Parallel()
	var targets []event.Target
	for _, n := range strings.Split("a b c d e f", " ") {
		targets = append(targets, event.Target{Repo: event.Repo{Owner: "o", Name: n}})
	}
	ctx, cancel := context.WithCancel(context.Background())
	type result struct {
		repo string
		err  error
	}
	got := fanOut(ctx, targets, nil, 1, func(_ context.Context, t event.Target) result {
		if t.Repo.Name == "c" {
			cancel()
		}
		return result{repo: t.Repo.String()}
	}, func(t event.Target, err error) result { return result{repo: t.Repo.String(), err: err} })
	var line []string
	for _, r := range got {
		line = append(line, fmt.Sprintf("%s:%v", r.repo, r.err == nil))
	}
	if want := "o/a:true o/b:true o/c:true o/d:false o/e:false o/f:false"; strings.Join(line, " ") != want {
		t.Errorf("got %s", strings.Join(line, " "))
	}
	if !errors.Is(got[5].err, ErrNotSent) {
		t.Errorf("error %v", got[5].err)
	}
}

// A bug for one target fails that target alone, whether the target runs on its own (in
// the calling goroutine) or beside others; a step already cancelled sends nothing.
func TestFanOutTurnsAPanicIntoThatTargetsFailure(t *testing.T) {
	t.Parallel()
	type result struct {
		repo string
		err  error
	}
	one := func(_ context.Context, t event.Target) result {
		if t.Repo.Name == "bad" {
			panic("boom")
		}
		return result{repo: t.Repo.Name}
	}
	failed := func(t event.Target, err error) result { return result{repo: t.Repo.Name, err: err} }
	for _, names := range []string{"bad", "a bad c"} {
		var targets []event.Target
		for _, n := range strings.Fields(names) {
			targets = append(targets, event.Target{Repo: event.Repo{Owner: "o", Name: n}})
		}
		got := fanOut(context.Background(), targets, nil, 2, one, failed)
		for i, r := range got {
			bad := targets[i].Repo.Name == "bad"
			if r.repo != targets[i].Repo.Name || (r.err != nil) != bad || (bad && !strings.Contains(r.err.Error(), "internal error: boom")) {
				t.Errorf("%q: result %d is %+v", names, i, r)
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got := fanOut(ctx, []event.Target{{Repo: event.Repo{Owner: "o", Name: "a"}}}, nil, 1, func(context.Context, event.Target) result {
		t.Error("a cancelled step sent its one target")
		return result{}
	}, failed)
	if !errors.Is(got[0].err, ErrNotSent) {
		t.Errorf("cancelled: %+v", got[0])
	}
}

func TestInternalErrorSaysItIsABug(t *testing.T) {
	t.Parallel()
	if msg := InternalError("boom").Error(); msg != "internal error: boom (please report it)" {
		t.Errorf("%q", msg)
	}
}
