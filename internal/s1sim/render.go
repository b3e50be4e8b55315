package s1sim

import (
	"strconv"
	"strings"
)

// threatV21 is the nested threat object of API v2.1.
type threatV21 struct {
	ID                 string             `json:"id"`
	ThreatInfo         threatInfo         `json:"threatInfo"`
	AgentRealtimeInfo  agentRealtimeInfo  `json:"agentRealtimeInfo"`
	AgentDetectionInfo agentDetectionInfo `json:"agentDetectionInfo"`
	MitigationStatus   []mitigationReport `json:"mitigationStatus"`
	Indicators         []indicator        `json:"indicators"`
	WhiteningOptions   []string           `json:"whiteningOptions"`
	ContainerInfo      containerInfo      `json:"containerInfo"`
	KubernetesInfo     kubernetesInfo     `json:"kubernetesInfo"`
}

type detectionEngine struct {
	Key   string `json:"key"`
	Title string `json:"title"`
}

type threatInfo struct {
	ThreatID                    string            `json:"threatId"`
	ThreatName                  string            `json:"threatName"`
	SHA1                        string            `json:"sha1"`
	SHA256                      *string           `json:"sha256"`
	MD5                         *string           `json:"md5"`
	FilePath                    string            `json:"filePath"`
	FileSize                    int               `json:"fileSize"`
	FileExtension               string            `json:"fileExtension"`
	FileExtensionType           string            `json:"fileExtensionType"`
	FileVerificationType        string            `json:"fileVerificationType"`
	IsValidCertificate          bool              `json:"isValidCertificate"`
	CertificateID               string            `json:"certificateId"`
	PublisherName               string            `json:"publisherName"`
	Classification              string            `json:"classification"`
	ClassificationSource        string            `json:"classificationSource"`
	ConfidenceLevel             string            `json:"confidenceLevel"`
	CloudFilesHashVerdict       string            `json:"cloudFilesHashVerdict"`
	MitigationStatus            string            `json:"mitigationStatus"`
	MitigationStatusDescription string            `json:"mitigationStatusDescription"`
	MitigatedPreemptively       bool              `json:"mitigatedPreemptively"`
	IncidentStatus              string            `json:"incidentStatus"`
	IncidentStatusDescription   string            `json:"incidentStatusDescription"`
	AnalystVerdict              string            `json:"analystVerdict"`
	AnalystVerdictDescription   string            `json:"analystVerdictDescription"`
	InitiatedBy                 string            `json:"initiatedBy"`
	InitiatedByDescription      string            `json:"initiatedByDescription"`
	InitiatingUserID            *string           `json:"initiatingUserId"`
	InitiatingUsername          *string           `json:"initiatingUsername"`
	DetectionType               string            `json:"detectionType"`
	Engines                     []string          `json:"engines"`
	DetectionEngines            []detectionEngine `json:"detectionEngines"`
	Storyline                   string            `json:"storyline"`
	CollectionID                string            `json:"collectionId"`
	OriginatorProcess           *string           `json:"originatorProcess"`
	MaliciousProcessArguments   *string           `json:"maliciousProcessArguments"`
	IsFileless                  bool              `json:"isFileless"`
	BrowserType                 *string           `json:"browserType"`
	MacroModules                []any             `json:"macroModules"`
	ProcessUser                 string            `json:"processUser"`
	ReachedEventsLimit          bool              `json:"reachedEventsLimit"`
	PendingActions              bool              `json:"pendingActions"`
	FailedActions               bool              `json:"failedActions"`
	RebootRequired              bool              `json:"rebootRequired"`
	AutomaticallyResolved       bool              `json:"automaticallyResolved"`
	ExternalTicketExists        bool              `json:"externalTicketExists"`
	ExternalTicketID            *string           `json:"externalTicketId"`
	CreatedAt                   string            `json:"createdAt"`
	UpdatedAt                   string            `json:"updatedAt"`
	IdentifiedAt                string            `json:"identifiedAt"`
}

type threatNIC struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Physical string   `json:"physical"`
	Inet     []string `json:"inet"`
	Inet6    []string `json:"inet6"`
}

type agentRealtimeInfo struct {
	AgentID               string      `json:"agentId"`
	AgentComputerName     string      `json:"agentComputerName"`
	AgentUUID             string      `json:"agentUuid"`
	AgentDomain           string      `json:"agentDomain"`
	AgentMachineType      string      `json:"agentMachineType"`
	AgentOSType           string      `json:"agentOsType"`
	AgentOSName           string      `json:"agentOsName"`
	AgentOSRevision       string      `json:"agentOsRevision"`
	AgentVersion          string      `json:"agentVersion"`
	AgentMitigationMode   string      `json:"agentMitigationMode"`
	AgentNetworkStatus    string      `json:"agentNetworkStatus"`
	AgentIsActive         bool        `json:"agentIsActive"`
	AgentIsDecommissioned bool        `json:"agentIsDecommissioned"`
	AgentDecommissionedAt *bool       `json:"agentDecommissionedAt"`
	AgentInfected         bool        `json:"agentInfected"`
	ActiveThreats         int         `json:"activeThreats"`
	RebootRequired        bool        `json:"rebootRequired"`
	OperationalState      string      `json:"operationalState"`
	UserActionsNeeded     []string    `json:"userActionsNeeded"`
	ScanStatus            string      `json:"scanStatus"`
	ScanStartedAt         *string     `json:"scanStartedAt"`
	ScanFinishedAt        *string     `json:"scanFinishedAt"`
	ScanAbortedAt         *string     `json:"scanAbortedAt"`
	StorageName           *string     `json:"storageName"`
	StorageType           *string     `json:"storageType"`
	SiteID                string      `json:"siteId"`
	SiteName              string      `json:"siteName"`
	GroupID               string      `json:"groupId"`
	GroupName             string      `json:"groupName"`
	AccountID             string      `json:"accountId"`
	AccountName           string      `json:"accountName"`
	NetworkInterfaces     []threatNIC `json:"networkInterfaces"`
}

type agentDetectionInfo struct {
	AgentUUID                 string         `json:"agentUuid"`
	AgentVersion              string         `json:"agentVersion"`
	AgentOSName               string         `json:"agentOsName"`
	AgentOSRevision           string         `json:"agentOsRevision"`
	AgentIPV4                 string         `json:"agentIpV4"`
	AgentIPV6                 string         `json:"agentIpV6"`
	ExternalIP                string         `json:"externalIp"`
	AgentDomain               string         `json:"agentDomain"`
	AgentLastLoggedInUserName string         `json:"agentLastLoggedInUserName"`
	AgentLastLoggedInUserMail *string        `json:"agentLastLoggedInUserMail"`
	AgentLastLoggedInUpn      *string        `json:"agentLastLoggedInUpn"`
	AgentMitigationMode       string         `json:"agentMitigationMode"`
	AgentDetectionState       *string        `json:"agentDetectionState"`
	AgentRegisteredAt         string         `json:"agentRegisteredAt"`
	CloudProviders            map[string]any `json:"cloudProviders"`
	SiteID                    string         `json:"siteId"`
	SiteName                  string         `json:"siteName"`
	GroupID                   string         `json:"groupId"`
	GroupName                 string         `json:"groupName"`
	AccountID                 string         `json:"accountId"`
	AccountName               string         `json:"accountName"`
}

type actionsCounters struct {
	Failed        int `json:"failed"`
	NotFound      int `json:"notFound"`
	PendingReboot int `json:"pendingReboot"`
	Success       int `json:"success"`
	Total         int `json:"total"`
}

type mitigationReport struct {
	Action              string           `json:"action"`
	Status              string           `json:"status"`
	ActionsCounters     *actionsCounters `json:"actionsCounters"`
	AgentSupportsReport bool             `json:"agentSupportsReport"`
	GroupNotFound       bool             `json:"groupNotFound"`
	ReportID            *string          `json:"reportId"`
	LatestReport        *string          `json:"latestReport"`
	MitigationStartedAt string           `json:"mitigationStartedAt"`
	MitigationEndedAt   string           `json:"mitigationEndedAt"`
	LastUpdate          string           `json:"lastUpdate"`
}

// containerInfo is all null outside containers, as recorded.
type containerInfo struct {
	ID                    *string  `json:"id"`
	Image                 *string  `json:"image"`
	Labels                []string `json:"labels"`
	Name                  *string  `json:"name"`
	IsContainerQuarantine *bool    `json:"isContainerQuarantine"`
}

// kubernetesInfo is all null outside Kubernetes, as recorded.
type kubernetesInfo struct {
	Cluster               *string  `json:"cluster"`
	ControllerKind        *string  `json:"controllerKind"`
	ControllerLabels      []string `json:"controllerLabels"`
	ControllerName        *string  `json:"controllerName"`
	Namespace             *string  `json:"namespace"`
	NamespaceLabels       []string `json:"namespaceLabels"`
	Node                  *string  `json:"node"`
	NodeLabels            []string `json:"nodeLabels"`
	Pod                   *string  `json:"pod"`
	PodLabels             []string `json:"podLabels"`
	IsContainerQuarantine *bool    `json:"isContainerQuarantine"`
}

var descriptions = map[string]string{
	"undefined": "Undefined", "true_positive": "True positive", "false_positive": "False positive",
	"suspicious": "Suspicious", "unresolved": "Unresolved", "in_progress": "In progress", "resolved": "Resolved",
	"not_mitigated": "Not mitigated", "mitigated": "Mitigated", "marked_as_benign": "Marked as benign",
	"agent_policy": "Agent Policy", "full_disk_scan": "Full Disk Scan", "on_demand_scan": "On-Demand Scan",
	"console_api": "Console API",
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

// report renders the n-th mitigation of t. Its report id is derived from
// the threat id and n, so it is stable across calls.
func report(t *Threat, n int, action string) mitigationReport {
	id := t.ID[:len(t.ID)-3] + strconv.Itoa(n%10) + "00"
	url := "/web/api/v2.1/threats/mitigation-report/" + id
	return mitigationReport{
		Action:              threatMitigations[action].report,
		Status:              "success",
		ActionsCounters:     &actionsCounters{Success: 1, Total: 1},
		AgentSupportsReport: true,
		ReportID:            &id,
		LatestReport:        &url,
		MitigationStartedAt: t.UpdatedAt,
		MitigationEndedAt:   t.UpdatedAt,
		LastUpdate:          t.UpdatedAt,
	}
}

func reports(t *Threat) []mitigationReport {
	out := []mitigationReport{}
	for i, a := range appliedActions(t) {
		out = append(out, report(t, i, a))
	}
	return out
}

func firstOr(s []string, d string) string {
	if len(s) > 0 {
		return s[0]
	}
	return d
}

// nonEmpty is s, or null when s is empty.
func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func boolPtr(b bool) *bool { return &b }

// initiator is the console user behind a console_api threat.
func initiator(t *Threat) (id, name *string) {
	if t.InitiatedBy != "console_api" {
		return nil, nil
	}
	return strPtr("1100000000000000001"), strPtr(AdminUser)
}

func processUser(a *Agent) string {
	if a.OSType == "windows" {
		return a.ComputerName + `\` + a.LastLoggedInUserName
	}
	return a.LastLoggedInUserName
}

func whitening(t *Threat) []string {
	if t.detail.publisher != "" {
		return []string{"certificate", "hash", "path"}
	}
	return []string{"hash", "path"}
}

func renderIndicators(t *Threat) []indicator {
	out := make([]indicator, 0, len(t.detail.indicators))
	for _, k := range t.detail.indicators {
		out = append(out, indicatorCatalog[k])
	}
	return out
}

func renderContainer(t *Threat, a *Agent) (containerInfo, kubernetesInfo) {
	d := &t.detail
	if d.container == "" {
		return containerInfo{}, kubernetesInfo{}
	}
	pod := "web-" + d.podKey
	node := strings.ToLower(a.ComputerName)
	return containerInfo{
			ID: strPtr(strings.ToLower(d.container)), Image: strPtr("registry.corp.example/web:1.4." + d.podKey[:1]),
			Labels: []string{"app=web"}, Name: strPtr("k8s_web_" + pod), IsContainerQuarantine: boolPtr(false),
		}, kubernetesInfo{
			Cluster: strPtr(a.Cluster), ControllerKind: strPtr("Deployment"), ControllerLabels: []string{"app=web"},
			ControllerName: strPtr("web"), Namespace: strPtr("shop"), NamespaceLabels: []string{"team=shop"},
			Node: strPtr(node), NodeLabels: []string{"kubernetes.io/os=linux"}, Pod: strPtr(pod),
			PodLabels: []string{"app=web"}, IsContainerQuarantine: boolPtr(false),
		}
}

// renderV21 renders t nested, as API v2.1 does; a is its agent (zero if gone).
func renderV21(t *Threat, a *Agent) threatV21 {
	d := &t.detail
	var ipv4, ipv6 string
	nics := make([]threatNIC, 0, len(a.NetworkInterfaces))
	for _, n := range a.NetworkInterfaces {
		nics = append(nics, threatNIC{ID: n.ID, Name: n.Name, Physical: n.Physical, Inet: n.Inet, Inet6: n.Inet6})
	}
	if len(a.NetworkInterfaces) > 0 {
		ipv4 = firstOr(a.NetworkInterfaces[0].Inet, "")
		ipv6 = firstOr(a.NetworkInterfaces[0].Inet6, "")
	}
	var decomAt *bool
	if a.IsDecommissioned {
		decomAt = boolPtr(true)
	}
	userID, userName := initiator(t)
	ci, ki := renderContainer(t, a)
	return threatV21{
		ID: t.ID,
		ThreatInfo: threatInfo{
			ThreatID: t.ID, ThreatName: t.Name, SHA1: t.SHA1, SHA256: &t.SHA256, MD5: &t.MD5,
			FilePath: t.FilePath, FileSize: d.fileSize, FileExtension: d.extension, FileExtensionType: d.extensionType,
			FileVerificationType: d.verification, IsValidCertificate: d.verification == "SignedVerified",
			CertificateID: d.publisher, PublisherName: d.publisher,
			Classification: t.Classification, ClassificationSource: t.ClassificationSource,
			ConfidenceLevel: t.ConfidenceLevel, CloudFilesHashVerdict: d.cloudVerdict,
			MitigationStatus: t.MitigationStatus, MitigationStatusDescription: descriptions[t.MitigationStatus],
			MitigatedPreemptively: d.preemptive,
			IncidentStatus:        t.IncidentStatus, IncidentStatusDescription: descriptions[t.IncidentStatus],
			AnalystVerdict: t.AnalystVerdict, AnalystVerdictDescription: descriptions[t.AnalystVerdict],
			InitiatedBy: t.InitiatedBy, InitiatedByDescription: descriptions[t.InitiatedBy],
			InitiatingUserID: userID, InitiatingUsername: userName,
			DetectionType: d.engine.detectionType, Engines: []string{d.engine.title},
			DetectionEngines: []detectionEngine{{Key: d.engine.key, Title: d.engine.title}},
			Storyline:        t.Storyline, CollectionID: d.collectionID, OriginatorProcess: nonEmpty(d.originator),
			MaliciousProcessArguments: nonEmpty(d.cmdline), IsFileless: d.fileless, MacroModules: []any{},
			BrowserType: nonEmpty(d.browser), ExternalTicketExists: d.ticket != "", ExternalTicketID: nonEmpty(d.ticket),
			ProcessUser: processUser(a), CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, IdentifiedAt: d.identifiedAt,
		},
		AgentRealtimeInfo: agentRealtimeInfo{
			AgentID: t.AgentID, AgentComputerName: a.ComputerName, AgentUUID: a.UUID, AgentDomain: a.Domain,
			AgentMachineType: a.MachineType, AgentOSType: a.OSType, AgentOSName: a.OSName, AgentOSRevision: a.OSRevision,
			AgentVersion: a.AgentVersion, AgentMitigationMode: a.MitigationMode, AgentNetworkStatus: a.NetworkStatus,
			AgentIsActive: a.IsActive, AgentIsDecommissioned: a.IsDecommissioned, AgentDecommissionedAt: decomAt,
			AgentInfected: a.Infected, ActiveThreats: a.ActiveThreats, RebootRequired: a.ThreatRebootRequired,
			OperationalState: a.OperationalState, UserActionsNeeded: a.UserActionsNeeded,
			ScanStatus: a.ScanStatus, ScanStartedAt: a.ScanStartedAt, ScanFinishedAt: a.ScanFinishedAt,
			ScanAbortedAt: a.ScanAbortedAt, StorageName: a.StorageName, StorageType: a.StorageType,
			SiteID: a.SiteID, SiteName: a.SiteName, GroupID: a.GroupID, GroupName: a.GroupName,
			AccountID: a.AccountID, AccountName: a.AccountName, NetworkInterfaces: nics,
		},
		AgentDetectionInfo: agentDetectionInfo{
			AgentUUID: a.UUID, AgentVersion: a.AgentVersion, AgentOSName: a.OSName, AgentOSRevision: a.OSRevision,
			AgentIPV4: ipv4, AgentIPV6: ipv6, ExternalIP: a.ExternalIP, AgentDomain: a.Domain,
			AgentLastLoggedInUserName: a.LastLoggedInUserName, AgentLastLoggedInUserMail: a.ActiveDirectory.Mail,
			AgentLastLoggedInUpn: a.ActiveDirectory.UserPrincipalName, AgentMitigationMode: a.MitigationMode,
			AgentDetectionState: a.DetectionState, AgentRegisteredAt: a.RegisteredAt, CloudProviders: a.CloudProviders,
			SiteID: a.SiteID, SiteName: a.SiteName, GroupID: a.GroupID, GroupName: a.GroupName,
			AccountID: a.AccountID, AccountName: a.AccountName,
		},
		MitigationStatus: reports(t),
		Indicators:       renderIndicators(t),
		WhiteningOptions: whitening(t),
		ContainerInfo:    ci,
		KubernetesInfo:   ki,
	}
}
