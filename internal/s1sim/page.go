package s1sim

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

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

type pagination struct {
	NextCursor *string `json:"nextCursor"`
	TotalItems int     `json:"totalItems"`
}

func writeList(w http.ResponseWriter, data any, total int, next *string) {
	writeJSON(w, http.StatusOK, struct {
		Data       any        `json:"data"`
		Pagination pagination `json:"pagination"`
	}{data, pagination{NextCursor: next, TotalItems: total}})
}

// writeRawList writes a list of items that are already JSON; it skips
// encoding/json, which would re-scan every item.
func writeRawList(w http.ResponseWriter, items []json.RawMessage, total int, next *string) {
	pag, err := json.Marshal(pagination{NextCursor: next, TotalItems: total})
	if err != nil {
		writeStatusError(w, http.StatusInternalServerError)
		return
	}
	size := len(pag) + 32
	for _, it := range items {
		size += len(it) + 1
	}
	b := make([]byte, 0, size)
	b = append(b, `{"data":[`...)
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, it...)
	}
	b = append(b, `],"pagination":`...)
	b = append(b, pag...)
	b = append(b, '}')
	w.Header().Set("Content-Type", errorContentType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}
