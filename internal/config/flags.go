package config

import (
	"flag"
	"fmt"
	"strings"

	"github.com/MrSunshyne/dispatch-action/internal/event"
)

// UnknownFlag finds, before fs parses args, the first flag fs does not define, and says
// what to use instead: the environment for a token or a key (never a flag), else the
// nearest flag by spelling. It returns nil when every flag is known (fs.Parse then reports
// anything else, such as a flag without its value).
func UnknownFlag(fs *flag.FlagSet, args []string) error {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || a == "-" || !strings.HasPrefix(a, "-") {
			return nil // the flags end here, as the flag package reads them
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		f := fs.Lookup(name)
		switch {
		case name == "h" || name == "help":
			return nil
		case f == nil:
			return unknownFlag(fs, name)
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); !hasValue && !(ok && b.IsBoolFlag()) {
			i++ // its value
		}
	}
	return nil
}

// unknownFlag says what to use instead of the flag name.
func unknownFlag(fs *flag.FlagSet, name string) error {
	switch {
	case strings.Contains(name, "token"):
		return fmt.Errorf("--%s: there is no such flag: the token is read from GH_TOKEN (or GITHUB_TOKEN), never from a flag, so it stays out of shell history", name)
	}
	best, bestDist := "", 4 // a suggestion only when it is close, or the flag begins so
	fs.VisitAll(func(f *flag.Flag) {
		d := event.EditDistance(name, f.Name)
		if len(name) >= 3 && strings.HasPrefix(f.Name, name) {
			d = 0
		}
		if d < bestDist {
			best, bestDist = f.Name, d
		}
	})
	if best == "" {
		return fmt.Errorf("--%s: there is no such flag (run 'dispatch help' for the flags)", name)
	}
	return fmt.Errorf("--%s: there is no such flag; did you mean --%s?", name, best)
}
