package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/fortisoar-connectors/sentinelone/connector"
)

// FortiSOAR keeps configurations and their secrets itself and hands the values to the
// connector on every call, so "config" may be the values instead of an id or name. A
// query string cannot carry secrets: the inline health check is a POST.

// decodeConfigRef decodes the "config" member of a body: absent or null (the default
// configuration), a string (a configuration id or name), or an object of configuration
// field values (inline; never stored, logged or echoed).
func decodeConfigRef(raw json.RawMessage) (ref string, inline map[string]any, err error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return "", nil, nil
	case raw[0] == '"':
		if json.Unmarshal(raw, &ref) != nil {
			return "", nil, errorf(http.StatusBadRequest, "config must be a configuration id or name, or an object of configuration field values")
		}
		return ref, nil, nil
	case raw[0] == '{':
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if dec.Decode(&inline) != nil || inline == nil {
			return "", nil, errorf(http.StatusBadRequest, "config must be a configuration id or name, or an object of configuration field values")
		}
		return "", inline, nil
	}
	return "", nil, errorf(http.StatusBadRequest, "config must be a configuration id or name, or an object of configuration field values")
}

// readConfigBody reads a POST body that may hold only "config".
func (s *Server) readConfigBody(c echo.Context) (string, map[string]any, error) {
	body, err := s.readJSON(c)
	if err != nil {
		return "", nil, err
	}
	var unknown []string
	for k := range body {
		if k != "config" {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return "", nil, errorf(http.StatusBadRequest, "unknown field(s) %s: the body holds only \"config\"", strings.Join(unknown, ", "))
	}
	return decodeConfigRef(body["config"])
}

// healthcheckPost is the health check with the configuration in the body:
// {"config": {…values…}}, {"config": "<id or name>"} or {} for the default.
func (s *Server) healthcheckPost(c echo.Context) error {
	if err := s.checkConnector(c); err != nil {
		return err
	}
	ref, inline, err := s.readConfigBody(c)
	if err != nil {
		return err
	}
	var h connector.Health
	if inline != nil {
		h = s.conn.CheckHealthInline(c.Request().Context(), inline)
	} else {
		h = s.conn.CheckHealth(c.Request().Context(), ref)
	}
	return s.writeHealth(c, h)
}

// forgetSession drops the SentinelOne session cached for inline configuration values, so a
// changed or deleted FortiSOAR configuration does not keep a live session.
func (s *Server) forgetSession(c echo.Context) error {
	if err := s.checkConnector(c); err != nil {
		return err
	}
	_, inline, err := s.readConfigBody(c)
	if err != nil {
		return err
	}
	if inline == nil {
		return errorf(http.StatusBadRequest, "config must be an object of configuration field values")
	}
	forgotten, err := s.conn.ForgetInline(inline)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"status": "Success", "forgotten": forgotten})
}
