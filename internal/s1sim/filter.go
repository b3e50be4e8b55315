package s1sim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// errValidation marks an error that the API answers with 400.
var errValidation = errors.New("validation error")

func validationf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errValidation}, args...)...)
}

// rawFilter holds filter values by key, before interpretation. Query
// values and JSON arrays become several values; a comma inside a value of a
// list key separates items too.
type rawFilter map[string][]string

func queryFilter(q url.Values) rawFilter {
	out := make(rawFilter, len(q))
	for k, v := range q {
		out[k] = v
	}
	return out
}

// jsonFilter decodes the `filter` object of an action body. Arrays become
// several values; bare strings, bools and numbers one value; null is skipped.
func jsonFilter(raw json.RawMessage) (rawFilter, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, validationf("filter must be an object")
	}
	out := make(rawFilter, len(m))
	for k, v := range m {
		v = bytes.TrimSpace(v)
		if len(v) == 0 || string(v) == "null" {
			continue
		}
		if v[0] == '[' {
			var items []json.RawMessage
			if err := json.Unmarshal(v, &items); err != nil {
				return nil, validationf("filter.%s: %v", k, err)
			}
			for _, it := range items {
				s, err := scalar(it)
				if err != nil {
					return nil, validationf("filter.%s: %v", k, err)
				}
				out[k] = append(out[k], s)
			}
			continue
		}
		s, err := scalar(v)
		if err != nil {
			return nil, validationf("filter.%s: %v", k, err)
		}
		out[k] = []string{s}
	}
	return out, nil
}

func scalar(v json.RawMessage) (string, error) {
	var x any
	if err := json.Unmarshal(v, &x); err != nil {
		return "", err
	}
	switch t := x.(type) {
	case string:
		return t, nil
	case bool:
		return strconv.FormatBool(t), nil
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), nil
	default:
		return "", fmt.Errorf("want a string, number or bool")
	}
}

// list returns the comma-separated items of key, without empty ones.
func (r rawFilter) list(key string) []string {
	var out []string
	for _, v := range r[key] {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// one returns the first non-empty value of key.
func (r rawFilter) one(key string) string {
	for _, v := range r[key] {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

func set(items []string, norm func(string) string) map[string]bool {
	m := make(map[string]bool, len(items))
	for _, s := range items {
		if norm != nil {
			s = norm(s)
		}
		m[s] = true
	}
	return m
}

// boolSet parses a csv list of booleans (case-insensitive).
func (r rawFilter) boolSet(key string) (want [2]bool, ok bool, err error) {
	items := r.list(key)
	if len(items) == 0 {
		return want, false, nil
	}
	for _, s := range items {
		switch {
		case strings.EqualFold(s, "true"):
			want[1] = true
		case strings.EqualFold(s, "false"):
			want[0] = true
		default:
			return want, false, validationf("%s: %q is not a boolean", key, s)
		}
	}
	return want, true, nil
}

func boolIn(want [2]bool, v bool) bool {
	if v {
		return want[1]
	}
	return want[0]
}

// predicate is one compiled condition of a filter.
type predicate[T any] func(*T) bool

// match reports whether v satisfies every predicate.
func match[T any](preds []predicate[T], v *T) bool {
	for _, p := range preds {
		if !p(v) {
			return false
		}
	}
	return true
}

// compileAgentFilter turns known keys into predicates; unknown keys are
// ignored, as SentinelOne does. idsNin is known only when supportNin.
func compileAgentFilter(r rawFilter, supportNin bool) ([]predicate[Agent], error) {
	var preds []predicate[Agent]
	if ids := r.list("ids"); len(ids) > 0 {
		m := set(ids, nil)
		preds = append(preds, func(a *Agent) bool { return m[a.ID] })
	}
	if supportNin {
		if ids := r.list("idsNin"); len(ids) > 0 {
			m := set(ids, nil)
			preds = append(preds, func(a *Agent) bool { return !m[a.ID] })
		}
	}
	numeric := []struct {
		field string
		get   func(*Agent) int
	}{
		{"totalMemory", func(a *Agent) int { return a.TotalMemory }},
		{"coreCount", func(a *Agent) int { return a.CoreCount }},
	}
	for _, n := range numeric {
		for _, op := range []string{"lt", "gt", "lte", "gte"} {
			key := n.field + "__" + op
			s := r.one(key)
			if s == "" {
				continue
			}
			bound, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, validationf("%s: %q is not a number", key, s)
			}
			get, op := n.get, op
			preds = append(preds, func(a *Agent) bool { return compare(float64(get(a)), op, bound) })
		}
	}
	bools := []struct {
		key string
		get func(*Agent) bool
	}{
		{"isActive", func(a *Agent) bool { return a.IsActive }},
		{"infected", func(a *Agent) bool { return a.Infected }},
		{"isDecommissioned", func(a *Agent) bool { return a.IsDecommissioned }},
		{"isUninstalled", func(a *Agent) bool { return a.IsUninstalled }},
		{"isPendingUninstall", func(a *Agent) bool { return a.IsPendingUninstall }},
	}
	for _, b := range bools {
		want, ok, err := r.boolSet(b.key)
		if err != nil {
			return nil, err
		}
		if ok {
			get := b.get
			preds = append(preds, func(a *Agent) bool { return boolIn(want, get(a)) })
		}
	}
	if s := r.one("computerName__like"); s != "" {
		sub := strings.ToLower(s)
		preds = append(preds, func(a *Agent) bool { return strings.Contains(strings.ToLower(a.ComputerName), sub) })
	}
	lists := []struct {
		key string
		get func(*Agent) string
	}{
		{"agentVersions", func(a *Agent) string { return a.AgentVersion }},
		{"osTypes", func(a *Agent) string { return a.OSType }},
		{"networkStatuses", func(a *Agent) string { return a.NetworkStatus }},
		{"groupIds", func(a *Agent) string { return a.GroupID }},
		{"siteIds", func(a *Agent) string { return a.SiteID }},
		{"accountIds", func(a *Agent) string { return a.AccountID }},
		{"scanStatuses", func(a *Agent) string { return a.ScanStatus }},
	}
	for _, l := range lists {
		if items := r.list(l.key); len(items) > 0 {
			m, get := set(items, nil), l.get
			preds = append(preds, func(a *Agent) bool { return m[get(a)] })
		}
	}
	return preds, nil
}

func compare(v float64, op string, bound float64) bool {
	switch op {
	case "lt":
		return v < bound
	case "gt":
		return v > bound
	case "lte":
		return v <= bound
	default:
		return v >= bound
	}
}

// snakeInitiator maps the v2.0 camelCase initiatedBy values to the v2.1 ones.
func snakeInitiator(s string) string {
	switch s {
	case "agentPolicy":
		return "agent_policy"
	case "fullDiskScan":
		return "full_disk_scan"
	case "onDemandScan":
		return "on_demand_scan"
	case "consoleApi":
		return "console_api"
	case "dvCommand":
		return "dv_command"
	}
	return s
}

// camelInitiator is the inverse of snakeInitiator.
func camelInitiator(s string) string {
	parts := strings.Split(s, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// compileThreatFilter turns the known threat keys of version v into
// predicates. The name filter is `displayName` on v2.1 and
// `displayName__like` on v2.0; both are case-insensitive substrings.
func compileThreatFilter(r rawFilter, v string) ([]predicate[Threat], error) {
	var preds []predicate[Threat]
	lists := []struct {
		key  string
		norm func(string) string
		get  func(*Threat) string
		not  bool
	}{
		{"ids", nil, func(t *Threat) string { return t.ID }, false},
		{"contentHashes", strings.ToLower, func(t *Threat) string { return t.SHA1 }, false},
		{"agentIds", nil, func(t *Threat) string { return t.AgentID }, false},
		{"initiatedBy", snakeInitiator, func(t *Threat) string { return t.InitiatedBy }, false},
		{"initiatedByNin", snakeInitiator, func(t *Threat) string { return t.InitiatedBy }, true},
		{"mitigationStatuses", nil, func(t *Threat) string { return t.MitigationStatus }, false},
		{"analystVerdicts", nil, func(t *Threat) string { return t.AnalystVerdict }, false},
		{"incidentStatuses", nil, func(t *Threat) string { return t.IncidentStatus }, false},
	}
	for _, l := range lists {
		items := r.list(l.key)
		if len(items) == 0 {
			continue
		}
		m, get, not := set(items, l.norm), l.get, l.not
		preds = append(preds, func(t *Threat) bool { return m[get(t)] != not })
	}
	want, ok, err := r.boolSet("resolved")
	if err != nil {
		return nil, err
	}
	if ok {
		preds = append(preds, func(t *Threat) bool { return boolIn(want, t.Resolved) })
	}
	nameKey := "displayName"
	if v == v20 {
		nameKey = "displayName__like"
	}
	if s := r.one(nameKey); s != "" {
		sub := strings.ToLower(s)
		preds = append(preds, func(t *Threat) bool { return strings.Contains(strings.ToLower(t.Name), sub) })
	}
	return preds, nil
}

// page holds the pagination parameters of a list request.
type page struct {
	limit  int
	skip   int
	cursor string // the ID after which the page starts; "" = none
	desc   bool
	count  bool // countOnly
}

const (
	maxLimit = 1000
	maxSkip  = 1000
)

// parsePage reads skip, limit, cursor, sortOrder and countOnly. kind names
// the cursor scheme ("agent_id" or "threat_id").
func parsePage(q url.Values, kind string) (page, error) {
	p := page{limit: 10}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			return p, validationf("limit must be an integer between 1 and %d", maxLimit)
		}
		p.limit = n
	}
	if s := q.Get("skip"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > maxSkip {
			return p, validationf("skip must be an integer between 0 and %d", maxSkip)
		}
		p.skip = n
	}
	if s := q.Get("cursor"); s != "" {
		id, err := decodeCursor(s, kind)
		if err != nil {
			return p, err
		}
		p.cursor = id
		p.skip = 0 // the cursor wins over skip
	}
	p.desc = strings.EqualFold(q.Get("sortOrder"), "desc")
	if s := q.Get("countOnly"); s != "" {
		b, err := strconv.ParseBool(strings.ToLower(s))
		if err != nil {
			return p, validationf("countOnly: %q is not a boolean", s)
		}
		p.count = b
	}
	return p, nil
}

func encodeCursor(kind, id string) string {
	return base64.StdEncoding.EncodeToString([]byte(kind + ":" + id))
}

func decodeCursor(s, kind string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		// Accept a cursor that a client percent-decoded or re-encoded.
		if u, uerr := url.QueryUnescape(s); uerr == nil {
			b, err = base64.StdEncoding.DecodeString(u)
		}
	}
	if err != nil {
		return "", validationf("cursor is not valid")
	}
	id, ok := strings.CutPrefix(string(b), kind+":")
	if !ok || id == "" {
		return "", validationf("cursor is not valid")
	}
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		return "", validationf("cursor is not valid")
	}
	return id, nil
}

// idLess orders decimal ID strings numerically.
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// paginate scans items (sorted by ID ascending) in the requested order and
// returns the page, the number of matches and the next cursor (nil on the
// last page). With a cursor, the page starts after the cursor's ID.
func paginate[T any](items []T, id func(*T) string, preds []predicate[T], p page, kind string) (out []T, total int, next *string) {
	n := len(items)
	skipped := 0
	more := false
	if !p.count {
		out = make([]T, 0, min(p.limit, n))
	}
	for k := range n {
		i := k
		if p.desc {
			i = n - 1 - k
		}
		it := &items[i]
		if !match(preds, it) {
			continue
		}
		total++
		if p.count || more {
			continue
		}
		if p.cursor != "" {
			if p.desc && !idLess(id(it), p.cursor) || !p.desc && !idLess(p.cursor, id(it)) {
				continue
			}
		}
		if skipped < p.skip {
			skipped++
			continue
		}
		if len(out) < p.limit {
			out = append(out, *it)
			continue
		}
		more = true
	}
	if more && len(out) > 0 {
		c := encodeCursor(kind, id(&out[len(out)-1]))
		next = &c
	}
	return out, total, next
}
