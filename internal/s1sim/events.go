package s1sim

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Event is one Deep Visibility event of the synthetic store, with the keys GET /dv/events
// returns. The store is derived from the fleet: each agent has a process, a file, a network
// (ip) and a DNS event, and each threat adds a process event running the threat's file.
type Event struct {
	ID                    string `json:"id"`
	AgentID               string `json:"agentId"`
	AgentName             string `json:"agentName"`
	AgentUUID             string `json:"agentUuid"`
	AgentOS               string `json:"agentOs"`
	AgentVersion          string `json:"agentVersion"`
	AgentDomain           string `json:"agentDomain"`
	AgentIP               string `json:"agentIp"`
	AgentGroupID          string `json:"agentGroupId"`
	AgentMachineType      string `json:"agentMachineType"`
	AgentNetworkStatus    string `json:"agentNetworkStatus"`
	AgentIsActive         bool   `json:"agentIsActive"`
	AgentInfected         bool   `json:"agentInfected"`
	AgentIsDecommissioned bool   `json:"agentIsDecommissioned"`
	SiteName              string `json:"siteName"`
	EventType             string `json:"eventType"`
	ObjectType            string `json:"objectType"`
	CreatedAt             string `json:"createdAt"`
	User                  string `json:"user"`
	ProcessName           string `json:"processName"`
	ProcessCmd            string `json:"processCmd"`
	ProcessImageSha1Hash  string `json:"processImageSha1Hash"`
	Pid                   string `json:"pid"`
	FileFullName          string `json:"fileFullName"`
	FileSha1              string `json:"fileSha1"`
	SHA1                  string `json:"sha1"`
	SrcIP                 string `json:"srcIp"`
	DstIP                 string `json:"dstIp"`
	DstPort               int    `json:"dstPort"`
	DNSRequest            string `json:"dnsRequest"`
	DNSResponse           string `json:"dnsResponse"`
}

// queryFields maps the Deep Visibility query fields the simulator understands (matched
// case-insensitively) to the event's values. The documented subset of the language:
// clauses `Field = "v"`, `Field != "v"`, `Field contains "v"`, `Field in ("a","b")`,
// joined by AND; values quoted with double quotes, matched case-insensitively.
var queryFields = map[string]func(e *Event) string{
	"eventtype": func(e *Event) string { return e.EventType }, "objecttype": func(e *Event) string { return e.ObjectType },
	"agentname": func(e *Event) string { return e.AgentName }, "endpointname": func(e *Event) string { return e.AgentName },
	"agentuuid": func(e *Event) string { return e.AgentUUID }, "agentos": func(e *Event) string { return e.AgentOS },
	"srcprocname": func(e *Event) string { return e.ProcessName }, "processname": func(e *Event) string { return e.ProcessName },
	"srcproccmdline": func(e *Event) string { return e.ProcessCmd }, "srcprocimagesha1": func(e *Event) string { return e.ProcessImageSha1Hash },
	"sha1": func(e *Event) string { return e.SHA1 }, "tgtfilesha1": func(e *Event) string { return e.FileSha1 },
	"tgtfilepath": func(e *Event) string { return e.FileFullName }, "filefullname": func(e *Event) string { return e.FileFullName },
	"dstip": func(e *Event) string { return e.DstIP }, "dstport": func(e *Event) string { return strconv.Itoa(e.DstPort) },
	"srcip": func(e *Event) string { return e.SrcIP }, "dnsrequest": func(e *Event) string { return e.DNSRequest },
	"user": func(e *Event) string { return e.User },
}

var clauseRE = regexp.MustCompile(`(?i)^\s*([A-Za-z0-9.]+)\s*(=|!=|\bcontains\b|\bin\b)\s*(.+?)\s*$`)
var andRE = regexp.MustCompile(`(?i)\s+and\s+`)

// compileQuery parses the simulator's subset of the Deep Visibility query language.
func compileQuery(q string) (func(*Event) bool, error) {
	var preds []func(*Event) bool
	for _, clause := range andRE.Split(strings.TrimSpace(q), -1) {
		m := clauseRE.FindStringSubmatch(clause)
		if m == nil {
			return nil, validationf("query: cannot parse %q (the simulator understands Field = \"v\", !=, contains, in (…) joined by AND)", clause)
		}
		get, ok := queryFields[strings.ToLower(m[1])]
		if !ok {
			return nil, validationf("query: unknown field %q", m[1])
		}
		op := strings.ToLower(m[2])
		vals, err := queryValues(m[3], op == "in")
		if err != nil {
			return nil, err
		}
		preds = append(preds, func(e *Event) bool {
			v := strings.ToLower(get(e))
			switch op {
			case "=":
				return v == vals[0] || strings.Contains(" "+v+" ", " "+vals[0]+" ")
			case "!=":
				return v != vals[0]
			case "contains":
				return strings.Contains(v, vals[0])
			}
			for _, want := range vals {
				if v == want {
					return true
				}
			}
			return false
		})
	}
	return func(e *Event) bool {
		for _, p := range preds {
			if !p(e) {
				return false
			}
		}
		return true
	}, nil
}

func queryValues(s string, list bool) ([]string, error) {
	s = strings.TrimSpace(s)
	if list {
		if !strings.HasPrefix(s, "(") || !strings.HasSuffix(s, ")") {
			return nil, validationf("query: in takes a list in parentheses, got %s", s)
		}
		var out []string
		for _, part := range strings.Split(s[1:len(s)-1], ",") {
			v, err := strconv.Unquote(strings.TrimSpace(part))
			if err != nil {
				return nil, validationf("query: %s is not a quoted value", part)
			}
			out = append(out, strings.ToLower(v))
		}
		return out, nil
	}
	v, err := strconv.Unquote(s)
	if err != nil {
		return nil, validationf("query: %s is not a quoted value", s)
	}
	return []string{strings.ToLower(v)}, nil
}

// events derives the event store from the fleet; callers hold mu.
func (s *Simulator) events() []Event {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var out []Event
	n := 0
	add := func(a *Agent, e Event, at time.Time) {
		n++
		e.ID = strconv.FormatUint(1700000000000000000+uint64(n), 10)
		e.AgentID, e.AgentName, e.AgentUUID, e.AgentOS = a.ID, a.ComputerName, a.UUID, a.OSType
		e.AgentVersion, e.AgentDomain, e.AgentIP, e.AgentGroupID = a.AgentVersion, a.Domain, a.LastIPToMgmt, a.GroupID
		e.AgentMachineType, e.AgentNetworkStatus = a.MachineType, a.NetworkStatus
		e.AgentIsActive, e.AgentInfected, e.AgentIsDecommissioned = a.IsActive, a.Infected, a.IsDecommissioned
		e.SiteName, e.CreatedAt, e.User = a.SiteName, stamp(at), a.LastLoggedInUserName
		out = append(out, e)
	}
	for i := range s.fleet.agents {
		a := &s.fleet.agents[i]
		at := base.Add(time.Duration(i) * time.Minute)
		proc := "explorer.exe"
		if a.OSType != "windows" {
			proc = "bash"
		}
		psha := fakeSHA1(proc)
		add(a, Event{EventType: "Process Creation", ObjectType: "process", ProcessName: proc,
			ProcessCmd: proc, ProcessImageSha1Hash: psha, SHA1: psha, Pid: strconv.Itoa(1000 + i)}, at)
		fsha := fakeSHA1(fmt.Sprint("file", i))
		add(a, Event{EventType: "File Creation", ObjectType: "file", ProcessName: proc,
			FileFullName: fmt.Sprintf("/tmp/report-%d.txt", i), FileSha1: fsha, SHA1: fsha}, at.Add(time.Second))
		add(a, Event{EventType: "IP Connect", ObjectType: "ip", ProcessName: proc, SrcIP: a.LastIPToMgmt,
			DstIP: fmt.Sprintf("203.0.113.%d", i%250+1), DstPort: 443}, at.Add(2*time.Second))
		add(a, Event{EventType: "DNS Resolved", ObjectType: "dns", ProcessName: proc,
			DNSRequest: fmt.Sprintf("host%d.example.com", i%7), DNSResponse: fmt.Sprintf("203.0.113.%d", i%250+1)}, at.Add(3*time.Second))
	}
	for i := range s.fleet.threats {
		t := &s.fleet.threats[i]
		if ai, ok := s.fleet.agentIndex[t.AgentID]; ok {
			name := t.Name
			add(&s.fleet.agents[ai], Event{EventType: "Process Creation", ObjectType: "process", ProcessName: name,
				ProcessCmd: t.FilePath, ProcessImageSha1Hash: t.SHA1, SHA1: t.SHA1, FileFullName: t.FilePath,
				FileSha1: t.SHA1, Pid: strconv.Itoa(5000 + i)}, base.Add(time.Duration(i)*time.Hour))
		}
	}
	return out
}

func fakeSHA1(s string) string {
	h := sha1.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}
