package configstore

import (
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// bucketStreams holds the states of server-side streams, keyed by configuration id and
// stream name. It is created on the first save, so stores written before it open as they are.
var bucketStreams = []byte("streams")

// StreamState is the state of one server-side stream: the acknowledged checkpoint, the
// checkpoint delivered and not yet acknowledged, and the first call's start. The store
// keeps the strings as given; their meaning belongs to the caller.
type StreamState struct {
	Committed string `json:"committed,omitempty"`
	Pending   string `json:"pending,omitempty"`
	Start     string `json:"start,omitempty"`
}

// Streams keeps stream states in the store's file.
type Streams struct{ s *Store }

// Streams returns the store's stream states.
func (s *Store) Streams() *Streams { return &Streams{s} }

func streamKey(configID, stream string) []byte { return []byte(configID + "\x00" + stream) }

// Load returns the state of configID's stream; the zero state when it has none.
func (t *Streams) Load(_ context.Context, configID, stream string) (StreamState, error) {
	var st StreamState
	err := t.s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketStreams)
		if b == nil {
			return nil
		}
		raw := b.Get(streamKey(configID, stream))
		if raw == nil {
			return nil
		}
		return json.Unmarshal(raw, &st)
	})
	if err != nil {
		return StreamState{}, fmt.Errorf("load stream %q: %w", stream, err)
	}
	return st, nil
}

// Save replaces the state of configID's stream, durably (bbolt syncs each update).
func (t *Streams) Save(_ context.Context, configID, stream string, st StreamState) error {
	raw, err := json.Marshal(st)
	if err != nil {
		return err
	}
	err = t.s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketStreams)
		if err != nil {
			return err
		}
		return b.Put(streamKey(configID, stream), raw)
	})
	if err != nil {
		return fmt.Errorf("save stream %q: %w", stream, err)
	}
	return nil
}

// DeleteConfig forgets every stream of configID (for a deleted configuration).
func (t *Streams) DeleteConfig(configID string) error {
	return t.s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketStreams)
		if b == nil {
			return nil
		}
		prefix := []byte(configID + "\x00")
		c := b.Cursor()
		for k, _ := c.Seek(prefix); k != nil && len(k) >= len(prefix) && string(k[:len(prefix)]) == string(prefix); k, _ = c.Next() {
			if err := c.Delete(); err != nil {
				return err
			}
		}
		return nil
	})
}
