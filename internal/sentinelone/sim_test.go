package sentinelone_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fortisoar-connectors/sentinelone/internal/s1sim"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// startSim starts a simulator and a client for it (admin user and password
// unless mutate changes the config).
func startSim(t *testing.T, opts s1sim.Options, mutate ...func(*sentinelone.Config)) (*s1sim.Server, *sentinelone.Client) {
	t.Helper()
	srv, err := s1sim.Start(opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	cfg := sentinelone.Config{
		Host:      srv.URL,
		Username:  s1sim.AdminUser,
		Password:  s1sim.AdminPassword,
		VerifySSL: true,
		RootCAs:   srv.CertPool(),
		Timeout:   5 * time.Second,
		Retry:     sentinelone.RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, MaxWait: 3 * time.Second},
	}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := sentinelone.New(cfg)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return srv, c
}

func agentIDs(t *testing.T, items []json.RawMessage) []string {
	t.Helper()
	out := make([]string, len(items))
	for i, it := range items {
		var a struct{ ID string }
		require.NoError(t, json.Unmarshal(it, &a))
		out[i] = a.ID
	}
	return out
}

// calls lists "METHOD path auth" for each request the simulator saw.
func calls(srv *s1sim.Server) []string {
	var out []string
	for _, r := range srv.Sim.Requests() {
		out = append(out, r.Method+" "+r.Path+" "+r.Auth)
	}
	return out
}

func TestSimLoginAndWarmToken(t *testing.T) {
	srv, c := startSim(t, s1sim.Options{})
	ctx := context.Background()
	info, err := c.System.Info(ctx)
	require.NoError(t, err)
	assert.Contains(t, string(info), `"version"`)

	active := 0
	for _, a := range srv.Sim.Agents() {
		if a.IsActive {
			active++
		}
	}
	n, err := c.Agents.Count(ctx, sentinelone.Filter{"isActive": true})
	require.NoError(t, err)
	assert.Equal(t, active, n)
	assert.Equal(t, []string{
		"POST /web/api/v2.1/users/login ",
		"GET /web/api/v2.1/system/info Token",
		"GET /web/api/v2.1/agents/count Token",
	}, calls(srv), "one login, then one request per call")
}

func TestSimAPIToken(t *testing.T) {
	srv, c := startSim(t, s1sim.Options{}, func(cfg *sentinelone.Config) {
		cfg.Username, cfg.Password, cfg.APIToken = "", "", s1sim.AdminAPIToken
	})
	_, err := c.System.Info(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"GET /web/api/v2.1/system/info ApiToken"}, calls(srv))

	_, bad := startSim(t, s1sim.Options{}, func(cfg *sentinelone.Config) {
		cfg.Username, cfg.Password, cfg.APIToken = "", "", "not-a-token"
	})
	_, err = bad.System.Info(context.Background())
	assert.ErrorIs(t, err, sentinelone.ErrAPITokenRejected)
}

func TestSimWrongPassword(t *testing.T) {
	_, c := startSim(t, s1sim.Options{}, func(cfg *sentinelone.Config) { cfg.Password = "wrong-password-123" })
	_, err := c.Agents.Count(context.Background(), nil)
	require.ErrorIs(t, err, sentinelone.ErrCredentialsRejected)
	assert.NotContains(t, err.Error(), "wrong-password-123")
}

func TestSimCursorWalk(t *testing.T) {
	srv, c := startSim(t, s1sim.Options{Agents: 2500})
	ctx := context.Background()
	all, err := sentinelone.Collect(c.Agents.Pages(ctx, nil, sentinelone.ListOptions{}))
	require.NoError(t, err)
	got := agentIDs(t, all)
	var want []string
	for _, a := range srv.Sim.Agents() {
		want = append(want, a.ID)
	}
	assert.ElementsMatch(t, want, got, "every agent exactly once")

	srv.Sim.ResetRequests()
	deep, err := sentinelone.Collect(c.Agents.Pages(ctx, nil, sentinelone.ListOptions{Skip: 1500, Limit: 20}))
	require.NoError(t, err)
	assert.Equal(t, got[1500:1520], agentIDs(t, deep), "a skip beyond 1000 walks the cursor")
	for _, r := range srv.Sim.Requests() {
		q, err := url.ParseQuery(r.Query)
		require.NoError(t, err)
		assert.False(t, q.Has("skip") && q.Has("cursor"), "skip and cursor together: %s", r.Query)
		l, err := strconv.Atoi(q.Get("limit"))
		require.NoError(t, err)
		assert.LessOrEqual(t, l, sentinelone.MaxPageSize)
	}
}

func TestSimTokenExpiresDuringWalk(t *testing.T) {
	srv, c := startSim(t, s1sim.Options{Agents: 250})
	var got []string
	pages := 0
	for page, err := range c.Agents.Pages(context.Background(), nil, sentinelone.ListOptions{PageSize: 100}) {
		require.NoError(t, err)
		pages++
		got = append(got, agentIDs(t, page)...)
		if pages == 1 {
			srv.Sim.ExpireTokens()
		}
	}
	assert.Len(t, got, 250)
	assert.Len(t, slices.Compact(slices.Sorted(slices.Values(got))), 250, "no agent twice")
	logins := 0
	for _, r := range srv.Sim.Requests() {
		if r.Path == "/web/api/v2.1/users/login" {
			logins++
		}
	}
	assert.Equal(t, 2, logins)
}

func TestSimAgentActions(t *testing.T) {
	srv, c := startSim(t, s1sim.Options{})
	ctx := context.Background()
	var target []string
	for _, a := range srv.Sim.Agents() {
		if a.NetworkStatus == "connected" && !a.IsDecommissioned && len(target) < 3 {
			target = append(target, a.ID)
		}
	}
	require.Len(t, target, 3)
	n, err := c.Agents.Action(ctx, sentinelone.ActionDisconnect, sentinelone.Filter{"ids": target}, nil)
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	for _, id := range target {
		a, ok := srv.Sim.Agent(id)
		require.True(t, ok)
		assert.Equal(t, "disconnected", a.NetworkStatus)
	}
	n, err = c.Agents.Action(ctx, sentinelone.ActionBroadcast, sentinelone.Filter{"ids": target[:1]}, map[string]any{"message": "patch tonight"})
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	a, _ := srv.Sim.Agent(target[0])
	assert.Equal(t, []string{"patch tonight"}, a.Messages)

	n, err = c.Agents.Action(ctx, sentinelone.ActionDecommission, sentinelone.Filter{"ids": target[1:2]}, nil)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	require.NoError(t, c.Agents.Recommission(ctx, target[1]))
	a, _ = srv.Sim.Agent(target[1])
	assert.False(t, a.IsDecommissioned)

	passes, err := sentinelone.Collect(c.Agents.PassphrasePages(ctx, sentinelone.Filter{"ids": target[:1]}, sentinelone.ListOptions{}))
	require.NoError(t, err)
	require.Len(t, passes, 1)
	assert.Contains(t, string(passes[0]), `"passphrase"`)

	apps, err := c.Agents.Applications(ctx, target[:1])
	require.NoError(t, err)
	assert.NotEmpty(t, apps)
	procs, err := c.Agents.Processes(ctx, target[:1])
	require.NoError(t, err)
	assert.Empty(t, procs, "obsolete on 2.1")
}

func TestSimRecommissionUnsupported(t *testing.T) {
	srv, c := startSim(t, s1sim.Options{DisableRecommission: true})
	err := c.Agents.Recommission(context.Background(), srv.Sim.Agents()[0].ID)
	require.ErrorIs(t, err, sentinelone.ErrRecommissionUnsupported)
	var ae *sentinelone.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusNotFound, ae.StatusCode)
}

func TestSimThreats(t *testing.T) {
	srv, c := startSim(t, s1sim.Options{})
	ctx := context.Background()
	threat := srv.Sim.Threats()[0]

	list, err := sentinelone.Collect(c.Threats.Pages(ctx, sentinelone.Filter{"ids": []string{threat.ID}}, sentinelone.ListOptions{}))
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, []string{threat.ID}, agentIDs(t, list))

	res, err := c.Threats.Mitigate(ctx, sentinelone.MitigateQuarantine, sentinelone.Filter{"ids": []string{threat.ID}})
	require.NoError(t, err)
	assert.Equal(t, 1, res.Affected)
	after, _ := srv.Sim.Threat(threat.ID)
	assert.True(t, after.InQuarantine)
	assert.Contains(t, after.Actions, sentinelone.MitigateQuarantine)

	vr, err := c.Threats.SetAnalystVerdict(ctx, sentinelone.Filter{"ids": []string{threat.ID}}, sentinelone.VerdictFalsePositive)
	require.NoError(t, err)
	assert.Equal(t, 1, vr.Affected)
	after, _ = srv.Sim.Threat(threat.ID)
	assert.Equal(t, "false_positive", after.AnalystVerdict)

	rep, err := c.Hashes.Reputation(ctx, threat.SHA1)
	require.NoError(t, err)
	assert.JSONEq(t, `{"rank":"`+strconv.Itoa(threat.Rank)+`"}`, string(rep))
	rep, err = c.Hashes.Reputation(ctx, "0123456789012345678901234567890123456789")
	require.NoError(t, err)
	assert.JSONEq(t, `{}`, string(rep))
}

func TestSimMarkAsBenignOn20(t *testing.T) {
	srv, c := startSim(t, s1sim.Options{}, func(cfg *sentinelone.Config) { cfg.APIVersion = sentinelone.APIVersion20 })
	threat := srv.Sim.Threats()[1]
	n, err := c.Threats.MarkAsBenign(context.Background(), sentinelone.Filter{"ids": []string{threat.ID}})
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	after, _ := srv.Sim.Threat(threat.ID)
	assert.True(t, after.MarkedAsBenign)
}

func TestSimViewerIsForbiddenToAct(t *testing.T) {
	srv, c := startSim(t, s1sim.Options{}, func(cfg *sentinelone.Config) {
		cfg.Username, cfg.Password = s1sim.ViewerUser, s1sim.ViewerPassword
	})
	id := srv.Sim.Agents()[0].ID
	_, err := c.Agents.Action(context.Background(), sentinelone.ActionShutdown, sentinelone.Filter{"ids": []string{id}}, nil)
	require.ErrorIs(t, err, sentinelone.ErrPermissionDenied)
	assert.Contains(t, err.Error(), "POST /agents/actions/shutdown")
}

func TestSimFaults(t *testing.T) {
	ctx := context.Background()
	t.Run("503 burst on a read is retried", func(t *testing.T) {
		srv, c := startSim(t, s1sim.Options{})
		require.NoError(t, c.Login(ctx))
		srv.Sim.SetFaults(s1sim.Faults{FailNext: 2, FailStatus: http.StatusServiceUnavailable})
		_, err := c.Agents.Count(ctx, nil)
		require.NoError(t, err)
	})
	t.Run("503 on an action is not retried", func(t *testing.T) {
		srv, c := startSim(t, s1sim.Options{})
		require.NoError(t, c.Login(ctx))
		srv.Sim.ResetRequests()
		srv.Sim.SetFaults(s1sim.Faults{FailNext: 1, FailStatus: http.StatusServiceUnavailable})
		_, err := c.Agents.Action(ctx, sentinelone.ActionInitiateScan, sentinelone.Filter{"ids": []string{srv.Sim.Agents()[0].ID}}, nil)
		require.ErrorIs(t, err, sentinelone.ErrUnavailable)
		assert.Len(t, srv.Sim.Requests(), 1)
	})
	t.Run("dropped connection on a read is retried", func(t *testing.T) {
		srv, c := startSim(t, s1sim.Options{})
		require.NoError(t, c.Login(ctx))
		srv.Sim.SetFaults(s1sim.Faults{DropNext: 1})
		_, err := c.Agents.Count(ctx, nil)
		require.NoError(t, err)
	})
	t.Run("429 with Retry-After", func(t *testing.T) {
		srv, c := startSim(t, s1sim.Options{}, func(cfg *sentinelone.Config) { cfg.Retry.MaxWait = 1500 * time.Millisecond })
		require.NoError(t, c.Login(ctx))
		srv.Sim.SetFaults(s1sim.Faults{RateLimitEvery: 1, RetryAfter: time.Second})
		start := time.Now()
		_, err := c.Agents.Count(ctx, nil)
		var rl *sentinelone.RateLimitError
		require.ErrorAs(t, err, &rl)
		assert.Equal(t, time.Second, rl.RetryAfter)
		assert.Equal(t, 2, rl.Attempts, "a second one-second wait would pass the 1.5s cap")
		assert.GreaterOrEqual(t, time.Since(start), time.Second)
	})
	t.Run("console down", func(t *testing.T) {
		srv, c := startSim(t, s1sim.Options{})
		srv.Sim.SetFaults(s1sim.Faults{Down: true})
		_, err := c.System.Info(ctx)
		require.Error(t, err)
		var te *sentinelone.TransportError
		var ae *sentinelone.APIError
		assert.True(t, errors.As(err, &te) || errors.As(err, &ae), "a clear transport or HTTP error: %v", err)
	})
}

func TestSimTLS(t *testing.T) {
	srv, _ := startSim(t, s1sim.Options{})
	c, err := sentinelone.New(sentinelone.Config{Host: srv.URL, APIToken: s1sim.AdminAPIToken, VerifySSL: true})
	require.NoError(t, err)
	defer c.Close()
	_, err = c.System.Info(context.Background())
	var te *sentinelone.TransportError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, sentinelone.KindTLS, te.Kind)

	off, err := sentinelone.New(sentinelone.Config{Host: srv.URL, APIToken: s1sim.AdminAPIToken, VerifySSL: false})
	require.NoError(t, err)
	defer off.Close()
	_, err = off.System.Info(context.Background())
	require.NoError(t, err)
}
