package pgstore

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"go.uber.org/zap"
)

// listen keeps a dedicated connection LISTENing on Channel until ctx ends, bumping the
// version on every notification of this schema. Without the connection (at start, after a
// loss, while reconnecting) Version changes on every call; once LISTEN is in effect again
// the version is bumped once, so nothing cached before the gap is served after it.
func (b *Backend) listen(ctx context.Context, cfg *pgx.ConnConfig) {
	defer b.done.Done()
	wait := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := b.listenOnce(ctx, cfg)
		b.listening.Store(false)
		if ctx.Err() != nil {
			return
		}
		b.log.Warn("configuration change listener lost its connection; resolving every call from the store until it is back", zap.Error(err))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// listenOnce connects, listens and waits for notifications until the connection fails.
func (b *Backend) listenOnce(ctx context.Context, cfg *pgx.ConnConfig) error {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return errors.New(scrubPassword(err.Error(), cfg.Password))
	}
	defer func() { // bounded: a connection that went away silently must not hold up Close
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = conn.Close(ctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		return err
	}
	b.listenerPID.Store(conn.PgConn().PID())
	b.listening.Store(true)
	b.gen.Add(1)
	for {
		wctx, cancel := context.WithTimeout(ctx, b.ping)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err == nil:
			if n.Payload == b.schema {
				b.gen.Add(1)
			}
			continue
		case !errors.Is(err, context.DeadlineExceeded) && !pgconnTimeout(err):
			return err
		}
		// Idle for a ping interval: check the connection is still there.
		pctx, cancel := context.WithTimeout(ctx, b.ping)
		err = conn.Ping(pctx)
		cancel()
		if err != nil {
			return err
		}
	}
}

// pgconnTimeout reports a wait that ended by its deadline, which leaves the connection usable.
func pgconnTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
