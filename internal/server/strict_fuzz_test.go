package server

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzStrictJSON checks the strict walk against an oracle built from encoding/json itself:
// a valid JSON document is refused exactly when its bytes are not valid UTF-8, when decoding
// it loses a repeated key, or when decoding it invents a U+FFFD (from a lone surrogate
// escape) that the document did not spell.
func FuzzStrictJSON(f *testing.F) {
	for _, seed := range []string{
		`{"a":1}`, `{"a":1,"a":2}`, `{"a":{"b":[1,{"c":2,"c":3}]}}`, `{"a":"\udc00"}`, `{"a":"\ud83d\ude00"}`,
		`{"a":"\\udc00"}`, `{"\u0061":1,"a":2}`, `{"a":"\ufffd"}`, "{\"a\":\"\xff\"}", "{\"\xc3\":1}", `["\ud800","x"]`,
		`{"a":"\ud800\u0041"}`, `{"a":"\uDBFF\uDFFF"}`, `[{"k":1},{"k":1}]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) {
			return
		}
		err := checkStrictJSON(raw)
		var v any
		if uerr := json.Unmarshal(raw, &v); uerr != nil {
			return // e.g. a number out of float64 range; readJSON decodes with UseNumber
		}
		decodedKeys, decodedFFFD := countDecoded(v)
		bad := !utf8.Valid(raw) || decodedKeys != countRawKeys(t, raw) || decodedFFFD != countSpelledFFFD(raw)
		if bad != (err != nil) {
			t.Fatalf("body %q: refused=%v (%v) but the oracle says bad=%v", raw, err != nil, err, bad)
		}
	})
}

// countDecoded counts the object keys and the U+FFFD runes in a decoded value.
func countDecoded(v any) (keys, fffd int) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			keys++
			fffd += strings.Count(k, "\uFFFD")
			k2, f2 := countDecoded(e)
			keys, fffd = keys+k2, fffd+f2
		}
	case []any:
		for _, e := range x {
			k2, f2 := countDecoded(e)
			keys, fffd = keys+k2, fffd+f2
		}
	case string:
		fffd += strings.Count(x, "\uFFFD")
	}
	return keys, fffd
}

// countRawKeys counts every key token of the document, repeats included.
func countRawKeys(t *testing.T, raw []byte) int {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	type frame struct{ object, value bool }
	var stack []*frame
	n := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return n
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				stack = append(stack, &frame{object: d == '{'})
				continue
			}
			stack = stack[:len(stack)-1]
			if len(stack) > 0 {
				stack[len(stack)-1].value = false
			}
			continue
		}
		if top != nil && top.object {
			if !top.value {
				n++
			}
			top.value = !top.value
		}
	}
}

// countSpelledFFFD counts the U+FFFD the document spells: as UTF-8 bytes or as \ufffd.
func countSpelledFFFD(raw []byte) int {
	n := bytes.Count(raw, []byte("\uFFFD"))
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' || i+1 >= len(raw) {
			continue
		}
		i++
		if raw[i] == 'u' && i+4 < len(raw) && strings.EqualFold(string(raw[i+1:i+5]), "fffd") {
			n++
		}
	}
	return n
}

// BenchmarkStrictJSON measures the strict walk over a body near the 1 MiB limit: an id list
// of 50,000 ids and 2,000 further params.
func BenchmarkStrictJSON(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"connector":"sentinelone","operation":"get_agents","params":{"ids":"`)
	for i := range 50000 {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString("14182953270491269")
	}
	sb.WriteString(`"`)
	for i := range 2000 {
		sb.WriteString(`,"p` + strconv.Itoa(i) + `":[1,"two",{"k":null}]`)
	}
	sb.WriteString(`}}`)
	raw := []byte(sb.String())
	if err := checkStrictJSON(raw); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		_ = checkStrictJSON(raw)
	}
}
