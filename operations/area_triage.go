package operations

// triageSpecs lists the threat triage operations: verdicts, incident status, notes, the
// timeline, the hash verdict, the blocklist and the exclusions.
func triageSpecs() []spec {
	return []spec{
		updateAnalystVerdictSpec, changeIncidentStatusSpec, addNoteToAThreatSpec, getThreatNotesSpec,
		getThreatTimelineSpec, getHashVerdictSpec, createBlacklistItemSpec, deleteBlacklistItemSpec,
		getBlacklistSpec, createExclusionSpec, deleteExclusionSpec, getExclusionsSpec,
	}
}
