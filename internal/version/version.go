// Package version holds the build's version string, set at link time with
// -ldflags "-X github.com/MrSunshyne/dispatch-action/internal/version.Version=v1.2.3".
package version

// Version is the released version of the binary, or "dev" for local builds.
var Version = "dev"

// UserAgent is the User-Agent header sent with every request to GitHub.
func UserAgent() string { return "dispatch-action/" + Version }
