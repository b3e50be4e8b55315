package s1sim

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// Agent is one endpoint of the simulated fleet. Its JSON form is the agent
// object SentinelOne returns (the keys of a recorded v2.1 agent and of the
// 2.1 schema, with their JSON types); pointer fields are null when unset, as
// on a real console. The fields tagged "-" are simulator-only inspection
// fields that record what the API did to the agent.
type Agent struct {
	ID                             string             `json:"id"`
	UUID                           string             `json:"uuid"`
	ComputerName                   string             `json:"computerName"`
	Domain                         string             `json:"domain"`
	LastLoggedInUserName           string             `json:"lastLoggedInUserName"`
	OSType                         string             `json:"osType"`
	OSName                         string             `json:"osName"`
	OSRevision                     string             `json:"osRevision"`
	OSArch                         string             `json:"osArch"`
	OSStartTime                    string             `json:"osStartTime"`
	OSUsername                     *string            `json:"osUsername"`
	MachineType                    string             `json:"machineType"`
	ModelName                      string             `json:"modelName"`
	SerialNumber                   *string            `json:"serialNumber"`
	NetworkStatus                  string             `json:"networkStatus"`
	IsActive                       bool               `json:"isActive"`
	Infected                       bool               `json:"infected"`
	IsDecommissioned               bool               `json:"isDecommissioned"`
	IsUninstalled                  bool               `json:"isUninstalled"`
	IsPendingUninstall             bool               `json:"isPendingUninstall"`
	IsUpToDate                     bool               `json:"isUpToDate"`
	ActiveThreats                  int                `json:"activeThreats"`
	ThreatRebootRequired           bool               `json:"threatRebootRequired"`
	TotalMemory                    int                `json:"totalMemory"` // MB
	CoreCount                      int                `json:"coreCount"`
	CPUCount                       int                `json:"cpuCount"`
	CPUID                          string             `json:"cpuId"`
	AgentVersion                   string             `json:"agentVersion"`
	InstallerType                  string             `json:"installerType"`
	ScanStatus                     string             `json:"scanStatus"`
	ScanStartedAt                  *string            `json:"scanStartedAt"`
	ScanFinishedAt                 *string            `json:"scanFinishedAt"`
	ScanAbortedAt                  *string            `json:"scanAbortedAt"`
	FullDiskScanLastUpdatedAt      *string            `json:"fullDiskScanLastUpdatedAt"`
	LastSuccessfulScanDate         *string            `json:"lastSuccessfulScanDate"`
	MitigationMode                 string             `json:"mitigationMode"`
	MitigationModeSuspicious       string             `json:"mitigationModeSuspicious"`
	DetectionState                 *string            `json:"detectionState"`
	FirstFullModeTime              *string            `json:"firstFullModeTime"`
	GroupID                        string             `json:"groupId"`
	GroupName                      string             `json:"groupName"`
	GroupIP                        string             `json:"groupIp"`
	GroupUpdatedAt                 *string            `json:"groupUpdatedAt"`
	SiteID                         string             `json:"siteId"`
	SiteName                       string             `json:"siteName"`
	AccountID                      string             `json:"accountId"`
	AccountName                    string             `json:"accountName"`
	PolicyUpdatedAt                *string            `json:"policyUpdatedAt"`
	ExternalIP                     string             `json:"externalIp"`
	ExternalID                     string             `json:"externalId"`
	LastIPToMgmt                   string             `json:"lastIpToMgmt"`
	NetworkInterfaces              []NetworkInterface `json:"networkInterfaces"`
	NetworkQuarantineEnabled       bool               `json:"networkQuarantineEnabled"`
	FirewallEnabled                bool               `json:"firewallEnabled"`
	EncryptedApplications          bool               `json:"encryptedApplications"`
	ActiveDirectory                ActiveDirectory    `json:"activeDirectory"`
	AllowRemoteShell               bool               `json:"allowRemoteShell"`
	InRemoteShellSession           bool               `json:"inRemoteShellSession"`
	AppsVulnerabilityStatus        string             `json:"appsVulnerabilityStatus"`
	CloudProviders                 map[string]any     `json:"cloudProviders"`
	ConsoleMigrationStatus         string             `json:"consoleMigrationStatus"`
	LicenseKey                     string             `json:"licenseKey"`
	LocationEnabled                bool               `json:"locationEnabled"`
	LocationType                   string             `json:"locationType"`
	Locations                      []Location         `json:"locations"`
	OperationalState               string             `json:"operationalState"`
	OperationalStateExpiration     *string            `json:"operationalStateExpiration"`
	RangerStatus                   string             `json:"rangerStatus"`
	RangerVersion                  *string            `json:"rangerVersion"`
	RemoteProfilingState           string             `json:"remoteProfilingState"`
	RemoteProfilingStateExpiration *string            `json:"remoteProfilingStateExpiration"`
	UserActionsNeeded              []string           `json:"userActionsNeeded"`
	MissingPermissions             []string           `json:"missingPermissions"`
	HasContainerizedWorkload       bool               `json:"hasContainerizedWorkload"`
	ContainerizedWorkloadCounts    *WorkloadCounts    `json:"containerizedWorkloadCounts"`
	ShowAlertIcon                  bool               `json:"showAlertIcon"`
	StorageName                    *string            `json:"storageName"`
	StorageType                    *string            `json:"storageType"`
	Tags                           AgentTags          `json:"tags"`
	ProxyStates                    ProxyStates        `json:"proxyStates"`
	LastActiveDate                 string             `json:"lastActiveDate"`
	RegisteredAt                   string             `json:"registeredAt"`
	CreatedAt                      string             `json:"createdAt"`
	UpdatedAt                      string             `json:"updatedAt"`

	// Passphrase is served by GET /agents/passphrases only.
	Passphrase string `json:"-"`
	// Messages are the broadcast messages the agent received, in order.
	Messages []string `json:"-"`
	// LogsRequested counts fetch-logs actions on the agent.
	LogsRequested int `json:"-"`
	// ShutdownRequested is set by the shutdown action.
	ShutdownRequested bool `json:"-"`
	// RestartsRequested counts restart-machine actions and reboots asked by enable-agent
	// and disable-agent.
	RestartsRequested int `json:"-"`
	// Cluster is the Kubernetes cluster of a node agent, "" for others.
	Cluster string `json:"-"`
}

// NetworkInterface is one entry of Agent.NetworkInterfaces.
type NetworkInterface struct {
	ID                string   `json:"id"`
	Name              string   `json:"name"`
	Physical          string   `json:"physical"`
	Inet              []string `json:"inet"`
	Inet6             []string `json:"inet6"`
	GatewayIP         *string  `json:"gatewayIp"`
	GatewayMacAddress *string  `json:"gatewayMacAddress"`
}

// ActiveDirectory is Agent.ActiveDirectory; the strings are null for
// machines outside a directory.
type ActiveDirectory struct {
	ComputerDistinguishedName *string  `json:"computerDistinguishedName"`
	ComputerMemberOf          []string `json:"computerMemberOf"`
	LastUserDistinguishedName *string  `json:"lastUserDistinguishedName"`
	LastUserMemberOf          []string `json:"lastUserMemberOf"`
	Mail                      *string  `json:"mail"`
	UserPrincipalName         *string  `json:"userPrincipalName"`
}

// Location is one entry of Agent.Locations.
type Location struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Scope string `json:"scope"`
}

// WorkloadCounts is Agent.ContainerizedWorkloadCounts.
type WorkloadCounts struct {
	ContainersCount int `json:"containersCount"`
	PodsCount       int `json:"podsCount"`
	TasksCount      int `json:"tasksCount"`
}

// AgentTags is Agent.Tags.
type AgentTags struct {
	SentinelOne []any `json:"sentinelone"`
}

// ProxyStates is Agent.ProxyStates.
type ProxyStates struct {
	Console        bool `json:"console"`
	DeepVisibility bool `json:"deepVisibility"`
}

type osProfile struct {
	osType, osName, osRevision, arch string
}

var (
	windowsDesktops = []osProfile{
		{"windows", "Windows 10 Pro", "19045", "64 bit"},
		{"windows", "Windows 11 Enterprise", "22631", "64 bit"},
	}
	windowsServers = []osProfile{
		{"windows", "Windows Server 2019 Datacenter", "17763", "64 bit"},
		{"windows", "Windows Server 2022 Standard", "20348", "64 bit"},
	}
	macOSes = []osProfile{
		{"macos", "macOS Sonoma", "14.4.1", "ARM64"},
		{"macos", "macOS Ventura", "13.6.6", "64 bit"},
	}
	linuxes = []osProfile{
		{"linux", "Ubuntu 22.04.4 LTS", "5.15.0-105-generic", "64 bit"},
		{"linux", "Red Hat Enterprise Linux 8.9", "4.18.0-513.el8.x86_64", "64 bit"},
	}
	models = map[string][]string{
		"laptop":  {"Dell Inc. - Latitude 7440", "LENOVO - 21HD003AUS", "HP - HP EliteBook 840 G10"},
		"desktop": {"Dell Inc. - OptiPlex 7010", "HP - HP Z2 Tower G9", "LENOVO - 12E3S0GV00"},
		"server":  {"VMware, Inc. - VMware7,1", "Amazon EC2 - m5.xlarge", "Dell Inc. - PowerEdge R650"},
		"macos":   {"MacBookPro18,3", "Mac14,9", "MacBookAir10,1"},
	}
	installers = map[string]string{"windows": ".msi", "macos": ".pkg", "linux": ".deb"}
	clusters   = []string{"prod-eks-eu1", "stage-aks-us2"}
)

func strPtr(s string) *string { return &s }

// stampPtr is stamp(t) as a pointer, for nullable timestamps.
func stampPtr(t time.Time) *string { return strPtr(stamp(t)) }

// offset returns base shifted back by up to max seconds, with microseconds.
func offset(rng *rand.Rand, base time.Time, maxSeconds int) time.Time {
	return base.Add(-time.Duration(rng.IntN(maxSeconds)) * time.Second).Add(time.Duration(rng.IntN(1e6)) * time.Microsecond)
}

func newAgent(rng *rand.Rand, i int, id string, scopes []scope) Agent {
	dept := pick(rng, departments)
	var (
		prof  osProfile
		kind  string
		mtype string
	)
	switch r := rng.IntN(100); {
	case r < 12:
		kind, mtype = "SRV", "server"
		if rng.IntN(2) == 0 {
			prof = pick(rng, windowsServers)
		} else {
			prof = pick(rng, linuxes)
		}
		if prof.osType == "windows" && rng.IntN(3) == 0 {
			dept = "DC"
		}
	case r < 55:
		kind, mtype = "LAPTOP", "laptop"
		prof = pick(rng, windowsDesktops)
	case r < 75:
		kind, mtype = "LAPTOP", "laptop"
		prof = pick(rng, macOSes)
	case r < 90:
		kind, mtype = "WS", "desktop"
		prof = pick(rng, windowsDesktops)
	default:
		kind, mtype = "WS", "desktop"
		prof = pick(rng, linuxes)
	}
	sc := scopes[rng.IntN(len(scopes))]
	mem := pick(rng, memorySizes)
	if mem > 2048 {
		mem -= rng.IntN(256)
	}
	netStatus := "connected"
	switch r := rng.IntN(100); {
	case r < 6:
		netStatus = "disconnected"
	case r < 8:
		netStatus = "connecting"
	case r < 10:
		netStatus = "disconnecting"
	}
	decom := rng.IntN(100) < 10
	active := !decom && rng.IntN(100) < 78 // ~70% of the fleet
	uninstalled := rng.IntN(100) < 2
	user := pick(rng, firstNames)
	version := pick(rng, agentVersions)
	registered := offset(rng, fleetEpoch, 700*24*3600)
	lastActive := offset(rng, fleetEpoch, 72*3600)
	mac := fmt.Sprintf("00:50:56:%02x:%02x:%02x", rng.IntN(256), rng.IntN(256), rng.IntN(256))
	o2, o3 := rng.IntN(256), rng.IntN(256)
	o4 := 1 + rng.IntN(254)
	inet := fmt.Sprintf("10.%d.%d.%d", o2, o3, o4)
	ifName := "Ethernet0"
	switch prof.osType {
	case "macos":
		ifName = "en0"
	case "linux":
		ifName = "eth0"
	}
	words := make([]string, 6)
	for w := range words {
		words[w] = pick(rng, passWords)
	}
	modelKey := mtype
	if prof.osType == "macos" {
		modelKey = "macos"
	}
	extIP := fmt.Sprintf("203.0.113.%d", 1+rng.IntN(254))
	a := Agent{
		ID:                       id,
		UUID:                     fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64()),
		ComputerName:             fmt.Sprintf("%s-%s-%04d", dept, kind, i+1),
		Domain:                   "CORP",
		LastLoggedInUserName:     user,
		OSType:                   prof.osType,
		OSName:                   prof.osName,
		OSRevision:               prof.osRevision,
		OSArch:                   prof.arch,
		OSStartTime:              stamp(offset(rng, lastActive, 20*24*3600).Truncate(time.Second)),
		MachineType:              mtype,
		ModelName:                pick(rng, models[modelKey]),
		SerialNumber:             strPtr(fmt.Sprintf("%c%c%08d", 'A'+rng.IntN(26), 'A'+rng.IntN(26), rng.IntN(1e8))),
		NetworkStatus:            netStatus,
		IsActive:                 active,
		IsDecommissioned:         decom,
		IsUninstalled:            uninstalled,
		IsUpToDate:               version == agentVersions[0],
		TotalMemory:              mem,
		CoreCount:                pick(rng, coreCounts),
		CPUCount:                 1 + rng.IntN(2),
		CPUID:                    pick(rng, cpuModels),
		AgentVersion:             version,
		InstallerType:            installers[prof.osType],
		MitigationMode:           pick(rng, []string{"protect", "protect", "detect"}),
		MitigationModeSuspicious: pick(rng, []string{"detect", "detect", "protect"}),
		DetectionState:           strPtr("full_mode"),
		FirstFullModeTime:        stampPtr(registered.Add(3 * time.Minute)),
		GroupID:                  sc.groupID,
		GroupName:                sc.groupName,
		GroupIP:                  "203.0.113.x",
		SiteID:                   sc.siteID,
		SiteName:                 sc.siteName,
		AccountID:                sc.accountID,
		AccountName:              sc.accountName,
		PolicyUpdatedAt:          stampPtr(offset(rng, fleetEpoch, 90*24*3600)),
		ExternalIP:               extIP,
		LastIPToMgmt:             inet,
		NetworkInterfaces: []NetworkInterface{{
			ID:       strconv.FormatUint(1500000000000000000+rng.Uint64N(1e17), 10),
			Name:     ifName,
			Physical: mac,
			Inet:     []string{inet},
			Inet6: []string{fmt.Sprintf("fe80::250:56ff:fe%02x:%04x", rng.IntN(256), rng.IntN(65536)),
				fmt.Sprintf("fd00:10:%x:%x::%x", o2, o3, o4)},
			GatewayIP:         strPtr(fmt.Sprintf("10.%d.%d.1", o2, o3)),
			GatewayMacAddress: strPtr(fmt.Sprintf("00:1c:73:%02x:%02x:%02x", rng.IntN(256), rng.IntN(256), rng.IntN(256))),
		}},
		FirewallEnabled:         prof.osType != "linux",
		EncryptedApplications:   mtype == "laptop",
		ActiveDirectory:         activeDirectory(prof.osType, dept, kind, i, user),
		AllowRemoteShell:        mtype == "server",
		AppsVulnerabilityStatus: pick(rng, []string{"up_to_date", "up_to_date", "patch_required", "not_applicable"}),
		CloudProviders:          map[string]any{},
		ConsoleMigrationStatus:  "N/A",
		LicenseKey:              "",
		LocationEnabled:         true,
		LocationType:            "fallback",
		Locations:               []Location{{ID: "629380164464502476", Name: "Fallback", Scope: "global"}},
		OperationalState:        "na",
		RangerStatus:            "NotApplicable",
		RemoteProfilingState:    "disabled",
		UserActionsNeeded:       []string{},
		MissingPermissions:      []string{},
		Tags:                    AgentTags{SentinelOne: []any{}},
		LastActiveDate:          stamp(lastActive),
		RegisteredAt:            stamp(registered),
		CreatedAt:               stamp(registered),
		UpdatedAt:               stamp(lastActive),
		Passphrase:              strings.Join(words, " "),
	}
	if prof.osType == "windows" {
		a.OSUsername = strPtr(user)
	}
	a.GroupUpdatedAt = a.PolicyUpdatedAt
	a.setScan(seedScan(rng), offset(rng, lastActive, 14*24*3600))
	a.seedRareStates(rng)
	return a
}
