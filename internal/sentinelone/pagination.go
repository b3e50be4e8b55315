package sentinelone

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
)

// SentinelOne's caps on list parameters.
const (
	// MaxPageSize is the largest limit one list request may ask for.
	MaxPageSize = 1000
	// MaxSkip is the largest skip SentinelOne accepts; deeper offsets need the cursor.
	MaxSkip = 1000
)

// ListOptions bounds a list walk.
type ListOptions struct {
	// Limit is the total number of items to return; 0 means no limit.
	Limit int
	// Skip is the number of matching items to pass over first. Values above
	// MaxSkip are served by walking the cursor and discarding items.
	Skip int
	// PageSize is the number of items asked per request; default and maximum 1000.
	PageSize int
	// ReadAhead, when set, is asked before each page is handed on, with the page's item
	// count, whether the walk will want the page after it; if so, that page is requested
	// at once and read while this one is consumed (never beyond Limit or the last page).
	// A consumer that then stops leaves one page read for nothing, so set it only for
	// walks that go on to their end, or with a prediction of where the consumer stops.
	ReadAhead func(pageLen int) bool
}

// ToTheEnd is a ReadAhead for walks whose consumer takes every page.
func ToTheEnd(int) bool { return true }

// pages walks a cursor-paginated GET endpoint. Each yielded page holds the
// raw items of one response, after skip and limit are applied; empty pages
// are not yielded. After an error the walk ends.
func (c *Client) pages(ctx context.Context, what, endpoint, path string, f Filter, opts ListOptions) iter.Seq2[[]json.RawMessage, error] {
	return c.nestedPages(ctx, what, endpoint, path, "", f, opts)
}

// nestedPages is pages for an endpoint whose items are data[nested] ("" = data itself).
func (c *Client) nestedPages(ctx context.Context, what, endpoint, path, nested string, f Filter, opts ListOptions) iter.Seq2[[]json.RawMessage, error] {
	return func(yield func([]json.RawMessage, error) bool) {
		base, err := pageQuery(f, opts)
		if err != nil {
			yield(nil, fmt.Errorf("%s: %w", what, err))
			return
		}
		pageSize := opts.PageSize
		if pageSize == 0 || pageSize > MaxPageSize {
			pageSize = MaxPageSize
		}
		remaining := opts.Limit
		firstSkip := min(opts.Skip, MaxSkip)
		discard := opts.Skip - firstSkip
		cursor := ""
		// page is the request of the page after cursor (the first page when first), for a
		// walk with remaining items to go after discarding discard.
		page := func(first bool, cursor string, remaining, discard int) *request {
			q := maps.Clone(base)
			lim := pageSize
			if opts.Limit > 0 {
				lim = min(pageSize, remaining+discard)
			}
			q.Set("limit", strconv.Itoa(lim))
			if first {
				if firstSkip > 0 {
					q.Set("skip", strconv.Itoa(firstSkip))
				}
			} else {
				q.Set("cursor", cursor)
			}
			return &request{method: http.MethodGet, endpoint: endpoint, path: path, query: q, list: true, nested: nested, limit: lim}
		}
		var ahead *readAhead
		defer func() { ahead.drop() }()
		for first := true; ; first = false {
			var req *request
			var raw *rawResponse
			var err error
			if ahead != nil {
				req, raw, err = ahead.wait()
				ahead = nil
			} else {
				req = page(first, cursor, remaining, discard)
				raw, err = c.sendAuthed(ctx, req, nil)
			}
			if err != nil {
				yield(nil, fmt.Errorf("%s: %w", what, err))
				return
			}
			// The next page is asked for before this one is decoded: its cursor is peeked at
			// in the body, and the guess is confirmed (or the page dropped) once decoded.
			peeked := ""
			if opts.ReadAhead != nil {
				peeked = peekCursor(raw.body)
				n := max(req.limit-discard, 0) // this page's items, if it is full
				left, skip := remaining, max(discard-req.limit, 0)
				if opts.Limit > 0 {
					n = min(n, remaining)
					left -= n
				}
				if peeked != "" && (opts.Limit == 0 || left > 0) && opts.ReadAhead(n) {
					ahead = c.startReadAhead(ctx, page(false, peeked, left, skip))
				}
			}
			resp, err := c.decode(req, raw)
			if err != nil {
				yield(nil, fmt.Errorf("%s: %w", what, err))
				return
			}
			items := resp.Items
			got := len(items)
			if discard > 0 {
				n := min(discard, len(items))
				items, discard = items[n:], discard-n
			}
			if opts.Limit > 0 && len(items) > remaining {
				items = items[:remaining]
			}
			if opts.Limit > 0 {
				remaining -= len(items)
			}
			last := resp.NextCursor == "" || got == 0 || (opts.Limit > 0 && remaining == 0)
			if ahead != nil && (last || resp.NextCursor != peeked || got != req.limit && !opts.ReadAhead(len(items))) {
				ahead.drop() // guessed wrong: another cursor, or a short page after which the walk ends
				ahead = nil
			}
			if ahead == nil && !last && opts.ReadAhead != nil && opts.ReadAhead(len(items)) {
				ahead = c.startReadAhead(ctx, page(false, resp.NextCursor, remaining, discard))
			}
			if len(items) > 0 && !yield(items, nil) {
				return
			}
			if last {
				return
			}
			cursor = resp.NextCursor
		}
	}
}

// peekCursor finds the next cursor in a list page's body before it is decoded: the string
// of its last "nextCursor" key ("" when null or absent). It is a guess, confirmed against
// the decoded page; a page whose items happen to hold such a key is only read ahead wrongly
// and dropped.
func peekCursor(body []byte) string {
	i := bytes.LastIndex(body, []byte(`"nextCursor"`))
	if i < 0 {
		return ""
	}
	j := skipSpace(body, i+len(`"nextCursor"`))
	if j >= len(body) || body[j] != ':' {
		return ""
	}
	j = skipSpace(body, j+1)
	if j >= len(body) || body[j] != '"' {
		return ""
	}
	var cur string
	if json.Unmarshal(body[j:stringEnd(body, j)], &cur) != nil {
		return ""
	}
	return cur
}

// readAhead is a page being read while the one before it is consumed.
type readAhead struct {
	cancel context.CancelFunc
	done   chan struct{}
	req    *request
	raw    *rawResponse
	err    error
}

// startReadAhead sends req in the background; its answer is decoded by the walk.
func (c *Client) startReadAhead(ctx context.Context, req *request) *readAhead {
	ctx, cancel := context.WithCancel(ctx)
	r := &readAhead{cancel: cancel, done: make(chan struct{}), req: req}
	go func() {
		defer close(r.done)
		r.raw, r.err = c.sendAuthed(ctx, req, nil)
	}()
	return r
}

// wait returns the page's request and answer once it is read.
func (r *readAhead) wait() (*request, *rawResponse, error) {
	<-r.done
	r.cancel()
	return r.req, r.raw, r.err
}

// drop abandons the page of a walk that ended before it, and waits for its request to end,
// so no request outlives the walk.
func (r *readAhead) drop() {
	if r == nil {
		return
	}
	r.cancel()
	<-r.done
}

// pageQuery validates the options and encodes the filter.
func pageQuery(f Filter, opts ListOptions) (url.Values, error) {
	switch {
	case opts.Limit < 0:
		return nil, fmt.Errorf("limit %d is negative", opts.Limit)
	case opts.Skip < 0:
		return nil, fmt.Errorf("skip %d is negative", opts.Skip)
	case opts.PageSize < 0:
		return nil, fmt.Errorf("page size %d is negative", opts.PageSize)
	}
	for _, k := range pagingKeys {
		if _, ok := f[k]; ok {
			return nil, fmt.Errorf("filter key %q is set by the list options, not the filter", k)
		}
	}
	q, err := f.query()
	if err != nil {
		return nil, err
	}
	return q, nil
}

// Collect gathers every page of seq into one slice. It holds everything in
// memory; prefer ranging over the pages for large walks.
func Collect(seq iter.Seq2[[]json.RawMessage, error]) ([]json.RawMessage, error) {
	var all []json.RawMessage
	for page, err := range seq {
		if err != nil {
			return all, err
		}
		all = slices.Concat(all, page)
	}
	return all, nil
}
