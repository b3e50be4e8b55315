package s1sim

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// seedScan draws the scan status of a new agent.
func seedScan(rng *rand.Rand) string {
	switch r := rng.IntN(100); {
	case r < 40:
		return "finished"
	case r < 45:
		return "started"
	case r < 50:
		return "aborted"
	}
	return "none"
}

// setScan sets scanStatus and the scan timestamps that go with it: a scan
// that never ran has none; a finished one has a start and an end; a started
// one only a start; an aborted one a start and an abort time.
func (a *Agent) setScan(status string, at time.Time) {
	a.ScanStatus = status
	a.ScanStartedAt, a.ScanFinishedAt, a.ScanAbortedAt = nil, nil, nil
	switch status {
	case "none":
		a.FullDiskScanLastUpdatedAt = nil
		return
	case "finished":
		a.ScanStartedAt = stampPtr(at.Add(-40 * time.Minute))
		a.ScanFinishedAt = stampPtr(at)
		a.LastSuccessfulScanDate = a.ScanFinishedAt
	case "started":
		a.ScanStartedAt = stampPtr(at)
	case "aborted":
		a.ScanStartedAt = stampPtr(at.Add(-10 * time.Minute))
		a.ScanAbortedAt = stampPtr(at)
	}
	a.FullDiskScanLastUpdatedAt = stampPtr(at)
}

// startScan starts a full disk scan at now.
func (a *Agent) startScan(now time.Time) {
	a.ScanStatus = "started"
	a.ScanStartedAt, a.ScanFinishedAt, a.ScanAbortedAt = stampPtr(now), nil, nil
	a.FullDiskScanLastUpdatedAt = a.ScanStartedAt
}

// abortScan aborts the scan at now; the start time of the scan is kept.
func (a *Agent) abortScan(now time.Time) {
	a.ScanStatus = "aborted"
	if a.ScanStartedAt == nil {
		a.ScanStartedAt = stampPtr(now)
	}
	a.ScanFinishedAt, a.ScanAbortedAt = nil, stampPtr(now)
	a.FullDiskScanLastUpdatedAt = a.ScanAbortedAt
}

// seedRareStates gives a few agents the less common states a console shows:
// a disabled agent with an expiry, Ranger, profiling, pending user actions,
// a Kubernetes node, a storage agent.
func (a *Agent) seedRareStates(rng *rand.Rand) {
	exp := fleetEpoch.Add(time.Duration(1+rng.IntN(72)) * time.Hour)
	switch r := rng.IntN(100); {
	case r < 3:
		a.OperationalState = "disabled"
		a.OperationalStateExpiration = stampPtr(exp)
		a.DetectionState = strPtr("disabled")
	case r < 5:
		a.RemoteProfilingState = "enabled"
		a.RemoteProfilingStateExpiration = stampPtr(exp)
	case r < 9:
		a.UserActionsNeeded = []string{"reboot_needed"}
		a.ShowAlertIcon = true
	case r < 12 && a.OSType == "macos":
		a.UserActionsNeeded = []string{"user_action_needed"}
		a.MissingPermissions = []string{"user_action_needed_fda"}
		a.ShowAlertIcon = true
	}
	if rng.IntN(10) < 3 {
		a.RangerStatus = "Enabled"
		a.RangerVersion = strPtr("23.1.2.85")
	}
	if a.OSType == "linux" && a.MachineType == "server" {
		if rng.IntN(2) == 0 {
			a.Cluster = pick(rng, clusters)
			a.HasContainerizedWorkload = true
			a.ContainerizedWorkloadCounts = &WorkloadCounts{ContainersCount: 5 + rng.IntN(40), PodsCount: 3 + rng.IntN(20)}
			a.CloudProviders = map[string]any{"Kubernetes": map[string]any{"clusterName": a.Cluster, "kubernetesNodeName": strings.ToLower(a.ComputerName)}}
		} else if rng.IntN(3) == 0 {
			a.StorageName = strPtr("nas-" + strings.ToLower(a.ComputerName[len(a.ComputerName)-4:]))
			a.StorageType = strPtr("NetApp")
		}
	}
}

// activeDirectory describes a Windows agent joined to the CORP domain; other
// machines have no directory data (nulls and empty lists, as recorded).
func activeDirectory(osType, dept, kind string, i int, user string) ActiveDirectory {
	if osType != "windows" {
		return ActiveDirectory{ComputerMemberOf: []string{}, LastUserMemberOf: []string{}}
	}
	ou := "Workstations"
	if kind == "SRV" {
		ou = "Servers"
	}
	return ActiveDirectory{
		ComputerDistinguishedName: strPtr(fmt.Sprintf("CN=%s-%s-%04d,OU=%s,DC=corp,DC=example", dept, kind, i+1, ou)),
		ComputerMemberOf:          []string{"CN=Domain Computers,CN=Users,DC=corp,DC=example"},
		LastUserDistinguishedName: strPtr(fmt.Sprintf("CN=%s,OU=%s,OU=Users,DC=corp,DC=example", user, dept)),
		LastUserMemberOf:          []string{"CN=Domain Users,CN=Users,DC=corp,DC=example", "CN=" + dept + ",OU=Groups,DC=corp,DC=example"},
		Mail:                      strPtr(user + "@corp.example"),
		UserPrincipalName:         strPtr(user + "@corp.example"),
	}
}
