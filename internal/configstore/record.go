package configstore

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/fortisoar-connectors/sentinelone/connector"
)

// setValues stores validated values: secrets sealed with the record's id, the rest in clear.
func (s *Store) setValues(rec *record, values connector.Params) error {
	rec.Values = map[string]any{}
	rec.Secrets = map[string][]byte{}
	for k, v := range values {
		if !s.manifest.IsSecret(k) {
			rec.Values[k] = v
			continue
		}
		str, ok := v.(string)
		if !ok {
			return invalid(k, "must be text")
		}
		sealed, err := s.secrets.seal([]byte(str), secretAD(rec.ID, k))
		if err != nil {
			return fmt.Errorf("encrypt %s: %w", k, err)
		}
		rec.Secrets[k] = sealed
	}
	return nil
}

// values returns the record's values with its secrets decrypted.
func (s *Store) values(rec *record) (map[string]any, error) {
	out := make(map[string]any, len(rec.Values)+len(rec.Secrets))
	for k, v := range rec.Values {
		out[k] = s.normalize(k, v)
	}
	for k, sealed := range rec.Secrets {
		plain, err := s.secrets.open(sealed, secretAD(rec.ID, k))
		if err != nil {
			return nil, fmt.Errorf("configuration %q field %s: %w", rec.Name, k, err)
		}
		out[k] = string(plain)
	}
	return out, nil
}

// normalize gives a decoded stored value the Go type validation gave it (see connector.Params).
func (s *Store) normalize(field string, v any) any {
	typ := ""
	if f := s.manifest.ConfigField(field); f != nil {
		typ = f.Type
	}
	switch typ {
	case "integer":
		if n, ok := v.(json.Number); ok {
			if i, err := n.Int64(); err == nil {
				return i
			}
		}
	case "decimal":
		if n, ok := v.(json.Number); ok {
			if f, err := n.Float64(); err == nil {
				return f
			}
		}
	case "multiselect":
		if list, ok := v.([]any); ok {
			out := make([]string, 0, len(list))
			for _, x := range list {
				str, _ := x.(string)
				out = append(out, str)
			}
			return out
		}
	}
	return v
}

func (s *Store) toConfig(rec *record) (*connector.Config, error) {
	values, err := s.values(rec)
	if err != nil {
		return nil, err
	}
	return &connector.Config{
		ID: rec.ID, Name: rec.Name, Default: rec.Default, Inactive: rec.Inactive, Values: values,
		Disabled: append([]string(nil), rec.Disabled...), Updated: rec.Updated,
		Connector: rec.Connector, Version: rec.Version, Created: rec.Created,
	}, nil
}

func decodeRecord(raw []byte) (*record, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var rec record
	if err := dec.Decode(&rec); err != nil {
		return nil, err
	}
	if rec.ID == "" || rec.Name == "" {
		return nil, errors.New("record has no id or name")
	}
	return &rec, nil
}
