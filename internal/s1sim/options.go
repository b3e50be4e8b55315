package s1sim

import (
	"encoding/json"
	"fmt"
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
)

// Options configures a Simulator.
type Options struct {
	// Agents is the fleet size; DefaultAgents when 0.
	Agents int
	// Threats is the number of threats; DefaultThreats when 0.
	Threats int
	// Seed drives every generated value; DefaultSeed when 0.
	Seed int64
	// TokenTTL is the session-token lifetime; DefaultTokenTTL when 0.
	TokenTTL time.Duration
	// DisableRecommission makes POST …/agents/{id}/recommission answer 404.
	DisableRecommission bool
	// SupportIDsNin makes the `idsNin` agent filter work. When false (the
	// default) the key is ignored like any unknown key.
	SupportIDsNin bool
	// LogoutDelay holds every POST /users/logout this long before it is
	// answered (or until the caller gives up), like a console slow to end
	// sessions.
	LogoutDelay time.Duration
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
// zero; durations must be Go duration strings. The result is validated.
func (f *Faults) UnmarshalJSON(b []byte) error {
	var j faultsJSON
	if err := json.Unmarshal(b, &j); err != nil {
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
			return fmt.Errorf("%s: %w", d.name, err)
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

// Validate reports the first out-of-range knob.
func (f Faults) Validate() error {
	switch {
	case f.Latency < 0, f.RetryAfter < 0, f.TokenTTL < 0:
		return fmt.Errorf("faults: durations must not be negative")
	case f.RateLimitEvery < 0, f.FailNext < 0, f.DropNext < 0:
		return fmt.Errorf("faults: counts must not be negative")
	case f.ErrorRate < 0 || f.ErrorRate > 1:
		return fmt.Errorf("faults: errorRate must be within 0..1")
	case f.DropRate < 0 || f.DropRate > 1:
		return fmt.Errorf("faults: dropRate must be within 0..1")
	case f.ErrorStatus != 0 && (f.ErrorStatus < 400 || f.ErrorStatus > 599):
		return fmt.Errorf("faults: errorStatus must be within 400..599")
	case f.FailStatus != 0 && (f.FailStatus < 400 || f.FailStatus > 599):
		return fmt.Errorf("faults: failStatus must be within 400..599")
	}
	return nil
}
