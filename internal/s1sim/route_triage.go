package s1sim

import "net/http"

// routeTriage routes the triage endpoints: incident status (2.1), threat notes and
// timelines, the blocklist (/restrictions) and the exclusions.
func routeTriage(v string, segs []string) (endpoint, string, bool) {
	switch len(segs) {
	case 1:
		switch segs[0] {
		case "restrictions":
			return listRoute(blocklistKind), "", true
		case "exclusions":
			return listRoute(exclusionKind), "", true
		}
	case 2:
		switch {
		case segs[0] == "threats" && segs[1] == "incident" && v == v21:
			return endpoint{method: http.MethodPost, write: true, h: (*Simulator).incident}, "", true
		case segs[0] == "threats" && segs[1] == "notes":
			return endpoint{method: http.MethodPost, write: true, h: (*Simulator).addNote}, "", true
		}
	case 3:
		switch {
		case segs[0] == "threats" && segs[2] == "notes":
			return endpoint{method: http.MethodGet, h: (*Simulator).threatNotes}, segs[1], true
		case segs[0] == "threats" && segs[2] == "timeline":
			return endpoint{method: http.MethodGet, h: (*Simulator).threatTimeline}, segs[1], true
		}
	}
	return endpoint{}, "", false
}
