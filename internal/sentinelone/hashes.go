package sentinelone

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// HashesService calls the /hashes endpoints.
type HashesService service

// Reputation returns data of GET /hashes/{sha1}/reputation, e.g.
// {"rank":"7"}; a hash the console has never seen gives {}.
func (s *HashesService) Reputation(ctx context.Context, sha1 string) (json.RawMessage, error) {
	if len(sha1) != 40 {
		return nil, fmt.Errorf("hash reputation: %q is not a SHA-1 (40 hex digits)", sha1)
	}
	if _, err := hex.DecodeString(sha1); err != nil {
		return nil, fmt.Errorf("hash reputation: %q is not a SHA-1 (40 hex digits)", sha1)
	}
	resp, err := s.client.call(ctx, &request{method: http.MethodGet, endpoint: "/hashes/{hash}/reputation",
		path: "hashes/" + strings.ToLower(sha1) + "/reputation"})
	if err != nil {
		return nil, fmt.Errorf("hash reputation: %w", err)
	}
	return dataObject(resp), nil
}

// dataObject returns resp.Data, or {} when it is absent or null.
func dataObject(resp *response) json.RawMessage {
	if len(resp.Data) == 0 || string(resp.Data) == "null" {
		return json.RawMessage("{}")
	}
	return resp.Data
}
