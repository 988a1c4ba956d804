package dispatch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/MrSunshyne/dispatch-action/internal/config"
	"github.com/MrSunshyne/dispatch-action/internal/ghclient"
	"github.com/MrSunshyne/dispatch-action/internal/githubfake"
)

const token = "ghp_dispatchtest0123456789"

func setup(t testing.TB) (*githubfake.Fake, *ghclient.Options) {
	f := githubfake.NewServer(t)
	f.AddRepo("octo/data")
	f.AddToken(githubfake.Token{Value: token})
	base, _ := url.Parse(f.URL() + "/")
	return f, &ghclient.Options{BaseURL: base, Token: token}
}

func TestSend(t *testing.T) {
	t.Parallel()
	f, opts := setup(t)
	client := ghclient.New(*opts)
	at := time.Date(2026, 11, 28, 12, 0, 0, 0, time.FixedZone("X", 3600))
	ok := Send(context.Background(), client, Event{Repository: config.Repo{Owner: "octo", Name: "data"}, EventType: "e", ClientPayload: json.RawMessage(`{"a":1}`)},
		Options{Now: func() time.Time { return at }})
	if !ok.OK() || ok.Status != StatusDispatched || ok.HTTPStatus != 204 || ok.DispatchedAt != "2026-11-28T11:00:00Z" || ok.RequestID != f.Dispatches()[0].RequestID {
		t.Errorf("result %+v", ok)
	}
	bad := Send(context.Background(), client, Event{Repository: config.Repo{Owner: "octo", Name: "gone"}, EventType: "e", ClientPayload: json.RawMessage(`{}`)}, Options{})
	if bad.OK() || bad.HTTPStatus != 404 || bad.Error != "GitHub answered 404 Not Found: Not Found" || bad.DispatchedAt != "" || bad.Err == nil {
		t.Errorf("result %+v", bad)
	}
	if n := len(f.Dispatches()); n != 1 {
		t.Errorf("%d dispatches", n)
	}
}

func TestDescribeTransportError(t *testing.T) {
	t.Parallel()
	got := Describe(&url.Error{Op: "Post", URL: "http://127.0.0.1:1/repos/o/r/dispatches", Err: errors.New("dial tcp 127.0.0.1:1: connect: connection refused")})
	if !strings.HasPrefix(got, "no answer from GitHub: Post") || !strings.HasSuffix(got, "connection refused") {
		t.Errorf("got %q", got)
	}
	if got := Describe(fmt.Errorf("listing runs: %w", errors.New("boom"))); got != "listing runs: boom" {
		t.Errorf("got %q", got)
	}
}

// BenchmarkDispatch measures one repository_dispatch through the real client stack
// (go-github, auth, JSON) against the loopback fake, reusing one client as a run does.
func BenchmarkDispatch(b *testing.B) {
	f, opts := setup(b)
	f.SetRateLimit(1 << 30)
	client := ghclient.New(*opts)
	ev := Event{Repository: config.Repo{Owner: "octo", Name: "data"}, EventType: "fetch-meetup-data", ClientPayload: json.RawMessage(`{"source":"bench"}`)}
	b.ReportAllocs()
	for b.Loop() {
		if r := Send(context.Background(), client, ev, Options{}); !r.OK() {
			b.Fatal(r.Error)
		}
	}
	b.StopTimer()
	if len(f.Dispatches()) < b.N {
		b.Fatalf("%d dispatches for %d iterations", len(f.Dispatches()), b.N)
	}
}
