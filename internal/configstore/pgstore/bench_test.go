package pgstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/configstore"
	"github.com/fortisoar-connectors/sentinelone/internal/configstore/pgstore/pgtest"
)

// tenStores opens a PostgreSQL store holding ten configurations, as
// configstore's BenchmarkResolve does on bbolt.
func tenStores(b *testing.B) *configstore.Store {
	s := open(b, pgtest.DSN(b), testKey(1))
	for i := range 10 {
		_, err := s.Create(context.Background(), body(b, userConfig(fmt.Sprintf("tenant-%d", i), "usea1.example.net")))
		require.NoError(b, err)
	}
	return s
}

// BenchmarkResolvePostgres measures an uncached resolve on PostgreSQL: one query of every
// record, decoding and decryption (compare configstore's BenchmarkResolve on bbolt).
func BenchmarkResolvePostgres(b *testing.B) {
	s := tenStores(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Resolve(ctx, "tenant-7"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResolveCachedPostgres measures the execute path's resolve through the cache
// on PostgreSQL (compare configstore's BenchmarkResolveCached on bbolt): no query while the
// listener is connected and nothing changed.
func BenchmarkResolveCachedPostgres(b *testing.B) {
	s := tenStores(b)
	ctx := context.Background()
	c := configstore.NewCache(s)
	require.Eventually(b, func() bool { // the listener is connected: the version holds still
		_, err := c.Resolve(ctx, "tenant-7")
		require.NoError(b, err)
		return c.Len() == 1
	}, 10*time.Second, time.Millisecond)
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Resolve(ctx, "tenant-7"); err != nil {
			b.Fatal(err)
		}
	}
}
