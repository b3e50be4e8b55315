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
