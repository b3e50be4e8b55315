package s1sim

import "strings"

// compileAgentFilter turns known keys into predicates; unknown keys are
// ignored, as SentinelOne does. idsNin is known only when supportNin.
func compileAgentFilter(r rawFilter, supportNin bool) ([]predicate[Agent], error) {
	k := &filterKit[Agent]{r: r}
	if ids := r.list("ids"); len(ids) > 0 {
		m := set(ids, nil)
		k.add(func(a *Agent) bool { return m[a.ID] })
	}
	if supportNin {
		if ids := r.list("idsNin"); len(ids) > 0 {
			m := set(ids, nil)
			k.add(func(a *Agent) bool { return !m[a.ID] })
		}
	}
	k.num("totalMemory", 1024, func(a *Agent) float64 { return float64(a.TotalMemory) }) // __between in GB
	k.num("coreCount", 1, func(a *Agent) float64 { return float64(a.CoreCount) })
	k.num("cpuCount", 1, func(a *Agent) float64 { return float64(a.CPUCount) })
	k.num("activeThreats", 1, func(a *Agent) float64 { return float64(a.ActiveThreats) })
	k.version("agentVersion", func(a *Agent) string { return a.AgentVersion })
	for _, d := range []struct {
		field string
		get   func(*Agent) *string
	}{
		{"createdAt", func(a *Agent) *string { return &a.CreatedAt }},
		{"updatedAt", func(a *Agent) *string { return &a.UpdatedAt }},
		{"registeredAt", func(a *Agent) *string { return &a.RegisteredAt }},
		{"lastActiveDate", func(a *Agent) *string { return &a.LastActiveDate }},
		{"lastSuccessfulScanDate", func(a *Agent) *string { return a.LastSuccessfulScanDate }},
	} {
		k.date(d.field, d.get)
	}
	k.bools("isActive", func(a *Agent) bool { return a.IsActive })
	k.bools("infected", func(a *Agent) bool { return a.Infected })
	k.bools("isDecommissioned", func(a *Agent) bool { return a.IsDecommissioned })
	k.bools("isUninstalled", func(a *Agent) bool { return a.IsUninstalled })
	k.bools("isPendingUninstall", func(a *Agent) bool { return a.IsPendingUninstall })
	k.bools("isUpToDate", func(a *Agent) bool { return a.IsUpToDate })
	if s := r.one("computerName__like"); s != "" {
		sub := strings.ToLower(s)
		k.add(func(a *Agent) bool { return strings.Contains(strings.ToLower(a.ComputerName), sub) })
	}
	if s := r.one("computerName"); s != "" {
		k.add(func(a *Agent) bool { return strings.EqualFold(a.ComputerName, s) })
	}
	if uuids := append(r.list("uuids"), r.list("uuid")...); len(uuids) > 0 {
		m := set(uuids, strings.ToLower)
		k.add(func(a *Agent) bool { return m[strings.ToLower(a.UUID)] })
	}
	k.contains("networkInterfaceInet__contains", func(a *Agent) []string {
		var out []string
		for _, n := range a.NetworkInterfaces {
			out = append(append(out, n.Inet...), n.Inet6...)
		}
		return out
	})
	k.contains("networkInterfacePhysical__contains", func(a *Agent) []string {
		out := make([]string, len(a.NetworkInterfaces))
		for i, n := range a.NetworkInterfaces {
			out[i] = n.Physical
		}
		return out
	})
	k.contains("externalIp__contains", func(a *Agent) []string { return []string{a.ExternalIP} })
	// Each key also has its "Nin" form (agentVersionsNin, osTypesNin, …).
	for _, l := range []struct {
		key  string
		norm func(string) string
		get  func(*Agent) string
	}{
		{"agentVersions", nil, func(a *Agent) string { return a.AgentVersion }},
		{"osTypes", nil, func(a *Agent) string { return a.OSType }},
		{"networkStatuses", nil, func(a *Agent) string { return a.NetworkStatus }},
		{"machineTypes", nil, func(a *Agent) string { return a.MachineType }},
		{"scanStatuses", nil, func(a *Agent) string { return a.ScanStatus }},
		{"domains", strings.ToLower, func(a *Agent) string { return a.Domain }},
		{"installerTypes", nil, func(a *Agent) string { return a.InstallerType }},
		{"operationalStates", nil, func(a *Agent) string { return a.OperationalState }},
		{"rangerStatuses", nil, func(a *Agent) string { return a.RangerStatus }},
		{"remoteProfilingStates", nil, func(a *Agent) string { return a.RemoteProfilingState }},
		{"appsVulnerabilityStatuses", nil, func(a *Agent) string { return a.AppsVulnerabilityStatus }},
		{"consoleMigrationStatuses", nil, func(a *Agent) string { return a.ConsoleMigrationStatus }},
		{"groupIds", nil, func(a *Agent) string { return a.GroupID }},
		{"siteIds", nil, func(a *Agent) string { return a.SiteID }},
		{"accountIds", nil, func(a *Agent) string { return a.AccountID }},
	} {
		k.in(l.key, l.norm, l.get)
	}
	k.inAny("userActionsNeeded", nil, func(a *Agent) []string { return a.UserActionsNeeded })
	k.inAny("missingPermissions", nil, func(a *Agent) []string { return a.MissingPermissions })
	k.inAny("locationIds", nil, func(a *Agent) []string {
		out := make([]string, len(a.Locations))
		for i, l := range a.Locations {
			out[i] = l.ID
		}
		return out
	})
	k.inAny("rangerVersions", nil, func(a *Agent) []string {
		if a.RangerVersion == nil {
			return nil
		}
		return []string{*a.RangerVersion}
	})
	return k.preds, k.err
}
