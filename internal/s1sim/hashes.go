package s1sim

import (
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
)

// hashArg lowercases a path hash and checks that it is hex of one of the
// given lengths.
func hashArg(arg string, lengths ...int) (string, bool) {
	h := strings.ToLower(arg)
	if _, err := hex.DecodeString(h); err != nil {
		return "", false
	}
	for _, n := range lengths {
		if len(h) == n {
			return h, true
		}
	}
	return "", false
}

// reputation serves GET /hashes/{sha1}/reputation: {"rank":"N"} for a hash
// the console has seen, {} for any other.
func (s *Simulator) reputation(w http.ResponseWriter, _ *http.Request, c *call) {
	h, ok := hashArg(c.arg, 40)
	if !ok {
		writeValidation(w, validationf("hash must be a SHA1 (40 hexadecimal characters)"))
		return
	}
	s.mu.RLock()
	rank, ok := s.fleet.hashRank[h]
	s.mu.RUnlock()
	if !ok {
		writeData(w, map[string]string{})
		return
	}
	writeData(w, map[string]string{"rank": strconv.Itoa(rank)})
}

// verdict serves the v2.1 GET /hashes/{hash}/verdict for a SHA1 or SHA256:
// malicious for a rank of 5 to 10, non-malicious for 1 to 4, unknown for a
// hash the console has not seen. It agrees with reputation by construction.
func (s *Simulator) verdict(w http.ResponseWriter, _ *http.Request, c *call) {
	h, ok := hashArg(c.arg, 40, 64)
	if !ok {
		writeValidation(w, validationf("hash must be a SHA1 or SHA256 (40 or 64 hexadecimal characters)"))
		return
	}
	s.mu.RLock()
	rank, known := s.fleet.hashRank[h]
	s.mu.RUnlock()
	v := "unknown"
	switch {
	case known && rank >= 5:
		v = "malicious"
	case known && rank >= 1:
		v = "non-malicious"
	}
	writeData(w, map[string]string{"verdict": v})
}
