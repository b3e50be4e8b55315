package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Listing is what ReadListing found in a JSON object with a "data" list: a SentinelOne list
// response or a connector execute envelope.
type Listing struct {
	// Items is the number of elements of the "data" list.
	Items int
	// NextCursor is pagination.nextCursor ("" when absent or null).
	NextCursor string
	// Status is the envelope's "status" ("" when absent).
	Status string
	// Bytes is the size of the body read.
	Bytes int64
}

// ReadListing reads one JSON object from r and counts the items of its "data" list without
// holding the list: it walks the object's keys as tokens and decodes each item on its own,
// so every byte is validated as JSON while memory stays bounded by the largest item. Data
// after the object is an error.
func ReadListing(r io.Reader) (Listing, error) {
	cr := &countingReader{r: r}
	var l Listing
	dec := json.NewDecoder(cr)
	if err := expectDelim(dec, '{'); err != nil {
		return l, err
	}
	sawData := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return l, fmt.Errorf("read key: %w", err)
		}
		key, _ := tok.(string)
		switch key {
		case "data":
			sawData = true
			if err := expectDelim(dec, '['); err != nil {
				return l, fmt.Errorf("data: %w", err)
			}
			for dec.More() {
				var item json.RawMessage
				if err := dec.Decode(&item); err != nil {
					return l, fmt.Errorf("data item %d: %w", l.Items+1, err)
				}
				l.Items++
			}
			if err := expectDelim(dec, ']'); err != nil {
				return l, fmt.Errorf("data: %w", err)
			}
		case "pagination":
			var p struct {
				NextCursor *string `json:"nextCursor"`
			}
			if err := dec.Decode(&p); err != nil {
				return l, fmt.Errorf("pagination: %w", err)
			}
			if p.NextCursor != nil {
				l.NextCursor = *p.NextCursor
			}
		case "status":
			if err := dec.Decode(&l.Status); err != nil {
				return l, fmt.Errorf("status: %w", err)
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return l, fmt.Errorf("%s: %w", key, err)
			}
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return l, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return l, errors.New("data after the JSON object")
	}
	if !sawData {
		return l, errors.New(`no "data" list`)
	}
	l.Bytes = cr.n
	return l, nil
}

// expectDelim reads the next token and requires it to be delim.
func expectDelim(dec *json.Decoder, delim json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("want %q: %w", delim, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != delim {
		return fmt.Errorf("want %q, got %v", delim, tok)
	}
	return nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
