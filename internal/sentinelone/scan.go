package sentinelone

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// A list page is most of what the connector reads: thousands of agents or threats of a few
// kilobytes each, handed on untouched. encoding/json reads such a page twice (checkValid, then
// the decode) and copies every item. The functions here read it once more cheaply: the page
// is first checked whole by json.Valid, then walked by the tiny scanner below, which only has
// to find where values end in input already known to be valid. Items are sub-slices of the
// page. Keys match as encoding/json matches struct fields: case-insensitively, after
// unescaping, the last of duplicate keys winning.

// errNotObject is returned for a value that is not a JSON object where one is required.
var errNotObject = errors.New("not a JSON object")

// valueEnd returns the index just past the JSON value that starts at b[i] (after any
// whitespace). b must be valid JSON from i on.
func valueEnd(b []byte, i int) int {
	if i = skipSpace(b, i); i >= len(b) {
		return len(b)
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = stringEnd(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	default: // number, true, false, null
		for i < len(b) && !isDelim(b[i]) {
			i++
		}
		return i
	}
}

// stringEnd returns the index just past the string literal that starts at b[i] == '"'. It
// jumps from quote to quote (IndexByte is vectorised); a quote preceded by an odd number of
// backslashes is escaped. The opening quote stops the count.
func stringEnd(b []byte, i int) int {
	for i++; i < len(b); i++ {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			return len(b)
		}
		i += j
		n := 0
		for k := i - 1; b[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			return i + 1
		}
	}
	return len(b)
}

func isDelim(c byte) bool {
	switch c {
	case ',', '}', ']', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// errMalformed is returned where the scanner finds input that is not JSON. Input that
// json.Valid accepted never gives it; other input gives it or a wrong reading, never a panic.
var errMalformed = errors.New("malformed JSON")

// eachMember calls fn with the unescaped key and the raw value of every member of the
// object b, which must be valid JSON. It fails if b is not an object.
func eachMember(b []byte, fn func(key, value []byte) error) error {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return errNotObject
	}
	for i = skipSpace(b, i+1); i < len(b) && b[i] != '}'; {
		if b[i] != '"' {
			return errMalformed
		}
		end := stringEnd(b, i)
		if end-1 <= i {
			return errMalformed
		}
		key := b[i+1 : end-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			var s string
			if err := json.Unmarshal(b[i:end], &s); err != nil {
				return err
			}
			key = []byte(s)
		}
		if i = skipSpace(b, end); i >= len(b) || b[i] != ':' {
			return errMalformed
		}
		start := skipSpace(b, i+1)
		i = valueEnd(b, start)
		if err := fn(key, b[start:i]); err != nil {
			return err
		}
		if i = skipSpace(b, i); i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return nil
}

// eachElement calls fn with every element of the array b, which must be valid JSON.
func eachElement(b []byte, fn func(value []byte)) error {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return errors.New("not a JSON array")
	}
	for i = skipSpace(b, i+1); i < len(b) && b[i] != ']'; {
		end := valueEnd(b, i)
		fn(b[i:end])
		if i = skipSpace(b, end); i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return nil
}

// isNull reports whether the raw value v is JSON null.
func isNull(v []byte) bool { return bytes.Equal(v, []byte("null")) }

// decodeList reads a list page: its data items (sub-slices of body), its pagination and
// its errors, as json.Unmarshal into listData would, in one validating pass and one scan.
func decodeList(body []byte) (listData, error) {
	var l listData
	if isNull(bytes.TrimSpace(body)) {
		return l, nil
	}
	if !json.Valid(body) {
		// encoding/json's message says where the input goes wrong.
		err := json.Unmarshal(body, &l)
		if err == nil {
			err = errors.New("invalid JSON")
		}
		return listData{}, err
	}
	err := eachMember(body, func(key, v []byte) error {
		switch {
		case bytes.EqualFold(key, []byte("data")):
			l.Data = nil
			if isNull(v) {
				return nil
			}
			items := make([]json.RawMessage, 0, 64)
			if err := eachElement(v, func(item []byte) { items = append(items, item) }); err != nil {
				return fmt.Errorf("data: %w", err)
			}
			l.Data = items
		case bytes.EqualFold(key, []byte("pagination")):
			l.Pagination = nil
			return json.Unmarshal(v, &l.Pagination)
		case bytes.EqualFold(key, []byte("errors")):
			l.Errors = nil
			return json.Unmarshal(v, &l.Errors)
		}
		return nil
	})
	if err != nil {
		return listData{}, err
	}
	return l, nil
}
