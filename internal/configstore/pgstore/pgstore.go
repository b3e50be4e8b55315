// Package pgstore is a configstore.Backend on PostgreSQL, for several connector replicas
// sharing one store. The Go store's rules run in each write transaction under a table lock,
// so a read-apply-write is atomic across replicas, and the schema enforces the invariants
// too: unique names, at most one default at every moment, and at commit a default whenever
// an active configuration exists. Every write notifies the other replicas (LISTEN/NOTIFY),
// which drop their resolve caches; a replica whose listener is not connected serves nothing
// from its cache.
package pgstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/zap"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/configstore"
)

// Channel is the notification channel of configuration changes.
const Channel = "sentinelone_configs"

// IsDSN reports whether store names a PostgreSQL database (a postgres:// or postgresql:// URL).
func IsDSN(store string) bool {
	return strings.HasPrefix(store, "postgres://") || strings.HasPrefix(store, "postgresql://")
}

// Options configure Open.
type Options struct {
	// Logger reports the listener's losses and reconnections (default: none).
	Logger *zap.Logger
	// PingInterval is how often an idle listener checks its connection (default 5s), which
	// bounds how long a silently lost connection goes unnoticed.
	PingInterval time.Duration
	// StreamLocks is how many streams this replica may hold at once (default 16); a call of
	// one more waits for one to be released.
	StreamLocks int32
}

// Backend is the PostgreSQL configstore.Backend. It is safe for concurrent use.
type Backend struct {
	pool *pgxpool.Pool
	// locks holds the connections of held stream locks, apart from pool, so calls holding
	// streams never take the connections their own reads and writes need.
	locks  *pgxpool.Pool
	schema string
	log    *zap.Logger
	ping   time.Duration

	// gen is the version of what this replica may have cached: bumped after each of its
	// own writes and on each notification of a write.
	gen atomic.Uint64
	// listening is true while the listener holds a connection with LISTEN in effect.
	listening atomic.Bool
	// listenerPID is the server process of the listener's connection (for tests).
	listenerPID atomic.Uint32

	stop context.CancelFunc
	done sync.WaitGroup
}

var (
	_ configstore.Backend      = (*Backend)(nil)
	_ configstore.StreamLocker = (*Backend)(nil)
)

// Open connects to the database of dsn, migrates its schema and starts listening for
// changes. Errors never quote the DSN's password.
func Open(ctx context.Context, dsn string, opts Options) (*Backend, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("store %s: %s", Redact(dsn), scrub(err.Error(), dsn))
	}
	pw := cfg.ConnConfig.Password
	fail := func(what string, err error) error {
		return errors.New(scrubPassword(fmt.Sprintf("store %s: %s: %v", Redact(dsn), what, err), pw))
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fail("connect", err)
	}
	lockCfg := cfg.Copy()
	lockCfg.MaxConns = opts.StreamLocks
	if lockCfg.MaxConns <= 0 {
		lockCfg.MaxConns = 16
	}
	lockCfg.MinConns = 0
	locks, err := pgxpool.NewWithConfig(ctx, lockCfg)
	if err != nil {
		pool.Close()
		return nil, fail("connect", err)
	}
	b := &Backend{pool: pool, locks: locks, log: opts.Logger, ping: opts.PingInterval}
	if b.log == nil {
		b.log = zap.NewNop()
	}
	if b.ping <= 0 {
		b.ping = 5 * time.Second
	}
	if err := pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&b.schema); err != nil {
		b.closePools()
		return nil, fail("connect", err)
	}
	if err := migrate(ctx, pool); err != nil {
		b.closePools()
		return nil, fail("migrate the schema", err)
	}
	lctx, stop := context.WithCancel(context.Background())
	b.stop = stop
	b.done.Add(1)
	go b.listen(lctx, cfg.ConnConfig.Copy())
	return b, nil
}

// Close stops the listener and closes the connections.
func (b *Backend) Close() error {
	b.stop()
	b.done.Wait()
	b.closePools()
	return nil
}

func (b *Backend) closePools() {
	b.locks.Close()
	b.pool.Close()
}

// Version implements configstore.Backend: while the listener is not connected it changes on
// every call, so a cache in front of the store serves nothing it might have missed a
// notification for.
func (b *Backend) Version() uint64 {
	if !b.listening.Load() {
		return b.gen.Add(1)
	}
	return b.gen.Load()
}

// KeyCheck implements configstore.Backend.
func (b *Backend) KeyCheck(ctx context.Context, fresh []byte) ([]byte, error) {
	if _, err := b.pool.Exec(ctx, `INSERT INTO store_meta (key, value) VALUES ('key_check', $1) ON CONFLICT (key) DO NOTHING`, fresh); err != nil {
		return nil, err
	}
	var out []byte
	err := b.pool.QueryRow(ctx, `SELECT value FROM store_meta WHERE key = 'key_check'`).Scan(&out)
	return out, err
}

// Load implements configstore.Backend.
func (b *Backend) Load(ctx context.Context) ([]configstore.Stored, error) {
	return loadRecords(ctx, b.pool)
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func loadRecords(ctx context.Context, q querier) ([]configstore.Stored, error) {
	rows, err := q.Query(ctx, `SELECT id, data FROM configurations`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (configstore.Stored, error) {
		var st configstore.Stored
		err := r.Scan(&st.ID, &st.Data)
		return st, err
	})
}

// Update implements configstore.Backend. The transaction locks the configurations table
// against every other writer first (SHARE ROW EXCLUSIVE: readers go on), so the records fn
// sees stay current until the commit; its changes and the notification commit together.
func (b *Backend) Update(ctx context.Context, fn func(configstore.Tx) error) error {
	// Bumped after the commit (or rollback), as the bbolt backend does.
	defer b.gen.Add(1)
	err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE configurations IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		recs, err := loadRecords(ctx, tx)
		if err != nil {
			return err
		}
		t := &pgTx{ctx: ctx, tx: tx, recs: recs, puts: map[string]configstore.Stored{}}
		if err := fn(t); err != nil {
			return err
		}
		if err := t.flush(); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `SELECT pg_notify($1, current_schema())`, Channel)
		return err
	})
	return constraintError(err)
}

// constraintError turns a violated invariant into the store's error for it. The rules run
// before the write, so only a writer that bypasses them meets these.
func constraintError(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	switch pe.ConstraintName {
	case "configurations_name":
		return &connector.Error{Kind: connector.KindInvalid, Msg: "a configuration of that name already exists (" + pe.Detail + ")", Sentinel: connector.ErrConfigExists}
	case "configurations_one_default", "configurations_need_default":
		return &connector.Error{Kind: connector.KindInvalid, Msg: "the change would leave other than exactly one default configuration: " + pe.Message, Sentinel: connector.ErrConfigConflict}
	}
	return err
}

// pgTx is one write transaction: puts and deletes are kept until flush, which applies them
// in an order that never has two defaults at once.
type pgTx struct {
	ctx     context.Context
	tx      pgx.Tx
	recs    []configstore.Stored
	puts    map[string]configstore.Stored
	order   []string
	deletes []string
	maxSeq  uint64 // the highest sequence number allocated here
}

func (t *pgTx) Records() []configstore.Stored { return t.recs }

func (t *pgTx) NextSeq() (uint64, error) {
	var n int64
	if err := t.tx.QueryRow(t.ctx, `SELECT nextval('configuration_seq')`).Scan(&n); err != nil {
		return 0, err
	}
	t.maxSeq = max(t.maxSeq, uint64(n))
	return uint64(n), nil
}

func (t *pgTx) Put(rec configstore.Stored) error {
	if _, ok := t.puts[rec.ID]; !ok {
		t.order = append(t.order, rec.ID)
	}
	t.puts[rec.ID] = rec
	return nil
}

func (t *pgTx) Delete(id string) error {
	delete(t.puts, id)
	t.deletes = append(t.deletes, id)
	return nil
}

// flush writes the transaction's changes: deletes, then records that are not the default,
// then the default, so the one-default index holds after each statement.
func (t *pgTx) flush() error {
	for _, id := range t.deletes {
		if _, err := t.tx.Exec(t.ctx, `DELETE FROM configurations WHERE id = $1`, id); err != nil {
			return fmt.Errorf("delete configuration: %w", err)
		}
	}
	var seqTop uint64
	for _, wantDefault := range []bool{false, true} {
		for _, id := range t.order {
			rec, ok := t.puts[id]
			if !ok || rec.Default != wantDefault {
				continue
			}
			seqTop = max(seqTop, rec.Seq)
			if _, err := t.tx.Exec(t.ctx, `INSERT INTO configurations (id, connector, name, seq, is_default, inactive, data)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (id) DO UPDATE SET connector = EXCLUDED.connector, name = EXCLUDED.name, seq = EXCLUDED.seq,
	is_default = EXCLUDED.is_default, inactive = EXCLUDED.inactive, data = EXCLUDED.data`,
				rec.ID, rec.Connector, rec.Name, int64(rec.Seq), rec.Default, rec.Inactive, string(rec.Data)); err != nil {
				return fmt.Errorf("save configuration: %w", err)
			}
		}
	}
	if seqTop > t.maxSeq { // records copied in with their numbers: never give those out again
		if _, err := t.tx.Exec(t.ctx, `SELECT setval('configuration_seq', greatest($1, (SELECT last_value FROM configuration_seq)))`, int64(seqTop)); err != nil {
			return fmt.Errorf("advance the sequence: %w", err)
		}
	}
	return nil
}

// Redact returns dsn with its password, if any, replaced by xxxxx.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		if err != nil {
			return "(an unreadable PostgreSQL URL)"
		}
		return scrubQueryPassword(u)
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return scrubQueryPassword(u)
}

func scrubQueryPassword(u *url.URL) string {
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// scrub removes dsn's password from text.
func scrub(text, dsn string) string {
	if u, err := url.Parse(dsn); err == nil {
		if u.User != nil {
			if pw, ok := u.User.Password(); ok {
				text = scrubPassword(text, pw)
			}
		}
		if pw := u.Query().Get("password"); pw != "" {
			text = scrubPassword(text, pw)
		}
	}
	return strings.ReplaceAll(text, dsn, Redact(dsn))
}

func scrubPassword(text, pw string) string {
	if pw == "" {
		return text
	}
	return strings.ReplaceAll(text, pw, "xxxxx")
}
