package operations

// respondSpecs lists the response area's operations: details, restart, enable and disable,
// moves, the scope listings and the activity log.
func respondSpecs() []spec {
	return []spec{
		getAgentDetailsSpec, restartAgentSpec, enableAgentSpec, disableAgentSpec,
		moveAgentsToGroupSpec, moveAgentsToSiteSpec, getSitesSpec, getGroupsSpec, getAccountsSpec,
		getActivitiesSpec, getActivityTypesSpec,
	}
}
