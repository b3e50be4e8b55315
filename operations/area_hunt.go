package operations

// huntSpecs lists this area's operations; none yet.
func huntSpecs() []spec { return nil }
