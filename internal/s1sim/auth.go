package s1sim

import (
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// allowLogin applies Options.LoginInterval: one login call (either login
// endpoint, whatever its body) per source address per interval. A call
// inside the interval gets 429 with Retry-After, the seconds left rounded
// up, and does not restart the interval.
func (s *Simulator) allowLogin(w http.ResponseWriter, r *http.Request) bool {
	if s.opts.LoginInterval <= 0 {
		return true
	}
	src, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		src = r.RemoteAddr
	}
	now := s.clock()
	s.mu.Lock()
	last, seen := s.logins[src]
	wait := s.opts.LoginInterval - now.Sub(last)
	if !seen || wait <= 0 {
		if len(s.logins) >= maxLoginSources {
			for k, t := range s.logins {
				if now.Sub(t) >= s.opts.LoginInterval {
					delete(s.logins, k)
				}
			}
		}
		s.logins[src] = now
		wait = 0
	}
	s.mu.Unlock()
	if wait <= 0 {
		return true
	}
	secs := int64((wait + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	writeStatusError(w, http.StatusTooManyRequests)
	s.log.Debug("login rate limited")
	return false
}

// maxLoginSources bounds the login-limit table before stale entries go.
const maxLoginSources = 1024

func (s *Simulator) login(w http.ResponseWriter, r *http.Request, c *call) {
	if !s.allowLogin(w, r) {
		return
	}
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := json.Unmarshal(c.body, &in); err != nil {
		writeValidation(w, validationf("body must be a JSON object with username and password"))
		return
	}
	for i := range accounts {
		a := &accounts[i]
		if in.Username != "" && strings.EqualFold(a.user, in.Username) && a.password == in.Password {
			writeData(w, map[string]any{"token": s.newSession(a)})
			return
		}
	}
	writeStatusError(w, http.StatusUnauthorized)
}

func (s *Simulator) loginByAPIToken(w http.ResponseWriter, r *http.Request, c *call) {
	if !s.allowLogin(w, r) {
		return
	}
	var in struct {
		Data struct {
			APIToken string `json:"apiToken"`
		} `json:"data"`
	}
	if err := json.Unmarshal(c.body, &in); err != nil {
		writeValidation(w, validationf("body must be {\"data\":{\"apiToken\":...}}"))
		return
	}
	for i := range accounts {
		a := &accounts[i]
		if in.Data.APIToken != "" && a.apiToken == in.Data.APIToken {
			writeData(w, map[string]any{"token": s.newSession(a)})
			return
		}
	}
	writeStatusError(w, http.StatusUnauthorized)
}

func (s *Simulator) logout(w http.ResponseWriter, r *http.Request, c *call) {
	if d := s.opts.LogoutDelay; d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if c.tok != "" {
		s.mu.Lock()
		delete(s.sessions, c.tok)
		s.mu.Unlock()
	}
	w.WriteHeader(http.StatusOK)
}

func (s *Simulator) systemInfo(w http.ResponseWriter, _ *http.Request, _ *call) {
	writeData(w, map[string]string{
		"version":            "23.4.2",
		"build":              "23.4.2.71",
		"release":            "23.4.2",
		"patch":              "0",
		"latestAgentVersion": agentVersions[0],
	})
}

func (s *Simulator) systemStatus(w http.ResponseWriter, _ *http.Request, _ *call) {
	writeData(w, map[string]string{"health": "ok"})
}
