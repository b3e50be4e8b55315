// Package ratebudget keeps the SentinelOne rate budgets of every replica of the connector in
// one PostgreSQL table, so that N replicas calling one tenant together stay within its
// limits instead of sending N times them.
//
// Each budget is one row: the theoretical arrival time (tat) of the generic cell rate
// algorithm. Booking a turn is one statement that moves tat on by one interval and returns
// it, on the database's clock, which is the one clock every replica shares:
//
//	tat' = greatest(tat, now) + interval;  turn = tat' - interval - slack
//
// where slack is (burst-1) intervals and now is clock_timestamp(), read once the row is
// locked (now() would be the statement's start, early by however long bookings queued on
// the row). A turn that would come after the call's deadline is not booked at all: the
// statement's conflict clause updates the row only when the turn is in time, so nothing
// has to be given back and no other replica's booking is disturbed.
package ratebudget

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// DefaultTimeout bounds one round trip to the database (a booking or a release).
const DefaultTimeout = 2 * time.Second

// Options tune a Postgres budget.
type Options struct {
	// Timeout bounds each round trip to the database, within the call's own deadline
	// (0: DefaultTimeout).
	Timeout time.Duration
}

// Postgres is a sentinelone.Budget kept in PostgreSQL. It is safe for concurrent use.
type Postgres struct {
	pool    *pgxpool.Pool
	secret  []byte // keys the tenant digests; the same for every replica
	timeout time.Duration
	redact  func(error) error
	server  string // host:port, to name the database in errors
}

var _ sentinelone.Budget = (*Postgres)(nil)

// advisoryLock serializes the creation of the tables by replicas starting at once
// (CREATE TABLE IF NOT EXISTS alone can still collide).
const advisoryLock = 0x53315242 // "S1RB"

// The tables. rate_budget is unlogged: a crash empties it, which only forgets bookings of
// the last moments, and no booking waits for a WAL flush. The digest key is logged, so
// tenant digests stay the same across restarts.
const schema = `
CREATE UNLOGGED TABLE IF NOT EXISTS rate_budget (
	key text PRIMARY KEY,
	tat timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS rate_budget_secret (
	one boolean PRIMARY KEY DEFAULT true CHECK (one),
	secret bytea NOT NULL
)`

// reserveSQL books one turn: $1 key, $2 interval and $3 slack in microseconds, $4 the
// microseconds left before the call's deadline (NULL: none). An existing row is moved on
// only when the turn is in time; no row comes back when it is not.
const reserveSQL = `
INSERT INTO rate_budget AS b (key, tat) VALUES ($1, clock_timestamp() + $2::bigint * interval '1 microsecond')
ON CONFLICT (key) DO UPDATE SET tat = greatest(b.tat, clock_timestamp()) + $2::bigint * interval '1 microsecond'
WHERE $4::bigint IS NULL
	OR greatest(b.tat, clock_timestamp()) - clock_timestamp() <= $3::bigint * interval '1 microsecond'
	OR greatest(b.tat, clock_timestamp()) - clock_timestamp() - $3::bigint * interval '1 microsecond' < $4::bigint * interval '1 microsecond'
RETURNING b.tat, clock_timestamp()`

// Open connects to the PostgreSQL server of dsn, creates the tables when absent and loads
// (or, the first time, draws) the key of the tenant digests. Its errors never quote the
// password.
func Open(ctx context.Context, dsn string, opts Options) (*Postgres, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's own message quotes the connection string, masked only as well as it
		// can tell where the password is: say less rather than risk it.
		return nil, errors.New("rate budget: the connection string is not a valid PostgreSQL URL or keyword/value string")
	}
	p := &Postgres{timeout: opts.Timeout, redact: redactor(cfg.ConnConfig.Password),
		server: net.JoinHostPort(cfg.ConnConfig.Host, strconv.Itoa(int(cfg.ConnConfig.Port)))}
	if p.timeout <= 0 {
		p.timeout = DefaultTimeout
	}
	if p.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, fmt.Errorf("rate budget: %w", p.redact(err))
	}
	if err := p.prepare(ctx); err != nil {
		p.pool.Close()
		return nil, fmt.Errorf("rate budget: %w", p.redact(err))
	}
	return p, nil
}

// prepare creates the tables and loads the digest key, in one transaction under a lock.
func (p *Postgres) prepare(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*p.timeout)
	defer cancel()
	drawn := make([]byte, 32)
	if _, err := rand.Read(drawn); err != nil {
		return fmt.Errorf("no randomness for the digest key: %w", err)
	}
	if err := p.pool.Ping(ctx); err != nil {
		return fmt.Errorf("reach the database: %w", err)
	}
	return pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(advisoryLock)); err != nil {
			return fmt.Errorf("lock the schema: %w", err)
		}
		if _, err := tx.Exec(ctx, schema); err != nil {
			return fmt.Errorf("create the tables: %w", err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO rate_budget_secret (secret) VALUES ($1) ON CONFLICT DO NOTHING", drawn); err != nil {
			return fmt.Errorf("store the digest key: %w", err)
		}
		if err := tx.QueryRow(ctx, "SELECT secret FROM rate_budget_secret").Scan(&p.secret); err != nil {
			return fmt.Errorf("load the digest key: %w", err)
		}
		return nil
	})
}

// Close closes the connection pool.
func (p *Postgres) Close() { p.pool.Close() }

// Tenant is the budget's name for one console and credential: a keyed digest, the same on
// every replica (the key is in the database), that reveals neither.
func (p *Postgres) Tenant(console, credential string) string {
	mac := hmac.New(sha256.New, p.secret)
	for _, field := range []string{console, credential} {
		var n [binary.MaxVarintLen64]byte
		mac.Write(n[:binary.PutUvarint(n[:], uint64(len(field)))])
		mac.Write([]byte(field))
	}
	return hex.EncodeToString(mac.Sum(nil))
}

// micros is d in whole microseconds, rounded up: the database's resolution, and rounding
// down would let a budget run a little faster than its rate.
func micros(d time.Duration) int64 {
	return int64((d + time.Microsecond - 1) / time.Microsecond)
}

// Reserve implements sentinelone.Budget with one statement (two when the turn is late).
func (p *Postgres) Reserve(ctx context.Context, tenant, class string, r sentinelone.Rate, deadline time.Time) (time.Time, func(context.Context) error, error) {
	if !(r.PerSecond > 0) {
		return time.Time{}, nil, fmt.Errorf("rate budget: %s: %v requests/s is not a rate", class, r.PerSecond)
	}
	interval := micros(time.Duration(float64(time.Second) / r.PerSecond))
	slack := int64(max(r.Burst, 1)-1) * interval
	var left *int64
	if !deadline.IsZero() {
		l := micros(time.Until(deadline))
		left = &l
	}
	key := tenant + "/" + class
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	var tat, now time.Time
	err := p.pool.QueryRow(ctx, reserveSQL, key, interval, slack, left).Scan(&tat, &now)
	if errors.Is(err, pgx.ErrNoRows) {
		// Not booked: say how long the wait would have been, for the caller's message.
		if err := p.pool.QueryRow(ctx, "SELECT tat, clock_timestamp() FROM rate_budget WHERE key = $1", key).Scan(&tat, &now); err != nil {
			return time.Time{}, nil, p.failed(err)
		}
		turn := maxTime(tat, now).Add(-time.Duration(slack) * time.Microsecond)
		return time.Now().Add(turn.Sub(now)), nil, sentinelone.ErrTurnPastDeadline
	}
	if err != nil {
		return time.Time{}, nil, p.failed(err)
	}
	turn := tat.Add(-time.Duration(interval+slack) * time.Microsecond)
	release := func(ctx context.Context) error { return p.release(ctx, key, interval, tat) }
	// The database's wait, counted from when its answer arrived: never earlier than due.
	return time.Now().Add(turn.Sub(now)), release, nil
}

// release hands back the booking that moved key's tat to booked, unless another came since.
func (p *Postgres) release(ctx context.Context, key string, interval int64, booked time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	_, err := p.pool.Exec(ctx, "UPDATE rate_budget SET tat = tat - $2::bigint * interval '1 microsecond' WHERE key = $1 AND tat = $3",
		key, interval, booked)
	if err != nil {
		return p.failed(err)
	}
	return nil
}

// failed names the database a round trip failed with, its password removed.
func (p *Postgres) failed(err error) error {
	return fmt.Errorf("PostgreSQL at %s: %w", p.server, p.redact(err))
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// redactor returns a function that removes password from an error's text, for errors of
// the driver that might quote the connection settings.
func redactor(password string) func(error) error {
	return func(err error) error {
		if err == nil || password == "" || !strings.Contains(err.Error(), password) {
			return err
		}
		r := &redacted{msg: strings.ReplaceAll(err.Error(), password, "xxxxx")}
		for _, cause := range []error{context.DeadlineExceeded, context.Canceled} {
			if errors.Is(err, cause) {
				r.cause = cause
			}
		}
		return r
	}
}

// redacted is an error whose text has had the password taken out. It does not unwrap to
// the original, which still holds it, only to the context's error it may have come from.
type redacted struct {
	msg   string
	cause error
}

func (e *redacted) Error() string { return e.msg }

func (e *redacted) Unwrap() error { return e.cause }
