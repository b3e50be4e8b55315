package operations

import (
	"fmt"
	"strings"
)

// Environment variables that seed one SentinelOne configuration at start-up (ValuesFromEnv).
const (
	EnvHost       = "SENTINELONE_HOST"
	EnvUsername   = "SENTINELONE_USERNAME"
	EnvPassword   = "SENTINELONE_PASSWORD"
	EnvAPIToken   = "SENTINELONE_API_TOKEN"
	EnvVerifySSL  = "SENTINELONE_VERIFY_SSL"
	EnvAPIVersion = "SENTINELONE_API_VERSION"
	EnvConfigName = "SENTINELONE_CONFIG_NAME"
)

// DefaultSeedName names the configuration ValuesFromEnv seeds when EnvConfigName is unset.
const DefaultSeedName = "default"

// envFields maps each configuration field to the variable that seeds it.
var envFields = map[string]string{
	"host_name": EnvHost, "username": EnvUsername, "password": EnvPassword, "api_token": EnvAPIToken,
	"verify_ssl": EnvVerifySSL, "api_version": EnvAPIVersion,
}

// ValuesFromEnv reads the SENTINELONE_* variables through getenv into the name and values
// of one configuration, for headless start-up. values is nil when none of the connection
// variables is set; the values are checked later as every configuration's are.
func ValuesFromEnv(getenv func(string) string) (name string, values map[string]any, err error) {
	values = map[string]any{}
	for field, env := range envFields {
		if v := strings.TrimSpace(getenv(env)); v != "" {
			values[field] = v
		}
	}
	if len(values) == 0 {
		return "", nil, nil
	}
	if _, ok := values["host_name"]; !ok {
		return "", nil, fmt.Errorf("seed configuration from environment: %s is required when other SENTINELONE_* variables are set", EnvHost)
	}
	name = strings.TrimSpace(getenv(EnvConfigName))
	if name == "" {
		name = DefaultSeedName
	}
	return name, values, nil
}
