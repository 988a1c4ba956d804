package ghclient

import (
	"strings"
	"testing"
)

func FuzzAcceptedPermission(f *testing.F) {
	for _, s := range []string{"contents=write", "=write", "contents=", "actions=read; contents=write", "a=b=c", "", "issues=write,pull_requests=write", "Contents=Write"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		scope, level, ok := AcceptedPermission(header)
		if !ok {
			return
		}
		if scope == "" || strings.ContainsAny(scope, "= ;,") || (level != "read" && level != "write" && level != "admin") {
			t.Fatalf("AcceptedPermission(%q) = %q, %q", header, scope, level)
		}
	})
}
