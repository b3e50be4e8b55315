package operations

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"time"

	"github.com/fortisoar-connectors/sentinelone/connector"
)

// Feed limits.
const (
	defaultFeedItems = 1000
	feedPageSize     = 1000
)

// feedTail is what a fetch answers after its data (the changes delivered, in updatedAt
// order, streamed as they are read): the checkpoint to pass back, and whether more changes
// are waiting.
type feedTail struct {
	Checkpoint string `json:"checkpoint"`
	HasMore    bool   `json:"has_more"`
	Count      int    `json:"count"`
	// Updated lists the ids of the delivered objects that were delivered before or were
	// created before the range the call read: later changes. The others are new.
	Updated []string `json:"updated"`
	Stream  string   `json:"stream"`
}

// feedStream is the streamed answer of a fetch: {"data": [changes…], <feedTail>}, runFeed
// over walk, its errors prefixed with what. The tail is written only once every change has
// gone out and, for a stream, its state is recorded, so a caller that has the checkpoint
// has the whole batch.
func feedStream(call *connector.Call, p feedParams, walk feedWalk, decode func(json.RawMessage) (change, error), what string) *connector.ItemStream {
	var tail feedTail
	return connector.NewObjectStream("data", func(ctx context.Context, yield func(json.RawMessage) error) error {
		t, err := runFeed(ctx, call, p, walk, decode, yield)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		tail = t
		return nil
	}, func() (any, error) { return tail, nil })
}

// feedWalk opens a walk sorted by updatedAt ascending from low (zero: from the beginning),
// asking pageSize items per page, reading ahead while readAhead says the next page is
// wanted (sentinelone.ListOptions.ReadAhead).
type feedWalk func(ctx context.Context, low time.Time, pageSize int, readAhead func(pageLen int) bool) iter.Seq2[[]json.RawMessage, error]

// fetchChanges reads the changes after cp, at most max of them, hands each to yield and
// returns the tail with the next checkpoint. Pages are walked by cursor inside the call;
// changes already delivered within the overlap window are dropped. A call ends at a page
// boundary once another page could exceed max, so no page is read twice by consecutive
// calls (but for the overlap); has_more is then true when the last page was full.
func fetchChanges(ctx context.Context, walk feedWalk, cp checkpoint, max int, decode func(json.RawMessage) (change, error), yield func(json.RawMessage) error) (feedTail, error) {
	low := cp.low()
	tail := feedTail{Updated: []string{}}
	next := cp
	next.Seen = map[string][]string{}
	known := map[string]bool{} // ids delivered within the window: a change of them is an update
	for k, v := range cp.Seen {
		next.Seen[k] = v
		for _, id := range v {
			known[id] = true
		}
	}
	pageSize := min(max, feedPageSize)
	// The next page is read while one is delivered, unless the call will end within or after
	// this page (judged as if none of it were dropped): then it would be read for nothing.
	wanted := func(pageLen int) bool {
		after := tail.Count + pageLen
		return after <= max && !(after >= max-pageSize/2 && pageLen == pageSize)
	}
walk:
	for page, err := range walk(ctx, low, pageSize, wanted) {
		if err != nil {
			return feedTail{}, err
		}
		for _, raw := range page {
			c, err := decode(raw)
			if err != nil {
				return feedTail{}, err
			}
			if next.seen(c) {
				continue
			}
			if tail.Count == max {
				tail.HasMore = true
				break walk
			}
			at, err := time.Parse(time.RFC3339Nano, c.UpdatedAt)
			if err != nil {
				return feedTail{}, fmt.Errorf("object %s has updatedAt %q, not an ISO time", c.ID, c.UpdatedAt)
			}
			if created, err := time.Parse(time.RFC3339Nano, c.CreatedAt); known[c.ID] || err == nil && created.Before(low) {
				tail.Updated = append(tail.Updated, c.ID)
			}
			if err := yield(raw); err != nil {
				return feedTail{}, err
			}
			tail.Count++
			next.add(c, at)
			known[c.ID] = true
		}
		if tail.Count >= max-pageSize/2 && len(page) == pageSize {
			tail.HasMore = true // another page could exceed max; the walk goes on next call
			break
		}
	}
	next.prune()
	tail.Checkpoint = next.String()
	return tail, nil
}

// feedParams are the params every fetch reads.
type feedParams struct {
	kind    string // the feed: "threats", "alerts"; streams are keyed kind/NAME
	cp      checkpoint
	max     int
	stream  string
	ack     string
	streams StreamStore // with stream: the server's store
}

// readFeedParams checks checkpoint, start, max_items, stream and ack of the feed kind, and
// finds the stream store when a stream is named (in ctx: the streamed answer runs outside
// the handler).
func readFeedParams(ctx context.Context, call *connector.Call, kind string, now time.Time) (feedParams, error) {
	args := call.Args()
	p := feedParams{kind: kind, max: defaultFeedItems, stream: args.String("stream"), ack: args.String("ack")}
	p.cp.Kind = feedTag(kind)
	if n, ok := args.Int("max_items"); ok {
		p.max = int(n)
	}
	given := args.String("checkpoint")
	start := args.String("start")
	switch {
	case given != "" && p.stream != "":
		return p, &connector.ParamError{Param: "checkpoint", Message: "give either a checkpoint or a stream: a stream keeps its checkpoint on the server"}
	case p.ack != "" && p.stream == "":
		return p, &connector.ParamError{Param: "ack", Message: "ack acknowledges a batch of a server-side stream; give the stream too"}
	case given != "": // start applies to the first call only: the checkpoint says where to go on
		cp, err := parseCheckpoint("checkpoint", kind, given)
		if err != nil {
			return p, &connector.ParamError{Param: "checkpoint", Message: err.Error()}
		}
		p.cp = cp
	case start != "":
		t, err := parseStart(start, now)
		if err != nil {
			return p, &connector.ParamError{Param: "start", Message: err.Error()}
		}
		p.cp.From = t.UTC().Format(time.RFC3339Nano)
	}
	if p.ack != "" {
		if _, err := parseCheckpoint("ack", kind, p.ack); err != nil {
			return p, &connector.ParamError{Param: "ack", Message: err.Error()}
		}
	}
	if p.stream != "" {
		var err error
		if p.streams, err = streamsOf(ctx, call); err != nil {
			return p, err
		}
	}
	return p, nil
}

// runFeed serves one fetch: with a stream, from the stream's committed checkpoint (after
// applying an ack), recording the answer's checkpoint as pending until it is acknowledged;
// else from the given checkpoint.
func runFeed(ctx context.Context, call *connector.Call, p feedParams, walk feedWalk, decode func(json.RawMessage) (change, error), yield func(json.RawMessage) error) (feedTail, error) {
	kind := p.kind
	if p.stream == "" {
		return fetchChanges(ctx, walk, p.cp, p.max, decode, yield)
	}
	store := p.streams
	key := streamKey{Config: call.Config.ID, Stream: kind + "/" + p.stream}
	defer lockStream(key)()
	if l, ok := store.(StreamLocker); ok { // and across the processes sharing the store
		unlock, err := l.LockStream(ctx, key.Config, key.Stream)
		if err != nil {
			return feedTail{}, fmt.Errorf("stream %q: %w", p.stream, err)
		}
		defer unlock()
	}
	st, err := store.LoadStream(ctx, key.Config, key.Stream)
	if err != nil {
		return feedTail{}, fmt.Errorf("read stream %q: %w", p.stream, err)
	}
	if p.ack != "" {
		switch p.ack {
		case st.Pending:
			st = StreamState{Committed: st.Pending, Start: st.Start}
		case st.Committed:
			// acknowledged already: a repeated ack changes nothing
		default:
			return feedTail{}, &connector.ParamError{Param: "ack", Message: fmt.Sprintf(
				"is not the checkpoint of stream %q's last delivered batch; pass back the checkpoint of the last answer", p.stream)}
		}
	}
	cp := checkpoint{Kind: feedTag(kind), From: st.Start}
	if st.Start == "" {
		st.Start = p.cp.From
		cp.From = p.cp.From
	}
	if st.Committed != "" {
		if cp, err = parseCheckpoint("the stored checkpoint", kind, st.Committed); err != nil {
			return feedTail{}, fmt.Errorf("stream %q: %w", p.stream, err)
		}
	}
	ans, err := fetchChanges(ctx, walk, cp, p.max, decode, yield)
	if err != nil {
		return feedTail{}, err
	}
	st.Pending = ans.Checkpoint
	if err := store.SaveStream(ctx, key.Config, key.Stream, st); err != nil {
		return feedTail{}, fmt.Errorf("record stream %q: %w", p.stream, err)
	}
	ans.Stream = p.stream
	return ans, nil
}
