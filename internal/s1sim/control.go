package s1sim

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

const controlPrefix = "/_sim/"

// requestJSON is the control endpoint's form of Request.
type requestJSON struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Query  string `json:"query"`
	Body   string `json:"body"`
	Auth   string `json:"auth"`
}

// serveControl serves the /_sim/ control endpoint. Its calls are neither
// logged in the request log nor subject to faults.
func (s *Simulator) serveControl(w http.ResponseWriter, r *http.Request) {
	route := r.Method + " " + r.URL.Path
	if !knownControl[route] {
		writeError(w, http.StatusNotFound, codeNotFound, "Not Found", "no such control path")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err == nil {
		err = controlInput(route, r.URL.Query(), body)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, codeValidation, "Validation Error", err.Error())
		return
	}
	switch route {
	case "GET /_sim/faults":
		writeJSON(w, http.StatusOK, s.Faults())
	case "PUT /_sim/faults":
		var f Faults
		// Called directly: json.Unmarshal would check the syntax first and
		// answer in its own words.
		if err := f.UnmarshalJSON(body); err != nil {
			writeError(w, http.StatusBadRequest, codeValidation, "Validation Error", err.Error())
			return
		}
		s.SetFaults(f)
		writeJSON(w, http.StatusOK, s.Faults())
	case "POST /_sim/expire-tokens":
		s.ExpireTokens()
		w.WriteHeader(http.StatusNoContent)
	case "GET /_sim/requests":
		reqs := s.Requests()
		out := make([]requestJSON, len(reqs))
		for i, q := range reqs {
			out[i] = requestJSON{Method: q.Method, Path: q.Path, Query: q.Query, Body: string(q.Body), Auth: q.Auth}
		}
		writeJSON(w, http.StatusOK, out)
	case "DELETE /_sim/requests":
		s.ResetRequests()
		w.WriteHeader(http.StatusNoContent)
	case "POST /_sim/reset":
		s.Reset()
		w.WriteHeader(http.StatusNoContent)
	case "POST /_sim/threats":
		s.controlThreats(w, body)
	case "POST /_sim/alerts":
		s.controlAlerts(w, body)
	}
}

var knownControl = map[string]bool{
	"GET /_sim/faults": true, "PUT /_sim/faults": true, "POST /_sim/expire-tokens": true,
	"GET /_sim/requests": true, "DELETE /_sim/requests": true, "POST /_sim/reset": true,
	"POST /_sim/threats": true, "POST /_sim/alerts": true,
}

// controlInput refuses what a control call does not take, so that a typo
// never passes for a request that did something: no control call takes a
// query parameter; only PUT /_sim/faults takes a body (a JSON object), the
// others at most an empty body or {}.
func controlInput(route string, q url.Values, body []byte) error {
	for k := range q {
		return fmt.Errorf("unknown query parameter %q", k)
	}
	if route == "PUT /_sim/faults" || route == "POST /_sim/threats" || route == "POST /_sim/alerts" {
		return nil // their handlers check every key and value
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	var none struct{}
	if err := decodeStrict(body, &none); err != nil {
		return fmt.Errorf("%s takes no body keys: %w", route, err)
	}
	return nil
}
