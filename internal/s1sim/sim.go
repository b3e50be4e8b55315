package s1sim

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
)

const (
	v20       = "v2.0"
	v21       = "v2.1"
	apiPrefix = "/web/api/"
	// maxBody caps the request body the simulator reads and records.
	maxBody = 1 << 20
)

// Request is one API request as received, recorded for tests. In a JSON
// body holding a "password", "apiToken" or "token" key, those values are
// replaced by "REDACTED" and the body is re-encoded (keys sorted); other
// bodies are kept byte for byte.
type Request struct {
	Method string
	Path   string
	Query  string // raw query, without "?"
	Body   []byte
	// Auth is the Authorization scheme: "Token", "ApiToken" or "".
	Auth string
}

type account struct {
	user, password, apiToken string
	readOnly                 bool
}

var accounts = []account{
	{user: AdminUser, password: AdminPassword, apiToken: AdminAPIToken},
	{user: ViewerUser, password: ViewerPassword, apiToken: ViewerAPIToken, readOnly: true},
}

type session struct {
	acct   *account
	issued time.Time
}

// Simulator is an in-memory SentinelOne management console. It implements
// http.Handler; it is safe for concurrent use.
type Simulator struct {
	opts Options
	log  *zap.Logger

	mu       sync.RWMutex
	fleet    *fleet
	triage   triageState // notes, timelines, blocklist and exclusions
	hunt     huntState   // queries, remote-script tasks, uploads
	faults   Faults
	rlCount  int // API requests seen by the rate limiter since SetFaults
	faultRNG *mrand.Rand
	sessions map[string]session
	requests []Request
	times    []time.Time          // when each of requests arrived, on s.clock
	logins   map[string]time.Time // source address -> last accepted login
	rates    tokenBuckets         // Options.RateLimits
	// clock is time.Now; tests replace it to step through rate-limit windows and session
	// lifetimes without waiting.
	clock func() time.Time
}

var _ http.Handler = (*Simulator)(nil)

// New builds a simulator with a fleet generated from opts.Seed.
func New(opts Options) *Simulator {
	if opts.Agents <= 0 {
		opts.Agents = DefaultAgents
	}
	if opts.Threats <= 0 {
		opts.Threats = DefaultThreats
	}
	if opts.Alerts == 0 {
		opts.Alerts = DefaultAlerts
	}
	if opts.Seed == 0 {
		opts.Seed = DefaultSeed
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = DefaultTokenTTL
	}
	log := opts.Logger
	if log == nil {
		log = zap.NewNop()
	}
	f := newFleet(opts.Agents, opts.Threats, opts.Seed)
	f.makeAlerts(opts.Alerts, opts.Seed)
	return &Simulator{
		opts:     opts,
		log:      log,
		fleet:    f,
		faults:   opts.Faults,
		faultRNG: mrand.New(mrand.NewPCG(uint64(opts.Seed), 0xfa017)),
		sessions: make(map[string]session),
		logins:   make(map[string]time.Time),
		clock:    time.Now,
	}
}

// Handler returns s as an http.Handler, e.g. for httptest.NewServer.
func (s *Simulator) Handler() http.Handler { return s }

// SetFaults replaces the fault knobs and restarts the rate-limit count.
func (s *Simulator) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
	s.rlCount = 0
}

// Faults returns the knobs in force; FailNext and DropNext are what remains.
func (s *Simulator) Faults() Faults {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.faults
}

// ExpireTokens invalidates every session token now. API tokens stay valid.
func (s *Simulator) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.sessions)
}

// Requests returns a copy of the API request log, oldest first. Calls to
// the /_sim/ control endpoint are not recorded.
func (s *Simulator) Requests() []Request {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Body = bytes.Clone(r.Body)
		out[i] = r
	}
	return out
}

// RequestTimes is when each request of the log arrived, in the order of Requests.
func (s *Simulator) RequestTimes() []time.Time {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.times)
}

// ResetRequests empties the request log.
func (s *Simulator) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests, s.times = nil, nil
}

// Reset regenerates the fleet from the same seed. Tokens, faults and the
// request log are kept.
func (s *Simulator) Reset() {
	f := newFleet(s.opts.Agents, s.opts.Threats, s.opts.Seed)
	f.makeAlerts(s.opts.Alerts, s.opts.Seed)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fleet = f
}

// Agents returns a copy of every agent, sorted by ID.
func (s *Simulator) Agents() []Agent {
	return copyAll(s, func(f *fleet) []Agent { return f.agents })
}

// Agent returns a copy of the agent with id.
func (s *Simulator) Agent(id string) (Agent, bool) {
	return copyOne(s, func(f *fleet) ([]Agent, map[string]int) { return f.agents, f.agentIndex }, id)
}

// Threats returns a copy of every threat, sorted by ID.
func (s *Simulator) Threats() []Threat {
	return copyAll(s, func(f *fleet) []Threat { return f.threats })
}

// Threat returns a copy of the threat with id.
func (s *Simulator) Threat(id string) (Threat, bool) {
	return copyOne(s, func(f *fleet) ([]Threat, map[string]int) { return f.threats, f.threatIdx }, id)
}

// copyAll returns a copy of the fleet's items that pick names, read under the lock.
func copyAll[T any](s *Simulator, pick func(*fleet) []T) []T {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]T(nil), pick(s.fleet)...)
}

// copyOne returns a copy of the item with id among the fleet's items that pick names, read
// under the lock.
func copyOne[T any](s *Simulator, pick func(*fleet) ([]T, map[string]int), id string) (T, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	items, index := pick(s.fleet)
	i, ok := index[id]
	if !ok {
		var zero T
		return zero, false
	}
	return items[i], true
}

// ServeHTTP serves the API under /web/api/v2.1/ and /web/api/v2.0/ and the
// control endpoint under /_sim/.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, controlPrefix) {
		s.serveControl(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		writeError(w, http.StatusBadRequest, codeValidation, "Validation Error", "request body could not be read")
		return
	}
	scheme, token := authHeader(r)
	s.record(r, body, scheme)
	rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		s.log.Debug("api request", zap.String("method", r.Method), zap.String("path", r.URL.Path),
			zap.String("auth", scheme), zap.Int("status", rec.status))
	}()
	if !s.injectFault(rec, r) || !s.allowRate(rec, r, token) {
		return
	}
	s.serveAPI(rec, r, body, scheme, token)
}

// record appends r to the request log with secrets redacted.
func (s *Simulator) record(r *http.Request, body []byte, scheme string) {
	req := Request{
		Method: r.Method,
		Path:   r.URL.Path,
		Query:  r.URL.RawQuery,
		Body:   redactBody(body),
		Auth:   scheme,
	}
	now := s.clock()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, req)
	s.times = append(s.times, now)
}

var secretKeys = map[string]bool{"password": true, "apiToken": true, "token": true}

// redactBody replaces the values of secret keys, at any depth, by
// "REDACTED". Bodies without secrets are returned unchanged.
func redactBody(body []byte) []byte {
	if len(body) == 0 {
		return nil
	}
	if !bytes.Contains(body, []byte(`"password"`)) && !bytes.Contains(body, []byte(`"apiToken"`)) && !bytes.Contains(body, []byte(`"token"`)) {
		return bytes.Clone(body)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return []byte(`"REDACTED"`)
	}
	var walk func(any)
	walk = func(x any) {
		switch t := x.(type) {
		case map[string]any:
			for k, val := range t {
				if secretKeys[k] {
					t[k] = "REDACTED"
					continue
				}
				walk(val)
			}
		case []any:
			for _, val := range t {
				walk(val)
			}
		}
	}
	walk(v)
	out, _ := json.Marshal(v)
	return out
}

// authHeader returns the normalised scheme ("Token", "ApiToken" or "") and
// the credential of the Authorization header.
func authHeader(r *http.Request) (scheme, token string) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	word, rest, _ := strings.Cut(h, " ")
	switch {
	case strings.EqualFold(word, "Token"):
		return "Token", strings.TrimSpace(rest)
	case strings.EqualFold(word, "ApiToken"):
		return "ApiToken", strings.TrimSpace(rest)
	}
	return "", ""
}

// authenticate resolves the account behind the credentials; a session
// token must come with "Token", an API token with "ApiToken".
func (s *Simulator) authenticate(scheme, token string) (*account, bool) {
	if token == "" {
		return nil, false
	}
	switch scheme {
	case "ApiToken":
		for i := range accounts {
			if accounts[i].apiToken == token {
				return &accounts[i], true
			}
		}
	case "Token":
		s.mu.RLock()
		defer s.mu.RUnlock()
		sess, ok := s.sessions[token]
		if !ok || s.clock().Sub(sess.issued) >= s.tokenTTL() {
			return nil, false
		}
		return sess.acct, true
	}
	return nil, false
}

// tokenTTL is the session lifetime in force; callers hold mu.
func (s *Simulator) tokenTTL() time.Duration {
	if s.faults.TokenTTL > 0 {
		return s.faults.TokenTTL
	}
	return s.opts.TokenTTL
}

func (s *Simulator) newSession(a *account) string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	tok := hex.EncodeToString(b)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	ttl := s.tokenTTL()
	for k, v := range s.sessions {
		if now.Sub(v.issued) >= ttl {
			delete(s.sessions, k)
		}
	}
	s.sessions[tok] = session{acct: a, issued: now}
	return tok
}

// statusWriter remembers the status for the request log line and lets
// http.ResponseController reach the underlying writer (for Hijack).
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Error codes of SentinelOne's error envelope.
const (
	codeValidation   = 4000010
	codeAuth         = 4010010
	codeForbidden    = 4030010
	codeNotFound     = 4040010
	codeMethod       = 4050010
	codeRateLimit    = 4290010
	codeInternal     = 5000010
	codeUnavailable  = 5030010
	forbiddenDetail  = "User does not have required permissions"
	internalDetail   = "Server could not process the request."
	errorContentType = "application/json"
)

type apiError struct {
	Code   int     `json:"code"`
	Title  string  `json:"title"`
	Detail *string `json:"detail"`
}

// writeError writes SentinelOne's error envelope; an empty detail is null.
func writeError(w http.ResponseWriter, status, code int, title, detail string) {
	e := apiError{Code: code, Title: title}
	if detail != "" {
		e.Detail = &detail
	}
	writeJSON(w, status, map[string][]apiError{"errors": {e}})
}

// writeStatusError writes the envelope that fits a bare status code.
func writeStatusError(w http.ResponseWriter, status int) {
	switch {
	case status == http.StatusTooManyRequests:
		writeError(w, status, codeRateLimit, "Too Many Requests", "")
	case status == http.StatusServiceUnavailable:
		writeError(w, status, codeUnavailable, "Service Unavailable", "")
	case status == http.StatusUnauthorized:
		writeError(w, status, codeAuth, "Authentication Failed", "")
	case status == http.StatusForbidden:
		writeError(w, status, codeForbidden, "Insufficient permissions", forbiddenDetail)
	case status == http.StatusNotFound:
		writeError(w, status, codeNotFound, "Not Found", "")
	case status >= 500:
		writeError(w, status, status*10000+10, "Internal server error", internalDetail)
	default:
		writeError(w, status, status*10000+10, http.StatusText(status), "")
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"errors":[{"code":5000010,"title":"Internal server error","detail":null}]}`)
	}
	w.Header().Set("Content-Type", errorContentType)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
