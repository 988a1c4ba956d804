package ghclient

import (
	"net/url"
	"strings"
	"testing"
)

func FuzzWebURL(f *testing.F) {
	api, _ := url.Parse("http://127.0.0.1:8080/")
	for _, s := range []string{"https://github.com/o/r/actions/runs/1", "http://127.0.0.1:8080/o/r", "javascript:alert(1)", "https://x/\n::error::", "https://user:pw@x/", "//evil", "http://evil/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !WebURL(s, api) {
			return
		}
		u, err := url.Parse(s)
		if err != nil || strings.ContainsAny(s, " \t\r\n<>\"`") || (u.Scheme != "https" && Origin(u) != Origin(api)) || u.User != nil {
			t.Fatalf("accepted %q", s)
		}
	})
}
