package operations

// ingestSpecs lists this area's operations; none yet.
func ingestSpecs() []spec { return nil }
