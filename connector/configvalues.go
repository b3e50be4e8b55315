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
// required fields, types, patterns), then the credential rule, then check (may be nil).
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
	if err := m.checkCredentials(params); err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(params); err != nil {
			return nil, Errorf(KindInvalid, "invalid configuration: %v", err)
		}
	}
	return params, nil
}

// checkCredentials requires api_token, or username and password, when the manifest declares
// those fields.
func (m *Manifest) checkCredentials(p Params) error {
	if m.ConfigField("api_token") == nil || m.ConfigField("username") == nil || m.ConfigField("password") == nil {
		return nil
	}
	token, user, pass := p.String("api_token") != "", p.String("username") != "", p.String("password") != ""
	switch {
	case token:
		return nil
	case user && !pass:
		return invalidConfig("password", "is required with username (or give api_token instead)")
	case pass && !user:
		return invalidConfig("username", "is required with password (or give api_token instead)")
	case !user:
		return invalidConfig("api_token", "is required unless username and password are given")
	}
	return nil
}

func invalidConfig(field, format string, args ...any) error {
	return Errorf(KindInvalid, "invalid configuration: %s: %s", field, fmt.Sprintf(format, args...))
}
