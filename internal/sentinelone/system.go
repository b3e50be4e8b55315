package sentinelone

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// SystemService calls the /system endpoints.
type SystemService service

// Info returns data of GET /system/info (version, build, release, …). It
// needs a valid token, so it proves both reachability and credentials.
func (s *SystemService) Info(ctx context.Context) (json.RawMessage, error) {
	resp, err := s.client.call(ctx, &request{method: http.MethodGet, endpoint: "/system/info", path: "system/info"})
	if err != nil {
		return nil, fmt.Errorf("system info: %w", err)
	}
	return dataObject(resp), nil
}
