package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
)

// ItemStream is list data produced item by item, for lists too large to hold in memory. A
// handler returns it; ExecuteTo then produces the items inside the call's own deadline,
// panic recovery and audit line and hands each to its caller's Sink, which the HTTP layer
// writes as it arrives. Execute collects them.
//
// The list is either the whole answer (NewItemStream) or one member of an object answer
// whose other members are known only once the list has ended (NewObjectStream), such as a
// feed's checkpoint.
type ItemStream struct {
	each  func(ctx context.Context, yield func(json.RawMessage) error) error
	field string
	rest  func() (any, error)
}

// NewItemStream returns a stream whose items each produces, in order; each stops at the
// first error yield returns and returns it.
func NewItemStream(each func(ctx context.Context, yield func(json.RawMessage) error) error) *ItemStream {
	return &ItemStream{each: each}
}

// NewObjectStream returns the stream of an object answer: its member field is the list each
// produces, and rest, called once each has returned without error, gives the other members
// as a value that encodes to a JSON object. The answer reads
// {"<field>": [items…], <rest's members>}.
func NewObjectStream(field string, each func(ctx context.Context, yield func(json.RawMessage) error) error, rest func() (any, error)) *ItemStream {
	return &ItemStream{each: each, field: field, rest: rest}
}

// MapErrors returns st with every error it ends with (from producing the list or the other
// members) passed through fn, as a handler's own errors would be: streams run after their
// handler has returned.
func (st *ItemStream) MapErrors(fn func(error) error) *ItemStream {
	out := &ItemStream{field: st.field, each: func(ctx context.Context, yield func(json.RawMessage) error) error {
		if err := st.each(ctx, yield); err != nil {
			return fn(err)
		}
		return nil
	}}
	if st.rest != nil {
		out.rest = func() (any, error) {
			v, err := st.rest()
			if err != nil {
				return nil, fn(err)
			}
			return v, nil
		}
	}
	return out
}

// Sink receives a streamed answer while it is produced.
type Sink interface {
	// Open is called once, before any item: field is "" when the list is the whole answer,
	// else the object answer's member that holds it.
	Open(field string) error
	// Item receives the list's items in order; an error it returns ends the list.
	Item(item json.RawMessage) error
}

// run produces the stream into sink and returns the object's other members (a JSON object)
// for an object stream, else nil.
func (st *ItemStream) run(ctx context.Context, sink Sink) (json.RawMessage, error) {
	if err := sink.Open(st.field); err != nil {
		return nil, err
	}
	if err := st.each(ctx, sink.Item); err != nil {
		return nil, err
	}
	if st.rest == nil {
		if st.field != "" {
			return json.RawMessage("{}"), nil
		}
		return nil, nil
	}
	v, err := st.rest()
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode the answer: %w", err)
	}
	if len(raw) < 2 || raw[0] != '{' {
		return nil, fmt.Errorf("encode the answer: the members beside %q are not a JSON object", st.field)
	}
	return raw, nil
}

// collector is the Sink of Execute: it gathers the items.
type collector struct {
	field string
	items []json.RawMessage
}

func (c *collector) Open(field string) error { c.field = field; return nil }

func (c *collector) Item(item json.RawMessage) error {
	c.items = append(c.items, item)
	return nil
}

// answer is the collected answer: the list, or the object with the list as its member.
func (c *collector) answer(rest json.RawMessage) any {
	if c.field == "" {
		return c.items
	}
	return joinObject(c.field, c.items, rest)
}

// joinObject writes the object answer of a stream: {"<field>": [items…], <rest's members>},
// where rest is a JSON object.
func joinObject(field string, items []json.RawMessage, rest json.RawMessage) json.RawMessage {
	key, _ := json.Marshal(field)
	out := make([]byte, 0, 64+len(rest))
	out = append(append(append(out, '{'), key...), ":["...)
	for i, it := range items {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, it...)
	}
	return append(out, CloseObject(rest)...)
}

// CloseObject is what follows a streamed list inside its object answer: the closing bracket,
// then rest's members and the object's closing brace.
func CloseObject(rest json.RawMessage) []byte {
	if len(rest) < 2 { // no members
		return []byte("]}")
	}
	members := rest[1 : len(rest)-1] // rest is {…}
	if len(bytes.TrimSpace(members)) == 0 {
		return []byte("]}")
	}
	return append(append([]byte("],"), members...), '}')
}
