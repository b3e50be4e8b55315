package configstore_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/configstore"
)

func TestStreamsSurviveReopen(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	ctx := context.Background()
	st, err := s.Streams().Load(ctx, "cfg-a", "threats/soc")
	require.NoError(t, err)
	require.Equal(t, configstore.StreamState{}, st)
	want := configstore.StreamState{Committed: "c1", Pending: "c2", Start: "2026-01-01T00:00:00Z"}
	require.NoError(t, s.Streams().Save(ctx, "cfg-a", "threats/soc", want))
	require.NoError(t, s.Streams().Save(ctx, "cfg-b", "threats/soc", configstore.StreamState{Committed: "other"}))
	require.NoError(t, s.Close())

	s = open(t, dir)
	got, err := s.Streams().Load(ctx, "cfg-a", "threats/soc")
	require.NoError(t, err)
	require.Equal(t, want, got)
	require.NoError(t, s.Streams().DeleteConfig("cfg-a"))
	got, err = s.Streams().Load(ctx, "cfg-a", "threats/soc")
	require.NoError(t, err)
	require.Equal(t, configstore.StreamState{}, got)
	got, err = s.Streams().Load(ctx, "cfg-b", "threats/soc")
	require.NoError(t, err)
	require.Equal(t, "other", got.Committed)
}
