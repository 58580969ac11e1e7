package spec

import "strings"

// suggest returns the candidate nearest to name by edit distance (case-insensitive), or ""
// when none is close enough to be a plausible typo.
func suggest(name string, candidates []string) string {
	best, bestDist := "", -1
	ln := strings.ToLower(name)
	for _, c := range candidates {
		dist := levenshtein(ln, strings.ToLower(c))
		if bestDist < 0 || dist < bestDist || (dist == bestDist && c < best) {
			best, bestDist = c, dist
		}
	}
	limit := max(2, len(name)/3)
	if bestDist < 0 || bestDist > limit {
		return ""
	}
	return best
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
