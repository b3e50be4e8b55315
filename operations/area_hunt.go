package operations

// huntSpecs lists the hunting and collection operations: Deep Visibility queries (low-level
// and run-and-wait), PowerQuery, RemoteOps scripts and file retrieval.
func huntSpecs() []spec {
	return []spec{
		createQuerySpec, getQueryStatusSpec, getEventsSpec, getEventsByTypeSpec, cancelRunningQuerySpec, runQuerySpec,
		runPowerQuerySpec, getRemoteScriptsSpec, runRemoteScriptSpec, getRemoteScriptStatusSpec, getRemoteScriptResultsSpec,
		fetchFilesFromAgentSpec, fetchThreatFileSpec, downloadFromCloudSpec,
	}
}
