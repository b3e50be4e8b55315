package connector

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// CheckOutput reports whether data has the shape of the operation's output_schema: an
// object must hold every key the schema's object names (more are allowed), a one-element
// array describes every item of a list, and "" accepts any value. A JSON-encoded string
// where an object or list is expected is a mismatch.
func (o *Operation) CheckOutput(data any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("output of %s: %w", o.Name, err)
	}
	var shape, value any
	if err := json.Unmarshal(o.OutputSchema, &shape); err != nil {
		return fmt.Errorf("output_schema of %s: %w", o.Name, err)
	}
	if err := json.Unmarshal(raw, &value); err != nil {
		return fmt.Errorf("output of %s: %w", o.Name, err)
	}
	return checkShape("data", shape, value)
}

func checkShape(path string, shape, value any) error {
	switch s := shape.(type) {
	case string:
		return nil
	case map[string]any:
		obj, ok := value.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: want an object, got %s", path, kind(value))
		}
		for _, k := range sortedKeys(s) {
			v, ok := obj[k]
			if !ok {
				return fmt.Errorf("%s: missing key %q", path, k)
			}
			if err := checkShape(path+"."+k, s[k], v); err != nil {
				return err
			}
		}
	case []any:
		list, ok := value.([]any)
		if !ok {
			return fmt.Errorf("%s: want a list, got %s", path, kind(value))
		}
		if len(s) == 0 {
			return nil
		}
		for i, item := range list {
			if err := checkShape(path+"["+strconv.Itoa(i)+"]", s[0], item); err != nil {
				return err
			}
		}
	}
	return nil
}
