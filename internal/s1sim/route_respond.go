package s1sim

import "net/http"

// routeRespond routes the response area: sites, groups, accounts, moves, restart, enable
// and disable, and the activity log. Both API versions serve them.
func routeRespond(_ string, segs []string) (endpoint, string, bool) {
	switch len(segs) {
	case 1:
		switch segs[0] {
		case "sites":
			return endpoint{method: http.MethodGet, h: (*Simulator).listSites}, "", true
		case "groups":
			return endpoint{method: http.MethodGet, h: (*Simulator).listGroups}, "", true
		case "accounts":
			return endpoint{method: http.MethodGet, h: (*Simulator).listAccounts}, "", true
		case "activities":
			return endpoint{method: http.MethodGet, h: (*Simulator).listActivities}, "", true
		}
	case 2:
		if segs[0] == "activities" && segs[1] == "types" {
			return endpoint{method: http.MethodGet, h: (*Simulator).listActivityTypes}, "", true
		}
	case 3:
		switch {
		case segs[0] == "agents" && segs[1] == "actions" && segs[2] == "move-to-site":
			return endpoint{method: http.MethodPost, write: true, h: (*Simulator).moveToSite}, "", true
		case segs[0] == "agents" && segs[1] == "actions" && respondActions[segs[2]] != nil:
			return endpoint{method: http.MethodPost, write: true, h: (*Simulator).respondAction}, segs[2], true
		case segs[0] == "groups" && segs[2] == "move-agents":
			return endpoint{method: http.MethodPut, write: true, h: (*Simulator).moveToGroup}, segs[1], true
		}
	}
	return endpoint{}, "", false
}
