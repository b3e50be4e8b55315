package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// checkStrictJSON walks raw, already known to be one JSON value, token by token and refuses
// what encoding/json would accept silently: a key repeated in one object (two parsers may
// then disagree on which value counts), and strings or keys whose bytes are not valid UTF-8
// or that hold an unpaired surrogate escape (both would be replaced by U+FFFD, so the
// layers behind this one could never see them). Errors name the path of the key, e.g.
// params.ids or params.ids[2].
func checkStrictJSON(raw []byte) error {
	type frame struct {
		object bool
		path   string
		keys   map[string]bool
		key    string // the pending key of an object, or "" before one is read
		keyed  bool   // the next token is the value of key
		index  int
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var stack []*frame
	// valuePath is the path of the value the next token starts, in the innermost frame.
	valuePath := func() string {
		if len(stack) == 0 {
			return ""
		}
		f := stack[len(stack)-1]
		if f.object {
			return joinPath(f.path, f.key)
		}
		return f.path + "[" + strconv.Itoa(f.index) + "]"
	}
	// consumed records that a whole value was read in the innermost frame.
	consumed := func() {
		if len(stack) == 0 {
			return
		}
		f := stack[len(stack)-1]
		if f.object {
			f.keyed = false
		} else {
			f.index++
		}
	}
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return errorf(http.StatusBadRequest, "request body is not valid JSON: %v", err)
		}
		end := dec.InputOffset()
		top := (*frame)(nil)
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				stack = append(stack, &frame{object: t == '{', path: valuePath(), keys: map[string]bool{}})
			case '}', ']':
				stack = stack[:len(stack)-1]
				consumed()
			}
		case string:
			isKey := top != nil && top.object && !top.keyed
			if isKey {
				path := joinPath(top.path, t)
				if err := checkStringBytes(raw[start:end]); err != nil {
					return errorf(http.StatusBadRequest, "%s: key %s", path, err)
				}
				if top.keys[t] {
					return errorf(http.StatusBadRequest, "%s: duplicate key: each key may appear only once in an object", path)
				}
				top.keys[t] = true
				top.key, top.keyed = t, true
				continue
			}
			if err := checkStringBytes(raw[start:end]); err != nil {
				path := valuePath()
				if path == "" {
					path = "request body"
				}
				return errorf(http.StatusBadRequest, "%s: %s", path, err)
			}
			consumed()
		default:
			consumed()
		}
	}
}

// checkStringBytes checks the raw bytes of one JSON string literal (with any separator and
// white space the decoder read before it): valid UTF-8, and every \u escape of a surrogate
// paired (a high one followed by a low one).
func checkStringBytes(b []byte) error {
	i := bytes.IndexByte(b, '"')
	if i < 0 {
		return nil
	}
	lit := b[i:]
	if !utf8.Valid(lit) {
		return errString("is not valid UTF-8")
	}
	for j := 1; j < len(lit)-1; j++ {
		if lit[j] != '\\' {
			continue
		}
		j++
		if lit[j] != 'u' {
			continue
		}
		r, ok := hex4(lit, j+1)
		j += 4
		if !ok || r < 0xD800 || r > 0xDFFF {
			continue
		}
		if r >= 0xDC00 { // a low surrogate with no high one before it
			return errString("holds an unpaired surrogate escape (\\u" + strings.ToLower(string(lit[j-3:j+1])) + "), which is not valid Unicode")
		}
		if lo, ok := hex4(lit, j+3); ok && j+2 < len(lit) && lit[j+1] == '\\' && lit[j+2] == 'u' && lo >= 0xDC00 && lo <= 0xDFFF {
			j += 6
			continue
		}
		return errString("holds an unpaired surrogate escape (\\u" + strings.ToLower(string(lit[j-3:j+1])) + "), which is not valid Unicode")
	}
	return nil
}

// hex4 decodes the four hex digits at b[i:i+4].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[i:i+4]), 16, 32)
	return rune(n), err == nil
}

type errString string

func (e errString) Error() string { return string(e) }

// joinPath appends a key to a dotted path; keys that are not plain names are quoted, and
// long ones clipped, so a path in a message stays readable and short.
func joinPath(parent, key string) string {
	seg := key
	plain := key != "" && len(key) <= 64
	for _, r := range key {
		if !(r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			plain = false
			break
		}
	}
	if !plain {
		seg = strconv.Quote(clip(key, 64))
	}
	if parent == "" {
		return seg
	}
	return parent + "." + seg
}

// clip shortens text echoed in a message or log line to at most n bytes of valid UTF-8.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// envelopeKeys are the keys of FortiSOAR's execute body (fortisoar.md §3).
var envelopeKeys = []string{"connector", "version", "operation", "config", "params", "audit"}

// checkEnvelopeKeys refuses a top-level key of the execute body that FortiSOAR does not
// send: a misspelt "confg" would otherwise run on the default configuration, and "Params"
// would drop every filter.
func checkEnvelopeKeys(body map[string]json.RawMessage) error {
	var unknown []string
	for k := range body {
		known := false
		for _, want := range envelopeKeys {
			known = known || k == want
		}
		if !known {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	// report the smallest, so the message does not depend on map order
	k := unknown[0]
	for _, u := range unknown[1:] {
		if u < k {
			k = u
		}
	}
	name := joinPath("", k)
	for _, want := range envelopeKeys {
		if strings.EqualFold(k, want) {
			return errorf(http.StatusBadRequest, "%s: unknown key: keys are case-sensitive, write %q", name, want)
		}
	}
	hint := ""
	if near := nearest(k, envelopeKeys); near != "" {
		hint = " (did you mean " + strconv.Quote(near) + "?)"
	}
	return errorf(http.StatusBadRequest, "%s: unknown key%s: the request body may hold only %s",
		name, hint, strings.Join(envelopeKeys, ", "))
}

// nearest returns the candidate within edit distance 2 of s, if any.
func nearest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(s), c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 64
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
