package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"
	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/fortisoar-connectors/sentinelone/connector"
)

// success is FortiSOAR's execute success envelope.
type success struct {
	Data      any    `json:"data"`
	Message   string `json:"message"`
	Operation string `json:"operation"`
	Status    string `json:"status"`
}

// executeBody is the execute request as decoded, before its fields are type-checked.
type executeBody struct {
	Connector string `validate:"required,max=128"`
	Version   string `validate:"max=32"`
	Operation string `validate:"required,max=128"`
	Config    string `validate:"max=256"`
	Params    map[string]any
	Audit     bool

	Inline map[string]any // configuration values sent instead of a Config reference
}

var validate = validator.New(validator.WithRequiredStructEnabled())

// readJSON reads a JSON object body of at most the configured size, with a JSON content type.
func (s *Server) readJSON(c echo.Context) (map[string]json.RawMessage, error) {
	r := c.Request()
	ct := r.Header.Get(echo.HeaderContentType)
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != echo.MIMEApplicationJSON {
		return nil, errorf(http.StatusUnsupportedMediaType, "Content-Type must be application/json, got %q", ct)
	}
	raw, err := io.ReadAll(http.MaxBytesReader(c.Response(), r.Body, s.opts.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errorf(http.StatusRequestEntityTooLarge, "request body is larger than %d bytes", s.opts.MaxBodyBytes)
		}
		return nil, errorf(http.StatusBadRequest, "read request body: %v", err)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, errorf(http.StatusBadRequest, "request body is empty: send a JSON object")
	}
	var body map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&body); err != nil {
		return nil, errorf(http.StatusBadRequest, "request body is not a JSON object: %v", err)
	}
	if len(bytes.TrimSpace(raw[dec.InputOffset():])) > 0 {
		return nil, errorf(http.StatusBadRequest, "request body has data after the JSON object")
	}
	if body == nil {
		return nil, errorf(http.StatusBadRequest, "request body must be a JSON object, not null")
	}
	if err := checkStrictJSON(raw); err != nil {
		return nil, err
	}
	return body, nil
}

// stringField decodes an optional string field; null means absent.
func stringField(body map[string]json.RawMessage, name string) (string, error) {
	raw, ok := body[name]
	if !ok || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", errorf(http.StatusBadRequest, "%s must be a string", name)
	}
	return s, nil
}

func decodeExecute(body map[string]json.RawMessage) (*executeBody, error) {
	if err := checkEnvelopeKeys(body); err != nil {
		return nil, err
	}
	var b executeBody
	var err error
	for name, dst := range map[string]*string{"connector": &b.Connector, "version": &b.Version, "operation": &b.Operation} {
		if *dst, err = stringField(body, name); err != nil {
			return nil, err
		}
	}
	if b.Config, b.Inline, err = decodeConfigRef(body["config"]); err != nil {
		return nil, err
	}
	if raw, ok := body["audit"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &b.Audit); err != nil {
			return nil, errorf(http.StatusBadRequest, "audit must be true or false")
		}
	}
	if raw, ok := body["params"]; ok && string(raw) != "null" {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&b.Params); err != nil || b.Params == nil {
			return nil, errorf(http.StatusBadRequest, "params must be a JSON object of parameter names to values")
		}
	}
	if err := validate.Struct(&b); err != nil {
		var verrs validator.ValidationErrors
		if errors.As(err, &verrs) {
			fe := verrs[0]
			field := map[string]string{"Connector": "connector", "Version": "version", "Operation": "operation", "Config": "config"}[fe.Field()]
			if fe.Tag() == "required" {
				return nil, errorf(http.StatusBadRequest, "%s is required", field)
			}
			return nil, errorf(http.StatusBadRequest, "%s is longer than %s characters", field, fe.Param())
		}
		return nil, errorf(http.StatusBadRequest, "invalid request: %v", err)
	}
	return &b, nil
}

func (s *Server) execute(c echo.Context) error {
	c.Set("execute", true)
	start := time.Now()
	body, err := s.readJSON(c)
	if err != nil {
		s.conn.AuditRefused(c.Request().Context(), "", "invalid", err, start)
		return err
	}
	b, err := decodeExecute(body)
	if err != nil {
		s.conn.AuditRefused(c.Request().Context(), "", "invalid", err, start)
		return err
	}
	c.Set("operation", b.Operation)
	release, err := s.takeSlot()
	if err != nil {
		s.conn.AuditRefused(c.Request().Context(), b.Operation, "busy", err, start)
		return err
	}
	defer release() // streams are written below, so the slot covers them too
	w := newListWriter(c, b.Operation)
	data, streamed, err := s.conn.ExecuteTo(c.Request().Context(), connector.ExecuteRequest{
		Connector: b.Connector, Version: b.Version, Operation: b.Operation, Config: b.Config, Inline: b.Inline, Params: b.Params, Audit: b.Audit,
	}, w)
	switch {
	case err != nil && w.started:
		// The envelope is already on its way: abort the connection, so the caller sees a
		// broken answer and never mistakes a truncated list for success.
		s.log(c).Error("list failed after the response started; aborting the connection",
			zap.String("operation", b.Operation), zap.Int("items_written", w.n), zap.Error(err))
		panic(http.ErrAbortHandler)
	case err != nil:
		return err
	case streamed:
		rest, _ := data.(json.RawMessage)
		return w.finish(rest)
	}
	return c.JSON(http.StatusOK, success{Data: data, Message: "", Operation: b.Operation, Status: "Success"})
}

// listWriter is the connector.Sink of an execute: it writes a success envelope whose data
// (or data's list member, for an object answer) is produced item by item. The head goes out
// with the first item, so a failure before it is still an ordinary failure envelope.
type listWriter struct {
	c       echo.Context
	op      string
	field   string
	bw      *bufio.Writer
	started bool
	n       int
}

var _ connector.Sink = (*listWriter)(nil)

func newListWriter(c echo.Context, op string) *listWriter { return &listWriter{c: c, op: op} }

// Open implements connector.Sink; nothing is written before the first item.
func (w *listWriter) Open(field string) error {
	w.field = field
	return nil
}

func (w *listWriter) begin() {
	r := w.c.Response()
	r.Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	r.WriteHeader(http.StatusOK)
	w.bw = bufio.NewWriterSize(r, 64<<10)
	_, _ = w.bw.WriteString(`{"data":`)
	if w.field != "" {
		key, _ := json.Marshal(w.field)
		_, _ = w.bw.WriteString("{" + string(key) + ":")
	}
	_ = w.bw.WriteByte('[')
	w.started = true
}

// Item implements connector.Sink.
func (w *listWriter) Item(item json.RawMessage) error {
	if !w.started {
		w.begin()
	}
	if w.n > 0 {
		_ = w.bw.WriteByte(',')
	}
	w.n++
	_, err := w.bw.Write(item)
	return err
}

// finish closes the list, and for an object answer writes rest's members after it.
func (w *listWriter) finish(rest json.RawMessage) error {
	if !w.started {
		w.begin()
	}
	if w.field != "" {
		_, _ = w.bw.Write(connector.CloseObject(rest))
	} else {
		_ = w.bw.WriteByte(']')
	}
	tail, _ := json.Marshal(w.op)
	_, _ = w.bw.WriteString(`,"message":"","operation":` + string(tail) + `,"status":"Success"}` + "\n")
	return w.bw.Flush()
}

// checkConnector answers 404 unless name and version are this server's connector.
func (s *Server) checkConnector(c echo.Context) error {
	m := s.conn.Manifest()
	if name := c.Param("name"); name != m.Name {
		return errorf(http.StatusNotFound, "unknown connector %q: this server runs %q", name, m.Name)
	}
	if v := c.Param("version"); v == "" || !m.Serves(v) {
		return errorf(http.StatusNotFound, "connector %s has no version %q: installed version is %s", m.Name, v, m.Version)
	}
	return nil
}

// healthBody is FortiSOAR's health check answer.
type healthBody struct {
	OK        bool    `json:"_status"`
	ConfigID  *string `json:"config_id"`
	Message   string  `json:"message"`
	Name      string  `json:"name"`
	RequestID string  `json:"request_id"`
	Status    string  `json:"status"`
	Version   string  `json:"version"`
}

// healthQuery reads the health check's one query parameter, config, held to the rules of
// the execute body: no other key, no key in another case, no repeat, valid UTF-8. A
// malformed query is refused rather than read as "no config", which means the default.
func healthQuery(raw string) (string, error) {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return "", errorf(http.StatusBadRequest, "the query string is malformed: %s", clip(err.Error(), 200))
	}
	for _, k := range slices.Sorted(maps.Keys(q)) {
		vs := q[k]
		switch {
		case k == "config":
			if len(vs) > 1 {
				return "", errorf(http.StatusBadRequest, "config: duplicate query parameter: give it once")
			}
			if !utf8.ValidString(vs[0]) {
				return "", errorf(http.StatusBadRequest, "config: is not valid UTF-8")
			}
		case strings.EqualFold(k, "config"):
			return "", errorf(http.StatusBadRequest, "%s: unknown query parameter: keys are case-sensitive, write \"config\"", joinPath("", k))
		default:
			return "", errorf(http.StatusBadRequest, "%s: unknown query parameter: the health check takes only config", joinPath("", k))
		}
	}
	return q.Get("config"), nil
}

func (s *Server) healthcheck(c echo.Context) error {
	if err := s.checkConnector(c); err != nil {
		return err
	}
	ref, err := healthQuery(c.Request().URL.RawQuery)
	if err != nil {
		return err
	}
	return s.writeHealth(c, s.conn.CheckHealth(c.Request().Context(), ref))
}

// writeHealth answers a health check in FortiSOAR's shape.
func (s *Server) writeHealth(c echo.Context, h connector.Health) error {
	m := s.conn.Manifest()
	body := healthBody{
		OK: h.Status == connector.StatusAvailable, Message: h.Message, Name: m.Name, Version: m.Version,
		Status: h.Status, RequestID: c.Response().Header().Get(echo.HeaderXRequestID),
	}
	if h.ConfigID != "" {
		body.ConfigID = &h.ConfigID
	}
	return c.JSON(http.StatusOK, body)
}

// maskedConfigs lists the configurations as the configuration API shows them, or nil when
// the source cannot list.
func (s *Server) maskedConfigs(c echo.Context) ([]*configView, error) {
	lister, ok := s.conn.Configs().(connector.ConfigLister)
	if !ok {
		return nil, nil
	}
	cfgs, err := lister.List(c.Request().Context())
	if err != nil {
		return nil, err
	}
	out := make([]*configView, 0, len(cfgs))
	for _, cfg := range cfgs {
		out = append(out, s.viewConfig(cfg))
	}
	return out, nil
}

func (s *Server) listConnectors(c echo.Context) error {
	cfgs, err := s.maskedConfigs(c)
	if err != nil {
		return err
	}
	m := s.conn.Manifest()
	item := map[string]any{
		"name": m.Name, "label": m.Label, "version": m.Version, "description": m.Description,
		"category": m.Category, "publisher": m.Publisher, "icon_small_name": m.IconSmallName,
		"icon_large_name": m.IconLargeName, "status": "Completed", "active": true,
		"config_count": len(cfgs), "operations_count": len(m.Operations),
	}
	return c.JSON(http.StatusOK, map[string]any{
		"status": "Success", "totalItems": 1, "itemsPerPage": 1, "nextPage": nil, "previousPage": nil,
		"data": []any{item},
	})
}

func (s *Server) connectorDetail(c echo.Context) error {
	if err := s.checkConnector(c); err != nil {
		return err
	}
	cfgs, err := s.maskedConfigs(c)
	if err != nil {
		return err
	}
	raw, err := json.Marshal(s.conn.Manifest())
	if err != nil {
		return err
	}
	var detail map[string]any
	if err := json.Unmarshal(raw, &detail); err != nil {
		return err
	}
	if cfgs == nil {
		cfgs = []*configView{}
	}
	detail["configurations"] = cfgs
	return c.JSON(http.StatusOK, detail)
}
