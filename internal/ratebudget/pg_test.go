package ratebudget_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// testDSN is the PostgreSQL server of the tests with a schema of this test's own first in
// its search path (several packages' tests share the server at once); the schema is dropped
// when the test ends. Without a server configured the test is skipped, saying how to get one.
func testDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("SENTINELONE_TEST_POSTGRES")
	if dsn == "" {
		t.Skip(`no PostgreSQL server for this test: run eval "$(bash scripts/postgres.sh start)" to start one and set SENTINELONE_TEST_POSTGRES`)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "rate_budget_test_" + hex.EncodeToString(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "CREATE SCHEMA "+schema)
	require.NoError(t, err)
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, dsn)
		require.NoError(t, err)
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
		require.NoError(t, err)
	})
	return withParam(dsn, "search_path", schema)
}

// withParam adds a setting to a URL or keyword/value connection string.
func withParam(dsn, name, value string) string {
	switch {
	case !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://"):
		return dsn + " " + name + "=" + value
	case strings.Contains(dsn, "?"):
		return dsn + "&" + name + "=" + value
	}
	return dsn + "?" + name + "=" + value
}

// query runs one statement of the test's own on dsn and scans its one row.
func query(t testing.TB, dsn, sql string, dest ...any) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(ctx)
	require.NoError(t, conn.QueryRow(ctx, sql).Scan(dest...))
}
