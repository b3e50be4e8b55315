package operations

// ingestSpecs lists the ingestion operations: checkpointed fetches of threats and alerts,
// with server-side streams.
func ingestSpecs() []spec { return []spec{fetchThreatsSpec, getOutputSchemaThreatsSpec} }
