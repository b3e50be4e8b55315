package configstore

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
)

// Environment variables read by SeedFromEnv.
const (
	EnvHost       = "SENTINELONE_HOST"
	EnvUsername   = "SENTINELONE_USERNAME"
	EnvPassword   = "SENTINELONE_PASSWORD"
	EnvAPIToken   = "SENTINELONE_API_TOKEN"
	EnvVerifySSL  = "SENTINELONE_VERIFY_SSL"
	EnvAPIVersion = "SENTINELONE_API_VERSION"
	EnvConfigName = "SENTINELONE_CONFIG_NAME"
)

// DefaultSeedName names the configuration SeedFromEnv writes when EnvConfigName is unset.
const DefaultSeedName = "default"

// SeedFromEnv provisions one configuration from SENTINELONE_* variables read through getenv,
// for headless start-up. It returns nil, nil when none of the connection variables is set.
// A configuration of the same name is updated, so restarts do not duplicate it; the values
// pass the same rules as the API (with the store's WithValuesCheck).
func SeedFromEnv(ctx context.Context, store *Store, getenv func(string) string) (*connector.Config, error) {
	fields := map[string]string{
		"host_name": EnvHost, "username": EnvUsername, "password": EnvPassword, "api_token": EnvAPIToken,
		"verify_ssl": EnvVerifySSL, "api_version": EnvAPIVersion,
	}
	values := map[string]any{}
	for field, env := range fields {
		if v := strings.TrimSpace(getenv(env)); v != "" {
			values[field] = v
		}
	}
	if len(values) == 0 {
		return nil, nil
	}
	if _, ok := values["host_name"]; !ok {
		return nil, fmt.Errorf("seed configuration from environment: %s is required when other SENTINELONE_* variables are set", EnvHost)
	}
	name := strings.TrimSpace(getenv(EnvConfigName))
	if name == "" {
		name = DefaultSeedName
	}
	body, err := toBody(map[string]any{"name": name, "config": values})
	if err != nil {
		return nil, fmt.Errorf("seed configuration from environment: %w", err)
	}
	cfgs, err := store.upsertAll(ctx, []map[string]json.RawMessage{body}, nil)
	if err != nil {
		return nil, fmt.Errorf("seed configuration from environment: %w", err)
	}
	return cfgs[0], nil
}

// SeedFromFile provisions the configurations of a JSON file holding a list of objects in the
// create-API shape. Each one whose name exists is updated instead of created; the file is
// applied in one transaction, so a bad entry leaves the store unchanged.
func SeedFromFile(ctx context.Context, store *Store, path string) ([]*connector.Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("seed configurations: %w", err)
	}
	var bodies []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &bodies); err != nil {
		return nil, fmt.Errorf("seed configurations from %s: want a JSON list of configuration objects: %w", path, err)
	}
	for i, b := range bodies {
		if b == nil {
			return nil, fmt.Errorf("seed configurations from %s: configuration %d: must be an object", path, i+1)
		}
	}
	cfgs, err := store.upsertAll(ctx, bodies, nil)
	if err != nil {
		return nil, fmt.Errorf("seed configurations from %s: %w", path, err)
	}
	return cfgs, nil
}

func toBody(v map[string]any) (map[string]json.RawMessage, error) {
	body := make(map[string]json.RawMessage, len(v))
	for k, x := range v {
		raw, err := json.Marshal(x)
		if err != nil {
			return nil, err
		}
		body[k] = raw
	}
	return body, nil
}
