package s1sim

import "net/http"

// routeHunt routes the hunting and collection endpoints: Deep Visibility (/dv), PowerQuery
// (2.1), RemoteOps scripts (2.1), fetched files and their uploads (whose file-upload
// activities the activity log of GET /activities shows).
func routeHunt(v string, segs []string) (endpoint, string, bool) {
	get := func(h handler) endpoint { return endpoint{method: http.MethodGet, h: h} }
	post := func(h handler) endpoint { return endpoint{method: http.MethodPost, write: true, h: h} }
	switch len(segs) {
	case 1:
		if segs[0] == "remote-scripts" && v == v21 {
			return get((*Simulator).listScripts), "", true
		}
	case 2:
		switch p := segs[0] + "/" + segs[1]; {
		case p == "dv/init-query":
			return post((*Simulator).initQuery), "", true
		case p == "dv/query-status":
			return get((*Simulator).queryStatus), "", true
		case p == "dv/cancel-query":
			return post((*Simulator).cancelQuery), "", true
		case p == "dv/events":
			return get((*Simulator).dvEvents), "", true
		case p == "remote-scripts/execute" && v == v21:
			return post((*Simulator).executeScript), "", true
		case p == "remote-scripts/status" && v == v21:
			return get((*Simulator).scriptStatus), "", true
		case p == "remote-scripts/fetch-files" && v == v21:
			return post((*Simulator).scriptFiles), "", true
		case p == "threats/fetch-file":
			return post((*Simulator).threatFetchFile), "", true
		}
	case 3:
		switch {
		case segs[0] == "dv" && segs[1] == "events" && segs[2] == "pq" && v == v21:
			return post((*Simulator).startPQ), "", true
		case segs[0] == "dv" && segs[1] == "events" && segs[2] == "pq-ping" && v == v21:
			return get((*Simulator).pingPQ), "", true
		case segs[0] == "dv" && segs[1] == "events":
			return get((*Simulator).dvEvents), segs[2], true
		case segs[0] == "threats" && segs[2] == "download-from-cloud" && v == v21:
			return get((*Simulator).downloadFromCloud), segs[1], true
		}
	case 4:
		switch {
		case segs[0] == "agents" && segs[2] == "actions" && segs[3] == "fetch-files":
			return post((*Simulator).fetchFiles), segs[1], true
		case segs[0] == "agents" && segs[2] == "uploads":
			return get((*Simulator).download), segs[1] + "/" + segs[3], true
		}
	}
	return endpoint{}, "", false
}
