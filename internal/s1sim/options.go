package s1sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"
	"time"

	"go.uber.org/zap"
)

// Built-in accounts. The admin account may do everything; the viewer account
// is read-only and gets 403 on every POST action. Passwords log in through
// POST /users/login, API tokens through POST /users/login/by-api-token or
// directly with the "Authorization: ApiToken <token>" header.
const (
	// AdminUser is the login name of the built-in administrator.
	AdminUser = "admin@s1sim.local"
	// AdminPassword is the password of AdminUser.
	AdminPassword = "Sim-Admin-Pass-1"
	// AdminAPIToken is the API token of AdminUser.
	AdminAPIToken = "sim-admin-api-token"
	// ViewerUser is the login name of the built-in read-only user.
	ViewerUser = "viewer@s1sim.local"
	// ViewerPassword is the password of ViewerUser.
	ViewerPassword = "Sim-Viewer-Pass-1"
	// ViewerAPIToken is the API token of ViewerUser.
	ViewerAPIToken = "sim-viewer-api-token"
)

// Defaults applied by New when the matching Options field is zero.
const (
	DefaultAgents   = 200
	DefaultThreats  = 50
	DefaultSeed     = 1
	DefaultTokenTTL = time.Hour
	// DefaultQueryStep is the default Options.QueryStep.
	DefaultQueryStep = 100 * time.Millisecond
)

// ConsoleLoginInterval is SentinelOne's documented login rate limit: one
// call per second per source address. Set Options.LoginInterval to it to
// simulate the limit.
const ConsoleLoginInterval = time.Second

// Options configures a Simulator.
type Options struct {
	// Agents is the fleet size; DefaultAgents when 0.
	Agents int
	// Threats is the number of threats; DefaultThreats when 0.
	Threats int
	// Alerts is the number of STAR alerts; DefaultAlerts when 0, none when negative.
	Alerts int
	// Seed drives every generated value; DefaultSeed when 0.
	Seed int64
	// TokenTTL is the session-token lifetime; DefaultTokenTTL when 0.
	TokenTTL time.Duration
	// DisableRecommission makes POST …/agents/{id}/recommission answer 404.
	DisableRecommission bool
	// SupportIDsNin makes the `idsNin` agent filter work. When false (the
	// default) the key is ignored like any unknown key.
	SupportIDsNin bool
	// LoginInterval is the least time between two login calls
	// (POST /users/login and /users/login/by-api-token) from one source
	// address; a call sooner gets 429 with Retry-After. SentinelOne
	// documents ConsoleLoginInterval. 0, the default, sets no limit, because
	// tests log in many times a second against one simulator.
	LoginInterval time.Duration
	// RateLimits are requests per second per token by endpoint class (ClassAgents and the
	// others of ratelimit.go); a request past its class's budget gets 429. None by default.
	RateLimits map[string]float64
	// LogoutDelay holds every POST /users/logout this long before it is
	// answered (or until the caller gives up), like a console slow to end
	// sessions.
	LogoutDelay time.Duration
	// QueryStep is how long a Deep Visibility query, a PowerQuery or a remote-script task
	// spends in each state before the next (a query finishes after three steps);
	// DefaultQueryStep when 0.
	QueryStep time.Duration
	// QueryInitInterval is the least time between two POST /dv/init-query of one account
	// (SentinelOne allows about one a minute); a start sooner gets 429 with Retry-After.
	// 0, the default, sets no limit, for the same reason as LoginInterval.
	QueryInitInterval time.Duration
	// Faults are the fault knobs in force at start.
	Faults Faults
	// Logger receives one debug line per API request; optional.
	Logger *zap.Logger
}

// Faults are the fault-injection knobs. All zero means a healthy console.
// They apply to API requests only (paths under /web/api/), never to the
// /_sim/ control endpoint. See the package documentation for their order.
type Faults struct {
	// Latency is added before every API request is handled.
	Latency time.Duration
	// RateLimitEvery answers every N-th API request with 429 (0 = off).
	RateLimitEvery int
	// RetryAfter is the Retry-After sent with a 429, rounded up to whole
	// seconds; 1s when 0.
	RetryAfter time.Duration
	// ErrorRate is the probability (0..1) of answering ErrorStatus, drawn
	// from the seeded fault RNG.
	ErrorRate float64
	// ErrorStatus is the status used by ErrorRate; 500 when 0.
	ErrorStatus int
	// FailNext answers the next N API requests with FailStatus.
	FailNext int
	// FailStatus is the status used by FailNext; 500 when 0.
	FailStatus int
	// DropNext drops the connection of the next N API requests without
	// any response.
	DropNext int
	// DropRate is the probability (0..1) of dropping a connection, drawn
	// from the seeded fault RNG.
	DropRate float64
	// Down answers every API request with 503 Service Unavailable.
	Down bool
	// TokenTTL, when non-zero, overrides Options.TokenTTL for every session
	// token, including tokens already issued (their age is compared to it).
	TokenTTL time.Duration
}

// faultsJSON is the wire form of Faults used by the control endpoint;
// durations are Go duration strings such as "250ms".
type faultsJSON struct {
	Latency        string  `json:"latency"`
	RateLimitEvery int     `json:"rateLimitEvery"`
	RetryAfter     string  `json:"retryAfter"`
	ErrorRate      float64 `json:"errorRate"`
	ErrorStatus    int     `json:"errorStatus"`
	FailNext       int     `json:"failNext"`
	FailStatus     int     `json:"failStatus"`
	DropNext       int     `json:"dropNext"`
	DropRate       float64 `json:"dropRate"`
	Down           bool    `json:"down"`
	TokenTTL       string  `json:"tokenTTL"`
}

// MarshalJSON encodes f with durations as strings such as "250ms".
func (f Faults) MarshalJSON() ([]byte, error) {
	return json.Marshal(faultsJSON{
		Latency:        f.Latency.String(),
		RateLimitEvery: f.RateLimitEvery,
		RetryAfter:     f.RetryAfter.String(),
		ErrorRate:      f.ErrorRate,
		ErrorStatus:    f.ErrorStatus,
		FailNext:       f.FailNext,
		FailStatus:     f.FailStatus,
		DropNext:       f.DropNext,
		DropRate:       f.DropRate,
		Down:           f.Down,
		TokenTTL:       f.TokenTTL.String(),
	})
}

// UnmarshalJSON decodes the form written by MarshalJSON. Absent fields are
// zero; durations must be Go duration strings. Unknown keys, values of the
// wrong type and out-of-range values are errors naming the key; f is left
// unchanged on error.
func (f *Faults) UnmarshalJSON(b []byte) error {
	var j faultsJSON
	if err := decodeStrict(b, &j); err != nil {
		return err
	}
	var out Faults
	for _, d := range []struct {
		name string
		give string
		dst  *time.Duration
	}{
		{"latency", j.Latency, &out.Latency},
		{"retryAfter", j.RetryAfter, &out.RetryAfter},
		{"tokenTTL", j.TokenTTL, &out.TokenTTL},
	} {
		if d.give == "" {
			continue
		}
		v, err := time.ParseDuration(d.give)
		if err != nil {
			return fmt.Errorf("%s: %q is not a duration such as \"250ms\"", d.name, d.give)
		}
		*d.dst = v
	}
	out.RateLimitEvery = j.RateLimitEvery
	out.ErrorRate = j.ErrorRate
	out.ErrorStatus = j.ErrorStatus
	out.FailNext = j.FailNext
	out.FailStatus = j.FailStatus
	out.DropNext = j.DropNext
	out.DropRate = j.DropRate
	out.Down = j.Down
	if err := out.Validate(); err != nil {
		return err
	}
	*f = out
	return nil
}

// decodeStrict decodes one JSON object into the struct v, refusing keys
// that are not exactly one of v's JSON names (encoding/json alone would
// take "FAILNEXT" for "failNext"), values of the wrong type and trailing
// data; errors name the key.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	var obj map[string]json.RawMessage
	err := dec.Decode(&obj)
	switch {
	case errors.Is(err, io.EOF):
		return errors.New("body must be a JSON object")
	case err != nil:
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return errors.New("body must be a JSON object")
		}
		return fmt.Errorf("body is not valid JSON: %w", err)
	case obj == nil:
		return errors.New("body must be a JSON object")
	case dec.More():
		return errors.New("body must be one JSON object")
	}
	known := jsonNames(reflect.TypeOf(v).Elem())
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !known[k] {
			return fmt.Errorf("unknown key %q", k)
		}
	}
	var typeErr *json.UnmarshalTypeError
	if err := json.Unmarshal(b, v); errors.As(err, &typeErr) {
		return fmt.Errorf("%s: want %s, got a JSON %s", typeErr.Field, jsonKind(typeErr.Type.Kind()), typeErr.Value)
	} else if err != nil {
		return fmt.Errorf("body is not valid JSON: %w", err)
	}
	return nil
}

// jsonNames returns the JSON keys of struct type t.
func jsonNames(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out[name] = true
		}
	}
	return out
}

// jsonKind names the JSON value a Go kind takes.
func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.Int, reflect.Int64:
		return "an integer"
	case reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	}
	return k.String()
}

// Validate reports the first out-of-range knob, by its JSON key.
func (f Faults) Validate() error {
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"latency", f.Latency}, {"retryAfter", f.RetryAfter}, {"tokenTTL", f.TokenTTL}} {
		if d.v < 0 {
			return fmt.Errorf("%s: must not be negative", d.key)
		}
	}
	for _, c := range []struct {
		key string
		v   int
	}{{"rateLimitEvery", f.RateLimitEvery}, {"failNext", f.FailNext}, {"dropNext", f.DropNext}} {
		if c.v < 0 {
			return fmt.Errorf("%s: must not be negative", c.key)
		}
	}
	for _, r := range []struct {
		key string
		v   float64
	}{{"errorRate", f.ErrorRate}, {"dropRate", f.DropRate}} {
		if r.v < 0 || r.v > 1 {
			return fmt.Errorf("%s: must be within 0..1", r.key)
		}
	}
	for _, st := range []struct {
		key string
		v   int
	}{{"errorStatus", f.ErrorStatus}, {"failStatus", f.FailStatus}} {
		if st.v != 0 && (st.v < 400 || st.v > 599) {
			return fmt.Errorf("%s: must be an HTTP error status, 400..599", st.key)
		}
	}
	return nil
}
