package connector

import (
	"fmt"
	"sort"
	"strings"
)

// suggest names the declared parameters a misspelt name most likely meant: the closest within
// two edits (ignoring case and underscores), or else those that are name with a filter suffix
// (computerName → computerName__like).
func suggest(name string, byName map[string]*Param) string {
	names := sortedKeys(byName)
	if hits := nearest(name, names); len(hits) > 0 && hits[0].dist <= 2 {
		return fmt.Sprintf(" (did you mean %q?)", hits[0].name)
	}
	var suffixed []string
	for _, cand := range names {
		if strings.HasPrefix(norm(cand), norm(name)+"__") || strings.HasPrefix(cand, name+"__") {
			suffixed = append(suffixed, cand)
		}
	}
	switch len(suffixed) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf(" (did you mean %q?)", suffixed[0])
	}
	return fmt.Sprintf(" (did you mean one of %s?)", quoteList(suffixed))
}

// norm folds case and single underscores, keeping a filter suffix's "__" apart.
func norm(s string) string {
	s = strings.ToLower(s)
	s = strings.ReplaceAll(s, "__", "\x00")
	s = strings.ReplaceAll(s, "_", "")
	return strings.ReplaceAll(s, "\x00", "__")
}

// closest returns up to n candidates nearest to name, nearest first: within two edits after
// folding case and underscores, or holding name (or being held in it) when name has at least
// four characters, ranked then by how much longer or shorter they are.
func closest(name string, candidates []string, n int) []string {
	out := make([]string, 0, n)
	for _, h := range nearest(name, candidates) {
		if len(out) == n {
			break
		}
		out = append(out, h.name)
	}
	return out
}

// scored is a candidate name and its distance from the name looked for.
type scored struct {
	name string
	dist int
}

// nearest scores the candidates of closest, nearest first.
func nearest(name string, candidates []string) []scored {
	var hits []scored
	target := norm(name)
	for _, cand := range candidates {
		c := norm(cand)
		d := editDistance(c, target)
		switch {
		case d <= 2:
		case len(target) >= 4 && (strings.Contains(c, target) || strings.Contains(target, c)):
			d = 2 + max(len(c)-len(target), len(target)-len(c)) // the smaller the extension, the nearer
		default:
			continue
		}
		hits = append(hits, scored{cand, d})
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].dist < hits[j].dist })
	return hits
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

// UnknownOperation is the KindNotFound error saying that m has no operation name: it lists
// the closest names, or every name when none is close.
func (m *Manifest) UnknownOperation(name string) error {
	names := make([]string, 0, len(m.Operations))
	for _, op := range m.Operations {
		names = append(names, op.Name)
	}
	msg := fmt.Sprintf("connector %s %s has no operation %q", m.Name, m.Version, name)
	if near := closest(name, names, 3); len(near) > 0 {
		return Errorf(KindNotFound, "%s; closest: %s", msg, strings.Join(near, ", "))
	}
	sort.Strings(names)
	return Errorf(KindNotFound, "%s; the operations are %s", msg, strings.Join(names, ", "))
}
