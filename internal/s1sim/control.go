package s1sim

import (
	"encoding/json"
	"io"
	"net/http"
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
	switch route {
	case "GET /_sim/faults":
		writeJSON(w, http.StatusOK, s.Faults())
	case "PUT /_sim/faults":
		var f Faults
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if err == nil {
			err = json.Unmarshal(body, &f)
		}
		if err != nil {
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
	default:
		writeError(w, http.StatusNotFound, codeNotFound, "Not Found", "no such control path")
	}
}
