package config

import (
	"fmt"
	"sort"

	"github.com/agext/levenshtein"
	"github.com/hashicorp/hcl/v2"
)

// Suggest returns ` Did you mean "x"?` (with its leading space) naming the
// closest of candidates to given, or "" when none is close enough to be a
// likely typo.
func Suggest(given string, candidates []string) string {
	best, bestDist := "", 3 // more than two edits is not a typo
	for _, c := range candidates {
		if d := levenshtein.Distance(given, c, nil); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" Did you mean %q?", best)
}

// sortByRange sorts names by where their declarations start.
func sortByRange(names []string, rangeOf func(string) hcl.Range) {
	sort.Slice(names, func(i, j int) bool {
		a, b := rangeOf(names[i]), rangeOf(names[j])
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		return a.Start.Byte < b.Start.Byte
	})
}
