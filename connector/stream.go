package connector

import (
	"context"
	"encoding/json"
)

// ItemStream is list data produced item by item, for lists too large to hold in memory. A
// handler returns it; ExecuteTo then produces the items inside the call's own deadline,
// panic recovery and audit line and hands each to its caller's Emit, which the HTTP layer
// writes as it arrives. Execute collects them.
type ItemStream struct {
	each func(ctx context.Context, yield func(json.RawMessage) error) error
}

// NewItemStream returns a stream whose items each produces, in order; each stops at the
// first error yield returns and returns it.
func NewItemStream(each func(ctx context.Context, yield func(json.RawMessage) error) error) *ItemStream {
	return &ItemStream{each: each}
}
