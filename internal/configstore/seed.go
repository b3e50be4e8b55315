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

// What seeding did with one configuration.
const (
	SeedCreated = "created"   // it did not exist
	SeedKept    = "kept"      // it exists and was left as it is (no overwrite asked)
	SeedUpdated = "updated"   // it exists and the seed was applied over it (overwrite)
	SeedSame    = "unchanged" // overwrite was asked, and the seed changed nothing
)

// SeedResult says what seeding did with one configuration of the seed.
type SeedResult struct {
	Name   string
	Action string // SeedCreated, SeedKept, SeedUpdated or SeedSame
	// Changes are the change's effects in words (created or updated only).
	Changes []string
	Config  *connector.Config
}

// String is the result as a log line.
func (r SeedResult) String() string {
	switch r.Action {
	case SeedKept:
		return fmt.Sprintf("configuration %q exists and was left as it is; changes made through the API are kept (overwrite with --seed-overwrite)", r.Name)
	case SeedSame:
		return fmt.Sprintf("configuration %q already matches the seed", r.Name)
	}
	msg := fmt.Sprintf("configuration %q %s", r.Name, r.Action)
	if len(r.Changes) > 0 {
		msg += ": " + strings.Join(r.Changes, "; ")
	}
	return msg
}

// SeedFromEnv provisions one configuration from SENTINELONE_* variables read through getenv,
// for headless start-up. It returns nil, nil when none of the connection variables is set.
// A configuration of that name that does not exist is created; one that exists is left as it
// is unless overwrite, so changes made through the API survive restarts. The values pass the
// same rules as the API (with the store's WithValuesCheck).
func SeedFromEnv(ctx context.Context, store *Store, getenv func(string) string, overwrite bool) (*SeedResult, error) {
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
	res, err := store.seed(ctx, []map[string]json.RawMessage{body}, overwrite)
	if err != nil {
		return nil, fmt.Errorf("seed configuration from environment: %w", err)
	}
	return &res[0], nil
}

// SeedFromFile provisions the configurations of a JSON file holding a list of objects in the
// create-API shape, each as SeedFromEnv does. The file is applied in one transaction, so a
// bad entry leaves the store unchanged.
func SeedFromFile(ctx context.Context, store *Store, path string, overwrite bool) ([]SeedResult, error) {
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
	res, err := store.seed(ctx, bodies, overwrite)
	if err != nil {
		return nil, fmt.Errorf("seed configurations from %s: %w", path, err)
	}
	return res, nil
}

// seed creates every body whose name is absent and, with overwrite, updates the others by
// name, in one transaction: all or nothing.
func (s *Store) seed(ctx context.Context, bodies []map[string]json.RawMessage, overwrite bool) ([]SeedResult, error) {
	inputs := make([]*input, len(bodies))
	for i, body := range bodies {
		in, err := parseInput(s.manifest, body)
		if err == nil && in.name == nil {
			err = invalid("name", "is required")
		}
		if err != nil {
			return nil, fmt.Errorf("configuration %d: %w", i+1, err)
		}
		inputs[i] = in
	}
	res := make([]SeedResult, len(inputs))
	recs := make([]*record, len(inputs))
	err := s.write(ctx, func(w *writer) error {
		for i, in := range inputs {
			res[i].Name = *in.name
			rec := byName(w.recs, *in.name)
			var err error
			switch {
			case rec == nil:
				res[i].Action = SeedCreated
				recs[i], err = w.create(in, s.checkOr(nil))
			case !overwrite:
				res[i].Action, recs[i] = SeedKept, rec
				continue
			default:
				res[i].Action = SeedUpdated
				recs[i], err = w.update(rec, in, s.checkOr(nil))
			}
			if err != nil {
				return fmt.Errorf("configuration %d (%q): %w", i+1, *in.name, err)
			}
			res[i].Changes = w.take()
		}
		if err := w.finish(); err != nil {
			return err
		}
		if late := w.take(); len(late) > 0 { // a promotion made by the rule at the end
			res[len(res)-1].Changes = append(res[len(res)-1].Changes, late...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i, r := range recs {
		c, err := s.toConfig(r)
		if err != nil {
			return nil, err
		}
		res[i].Config = c
		if res[i].Action == SeedUpdated && len(res[i].Changes) == 0 {
			res[i].Action = SeedSame
		}
	}
	return res, nil
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
