package operations

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Overlap is how far before the newest delivered change each fetch looks again.
// SentinelOne stamps some objects before they are visible through the API (the agent's
// time, a late index); such an object stamped up to Overlap earlier than the checkpoint is
// still delivered, and the checkpoint's record of what it delivered in that window keeps
// the re-read from delivering anything twice. An object that becomes visible later than
// Overlap after its stamp is missed: the one loss a time-based checkpoint cannot avoid.
const Overlap = 5 * time.Minute

// checkpointPrefix marks the checkpoint format, so an old or foreign token is refused.
const checkpointPrefix = "s1cp1."

// checkpoint is the position of a feed, built only from the data it delivered: the newest
// change delivered (its updatedAt and id) and, for the overlap window before it, which
// changes were delivered (updatedAt → ids), so a re-read drops them.
type checkpoint struct {
	// Kind is the feed the checkpoint belongs to: "" for fetch_threats (its format since
	// 1.1.0), "alerts" for fetch_alerts; a checkpoint of one feed is refused by the other.
	Kind string              `json:"kind,omitempty"`
	At   string              `json:"at,omitempty"`   // updatedAt of the newest change delivered
	ID   string              `json:"id,omitempty"`   // its id
	From string              `json:"from,omitempty"` // the first call's start, until a change is delivered
	Seen map[string][]string `json:"seen,omitempty"` // updatedAt → ids delivered within the overlap
}

// feedTag is the Kind a feed's checkpoints carry; kind is the feed's stream prefix.
func feedTag(kind string) string {
	if kind == "threats" {
		return ""
	}
	return kind
}

// feedOperation names the operation whose checkpoints carry tag.
func feedOperation(tag string) string {
	if tag == "" {
		return FetchThreats
	}
	return "fetch_" + tag
}

// parseCheckpoint decodes a checkpoint param of the feed kind; param names it in errors.
func parseCheckpoint(param, kind, s string) (checkpoint, error) {
	var cp checkpoint
	body, ok := strings.CutPrefix(strings.TrimSpace(s), checkpointPrefix)
	if !ok {
		return cp, fmt.Errorf("%s is not a checkpoint this connector returned (it starts with %q)", param, checkpointPrefix)
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err == nil {
		err = json.Unmarshal(raw, &cp)
	}
	if err == nil && cp.At != "" {
		_, err = time.Parse(time.RFC3339Nano, cp.At)
	}
	if err != nil {
		return checkpoint{}, fmt.Errorf("%s is damaged: pass back the checkpoint exactly as it was returned", param)
	}
	if cp.Kind != feedTag(kind) {
		return checkpoint{}, fmt.Errorf("%s is a checkpoint of %s, not of %s: pass back the checkpoint %s returned",
			param, feedOperation(cp.Kind), feedOperation(feedTag(kind)), feedOperation(feedTag(kind)))
	}
	return cp, nil
}

// String encodes the checkpoint.
func (cp checkpoint) String() string {
	raw, _ := json.Marshal(cp) // strings and maps of strings always encode
	return checkpointPrefix + base64.RawURLEncoding.EncodeToString(raw)
}

// low is the lower bound of the next read: Overlap before the newest change delivered,
// else the start; zero means from the beginning.
func (cp checkpoint) low() time.Time {
	if cp.At != "" {
		t, _ := time.Parse(time.RFC3339Nano, cp.At)
		return t.Add(-Overlap)
	}
	if cp.From != "" {
		t, _ := time.Parse(time.RFC3339Nano, cp.From)
		return t
	}
	return time.Time{}
}

// change is one delivered state of an object: its id and stamps.
type change struct {
	ID        string
	UpdatedAt string
	CreatedAt string
}

func (cp *checkpoint) seen(c change) bool { return slices.Contains(cp.Seen[c.UpdatedAt], c.ID) }

// add records a delivered change and moves the position to it when it is the newest.
func (cp *checkpoint) add(c change, at time.Time) {
	if cp.Seen == nil {
		cp.Seen = map[string][]string{}
	}
	cp.Seen[c.UpdatedAt] = append(cp.Seen[c.UpdatedAt], c.ID)
	cur, _ := time.Parse(time.RFC3339Nano, cp.At)
	if cp.At == "" || at.After(cur) || at.Equal(cur) && idAfter(c.ID, cp.ID) {
		cp.At, cp.ID, cp.From = at.UTC().Format(time.RFC3339Nano), c.ID, ""
	}
}

// prune forgets the delivered changes older than the overlap window.
func (cp *checkpoint) prune() {
	low := cp.low()
	for k := range cp.Seen {
		if t, err := time.Parse(time.RFC3339Nano, k); err != nil || t.Before(low) {
			delete(cp.Seen, k)
		}
	}
}

// idAfter orders decimal ids numerically.
func idAfter(a, b string) bool {
	if len(a) != len(b) {
		return len(a) > len(b)
	}
	return a > b
}

// parseStart reads the start param: an ISO time, or "N minutes|hours|days ago".
func parseStart(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	var n int
	var unit string
	if _, err := fmt.Sscanf(s, "%d %s ago", &n, &unit); err == nil && n >= 0 {
		d := map[string]time.Duration{"minute": time.Minute, "minutes": time.Minute, "hour": time.Hour,
			"hours": time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour}[unit]
		if d > 0 && n <= 3650*24*60 {
			return now.Add(-time.Duration(n) * d), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is neither an ISO time such as 2026-01-02T15:04:05Z nor \"N minutes ago\" (or hours, days)", s)
}
