package version

import "testing"

// A build without the linker's version is "dev", and the User-Agent GitHub sees names the
// project and the version.
func TestUserAgent(t *testing.T) {
	if Version != "dev" || UserAgent() != "dispatch-action/dev" {
		t.Errorf("version %q, user agent %q", Version, UserAgent())
	}
}
