package event

import (
	"cmp"
	"slices"
)

// EditDistance is the Levenshtein distance between a and b: how a name the user gave
// (a flag, a workflow file) is compared with the ones that exist.
func EditDistance(a, b string) int {
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

// Nearest is names ordered by their distance to name, the nearest first (ties in their
// order).
func Nearest(names []string, name string) []string {
	out := slices.Clone(names)
	slices.SortStableFunc(out, func(x, y string) int { return cmp.Compare(EditDistance(name, x), EditDistance(name, y)) })
	return out
}
