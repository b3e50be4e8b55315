package configstore

import (
	"fmt"
	"unicode/utf8"

	"github.com/fortisoar-connectors/sentinelone/connector"
)

// input is one create or update, decoded by the configuration API or a seed reader.
type input = connector.ConfigInput

func invalid(field, format string, args ...any) error {
	return connector.Errorf(connector.KindInvalid, "invalid configuration: %s: %s", field, fmt.Sprintf(format, args...))
}

// applyOperations returns the disabled list after ops, in manifest order.
func applyOperations(m *connector.Manifest, disabled []string, ops map[string]bool) []string {
	off := map[string]bool{}
	for _, d := range disabled {
		off[d] = true
	}
	for name, on := range ops {
		off[name] = !on
	}
	var out []string
	for _, op := range m.Operations {
		if off[op.Name] {
			out = append(out, op.Name)
		}
	}
	return out
}

// clip shortens user text echoed in an error.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 64 {
		return s
	}
	return string([]rune(s)[:64]) + "…"
}
