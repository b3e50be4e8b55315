package s1sim

import "strings"

// threatV20 is the flat threat object of API v2.0.
type threatV20 struct {
	ID                        string                  `json:"id"`
	AgentID                   string                  `json:"agentId"`
	AgentComputerName         string                  `json:"agentComputerName"`
	AgentOSType               string                  `json:"agentOsType"`
	AgentIP                   string                  `json:"agentIp"`
	AgentDomain               string                  `json:"agentDomain"`
	AgentIsActive             bool                    `json:"agentIsActive"`
	AgentIsDecommissioned     bool                    `json:"agentIsDecommissioned"`
	AgentInfected             bool                    `json:"agentInfected"`
	AgentNetworkStatus        string                  `json:"agentNetworkStatus"`
	AgentMachineType          string                  `json:"agentMachineType"`
	AgentVersion              string                  `json:"agentVersion"`
	ThreatAgentVersion        string                  `json:"threatAgentVersion"`
	SiteID                    string                  `json:"siteId"`
	SiteName                  string                  `json:"siteName"`
	AccountID                 string                  `json:"accountId"`
	AccountName               string                  `json:"accountName"`
	Annotation                *string                 `json:"annotation"`
	AutomaticallyResolved     bool                    `json:"automaticallyResolved"`
	BrowserType               *string                 `json:"browserType"`
	CertID                    string                  `json:"certId"`
	IsCertValid               bool                    `json:"isCertValid"`
	Publisher                 string                  `json:"publisher"`
	Classification            string                  `json:"classification"`
	ClassificationSource      string                  `json:"classificationSource"`
	ClassifierName            string                  `json:"classifierName"`
	CloudVerdict              string                  `json:"cloudVerdict"`
	CollectionID              string                  `json:"collectionId"`
	CommandID                 *string                 `json:"commandId"`
	Engines                   []string                `json:"engines"`
	Rank                      int                     `json:"rank"`
	ExternalTicketID          *string                 `json:"external_ticket_id"`
	FileContentHash           string                  `json:"fileContentHash"`
	FileSHA256                *string                 `json:"fileSha256"`
	FileCreatedDate           *string                 `json:"fileCreatedDate"`
	FileDisplayName           string                  `json:"fileDisplayName"`
	FileExtensionType         string                  `json:"fileExtensionType"`
	FileIsDotNet              *bool                   `json:"fileIsDotNet"`
	FileIsExecutable          bool                    `json:"fileIsExecutable"`
	FileIsSystem              bool                    `json:"fileIsSystem"`
	FileMaliciousContent      *string                 `json:"fileMaliciousContent"`
	FileObjectID              string                  `json:"fileObjectId"`
	FilePath                  string                  `json:"filePath"`
	FileVerificationType      string                  `json:"fileVerificationType"`
	Indicators                []int                   `json:"indicators"`
	IsInteractiveSession      bool                    `json:"isInteractiveSession"`
	IsPartialStory            bool                    `json:"isPartialStory"`
	MaliciousGroupID          string                  `json:"maliciousGroupId"`
	MaliciousProcessArguments *string                 `json:"maliciousProcessArguments"`
	MitigationStatus          string                  `json:"mitigationStatus"`
	MitigationMode            string                  `json:"mitigationMode"`
	MitigationReport          map[string]reportStatus `json:"mitigationReport"`
	MarkedAsBenign            bool                    `json:"markedAsBenign"`
	InQuarantine              bool                    `json:"inQuarantine"`
	Resolved                  bool                    `json:"resolved"`
	FromCloud                 bool                    `json:"fromCloud"`
	FromScan                  bool                    `json:"fromScan"`
	InitiatedBy               string                  `json:"initiatedBy"`
	InitiatedByDescription    string                  `json:"initiatedByDescription"`
	InitiatingUserID          *string                 `json:"initiatingUserId"`
	ThreatName                string                  `json:"threatName"`
	Username                  string                  `json:"username"`
	Description               string                  `json:"description"`
	CreatedAt                 string                  `json:"createdAt"`
	CreatedDate               string                  `json:"createdDate"`
	UpdatedAt                 string                  `json:"updatedAt"`
	WhiteningOptions          []string                `json:"whiteningOptions"`
}

type reportStatus struct {
	Status *string `json:"status"`
}

// description is the v2.0 one-line summary of a threat.
func description(t *Threat) string {
	state := "not mitigated yet"
	if t.MitigationStatus == "mitigated" {
		state = "mitigated"
	}
	return strings.ToLower(t.Classification) + " detected - " + state + " (" + t.detail.engine.detectionType + " engine)"
}

// renderV20 renders t flat, as API v2.0 does; a is its agent (zero if gone).
func renderV20(t *Threat, a *Agent) threatV20 {
	d := &t.detail
	rep := map[string]reportStatus{}
	for _, name := range []string{"kill", "quarantine", "remediate", "rollback", "unquarantine", "network_quarantine"} {
		rep[name] = reportStatus{}
	}
	ok := "success"
	for _, act := range appliedActions(t) {
		rep[threatMitigations[act].report] = reportStatus{Status: &ok}
	}
	var ipv4 string
	if len(a.NetworkInterfaces) > 0 {
		ipv4 = firstOr(a.NetworkInterfaces[0].Inet, "")
	}
	ind := make([]int, 0, len(d.indicators))
	for _, k := range d.indicators {
		ind = append(ind, indicatorCatalog[k].IDs...)
	}
	userID, _ := initiator(t)
	return threatV20{
		ID: t.ID, AgentID: t.AgentID, AgentComputerName: a.ComputerName, AgentOSType: a.OSType,
		AgentIP: ipv4, AgentDomain: a.Domain, AgentIsActive: a.IsActive,
		AgentIsDecommissioned: a.IsDecommissioned, AgentInfected: a.Infected,
		AgentNetworkStatus: a.NetworkStatus, AgentMachineType: a.MachineType, AgentVersion: a.AgentVersion,
		ThreatAgentVersion: a.AgentVersion,
		SiteID:             a.SiteID, SiteName: a.SiteName, AccountID: a.AccountID, AccountName: a.AccountName,
		BrowserType: nonEmpty(d.browser), ExternalTicketID: nonEmpty(d.ticket),
		CertID: d.publisher, IsCertValid: d.verification == "SignedVerified", Publisher: d.publisher,
		Classification: t.Classification, ClassificationSource: t.ClassificationSource,
		ClassifierName: strings.ToUpper(d.engine.detectionType), CloudVerdict: d.cloudVerdict,
		CollectionID: d.collectionID, Engines: []string{d.engine.key}, Rank: t.Rank,
		FileContentHash: t.SHA1, FileSHA256: &t.SHA256, FileDisplayName: t.Name,
		FileExtensionType: d.extensionType, FileIsExecutable: d.extensionType == "Executable",
		FileObjectID: d.fileObjectID, FilePath: t.FilePath, FileVerificationType: d.verification,
		Indicators: ind, MaliciousGroupID: t.Storyline, MaliciousProcessArguments: nonEmpty(d.cmdline),
		MitigationStatus: t.MitigationStatus, MitigationMode: a.MitigationMode, MitigationReport: rep,
		MarkedAsBenign: t.MarkedAsBenign, InQuarantine: t.InQuarantine, Resolved: t.Resolved,
		FromCloud: t.ClassificationSource == "Cloud", FromScan: t.FromScan,
		InitiatedBy: camelInitiator(t.InitiatedBy), InitiatedByDescription: descriptions[t.InitiatedBy],
		InitiatingUserID: userID, ThreatName: t.Name, Username: processUser(a), Description: description(t),
		CreatedAt: t.CreatedAt, CreatedDate: d.identifiedAt, UpdatedAt: t.UpdatedAt,
		WhiteningOptions: whitening(t),
	}
}

// renderThreat renders t for version v; a is its agent (zero if gone).
func renderThreat(v string, t *Threat, a *Agent) any {
	if v == v20 {
		return renderV20(t, a)
	}
	return renderV21(t, a)
}
