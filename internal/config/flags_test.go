package config

import (
	"flag"
	"io"
	"strings"
	"testing"
)

// An unknown flag gets the nearest one, or where a token or a key goes instead.
func TestUnknownFlag(t *testing.T) {
	t.Parallel()
	var in Inputs
	fs := flag.NewFlagSet("dispatch trigger", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	in.Flags(fs)
	for args, want := range map[string]string{
		"--token":        "the token is read from GH_TOKEN (or GITHUB_TOKEN), never from a flag",
		"--github-token": "the token is read from GH_TOKEN",
		"--repositori":   "did you mean --repository?",
		"--evnt-type":    "did you mean --event-type?",
		"--qqqqqqq":      "there is no such flag (run 'dispatch help' for the flags)",
	} {
		err := UnknownFlag(fs, []string{"--repository", "octo/data", "--dry-run", args, "x"})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", args, err, want)
		}
	}
	// Every flag known, or the flags ended before the unknown one: nothing to say.
	for _, args := range [][]string{{"--repository", "--tokenish-value", "--wait=completed"}, {"-h"}, {"octo/data", "--token"}, {"--", "--token"}} {
		if err := UnknownFlag(fs, args); err != nil {
			t.Errorf("%q: %v", args, err)
		}
	}
}

// A problem in the CLI names its flags and says "command", not the action's "step".
func TestTimeoutProblemInEachModesWords(t *testing.T) {
	t.Parallel()
	in := valid()
	in.Wait, in.Timeout = "completed", "10m"
	_, action := Build(ActionMode, in)
	in.Token = "ghp_x1234567890abcdefghijklmnopqrstuvwxyzAB"
	_, cli := Build(CLIMode, in)
	if len(action) != 1 || !strings.Contains(action[0].Error(), `input "wait-timeout" (30m0s): it bounds the whole step`) ||
		len(cli) != 1 || !strings.Contains(cli[0].Error(), "--timeout: 10m0s is not longer than --wait-timeout (30m0s): it bounds the whole command") {
		t.Errorf("%v\n%v", action, cli)
	}
}
