package connector

import (
	"errors"
	"strings"
)

// ErrConfigConflict is wrapped by a configuration store refusing a change that would break
// its default rule: the default is active, and there is one whenever an active
// configuration exists.
var ErrConfigConflict = errors.New("configuration change conflicts with the default rule")

// ConfigChange is a configuration as a create or update left it, and what that change did,
// in words ("default moved from \"a\" to \"b\"").
type ConfigChange struct {
	Config  *Config
	Changes []string
}

// Summary is the change as one sentence, such as
// `configuration "b" updated: verify_ssl changed; default moved from "a" to "b"`.
func (c *ConfigChange) Summary(verb string) string {
	msg := "configuration " + quote(c.Config.Name) + " " + verb
	if len(c.Changes) == 0 {
		return msg + ": nothing changed"
	}
	return msg + ": " + strings.Join(c.Changes, "; ")
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }
