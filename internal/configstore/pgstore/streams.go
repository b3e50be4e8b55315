package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fortisoar-connectors/sentinelone/internal/configstore"
)

// streamLockClass is the first key of the advisory locks that hold a stream for a call.
const streamLockClass = 0x5331_5354 // "S1ST"

// LoadStream implements configstore.Backend.
func (b *Backend) LoadStream(ctx context.Context, configID, stream string) ([]byte, error) {
	var out []byte
	err := b.pool.QueryRow(ctx, `SELECT state FROM streams WHERE config_id = $1 AND stream = $2`, configID, stream).Scan(&out)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return out, err
}

// SaveStream implements configstore.Backend. A stream belongs to a stored configuration:
// deleting the configuration deletes its streams, and saving one for a configuration that
// no longer exists fails.
func (b *Backend) SaveStream(ctx context.Context, configID, stream string, state []byte) error {
	_, err := b.pool.Exec(ctx, `INSERT INTO streams (config_id, stream, state) VALUES ($1, $2, $3)
ON CONFLICT (config_id, stream) DO UPDATE SET state = EXCLUDED.state`, configID, stream, state)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23503" { // foreign_key_violation
		return fmt.Errorf("configuration %s no longer exists", configID)
	}
	return err
}

// DeleteStreams implements configstore.Backend.
func (b *Backend) DeleteStreams(ctx context.Context, configID string) error {
	_, err := b.pool.Exec(ctx, `DELETE FROM streams WHERE config_id = $1`, configID)
	return err
}

// Streams implements configstore.Backend.
func (b *Backend) Streams(ctx context.Context) ([]configstore.StoredStream, error) {
	rows, err := b.pool.Query(ctx, `SELECT config_id, stream, state FROM streams ORDER BY config_id, stream`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (configstore.StoredStream, error) {
		var st configstore.StoredStream
		err := r.Scan(&st.ConfigID, &st.Stream, &st.State)
		return st, err
	})
}

// LockStream implements configstore.StreamLocker with a session advisory lock on a
// connection held for the call (from a pool of its own): a replica that dies releases it
// with its connection.
func (b *Backend) LockStream(ctx context.Context, configID, stream string) (func(), error) {
	conn, err := b.locks.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	key := b.schema + "\x1f" + configID + "\x1f" + stream
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1, hashtext($2))`, int32(streamLockClass), key); err != nil {
		// A wait cut short may leave the lock request behind: never reuse the connection.
		_ = conn.Conn().Close(context.Background())
		conn.Release()
		return nil, fmt.Errorf("lock stream %q: %w", stream, err)
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock($1, hashtext($2))`, int32(streamLockClass), key); err != nil {
			// Closing the connection releases the lock.
			_ = conn.Conn().Close(ctx)
		}
		conn.Release()
	}, nil
}
