package operations_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
	"github.com/fortisoar-connectors/sentinelone/operations"
)

// namingBudget records the tenants it is asked to name; it books every turn at once.
type namingBudget struct {
	mu    sync.Mutex
	named [][2]string
}

func (b *namingBudget) Tenant(console, credential string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.named = append(b.named, [2]string{console, credential})
	return console + "|" + credential
}

func (b *namingBudget) Reserve(context.Context, string, string, sentinelone.Rate, time.Time) (time.Time, func(context.Context) error, error) {
	return time.Now(), func(context.Context) error { return nil }, nil
}

// With a shared budget, every configuration's limiter books there, under its console and
// credential: an API token is its own tenant, a user's logins share one.
func TestSharedBudgetTenants(t *testing.T) {
	b := &namingBudget{}
	c := operations.NewClients(operations.ClientOptions{RateLimits: sentinelone.DefaultRateLimits(), Budget: b})
	t.Cleanup(c.Close)
	forValues := func(values map[string]any) *sentinelone.Limiter {
		cl, err := c.For(&connector.Config{Name: connector.InlineConfigName, Inline: true, Values: values})
		require.NoError(t, err)
		require.True(t, cl.Limiter().Shared())
		return cl.Limiter()
	}
	forValues(map[string]any{"host_name": "console.example.net", "api_token": "tok-1"})
	forValues(map[string]any{"host_name": "https://console.example.net/", "username": "soar", "password": "p4ss-word"})
	forValues(map[string]any{"host_name": "console.example.net", "username": "soar", "password": "other-pass"})
	stored := &connector.Config{ID: "c1", Name: "tenant", Updated: time.Unix(1, 0),
		Values: map[string]any{"host_name": "console.example.net:8443", "api_token": "tok-2"}}
	_, err := c.For(stored)
	require.NoError(t, err)
	changed := *stored
	changed.Updated, changed.Values = time.Unix(2, 0), map[string]any{"host_name": "console.example.net:8443", "api_token": "tok-3"}
	after, err := c.For(&changed)
	require.NoError(t, err)
	require.True(t, after.Limiter().Shared(), "a changed configuration books under its new credential")

	assert.Equal(t, [][2]string{
		{"https://console.example.net", "api-token\x00tok-1"},
		{"https://console.example.net", "user\x00soar"},
		{"https://console.example.net", "user\x00soar"},
		{"https://console.example.net:8443", "api-token\x00tok-2"},
		{"https://console.example.net:8443", "api-token\x00tok-3"},
	}, b.named)
}
