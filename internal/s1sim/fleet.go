package s1sim

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// Agent is one endpoint of the simulated fleet. Its JSON form is the agent
// object SentinelOne returns; the fields tagged "-" are simulator-only
// inspection fields that record what the API did to the agent.
type Agent struct {
	ID                   string             `json:"id"`
	UUID                 string             `json:"uuid"`
	ComputerName         string             `json:"computerName"`
	Domain               string             `json:"domain"`
	LastLoggedInUserName string             `json:"lastLoggedInUserName"`
	OSType               string             `json:"osType"`
	OSName               string             `json:"osName"`
	OSRevision           string             `json:"osRevision"`
	OSArch               string             `json:"osArch"`
	MachineType          string             `json:"machineType"`
	NetworkStatus        string             `json:"networkStatus"`
	IsActive             bool               `json:"isActive"`
	Infected             bool               `json:"infected"`
	IsDecommissioned     bool               `json:"isDecommissioned"`
	IsUninstalled        bool               `json:"isUninstalled"`
	IsPendingUninstall   bool               `json:"isPendingUninstall"`
	IsUpToDate           bool               `json:"isUpToDate"`
	ActiveThreats        int                `json:"activeThreats"`
	TotalMemory          int                `json:"totalMemory"` // MB
	CoreCount            int                `json:"coreCount"`
	CPUCount             int                `json:"cpuCount"`
	CPUID                string             `json:"cpuId"`
	AgentVersion         string             `json:"agentVersion"`
	ScanStatus           string             `json:"scanStatus"`
	MitigationMode       string             `json:"mitigationMode"`
	GroupID              string             `json:"groupId"`
	GroupName            string             `json:"groupName"`
	SiteID               string             `json:"siteId"`
	SiteName             string             `json:"siteName"`
	AccountID            string             `json:"accountId"`
	AccountName          string             `json:"accountName"`
	ExternalIP           string             `json:"externalIp"`
	LastIPToMgmt         string             `json:"lastIpToMgmt"`
	NetworkInterfaces    []NetworkInterface `json:"networkInterfaces"`
	LastActiveDate       string             `json:"lastActiveDate"`
	RegisteredAt         string             `json:"registeredAt"`
	CreatedAt            string             `json:"createdAt"`
	UpdatedAt            string             `json:"updatedAt"`

	// Passphrase is served by GET /agents/passphrases only.
	Passphrase string `json:"-"`
	// Messages are the broadcast messages the agent received, in order.
	Messages []string `json:"-"`
	// LogsRequested counts fetch-logs actions on the agent.
	LogsRequested int `json:"-"`
	// ShutdownRequested is set by the shutdown action.
	ShutdownRequested bool `json:"-"`
}

// NetworkInterface is one entry of Agent.NetworkInterfaces.
type NetworkInterface struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Physical string   `json:"physical"`
	Inet     []string `json:"inet"`
	Inet6    []string `json:"inet6"`
}

// Threat is one detection of the simulated console. It is rendered nested
// on v2.1 and flat on v2.0 from the same fields.
type Threat struct {
	ID                   string
	Name                 string // threatName / fileDisplayName
	SHA1                 string
	SHA256               string
	MD5                  string
	FilePath             string
	Classification       string
	ClassificationSource string
	ConfidenceLevel      string // malicious, suspicious
	Rank                 int    // 0..10; served as a string by hash reputation
	AgentID              string
	// MitigationStatus is not_mitigated, mitigated or marked_as_benign.
	MitigationStatus string
	// AnalystVerdict is undefined, true_positive, false_positive or suspicious.
	AnalystVerdict string
	// IncidentStatus is unresolved, in_progress or resolved.
	IncidentStatus string
	MarkedAsBenign bool
	InQuarantine   bool
	// InitiatedBy is the v2.1 value: agent_policy, full_disk_scan,
	// on_demand_scan or console_api. v2.0 renders it in camelCase.
	InitiatedBy string
	// FromScan is true exactly when InitiatedBy is full_disk_scan or
	// on_demand_scan.
	FromScan bool
	// Resolved is true exactly when IncidentStatus is resolved.
	Resolved  bool
	CreatedAt string
	UpdatedAt string
	// Actions are the mitigations applied through the API, in order
	// (kill, quarantine, un-quarantine, remediate, rollback-remediation).
	Actions []string
}

// timeLayout is SentinelOne's timestamp format (UTC, microseconds).
const timeLayout = "2006-01-02T15:04:05.000000Z"

// fleetEpoch anchors every generated timestamp so a seed gives the same data.
var fleetEpoch = time.Date(2024, 6, 1, 8, 0, 0, 0, time.UTC)

var (
	agentVersions = []string{"23.4.2.14", "22.3.4.7", "21.7.5.1", "23.3.2.12"}
	departments   = []string{"FIN", "ENG", "HR", "MKT", "OPS", "SALES", "IT", "LEGAL"}
	firstNames    = []string{"jdoe", "asmith", "mgarcia", "lchen", "rpatel", "kmuller", "snakamura", "obrien", "tnguyen", "ewilson", "fkhan", "bjohnson"}
	cpuModels     = []string{"Intel(R) Core(TM) i7-1185G7 @ 3.00GHz", "Intel(R) Core(TM) i5-10310U @ 1.70GHz", "AMD EPYC 7R32", "Intel(R) Xeon(R) Gold 6248R @ 3.00GHz", "Apple M2 Pro", "AMD Ryzen 7 PRO 5850U"}
	memorySizes   = []int{2048, 4096, 8192, 16384, 32768, 65536}
	coreCounts    = []int{1, 2, 4, 6, 8, 12, 16, 24, 32}
	passWords     = []string{"ONE", "WAGE", "OBEY", "FAST", "MILK", "TREE", "BLUE", "CORN", "DUSK", "ECHO", "FERN", "GOLD", "HALO", "IRON", "JADE", "KNOT", "LAMP", "MINT", "NOVA", "OPAL", "PINE", "QUIZ", "ROSE", "SALT", "TIDE", "URGE", "VAST", "WOLF", "YARN", "ZINC", "ARCH", "BOLT"}
	threatNames   = []string{"invoice_2024.exe", "mimikatz.exe", "svch0st.exe", "update_helper.dll", "payload.ps1", "crypt0r.exe", "AdobeUpdate.exe", "keygen.exe", "loader.bin", "report.docm", "miner.sh", "dropper.js"}
	classes       = []string{"Trojan", "Ransomware", "Malware", "PUA", "Exploit", "Infostealer", "Miner"}
	classSources  = []string{"Cloud", "Behavioral", "Static", "Engine"}
)

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
)

// scope is one group of one site of the single account.
type scope struct {
	groupID, groupName, siteID, siteName string
}

const (
	accountID   = "1217392348101239876"
	accountName = "Acme Corp"
)

// fleet is the mutable state of the simulated console.
type fleet struct {
	agents     []Agent // sorted by ID ascending
	agentIndex map[string]int
	threats    []Threat // sorted by ID ascending
	threatIdx  map[string]int
	hashRank   map[string]int // lowercase sha1 -> rank
}

// newFleet generates the deterministic fleet for seed.
func newFleet(nAgents, nThreats int, seed int64) *fleet {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5e17_1e0e))
	scopes := makeScopes(rng)
	f := &fleet{
		agents:     make([]Agent, nAgents),
		agentIndex: make(map[string]int, nAgents),
	}
	id := uint64(1418295327049126913)
	for i := range f.agents {
		id += 1 + rng.Uint64N(1<<30)
		f.agents[i] = newAgent(rng, i, strconv.FormatUint(id, 10), scopes)
		f.agentIndex[f.agents[i].ID] = i
	}
	f.makeThreats(rng, nThreats)
	return f
}

func makeScopes(rng *rand.Rand) []scope {
	sites := []string{"Headquarters", "Branch Office EMEA", "Datacenter"}
	groups := []string{"Default Group", "Workstations", "Servers"}
	id := uint64(1301234567890123456)
	var out []scope
	for _, site := range sites {
		id += 1 + rng.Uint64N(1<<32)
		siteID := strconv.FormatUint(id, 10)
		for _, g := range groups {
			id += 1 + rng.Uint64N(1<<32)
			out = append(out, scope{groupID: strconv.FormatUint(id, 10), groupName: g, siteID: siteID, siteName: site})
		}
	}
	return out
}

// pick returns a random element of s.
func pick[T any](rng *rand.Rand, s []T) T { return s[rng.IntN(len(s))] }

func stamp(t time.Time) string { return t.UTC().Format(timeLayout) }

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
	scan := "none"
	switch r := rng.IntN(100); {
	case r < 40:
		scan = "finished"
	case r < 45:
		scan = "started"
	case r < 50:
		scan = "aborted"
	}
	decom := rng.IntN(100) < 10
	active := !decom && rng.IntN(100) < 78 // ~70% of the fleet
	infected := rng.IntN(100) < 15
	uninstalled := rng.IntN(100) < 2
	user := pick(rng, firstNames)
	version := pick(rng, agentVersions)
	registered := fleetEpoch.Add(-time.Duration(rng.IntN(700*24)) * time.Hour).Add(time.Duration(rng.IntN(3600e6)) * time.Microsecond)
	lastActive := fleetEpoch.Add(-time.Duration(rng.IntN(72*3600)) * time.Second).Add(time.Duration(rng.IntN(1e6)) * time.Microsecond)
	mac := fmt.Sprintf("00:50:56:%02x:%02x:%02x", rng.IntN(256), rng.IntN(256), rng.IntN(256))
	inet := fmt.Sprintf("10.%d.%d.%d", rng.IntN(256), rng.IntN(256), 1+rng.IntN(254))
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
	return Agent{
		ID:                   id,
		UUID:                 fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64()),
		ComputerName:         fmt.Sprintf("%s-%s-%04d", dept, kind, i+1),
		Domain:               "CORP",
		LastLoggedInUserName: user,
		OSType:               prof.osType,
		OSName:               prof.osName,
		OSRevision:           prof.osRevision,
		OSArch:               prof.arch,
		MachineType:          mtype,
		NetworkStatus:        netStatus,
		IsActive:             active,
		Infected:             infected,
		IsDecommissioned:     decom,
		IsUninstalled:        uninstalled,
		IsUpToDate:           version == agentVersions[0],
		TotalMemory:          mem,
		CoreCount:            pick(rng, coreCounts),
		CPUCount:             1 + rng.IntN(2),
		CPUID:                pick(rng, cpuModels),
		AgentVersion:         version,
		ScanStatus:           scan,
		MitigationMode:       pick(rng, []string{"protect", "protect", "detect"}),
		GroupID:              sc.groupID,
		GroupName:            sc.groupName,
		SiteID:               sc.siteID,
		SiteName:             sc.siteName,
		AccountID:            accountID,
		AccountName:          accountName,
		ExternalIP:           fmt.Sprintf("203.0.113.%d", 1+rng.IntN(254)),
		LastIPToMgmt:         inet,
		NetworkInterfaces: []NetworkInterface{{
			ID:       strconv.FormatUint(1500000000000000000+rng.Uint64N(1e17), 10),
			Name:     ifName,
			Physical: mac,
			Inet:     []string{inet},
			Inet6:    []string{fmt.Sprintf("fe80::250:56ff:fe%02x:%04x", rng.IntN(256), rng.IntN(65536))},
		}},
		LastActiveDate: stamp(lastActive),
		RegisteredAt:   stamp(registered),
		CreatedAt:      stamp(registered),
		UpdatedAt:      stamp(lastActive),
		Passphrase:     strings.Join(words, " "),
	}
}

func (f *fleet) makeThreats(rng *rand.Rand, n int) {
	var infected []int
	for i := range f.agents {
		if f.agents[i].Infected {
			infected = append(infected, i)
		}
	}
	if len(infected) == 0 && len(f.agents) > 0 && n > 0 {
		f.agents[0].Infected = true
		infected = append(infected, 0)
	}
	f.threats = make([]Threat, 0, n)
	f.threatIdx = make(map[string]int, n)
	f.hashRank = make(map[string]int, n)
	if len(infected) == 0 {
		return
	}
	id := uint64(1428000000000000000)
	for i := 0; i < n; i++ {
		id += 1 + rng.Uint64N(1<<30)
		// The first threats go one per infected agent, the rest at random.
		ai := infected[i%len(infected)]
		if i >= len(infected) {
			ai = pick(rng, infected)
		}
		a := &f.agents[ai]
		a.ActiveThreats++
		t := newThreat(rng, strconv.FormatUint(id, 10), a)
		f.threatIdx[t.ID] = len(f.threats)
		f.hashRank[t.SHA1] = t.Rank
		f.threats = append(f.threats, t)
	}
	// Infected agents without a listed threat still report one active threat.
	for _, ai := range infected {
		if f.agents[ai].ActiveThreats == 0 {
			f.agents[ai].ActiveThreats = 1
		}
	}
}

func newThreat(rng *rand.Rand, id string, a *Agent) Threat {
	name := pick(rng, threatNames)
	var path string
	switch a.OSType {
	case "windows":
		path = `\Device\HarddiskVolume3\Users\` + a.LastLoggedInUserName + `\Downloads\` + name
	case "macos":
		path = "/Users/" + a.LastLoggedInUserName + "/Downloads/" + name
	default:
		path = "/tmp/" + name
	}
	initiated := "agent_policy"
	switch r := rng.IntN(100); {
	case r < 20:
		initiated = "full_disk_scan"
	case r < 35:
		initiated = "on_demand_scan"
	case r < 40:
		initiated = "console_api"
	}
	confidence, rank := "malicious", 5+rng.IntN(6)
	if rng.IntN(4) == 0 {
		confidence, rank = "suspicious", 1+rng.IntN(4)
	}
	mitigation := "not_mitigated"
	quarantined := false
	if rng.IntN(100) < 40 {
		mitigation = "mitigated"
		quarantined = rng.IntN(2) == 0
	}
	verdict := "undefined"
	switch r := rng.IntN(100); {
	case r < 20:
		verdict = "true_positive"
	case r < 30:
		verdict = "suspicious"
	}
	incident := "unresolved"
	switch r := rng.IntN(100); {
	case r < 20:
		incident = "resolved"
	case r < 30:
		incident = "in_progress"
	}
	created := fleetEpoch.Add(-time.Duration(rng.IntN(30*24*3600)) * time.Second).Add(time.Duration(rng.IntN(1e6)) * time.Microsecond)
	return Threat{
		ID:                   id,
		Name:                 name,
		SHA1:                 fmt.Sprintf("%016x%016x%08x", rng.Uint64(), rng.Uint64(), rng.Uint32()),
		SHA256:               fmt.Sprintf("%016x%016x%016x%016x", rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64()),
		MD5:                  fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64()),
		FilePath:             path,
		Classification:       pick(rng, classes),
		ClassificationSource: pick(rng, classSources),
		ConfidenceLevel:      confidence,
		Rank:                 rank,
		AgentID:              a.ID,
		MitigationStatus:     mitigation,
		AnalystVerdict:       verdict,
		IncidentStatus:       incident,
		InQuarantine:         quarantined,
		InitiatedBy:          initiated,
		FromScan:             initiated == "full_disk_scan" || initiated == "on_demand_scan",
		Resolved:             incident == "resolved",
		CreatedAt:            stamp(created),
		UpdatedAt:            stamp(created.Add(time.Duration(rng.IntN(3600)) * time.Second)),
	}
}

// application is one installed application of GET /agents/applications.
type application struct {
	Name          string `json:"name"`
	Publisher     string `json:"publisher"`
	Version       string `json:"version"`
	Size          int    `json:"size"`
	InstalledDate string `json:"installedDate"`
}

// process is one item of GET /agents/processes on v2.0.
type process struct {
	ProcessName    string  `json:"processName"`
	PID            int     `json:"pid"`
	CPUUsage       float64 `json:"cpuUsage"`
	MemoryUsage    float64 `json:"memoryUsage"`
	StartTime      string  `json:"startTime"`
	ExecutablePath string  `json:"executablePath"`
}

var appCatalog = map[string][]application{
	"windows": {
		{Name: "Google Chrome", Publisher: "Google LLC", Version: "124.0.6367.91"},
		{Name: "Microsoft Office Professional Plus 2019", Publisher: "Microsoft Corporation", Version: "16.0.10407.20032"},
		{Name: "7-Zip 23.01 (x64)", Publisher: "Igor Pavlov", Version: "23.01"},
		{Name: "Notepad++ (64-bit x64)", Publisher: "Notepad++ Team", Version: "8.6.5"},
		{Name: "Zoom Workplace", Publisher: "Zoom Video Communications, Inc.", Version: "6.0.2"},
		{Name: "Mozilla Firefox (x64 en-US)", Publisher: "Mozilla", Version: "125.0.3"},
		{Name: "Microsoft Visual C++ 2015-2022 Redistributable (x64)", Publisher: "Microsoft Corporation", Version: "14.38.33135.0"},
		{Name: "Adobe Acrobat Reader", Publisher: "Adobe Inc.", Version: "24.002.20736"},
	},
	"macos": {
		{Name: "Google Chrome", Publisher: "Google LLC", Version: "124.0.6367.91"},
		{Name: "Slack", Publisher: "Slack Technologies, Inc.", Version: "4.38.121"},
		{Name: "Microsoft Word", Publisher: "Microsoft Corporation", Version: "16.84"},
		{Name: "iTerm", Publisher: "George Nachman", Version: "3.4.23"},
		{Name: "Visual Studio Code", Publisher: "Microsoft Corporation", Version: "1.89.0"},
		{Name: "zoom.us", Publisher: "Zoom Video Communications, Inc.", Version: "6.0.2"},
	},
	"linux": {
		{Name: "openssh-server", Publisher: "Ubuntu Developers", Version: "1:8.9p1-3ubuntu0.7"},
		{Name: "nginx", Publisher: "Ubuntu Developers", Version: "1.18.0-6ubuntu14.4"},
		{Name: "python3", Publisher: "Ubuntu Developers", Version: "3.10.6-1~22.04"},
		{Name: "curl", Publisher: "Ubuntu Developers", Version: "7.81.0-1ubuntu1.16"},
		{Name: "docker-ce", Publisher: "Docker Inc.", Version: "5:26.1.1-1~ubuntu.22.04~jammy"},
	},
}

var processCatalog = map[string][]string{
	"windows": {`C:\Windows\System32\svchost.exe`, `C:\Windows\explorer.exe`, `C:\Program Files\Google\Chrome\Application\chrome.exe`, `C:\Windows\System32\lsass.exe`, `C:\Program Files\SentinelOne\Sentinel Agent\SentinelAgent.exe`},
	"macos":   {"/sbin/launchd", "/System/Library/CoreServices/Finder.app/Contents/MacOS/Finder", "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome", "/Library/Sentinel/sentinel-agent.bundle/Contents/MacOS/sentineld"},
	"linux":   {"/usr/lib/systemd/systemd", "/usr/sbin/sshd", "/usr/sbin/nginx", "/opt/sentinelone/bin/sentinelone-agent"},
}

// agentRNG returns a generator that depends only on the fleet seed and the
// agent's ID, so per-agent listings are stable across calls.
func agentRNG(seed int64, agentID string) *rand.Rand {
	n, _ := strconv.ParseUint(agentID, 10, 64)
	return rand.New(rand.NewPCG(uint64(seed), n))
}

func applicationsOf(seed int64, a *Agent) []application {
	rng := agentRNG(seed, a.ID)
	catalog := appCatalog[a.OSType]
	out := make([]application, 0, len(catalog))
	for _, app := range catalog {
		if rng.IntN(4) == 0 {
			continue
		}
		app.Size = 1024 * (500 + rng.IntN(400000))
		app.InstalledDate = stamp(fleetEpoch.Add(-time.Duration(rng.IntN(500*24)) * time.Hour))
		out = append(out, app)
	}
	return out
}

func processesOf(seed int64, a *Agent) []process {
	rng := agentRNG(seed, a.ID)
	paths := processCatalog[a.OSType]
	out := make([]process, 0, len(paths))
	for _, p := range paths {
		base := p[strings.LastIndexAny(p, `\/`)+1:]
		out = append(out, process{
			ProcessName:    base,
			PID:            100 + rng.IntN(30000),
			CPUUsage:       float64(rng.IntN(1000)) / 10,
			MemoryUsage:    float64(rng.IntN(20000)) / 10,
			StartTime:      stamp(fleetEpoch.Add(-time.Duration(rng.IntN(7*24*3600)) * time.Second)),
			ExecutablePath: p,
		})
	}
	return out
}
