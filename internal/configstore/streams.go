package configstore

import (
	"context"
	"encoding/json"
	"fmt"
)

// StreamState is the state of one server-side stream: the acknowledged checkpoint, the
// checkpoint delivered and not yet acknowledged, and the first call's start. The store
// keeps the strings as given; their meaning belongs to the caller.
type StreamState struct {
	Committed string `json:"committed,omitempty"`
	Pending   string `json:"pending,omitempty"`
	Start     string `json:"start,omitempty"`
}

// Streams keeps stream states in the store's backend.
type Streams struct{ s *Store }

// Streams returns the store's stream states.
func (s *Store) Streams() *Streams { return &Streams{s} }

// Load returns the state of configID's stream; the zero state when it has none.
func (t *Streams) Load(ctx context.Context, configID, stream string) (StreamState, error) {
	var st StreamState
	raw, err := t.s.backend.LoadStream(ctx, configID, stream)
	if err == nil && raw != nil {
		err = json.Unmarshal(raw, &st)
	}
	if err != nil {
		return StreamState{}, fmt.Errorf("load stream %q: %w", stream, err)
	}
	return st, nil
}

// Save replaces the state of configID's stream, durably (bbolt syncs each update).
func (t *Streams) Save(ctx context.Context, configID, stream string, st StreamState) error {
	raw, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if err := t.s.backend.SaveStream(ctx, configID, stream, raw); err != nil {
		return fmt.Errorf("save stream %q: %w", stream, err)
	}
	return nil
}

// DeleteConfig forgets every stream of configID (for a deleted configuration).
func (t *Streams) DeleteConfig(configID string) error {
	return t.s.backend.DeleteStreams(context.Background(), configID)
}

// StreamLocker is a Backend that can hold one stream for the length of a call across every
// process sharing it, so two replicas cannot both serve the same checkpoint.
type StreamLocker interface {
	// LockStream waits for configID's stream and holds it until unlock is called.
	LockStream(ctx context.Context, configID, stream string) (unlock func(), err error)
}

// Lock holds configID's stream across processes when the backend can (StreamLocker); with
// a backend that one process owns (bbolt) it holds nothing, as the caller's in-process
// lock is enough.
func (t *Streams) Lock(ctx context.Context, configID, stream string) (unlock func(), err error) {
	if l, ok := t.s.backend.(StreamLocker); ok {
		return l.LockStream(ctx, configID, stream)
	}
	return func() {}, nil
}
