package configstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/configstore"
)

// BenchmarkResolve measures the per-execute cost of resolving a configuration by name among
// ten, secrets decrypted.
func BenchmarkResolve(b *testing.B) {
	s, err := configstore.Open(b.TempDir(), manifest(b), testKey(1))
	require.NoError(b, err)
	defer s.Close()
	ctx := context.Background()
	for i := range 10 {
		_, err := s.Create(ctx, body(b, userConfig(fmt.Sprintf("tenant-%d", i))))
		require.NoError(b, err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Resolve(ctx, "tenant-7"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCreate measures one create (validation, sealing, one fsynced transaction).
func BenchmarkCreate(b *testing.B) {
	s, err := configstore.Open(b.TempDir(), manifest(b), testKey(1))
	require.NoError(b, err)
	defer s.Close()
	ctx := context.Background()
	i := 0
	for b.Loop() {
		i++
		if _, err := s.Create(ctx, body(b, userConfig(fmt.Sprintf("tenant-%d", i)))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResolveCached measures the same resolve through the cache of the execute path.
func BenchmarkResolveCached(b *testing.B) {
	s, err := configstore.Open(b.TempDir(), manifest(b), testKey(1))
	require.NoError(b, err)
	defer s.Close()
	ctx := context.Background()
	for i := range 10 {
		_, err := s.Create(ctx, body(b, userConfig(fmt.Sprintf("tenant-%d", i))))
		require.NoError(b, err)
	}
	c := configstore.NewCache(s)
	if _, err := c.Resolve(ctx, "tenant-7"); err != nil { // the one read of this version
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Resolve(ctx, "tenant-7"); err != nil {
			b.Fatal(err)
		}
	}
}
