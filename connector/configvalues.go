package connector

import (
	"fmt"
	"strings"
)

// ValuesCheck is an extra rule on validated configuration values, such as the vendor's
// host-name rule. Its error is reported to the user as is, so it must not carry secrets.
type ValuesCheck = func(values map[string]any) error

// InlineConfigName names an inline configuration in messages and logs: it has no stored
// name or id.
const InlineConfigName = "inline configuration"

// CheckConfigValues validates raw configuration values the one way every configuration is
// validated, stored or inline: no password-type field holds the mask, the values pass the
// manifest's configuration fields as execute's params pass an operation's (coercion,
// required fields, types, patterns), then check (may be nil): the vendor's own rules, such
// as its credential rule.
// Every error is KindInvalid and starts "invalid configuration: ".
func (m *Manifest) CheckConfigValues(raw map[string]any, check ValuesCheck) (Params, error) {
	for _, f := range m.Configuration.Fields {
		if f.Type == "password" && raw[f.Name] == Mask {
			return nil, invalidConfig(f.Name, "is the mask %q, not a value: give the secret itself", Mask)
		}
	}
	params, err := m.ValidateConfig(raw)
	if err != nil {
		return nil, Errorf(KindInvalid, "invalid configuration: %s", strings.TrimPrefix(err.Error(), "invalid parameters: "))
	}
	if check != nil {
		if err := check(params); err != nil {
			return nil, Errorf(KindInvalid, "invalid configuration: %v", err)
		}
	}
	return params, nil
}

func invalidConfig(field, format string, args ...any) error {
	return Errorf(KindInvalid, "invalid configuration: %s: %s", field, fmt.Sprintf(format, args...))
}
