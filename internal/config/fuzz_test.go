package config

import (
	"encoding/json"
	"testing"
)

// Seeds live in testdata/fuzz/<FuzzName>; run one with: go test -fuzz=FuzzParsePayload ./internal/config

func FuzzParsePayload(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1}`, `[]`, `{"a":1,"a":2}`, `{"a":{"b":[1,2,{"c":null}]}}`, `{"a":1} x`, "", `"s"`, `{"\u00e9":"\ud83d\ude00"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePayload(s, MaxPayloadProperties)
		if err != nil {
			return
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(p, &m); err != nil || m == nil {
			t.Fatalf("accepted %q but result %q is not an object: %v", s, p, err)
		}
		if len(m) > MaxPayloadProperties {
			t.Fatalf("accepted %d properties", len(m))
		}
		again, err := ParsePayload(string(p), MaxPayloadProperties)
		if err != nil || string(again) != string(p) {
			t.Fatalf("not stable: %q → %q → %q, %v", s, p, again, err)
		}
	})
}

func FuzzParseRepository(f *testing.F) {
	for _, s := range []string{"octo/data", "https://github.com/octo/data.git", "github.com/o/r/", "a/b/c", "-a/b", "o/..", "http://x/o/r?q", "ssh://git@github.com/o/r"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRepository(s)
		if err != nil {
			return
		}
		if r.Owner == "" || r.Name == "" {
			t.Fatalf("accepted %q as %+v", s, r)
		}
		again, err := ParseRepository(r.String())
		if err != nil || again != r {
			t.Fatalf("%q → %q does not parse back: %+v, %v", s, r, again, err)
		}
	})
}

func FuzzCheckEventTypeAndAPIURL(f *testing.F) {
	for _, s := range []string{"fetch-meetup-data", "", "a\nb", "https://api.github.com", "http://127.0.0.1:1/", "http://[::1]/api/v3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if CheckEventType(s) == nil {
			body := DispatchBody(s, json.RawMessage(`{}`))
			var v struct {
				EventType string `json:"event_type"`
			}
			if err := json.Unmarshal(body, &v); err != nil || v.EventType != s {
				t.Fatalf("event type %q does not round-trip: %q, %v", s, v.EventType, err)
			}
		}
		if u, err := ParseAPIURL(s); err == nil {
			if u.Host == "" || u.Path[len(u.Path)-1] != '/' {
				t.Fatalf("accepted %q as %q", s, u)
			}
		}
	})
}
