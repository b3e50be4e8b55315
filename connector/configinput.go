package connector

// ConfigInput is one create or update of a stored configuration, as the configuration API
// or a seed asks it, already decoded and type-checked; a nil field is left as it is. Values
// are merged over the stored values field by field on update, then validated as every
// configuration is (Manifest.CheckConfigValues).
type ConfigInput struct {
	ID      *string // create only: the id to use instead of a new one
	Name    *string
	Default *bool
	Active  *bool
	Values  map[string]any
	// Operations switches single operations on (true) or off (false).
	Operations map[string]bool
	// NewDefault names (id or name) the configuration that takes the default over when this
	// one stops being it, in the same change.
	NewDefault *string
}
