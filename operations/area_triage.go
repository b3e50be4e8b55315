package operations

// triageSpecs lists this area's operations; none yet.
func triageSpecs() []spec { return nil }
