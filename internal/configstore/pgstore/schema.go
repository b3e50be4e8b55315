package pgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrationLock is the advisory lock key under which the schema is migrated, so replicas
// starting together apply each step once.
const migrationLock = 0x5331_5347 // "S1SG"

// migrations are the schema's steps, applied in order; a step's number is its index + 1.
// Each step is applied once, recorded in schema_migrations in the same transaction. Never
// edit a released step: add one.
var migrations = []string{
	// 1: configurations, the key check, stream states.
	`
CREATE TABLE store_meta (
	key   text PRIMARY KEY,
	value bytea NOT NULL
);
CREATE SEQUENCE configuration_seq;
CREATE TABLE configurations (
	id         text PRIMARY KEY,
	connector  text NOT NULL,
	name       text NOT NULL,
	seq        bigint NOT NULL,
	is_default boolean NOT NULL,
	inactive   boolean NOT NULL,
	-- the record as the Go store encodes it (secrets sealed), kept verbatim
	data       json NOT NULL
);
-- Names are unique per connector, compared as the store compares them: exactly.
CREATE UNIQUE INDEX configurations_name ON configurations (connector, name);
-- At most one default per connector at every moment, even within a transaction.
CREATE UNIQUE INDEX configurations_one_default ON configurations (connector) WHERE is_default;
-- At least one default whenever a connector has an active configuration, checked at commit.
CREATE FUNCTION configurations_need_default() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	c text;
BEGIN
	IF TG_OP = 'DELETE' THEN
		c := OLD.connector;
	ELSE
		c := NEW.connector;
	END IF;
	IF EXISTS (SELECT 1 FROM configurations WHERE connector = c AND NOT inactive)
	   AND NOT EXISTS (SELECT 1 FROM configurations WHERE connector = c AND is_default) THEN
		RAISE EXCEPTION 'connector % has active configurations and no default', c
			USING ERRCODE = 'check_violation', CONSTRAINT = 'configurations_need_default';
	END IF;
	RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER configurations_need_default
	AFTER INSERT OR UPDATE OR DELETE ON configurations
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION configurations_need_default();
CREATE TABLE streams (
	config_id text NOT NULL REFERENCES configurations (id) ON DELETE CASCADE,
	stream    text NOT NULL,
	state     bytea NOT NULL,
	PRIMARY KEY (config_id, stream)
);
`,
}

// migrate brings the schema up to date in one transaction under the migration lock. A
// schema newer than this build is refused: an older replica must not write it.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    integer PRIMARY KEY,
	applied_at timestamptz NOT NULL DEFAULT now()
)`); err != nil {
			return err
		}
		var have int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
			return err
		}
		if have > len(migrations) {
			return fmt.Errorf("the database schema is at version %d, newer than this build's %d: upgrade this replica", have, len(migrations))
		}
		for v := have + 1; v <= len(migrations); v++ {
			if _, err := tx.Exec(ctx, migrations[v-1]); err != nil {
				return fmt.Errorf("schema step %d: %w", v, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, v); err != nil {
				return fmt.Errorf("schema step %d: %w", v, err)
			}
		}
		return nil
	})
}
