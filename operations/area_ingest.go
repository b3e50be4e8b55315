package operations

// ingestSpecs lists the ingestion operations: checkpointed fetches of threats and alerts,
// with server-side streams, and the alert list.
func ingestSpecs() []spec {
	return []spec{fetchThreatsSpec, getOutputSchemaThreatsSpec, fetchAlertsSpec, getAlertsSpec}
}
