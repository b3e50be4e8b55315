package s1sim

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

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
	Resolved bool
	// Storyline is the agent's storyline identifier (16 hex digits).
	Storyline string
	CreatedAt string
	UpdatedAt string
	// Actions are the mitigations applied through the API, in order
	// (kill, quarantine, un-quarantine, remediate, rollback-remediation).
	Actions []string

	detail threatDetail
}

// active reports whether the threat counts in its agent's activeThreats:
// not mitigated (nor marked benign) and not resolved.
func (t *Threat) active() bool {
	return t.MitigationStatus == "not_mitigated" && t.IncidentStatus != "resolved"
}

// threatDetail holds the seeded facts that only rendering needs.
type threatDetail struct {
	engine            engine
	collectionID      string
	fileSize          int
	extension         string // upper case, no dot, as recorded
	extensionType     string // Executable, Script, Document, Unknown
	verification      string // NotSigned, SignedVerified, …
	publisher         string
	originator        string // originating process name
	cmdline           string // malicious process arguments, "" = null
	fileless          bool
	preemptive        bool   // blocked before execution
	cloudVerdict      string // black, provider_unknown
	fileObjectID      string
	identifiedAt      string
	indicators        []int // indices into indicatorCatalog
	container, podKey string
	browser           string // browser of a browser-borne threat, "" = null
	ticket            string // external ticket id, "" = none
}

// engine is a detection engine by its key (v2.0 engines, detectionEngines
// key) and title (v2.1 engines, detectionEngines title).
type engine struct {
	key, title, detectionType, source string
}

var (
	threatNames = []string{"invoice_2024.exe", "mimikatz.exe", "svch0st.exe", "update_helper.dll", "payload.ps1", "crypt0r.exe", "AdobeUpdate.exe", "keygen.exe", "loader.bin", "report.docm", "miner.sh", "dropper.js"}
	classes     = []string{"Trojan", "Ransomware", "Malware", "PUA", "Exploit", "Infostealer", "Miner"}
	engines     = []engine{
		{"sentinelone_cloud", "SentinelOne Cloud", "static", "Cloud"},
		{"executables", "Behavioral AI", "dynamic", "Behavioral"},
		{"pre_execution", "On-Write DFI", "static", "Static"},
		{"reputation", "Reputation", "static", "Engine"},
	}
	extensionTypes = map[string]string{"EXE": "Executable", "DLL": "Executable", "PS1": "Script", "SH": "Script", "JS": "Script", "DOCM": "Document", "BIN": "Unknown"}
	publishers     = []string{"", "", "Unknown Software Ltd", "Adobe Inc."}
	originators    = []string{"explorer.exe", "chrome.exe", "outlook.exe", "powershell.exe", "bash", "Finder"}
)

// indicator is one behavioural indicator of a v2.1 threat.
type indicator struct {
	Category    string `json:"category"`
	Description string `json:"description"`
	IDs         []int  `json:"ids"`
	Tactics     []any  `json:"tactics"`
}

var indicatorCatalog = []indicator{
	{"General", "The file is packed with an uncommon packer.", []int{3}, []any{}},
	{"Evasion", "The process tries to detect a debugger.", []int{7}, []any{}},
	{"InfoStealer", "The binary reads stored browser credentials.", []int{21}, []any{}},
	{"Injection", "The process writes into the memory of another process.", []int{42}, []any{}},
	{"Persistence", "The file registers itself to run at logon.", []int{55}, []any{}},
}

func hexID(rng *rand.Rand, digits int) string {
	return strings.ToUpper(fmt.Sprintf("%016x", rng.Uint64())[:digits])
}

// newThreat seeds a threat on agent a; active forces a state that counts
// as an active threat.
func newThreat(rng *rand.Rand, id string, a *Agent, active bool) Threat {
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
	if active {
		mitigation, quarantined = "not_mitigated", false
		if incident == "resolved" {
			incident = "unresolved"
		}
	}
	created := offset(rng, fleetEpoch, 30*24*3600)
	eng := pick(rng, engines)
	ext := strings.ToUpper(name[strings.LastIndex(name, ".")+1:])
	d := threatDetail{
		engine:        eng,
		collectionID:  fmt.Sprintf("%d", 1429000000000000000+rng.Uint64N(1e17)),
		fileSize:      4096 + rng.IntN(8<<20),
		extension:     ext,
		extensionType: extensionTypes[ext],
		verification:  pick(rng, []string{"NotSigned", "NotSigned", "SignedVerified", "SignedInvalid"}),
		publisher:     pick(rng, publishers),
		originator:    pick(rng, originators),
		fileless:      ext == "PS1" && rng.IntN(2) == 0,
		preemptive:    eng.detectionType == "static" && mitigation == "mitigated" && rng.IntN(2) == 0,
		cloudVerdict:  "provider_unknown",
		fileObjectID:  hexID(rng, 16),
		identifiedAt:  stamp(created.Add(-time.Duration(100+rng.IntN(900)) * time.Millisecond)),
	}
	if d.extensionType == "Script" {
		d.cmdline = "-ExecutionPolicy Bypass -File " + name
	}
	if ext == "JS" {
		d.browser = pick(rng, []string{"Chrome", "Edge", "Firefox"})
	}
	if rng.IntN(10) == 0 {
		d.ticket = fmt.Sprintf("INC%07d", rng.IntN(1e7))
	}
	if eng.source == "Cloud" {
		d.cloudVerdict = "black"
	}
	for k := range indicatorCatalog {
		if rng.IntN(3) == 0 {
			d.indicators = append(d.indicators, k)
		}
	}
	if a.Cluster != "" {
		d.container = hexID(rng, 12)
		d.podKey = strings.ToLower(hexID(rng, 5))
	}
	return Threat{
		ID:                   id,
		Name:                 name,
		SHA1:                 fmt.Sprintf("%016x%016x%08x", rng.Uint64(), rng.Uint64(), rng.Uint32()),
		SHA256:               fmt.Sprintf("%016x%016x%016x%016x", rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64()),
		MD5:                  fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64()),
		FilePath:             path,
		Classification:       pick(rng, classes),
		ClassificationSource: eng.source,
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
		Storyline:            hexID(rng, 16),
		CreatedAt:            stamp(created),
		UpdatedAt:            stamp(created.Add(time.Duration(rng.IntN(3600)) * time.Second)),
		detail:               d,
	}
}
