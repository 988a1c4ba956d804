package config

import (
	"flag"
	"fmt"
	"strings"
)

// UnknownFlag says what to use instead of a flag that does not exist: the environment
// for a token or a key (never a flag), else the nearest flag by spelling.
func UnknownFlag(fs *flag.FlagSet, err error) error {
	name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -")
	if !ok {
		return err
	}
	name = strings.TrimPrefix(name, "-")
	switch {
	case strings.Contains(name, "token"):
		return fmt.Errorf("--%s: there is no such flag: the token is read from GH_TOKEN (or GITHUB_TOKEN), never from a flag, so it stays out of shell history", name)
	case name == "app-private-key":
		return fmt.Errorf("--%s: there is no such flag: give --app-private-key-file PATH, or the key in GITHUB_APP_PRIVATE_KEY", name)
	}
	best, bestDist := "", 4 // a suggestion only when it is close, or the flag begins so
	fs.VisitAll(func(f *flag.Flag) {
		d := editDistance(name, f.Name)
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

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
