package sentinelone

import (
	"fmt"
	"reflect"
)

// AgentFilter selects agents by typed fields; each field's `filter` tag is its SentinelOne
// wire name, so callers never spell one. Zero fields are not sent.
type AgentFilter struct {
	IDs              []string `filter:"ids"`
	GroupIDs         []string `filter:"groupIds"`
	SiteIDs          []string `filter:"siteIds"`
	AccountIDs       []string `filter:"accountIds"`
	ComputerNameLike string   `filter:"computerName__like"`
	AgentVersions    []string `filter:"agentVersions"`
	OSTypes          []string `filter:"osTypes"`
	NetworkStatuses  []string `filter:"networkStatuses"`
	TotalMemoryLT    *int64   `filter:"totalMemory__lt"` // MB
	TotalMemoryGT    *int64   `filter:"totalMemory__gt"` // MB
	CoreCountLT      *int64   `filter:"coreCount__lt"`
	CoreCountGT      *int64   `filter:"coreCount__gt"`
	IsActive         *bool    `filter:"isActive"`
	Infected         *bool    `filter:"infected"`
	IsDecommissioned []bool   `filter:"isDecommissioned"`
	IsUninstalled    []bool   `filter:"isUninstalled"`
	// UUIDs, the __contains lists (substrings, any of which matches) and ComputerNameLike
	// find the candidates of a hostname, address, MAC or UUID; the connector then compares
	// each candidate exactly.
	UUIDs              []string `filter:"uuids"`
	InetContains       []string `filter:"networkInterfaceInet__contains"`
	PhysicalContains   []string `filter:"networkInterfacePhysical__contains"`
	ExternalIPContains []string `filter:"externalIp__contains"`
}

// ThreatFilter selects threats by typed fields (see AgentFilter).
type ThreatFilter struct {
	IDs           []string `filter:"ids"`
	AgentIDs      []string `filter:"agentIds"`
	ContentHashes []string `filter:"contentHashes"`
	// DisplayName is 2.1's exact-name filter; DisplayNameLike is 2.0's substring filter.
	DisplayName     string   `filter:"displayName"`
	DisplayNameLike string   `filter:"displayName__like"`
	InitiatedBy     []string `filter:"initiatedBy"`
	InitiatedByNin  []string `filter:"initiatedByNin"`
	SiteIDs         []string `filter:"siteIds"`
	AccountIDs      []string `filter:"accountIds"`
	GroupIDs        []string `filter:"groupIds"`
}

// Filter returns f's wire form.
func (f AgentFilter) Filter() Filter { return wireFilter(f) }

// Filter returns f's wire form.
func (f ThreatFilter) Filter() Filter { return wireFilter(f) }

// wireFilter maps a typed filter's non-zero fields to their `filter` tags. Nil and empty
// lists, empty strings and nil pointers are left out.
func wireFilter(typed any) Filter {
	v := reflect.ValueOf(typed)
	t := v.Type()
	out := Filter{}
	for i := range t.NumField() {
		key := t.Field(i).Tag.Get("filter")
		fv := v.Field(i)
		switch x := fv.Interface().(type) {
		case []string:
			if len(x) > 0 {
				out[key] = x
			}
		case []bool:
			if len(x) > 0 {
				out[key] = x
			}
		case string:
			if x != "" {
				out[key] = x
			}
		case *int64:
			if x != nil {
				out[key] = *x
			}
		case *bool:
			if x != nil {
				out[key] = *x
			}
		default:
			panic(fmt.Sprintf("sentinelone: filter field %s has unsupported type %T", t.Field(i).Name, x))
		}
	}
	return out
}
