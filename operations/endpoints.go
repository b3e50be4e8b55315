package operations

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// Kinds of endpoint identifier, recognised from the entry's form.
const (
	kindHostname = "hostname"
	kindIP       = "ip"
	kindMAC      = "mac"
	kindUUID     = "uuid"
)

var (
	macForm  = regexp.MustCompile(`^(?i)[0-9a-f]{2}([:-][0-9a-f]{2}){5}$`)
	uuidForm = regexp.MustCompile(`^(?i)([0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`)
)

// endpointKind recognises an entry: a MAC (six hex pairs), an IPv4 or IPv6 address, an
// agent UUID (32 hex digits, with or without dashes), else a hostname.
func endpointKind(entry string) string {
	switch {
	case macForm.MatchString(entry):
		return kindMAC
	case isAddr(entry):
		return kindIP
	case uuidForm.MatchString(entry):
		return kindUUID
	}
	return kindHostname
}

func isAddr(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

// resolution is how one entry of endpoints resolved.
type resolution struct {
	Endpoint     string `json:"endpoint"`
	Kind         string `json:"kind"`
	AgentID      string `json:"agent_id"`
	ComputerName string `json:"computerName"`
	MatchedBy    string `json:"matched_by"` // the agent field that matched
}

// candidate is an agent an entry may name, as the refusal lists it.
type candidate struct {
	ID               string `json:"id"`
	ComputerName     string `json:"computerName"`
	LastActiveDate   string `json:"lastActiveDate"`
	IsDecommissioned bool   `json:"isDecommissioned"`
	matchedBy        string
}

func (c candidate) String() string {
	s := fmt.Sprintf("%s (%s, last seen %s)", c.ID, c.ComputerName, cmpOr(c.LastActiveDate, "never"))
	if c.IsDecommissioned {
		s += " decommissioned"
	}
	return s
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// endpointAgent is what resolution reads of an agent.
type endpointAgent struct {
	candidate
	UUID              string `json:"uuid"`
	ExternalIP        string `json:"externalIp"`
	NetworkInterfaces []struct {
		Physical string   `json:"physical"`
		Inet     []string `json:"inet"`
		Inet6    []string `json:"inet6"`
	} `json:"networkInterfaces"`
}

// matches reports whether a names entry of kind exactly, and by which field. SentinelOne's
// filters only find the candidates (substrings); this decides.
func (a *endpointAgent) matches(kind, entry string) (string, bool) {
	switch kind {
	case kindHostname:
		return "computerName", strings.EqualFold(a.ComputerName, entry)
	case kindUUID:
		return "uuid", normUUID(a.UUID) == normUUID(entry)
	case kindMAC:
		for _, n := range a.NetworkInterfaces {
			if n.Physical != "" && normMAC(n.Physical) == normMAC(entry) {
				return "networkInterfaces.physical", true
			}
		}
	case kindIP:
		want, _ := netip.ParseAddr(entry)
		for _, n := range a.NetworkInterfaces {
			for _, s := range append(slices.Clone(n.Inet), n.Inet6...) {
				if ip, err := netip.ParseAddr(s); err == nil && ip.Unmap() == want.Unmap() {
					return "networkInterfaces.inet", true
				}
			}
		}
		if ip, err := netip.ParseAddr(a.ExternalIP); err == nil && ip.Unmap() == want.Unmap() {
			return "externalIp", true
		}
	}
	return "", false
}

func normUUID(s string) string { return strings.ToLower(strings.ReplaceAll(s, "-", "")) }
func normMAC(s string) string  { return strings.ToLower(strings.ReplaceAll(s, "-", ":")) }

// candidateFilters are the SentinelOne filters that find the candidates of an entry: for an
// address, one for the internal interfaces and one for the external IP.
func candidateFilters(kind, entry string, base sentinelone.AgentFilter) []sentinelone.AgentFilter {
	f := base
	switch kind {
	case kindHostname:
		f.ComputerNameLike = entry
	case kindUUID:
		f.UUIDs = []string{entry}
	case kindMAC:
		f.PhysicalContains = []string{normMAC(entry)} // consoles write MACs lower case with colons
	case kindIP:
		ext := base
		ext.ExternalIPContains = []string{entry}
		f.InetContains = []string{entry}
		return []sentinelone.AgentFilter{f, ext}
	}
	return []sentinelone.AgentFilter{f}
}

// resolveEndpoints resolves every entry to exactly one agent among those base selects
// (base carries the call's sites, accounts and groups, and the pinned scope applies below
// it). Decommissioned agents are candidates only when wantDecommissioned says so; an entry
// that names only decommissioned agents is refused as such. The call is refused naming every
// unknown or ambiguous entry with its candidates.
func resolveEndpoints(ctx context.Context, client *sentinelone.Client, entries []string, base sentinelone.AgentFilter,
	wantDecommissioned func(bool) bool) ([]resolution, error) {
	base.IsDecommissioned = anyDecommission
	var out []resolution
	var problems []string
	for _, entry := range entries {
		kind := endpointKind(entry)
		var found []candidate
		seen := map[string]bool{}
		for _, f := range candidateFilters(kind, entry, base) {
			for page, err := range client.Agents.Pages(ctx, f.Filter(), sentinelone.ListOptions{}) {
				if err != nil {
					return nil, fmt.Errorf("resolve endpoint %q: %w", entry, err)
				}
				for _, raw := range page {
					var a endpointAgent
					if err := json.Unmarshal(raw, &a); err != nil {
						return nil, fmt.Errorf("resolve endpoint %q: decode agent: %w", entry, err)
					}
					id, err := objectID(raw)
					if err != nil {
						return nil, err
					}
					a.ID = id
					if by, ok := a.matches(kind, entry); ok && !seen[id] {
						seen[id] = true
						a.matchedBy = by
						found = append(found, a.candidate)
					}
				}
			}
		}
		live := slices.DeleteFunc(slices.Clone(found), func(c candidate) bool { return !wantDecommissioned(c.IsDecommissioned) })
		switch {
		case len(live) == 1:
			c := live[0]
			out = append(out, resolution{Endpoint: entry, Kind: kind, AgentID: c.ID, ComputerName: c.ComputerName, MatchedBy: c.matchedBy})
		case len(live) > 1:
			problems = append(problems, fmt.Sprintf("%q (%s) is ambiguous: it names %d agents: %s", entry, kind, len(live), joinCandidates(live)))
		case len(found) > 0:
			problems = append(problems, fmt.Sprintf("%q (%s) names only decommissioned agents (give includeDecommissioned to act on them): %s",
				entry, kind, joinCandidates(found)))
		default:
			problems = append(problems, fmt.Sprintf("%q (%s) names no agent%s", entry, kind, scopeNote(client)))
		}
	}
	if len(problems) > 0 {
		return nil, connector.InvalidParam("endpoints", "each entry must name exactly one agent; nothing was done: %s", strings.Join(problems, "; "))
	}
	return out, nil
}

func joinCandidates(cs []candidate) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.String()
	}
	return strings.Join(parts, ", ")
}

// scopeNote says where a lookup looked when the configuration pins a scope.
func scopeNote(client *sentinelone.Client) string {
	if sc := client.PinnedScope(); sc.Pinned() {
		return " inside the configuration's scope (" + sc.String() + ")"
	}
	return ""
}
