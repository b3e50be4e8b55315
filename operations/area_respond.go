package operations

// respondSpecs lists this area's operations; none yet.
func respondSpecs() []spec { return nil }
