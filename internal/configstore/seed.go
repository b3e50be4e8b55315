package configstore

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
)

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

// Upsert provisions one configuration of the given name and values, for headless start-up:
// one that does not exist is created; one that exists is left as it is unless overwrite,
// so changes made through the API survive restarts. The values pass the same rules as the
// API (the store's WithValuesCheck).
func (s *Store) Upsert(ctx context.Context, name string, values map[string]any, overwrite bool) (*SeedResult, error) {
	res, err := s.Seed(ctx, []*connector.ConfigInput{{Name: &name, Values: values}}, overwrite)
	if err != nil {
		return nil, err
	}
	return &res[0], nil
}

// Seed creates every input whose name is absent and, with overwrite, updates the others by
// name, in one transaction: all or nothing.
func (s *Store) Seed(ctx context.Context, inputs []*connector.ConfigInput, overwrite bool) ([]SeedResult, error) {
	for i, in := range inputs {
		if in.Name == nil {
			return nil, fmt.Errorf("configuration %d: %w", i+1, invalid("name", "is required"))
		}
	}
	res := make([]SeedResult, len(inputs))
	recs := make([]*record, len(inputs))
	err := s.write(ctx, func(w *writer) error {
		for i, in := range inputs {
			res[i].Name = *in.Name
			rec := byName(w.recs, *in.Name)
			var err error
			switch {
			case rec == nil:
				res[i].Action = SeedCreated
				recs[i], err = w.create(in, s.check)
			case !overwrite:
				res[i].Action, recs[i] = SeedKept, rec
				continue
			default:
				res[i].Action = SeedUpdated
				recs[i], err = w.update(rec, in, s.check)
			}
			if err != nil {
				return fmt.Errorf("configuration %d (%q): %w", i+1, *in.Name, err)
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

// Decoder turns one configuration object of a seed file (the configuration API's create
// shape) into a change; the HTTP layer owns that shape (server.DecodeConfigInput).
type Decoder func(body map[string]json.RawMessage) (*connector.ConfigInput, error)

// SeedFromFile provisions the configurations of a JSON file holding a list of objects that
// decode decodes, each as Upsert does. The file is applied in one transaction, so a bad
// entry leaves the store unchanged.
func SeedFromFile(ctx context.Context, store *Store, path string, overwrite bool, decode Decoder) ([]SeedResult, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("seed configurations: %w", err)
	}
	var bodies []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &bodies); err != nil {
		return nil, fmt.Errorf("seed configurations from %s: want a JSON list of configuration objects: %w", path, err)
	}
	inputs := make([]*connector.ConfigInput, len(bodies))
	for i, b := range bodies {
		if b == nil {
			return nil, fmt.Errorf("seed configurations from %s: configuration %d: must be an object", path, i+1)
		}
		if inputs[i], err = decode(b); err != nil {
			return nil, fmt.Errorf("seed configurations from %s: configuration %d: %w", path, i+1, err)
		}
	}
	res, err := store.Seed(ctx, inputs, overwrite)
	if err != nil {
		return nil, fmt.Errorf("seed configurations from %s: %w", path, err)
	}
	return res, nil
}
