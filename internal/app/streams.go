package app

import (
	"context"

	"github.com/fortisoar-connectors/sentinelone/internal/configstore"
	"github.com/fortisoar-connectors/sentinelone/operations"
)

// storeStreams keeps the operations' server-side streams in the configuration store.
type storeStreams struct{ s *configstore.Streams }

func (t storeStreams) LoadStream(ctx context.Context, configID, stream string) (operations.StreamState, error) {
	st, err := t.s.Load(ctx, configID, stream)
	return operations.StreamState(st), err
}

func (t storeStreams) SaveStream(ctx context.Context, configID, stream string, st operations.StreamState) error {
	return t.s.Save(ctx, configID, stream, configstore.StreamState(st))
}

// LockStream holds the stream across replicas for the length of a call when the store is
// shared (operations.StreamLocker); with a file store it holds nothing.
func (t storeStreams) LockStream(ctx context.Context, configID, stream string) (func(), error) {
	return t.s.Lock(ctx, configID, stream)
}
