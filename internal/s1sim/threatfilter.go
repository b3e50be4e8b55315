package s1sim

import "strings"

// snakeInitiator maps the v2.0 camelCase initiatedBy values to the v2.1 ones.
func snakeInitiator(s string) string {
	switch s {
	case "agentPolicy":
		return "agent_policy"
	case "fullDiskScan":
		return "full_disk_scan"
	case "onDemandScan":
		return "on_demand_scan"
	case "consoleApi":
		return "console_api"
	case "dvCommand":
		return "dv_command"
	}
	return s
}

// camelInitiator is the inverse of snakeInitiator.
func camelInitiator(s string) string {
	parts := strings.Split(s, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// compileThreatFilter turns the known threat keys of version v into
// predicates. The name filter is `displayName` on v2.1 and
// `displayName__like` on v2.0; both are case-insensitive substrings.
// agentOf finds a threat's agent when the predicates run (under the lock);
// a threat whose agent is gone has the zero agent.
func compileThreatFilter(r rawFilter, v string, agentOf func(id string) *Agent) ([]predicate[Threat], error) {
	k := &filterKit[Threat]{r: r}
	agent := func(get func(*Agent) string) func(*Threat) string {
		return func(t *Threat) string {
			if a := agentOf(t.AgentID); a != nil {
				return get(a)
			}
			return ""
		}
	}
	for _, l := range []struct {
		key  string
		norm func(string) string
		get  func(*Threat) string
	}{
		{"ids", nil, func(t *Threat) string { return t.ID }},
		{"contentHashes", strings.ToLower, func(t *Threat) string { return t.SHA1 }},
		{"agentIds", nil, func(t *Threat) string { return t.AgentID }},
		// initiatedBy and initiatedByNin carry no "s".
		{"initiatedBy", snakeInitiator, func(t *Threat) string { return t.InitiatedBy }},
		{"mitigationStatuses", nil, func(t *Threat) string { return t.MitigationStatus }},
		{"analystVerdicts", nil, func(t *Threat) string { return t.AnalystVerdict }},
		{"incidentStatuses", nil, func(t *Threat) string { return t.IncidentStatus }},
		{"confidenceLevels", nil, func(t *Threat) string { return t.ConfidenceLevel }},
		{"classifications", nil, func(t *Threat) string { return t.Classification }},
		{"classificationSources", nil, func(t *Threat) string { return t.ClassificationSource }},
		{"engines", nil, func(t *Threat) string { return t.detail.engine.key }},
		{"detectionEngines", nil, func(t *Threat) string { return t.detail.engine.key }},
		{"osTypes", nil, agent(func(a *Agent) string { return a.OSType })},
		{"osNames", nil, agent(func(a *Agent) string { return a.OSName })},
		{"agentMachineTypes", nil, agent(func(a *Agent) string { return a.MachineType })},
		{"agentVersions", nil, agent(func(a *Agent) string { return a.AgentVersion })},
		{"siteIds", nil, agent(func(a *Agent) string { return a.SiteID })},
		{"groupIds", nil, agent(func(a *Agent) string { return a.GroupID })},
		{"accountIds", nil, agent(func(a *Agent) string { return a.AccountID })},
	} {
		k.in(l.key, l.norm, l.get)
	}
	k.date("createdAt", func(t *Threat) *string { return &t.CreatedAt })
	k.date("updatedAt", func(t *Threat) *string { return &t.UpdatedAt })
	k.bools("resolved", func(t *Threat) bool { return t.Resolved })
	nameKey := "displayName"
	if v == v20 {
		nameKey = "displayName__like"
	}
	if s := r.one(nameKey); s != "" {
		sub := strings.ToLower(s)
		k.add(func(t *Threat) bool { return strings.Contains(strings.ToLower(t.Name), sub) })
	}
	return k.preds, k.err
}
