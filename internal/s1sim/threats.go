package s1sim

import (
	"net/http"
	"slices"
	"time"
)

// threatV21 is the nested threat object of API v2.1.
type threatV21 struct {
	ID                 string             `json:"id"`
	ThreatInfo         threatInfo         `json:"threatInfo"`
	AgentRealtimeInfo  agentRealtimeInfo  `json:"agentRealtimeInfo"`
	AgentDetectionInfo agentDetectionInfo `json:"agentDetectionInfo"`
	MitigationStatus   []mitigationReport `json:"mitigationStatus"`
	Indicators         []any              `json:"indicators"`
	WhiteningOptions   []string           `json:"whiteningOptions"`
}

type threatInfo struct {
	ThreatID              string   `json:"threatId"`
	ThreatName            string   `json:"threatName"`
	SHA1                  string   `json:"sha1"`
	SHA256                string   `json:"sha256"`
	MD5                   string   `json:"md5"`
	FilePath              string   `json:"filePath"`
	Classification        string   `json:"classification"`
	ClassificationSource  string   `json:"classificationSource"`
	ConfidenceLevel       string   `json:"confidenceLevel"`
	MitigationStatus      string   `json:"mitigationStatus"`
	IncidentStatus        string   `json:"incidentStatus"`
	AnalystVerdict        string   `json:"analystVerdict"`
	InitiatedBy           string   `json:"initiatedBy"`
	DetectionType         string   `json:"detectionType"`
	DetectionEngines      []string `json:"detectionEngines"`
	ProcessUser           string   `json:"processUser"`
	PendingActions        bool     `json:"pendingActions"`
	RebootRequired        bool     `json:"rebootRequired"`
	AutomaticallyResolved bool     `json:"automaticallyResolved"`
	CreatedAt             string   `json:"createdAt"`
	UpdatedAt             string   `json:"updatedAt"`
	IdentifiedAt          string   `json:"identifiedAt"`
}

type agentRealtimeInfo struct {
	AgentID               string             `json:"agentId"`
	AgentComputerName     string             `json:"agentComputerName"`
	AgentUUID             string             `json:"agentUuid"`
	AgentDomain           string             `json:"agentDomain"`
	AgentMachineType      string             `json:"agentMachineType"`
	AgentOSType           string             `json:"agentOsType"`
	AgentOSName           string             `json:"agentOsName"`
	AgentVersion          string             `json:"agentVersion"`
	AgentNetworkStatus    string             `json:"agentNetworkStatus"`
	AgentIsActive         bool               `json:"agentIsActive"`
	AgentIsDecommissioned bool               `json:"agentIsDecommissioned"`
	AgentInfected         bool               `json:"agentInfected"`
	ActiveThreats         int                `json:"activeThreats"`
	ScanStatus            string             `json:"scanStatus"`
	SiteID                string             `json:"siteId"`
	SiteName              string             `json:"siteName"`
	GroupID               string             `json:"groupId"`
	GroupName             string             `json:"groupName"`
	AccountID             string             `json:"accountId"`
	AccountName           string             `json:"accountName"`
	NetworkInterfaces     []NetworkInterface `json:"networkInterfaces"`
}

type agentDetectionInfo struct {
	AgentUUID                 string `json:"agentUuid"`
	AgentVersion              string `json:"agentVersion"`
	AgentOSName               string `json:"agentOsName"`
	AgentIPV4                 string `json:"agentIpV4"`
	AgentIPV6                 string `json:"agentIpV6"`
	ExternalIP                string `json:"externalIp"`
	AgentDomain               string `json:"agentDomain"`
	AgentLastLoggedInUserName string `json:"agentLastLoggedInUserName"`
	SiteID                    string `json:"siteId"`
	SiteName                  string `json:"siteName"`
	GroupID                   string `json:"groupId"`
	GroupName                 string `json:"groupName"`
	AccountID                 string `json:"accountId"`
	AgentMitigationMode       string `json:"agentMitigationMode"`
	AgentRegisteredAt         string `json:"agentRegisteredAt"`
}

type mitigationReport struct {
	Action              string `json:"action"`
	Status              string `json:"status"`
	MitigationStartedAt string `json:"mitigationStartedAt"`
	MitigationEndedAt   string `json:"mitigationEndedAt"`
	LastUpdate          string `json:"lastUpdate"`
}

// threatV20 is the flat threat object of API v2.0.
type threatV20 struct {
	ID                    string                  `json:"id"`
	AgentID               string                  `json:"agentId"`
	AgentComputerName     string                  `json:"agentComputerName"`
	AgentOSType           string                  `json:"agentOsType"`
	AgentIP               string                  `json:"agentIp"`
	AgentDomain           string                  `json:"agentDomain"`
	AgentIsActive         bool                    `json:"agentIsActive"`
	AgentIsDecommissioned bool                    `json:"agentIsDecommissioned"`
	AgentInfected         bool                    `json:"agentInfected"`
	AgentNetworkStatus    string                  `json:"agentNetworkStatus"`
	AgentMachineType      string                  `json:"agentMachineType"`
	AgentVersion          string                  `json:"agentVersion"`
	SiteID                string                  `json:"siteId"`
	SiteName              string                  `json:"siteName"`
	AccountID             string                  `json:"accountId"`
	AccountName           string                  `json:"accountName"`
	Classification        string                  `json:"classification"`
	ClassificationSource  string                  `json:"classificationSource"`
	ClassifierName        string                  `json:"classifierName"`
	Engines               []string                `json:"engines"`
	Rank                  int                     `json:"rank"`
	FileContentHash       string                  `json:"fileContentHash"`
	FileSHA256            string                  `json:"fileSha256"`
	FileDisplayName       string                  `json:"fileDisplayName"`
	FilePath              string                  `json:"filePath"`
	MitigationStatus      string                  `json:"mitigationStatus"`
	MitigationMode        string                  `json:"mitigationMode"`
	MitigationReport      map[string]reportStatus `json:"mitigationReport"`
	MarkedAsBenign        bool                    `json:"markedAsBenign"`
	InQuarantine          bool                    `json:"inQuarantine"`
	Resolved              bool                    `json:"resolved"`
	FromCloud             bool                    `json:"fromCloud"`
	FromScan              bool                    `json:"fromScan"`
	InitiatedBy           string                  `json:"initiatedBy"`
	ThreatName            string                  `json:"threatName"`
	Username              string                  `json:"username"`
	Description           string                  `json:"description"`
	CreatedAt             string                  `json:"createdAt"`
	CreatedDate           string                  `json:"createdDate"`
	UpdatedAt             string                  `json:"updatedAt"`
	WhiteningOptions      []string                `json:"whiteningOptions"`
}

type reportStatus struct {
	Status *string `json:"status"`
}

// appliedActions lists the mitigations to report: those applied through the
// API, or a kill (and quarantine) for a threat seeded as mitigated.
func appliedActions(t *Threat) []string {
	if len(t.Actions) > 0 || t.MitigationStatus != "mitigated" {
		return t.Actions
	}
	if t.InQuarantine {
		return []string{"kill", "quarantine"}
	}
	return []string{"kill"}
}

func reports(t *Threat) []mitigationReport {
	out := []mitigationReport{}
	for _, a := range appliedActions(t) {
		out = append(out, mitigationReport{
			Action:              threatMitigations[a].report,
			Status:              "success",
			MitigationStartedAt: t.UpdatedAt,
			MitigationEndedAt:   t.UpdatedAt,
			LastUpdate:          t.UpdatedAt,
		})
	}
	return out
}

func firstOr(s []string, d string) string {
	if len(s) > 0 {
		return s[0]
	}
	return d
}

// renderThreat renders t for version v; a is its agent (zero if gone).
func renderThreat(v string, t *Threat, a *Agent) any {
	var ipv4, ipv6 string
	if len(a.NetworkInterfaces) > 0 {
		ipv4 = firstOr(a.NetworkInterfaces[0].Inet, "")
		ipv6 = firstOr(a.NetworkInterfaces[0].Inet6, "")
	}
	if v == v20 {
		rep := map[string]reportStatus{}
		for _, name := range []string{"kill", "quarantine", "remediate", "rollback", "unquarantine", "network_quarantine"} {
			rep[name] = reportStatus{}
		}
		ok := "success"
		for _, act := range appliedActions(t) {
			rep[threatMitigations[act].report] = reportStatus{Status: &ok}
		}
		return threatV20{
			ID: t.ID, AgentID: t.AgentID, AgentComputerName: a.ComputerName, AgentOSType: a.OSType,
			AgentIP: ipv4, AgentDomain: a.Domain, AgentIsActive: a.IsActive,
			AgentIsDecommissioned: a.IsDecommissioned, AgentInfected: a.Infected,
			AgentNetworkStatus: a.NetworkStatus, AgentMachineType: a.MachineType, AgentVersion: a.AgentVersion,
			SiteID: a.SiteID, SiteName: a.SiteName, AccountID: a.AccountID, AccountName: a.AccountName,
			Classification: t.Classification, ClassificationSource: t.ClassificationSource,
			ClassifierName: "MANUAL", Engines: []string{"SentinelOne Cloud"}, Rank: t.Rank,
			FileContentHash: t.SHA1, FileSHA256: t.SHA256, FileDisplayName: t.Name, FilePath: t.FilePath,
			MitigationStatus: t.MitigationStatus, MitigationMode: a.MitigationMode, MitigationReport: rep,
			MarkedAsBenign: t.MarkedAsBenign, InQuarantine: t.InQuarantine, Resolved: t.Resolved,
			FromCloud: t.ClassificationSource == "Cloud", FromScan: t.FromScan,
			InitiatedBy: camelInitiator(t.InitiatedBy), ThreatName: t.Name, Username: a.LastLoggedInUserName,
			CreatedAt: t.CreatedAt, CreatedDate: t.CreatedAt, UpdatedAt: t.UpdatedAt,
			WhiteningOptions: []string{"hash", "path"},
		}
	}
	return threatV21{
		ID: t.ID,
		ThreatInfo: threatInfo{
			ThreatID: t.ID, ThreatName: t.Name, SHA1: t.SHA1, SHA256: t.SHA256, MD5: t.MD5,
			FilePath: t.FilePath, Classification: t.Classification, ClassificationSource: t.ClassificationSource,
			ConfidenceLevel: t.ConfidenceLevel, MitigationStatus: t.MitigationStatus,
			IncidentStatus: t.IncidentStatus, AnalystVerdict: t.AnalystVerdict, InitiatedBy: t.InitiatedBy,
			DetectionType: "static", DetectionEngines: []string{"sentinelone_cloud"},
			ProcessUser: a.LastLoggedInUserName, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
			IdentifiedAt: t.CreatedAt,
		},
		AgentRealtimeInfo: agentRealtimeInfo{
			AgentID: t.AgentID, AgentComputerName: a.ComputerName, AgentUUID: a.UUID, AgentDomain: a.Domain,
			AgentMachineType: a.MachineType, AgentOSType: a.OSType, AgentOSName: a.OSName,
			AgentVersion: a.AgentVersion, AgentNetworkStatus: a.NetworkStatus, AgentIsActive: a.IsActive,
			AgentIsDecommissioned: a.IsDecommissioned, AgentInfected: a.Infected,
			ActiveThreats: a.ActiveThreats, ScanStatus: a.ScanStatus, SiteID: a.SiteID, SiteName: a.SiteName,
			GroupID: a.GroupID, GroupName: a.GroupName, AccountID: a.AccountID, AccountName: a.AccountName,
			NetworkInterfaces: a.NetworkInterfaces,
		},
		AgentDetectionInfo: agentDetectionInfo{
			AgentUUID: a.UUID, AgentVersion: a.AgentVersion, AgentOSName: a.OSName, AgentIPV4: ipv4,
			AgentIPV6: ipv6, ExternalIP: a.ExternalIP, AgentDomain: a.Domain,
			AgentLastLoggedInUserName: a.LastLoggedInUserName, SiteID: a.SiteID, SiteName: a.SiteName,
			GroupID: a.GroupID, GroupName: a.GroupName, AccountID: a.AccountID,
			AgentMitigationMode: a.MitigationMode, AgentRegisteredAt: a.RegisteredAt,
		},
		MitigationStatus: reports(t),
		Indicators:       []any{},
		WhiteningOptions: []string{"hash", "path"},
	}
}

func (s *Simulator) listThreats(w http.ResponseWriter, r *http.Request, c *call) {
	q := r.URL.Query()
	p, err := parsePage(q, threatCursor)
	if err != nil {
		writeErr(w, err)
		return
	}
	preds, err := compileThreatFilter(queryFilter(q), c.v)
	if err != nil {
		writeErr(w, err)
		return
	}
	s.mu.RLock()
	out, total, next := paginate(s.fleet.threats, threatID, preds, p, threatCursor)
	items := make([]any, len(out))
	for i := range out {
		var a Agent
		if ai, ok := s.fleet.agentIndex[out[i].AgentID]; ok {
			a = s.fleet.agents[ai]
		}
		items[i] = renderThreat(c.v, &out[i], &a)
	}
	s.mu.RUnlock()
	writeList(w, items, total, next)
}

// threatAction parses the body, then applies fn to every matched threat
// under the write lock. It returns the affected count.
func (s *Simulator) threatAction(w http.ResponseWriter, c *call, check func(actionData, bool) error, fn func(*Threat, actionData)) (int, bool) {
	raw, data, hasData, err := parseAction(c.body)
	if err == nil && check != nil {
		err = check(data, hasData)
	}
	var preds []predicate[Threat]
	if err == nil {
		preds, err = compileThreatFilter(raw, c.v)
	}
	if err != nil {
		writeErr(w, err)
		return 0, false
	}
	now := stamp(time.Now())
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for i := range s.fleet.threats {
		t := &s.fleet.threats[i]
		if match(preds, t) {
			fn(t, data)
			t.UpdatedAt = now
			n++
		}
	}
	return n, true
}

func (s *Simulator) mitigate(w http.ResponseWriter, _ *http.Request, c *call) {
	m := threatMitigations[c.arg]
	var details []map[string]any
	n, ok := s.threatAction(w, c, nil, func(t *Threat, _ actionData) {
		t.Actions = append(slices.Clip(t.Actions), c.arg)
		t.MitigationStatus = m.status
		switch c.arg {
		case "quarantine":
			t.InQuarantine = true
		case "un-quarantine":
			t.InQuarantine = false
		}
		details = append(details, map[string]any{
			"threatId": t.ID,
			"skipped":  []any{},
			"reports":  []mitigationReport{{Action: m.report, Status: "success", MitigationStartedAt: t.UpdatedAt, MitigationEndedAt: t.UpdatedAt, LastUpdate: t.UpdatedAt}},
		})
	})
	if !ok {
		return
	}
	if details == nil {
		details = []map[string]any{}
	}
	writeData(w, map[string]any{"affected": n, "details": details})
}

var targetScopes = map[string]bool{"group": true, "site": true, "tenant": true, "account": true, "global": true}

// markAsBenign serves the v2.0-only mark-as-benign action.
func (s *Simulator) markAsBenign(w http.ResponseWriter, _ *http.Request, c *call) {
	check := func(d actionData, _ bool) error {
		if d.TargetScope != "" && !targetScopes[d.TargetScope] {
			return validationf("data.targetScope %q is not valid", d.TargetScope)
		}
		return nil
	}
	n, ok := s.threatAction(w, c, check, func(t *Threat, _ actionData) {
		t.MarkedAsBenign = true
		t.MitigationStatus = "marked_as_benign"
		t.AnalystVerdict = "false_positive"
	})
	if ok {
		writeData(w, map[string]int{"affected": n})
	}
}

// analystVerdict serves the v2.1-only analyst-verdict action.
func (s *Simulator) analystVerdict(w http.ResponseWriter, _ *http.Request, c *call) {
	check := func(d actionData, _ bool) error {
		if !analystVerdicts[d.AnalystVerdict] {
			return validationf("data.analystVerdict must be one of undefined, true_positive, false_positive, suspicious")
		}
		return nil
	}
	details := []map[string]string{}
	n, ok := s.threatAction(w, c, check, func(t *Threat, d actionData) {
		result := "updated"
		if t.AnalystVerdict == d.AnalystVerdict {
			result = "already_set"
		}
		t.AnalystVerdict = d.AnalystVerdict
		t.MarkedAsBenign = d.AnalystVerdict == "false_positive"
		details = append(details, map[string]string{"threatId": t.ID, "result": result})
	})
	if ok {
		writeData(w, map[string]any{"affected": n, "details": details})
	}
}
