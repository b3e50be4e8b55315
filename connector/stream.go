package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"time"
)

// ItemStream is list data produced item by item, for lists too large to hold in memory:
// the HTTP layer writes each item as it arrives. In-process callers that marshal it (the
// playbook runner, tests) get the whole list.
type ItemStream struct {
	each    func(ctx context.Context, yield func(json.RawMessage) error) error
	timeout time.Duration
	// prepare and done are set by the runtime: the call's context values (its request
	// counter) and its audit line, written once when the list has been produced or failed.
	prepare func(context.Context) context.Context
	done    func(error)
	once    sync.Once
}

// NewItemStream returns a stream whose items each produces, in order; each stops at the
// first error yield returns and returns it.
func NewItemStream(each func(ctx context.Context, yield func(json.RawMessage) error) error) *ItemStream {
	return &ItemStream{each: each}
}

// Each produces the items, bounded by the execute deadline of the call that returned it.
func (s *ItemStream) Each(ctx context.Context, yield func(json.RawMessage) error) error {
	if s.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.timeout)
		defer cancel()
	}
	if s.prepare != nil {
		ctx = s.prepare(ctx)
	}
	err := s.each(ctx, yield)
	if s.done != nil {
		s.once.Do(func() { s.done(err) })
	}
	return err
}

// MarshalJSON writes the whole list.
func (s *ItemStream) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('[')
	n := 0
	err := s.Each(context.Background(), func(item json.RawMessage) error {
		if n > 0 {
			buf.WriteByte(',')
		}
		n++
		_, err := buf.Write(item)
		return err
	})
	if err != nil {
		return nil, err
	}
	buf.WriteByte(']')
	return buf.Bytes(), nil
}
