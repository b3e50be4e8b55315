package sentinelone

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"go.uber.org/zap"
)

// auth holds the credentials and the cached session token.
type auth struct {
	direct   bool   // send the API token as "ApiToken" (no login)
	exchange bool   // log in with the API token
	apiToken string // immutable after init
	username string
	password string

	mu       sync.Mutex
	token    string        // session token; "" when none
	header   string        // "Token " + token
	inflight chan struct{} // closed when the running login ends; nil when none runs
	lastErr  error         // result of the last finished login
}

func (a *auth) init(cfg Config) {
	a.apiToken, a.username, a.password = cfg.APIToken, cfg.Username, cfg.Password
	if cfg.APIToken != "" {
		a.direct = !cfg.LoginWithAPIToken
		a.exchange = cfg.LoginWithAPIToken
	}
}

// current returns the cached session token.
func (a *auth) current() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.token
}

// take removes and returns the cached session token.
func (a *auth) take() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	tok := a.token
	a.token, a.header = "", ""
	return tok
}

// invalidate drops the cached token if it is still tok, so that many
// callers rejected with the same stale token cause a single new login.
func (a *auth) invalidate(tok string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.token == tok {
		a.token, a.header = "", ""
	}
}

// Login logs in now and caches the session token, replacing any cached one.
// With a directly used API token it does nothing.
func (c *Client) Login(ctx context.Context) error {
	if c.auth.direct {
		return nil
	}
	c.auth.invalidate(c.auth.current())
	_, err := c.sessionHeader(ctx)
	return err
}

// sessionHeader returns "Token <session token>", logging in when no token is
// cached. Only one login runs at a time; concurrent callers wait for it.
func (c *Client) sessionHeader(ctx context.Context) (string, error) {
	a := &c.auth
	for {
		a.mu.Lock()
		if a.token != "" {
			h := a.header
			a.mu.Unlock()
			return h, nil
		}
		if ch := a.inflight; ch != nil {
			a.mu.Unlock()
			select {
			case <-ch:
			case <-ctx.Done():
				return "", fmt.Errorf("log in: %w", ctx.Err())
			}
			a.mu.Lock()
			h, err := a.header, a.lastErr
			a.mu.Unlock()
			if h != "" {
				return h, nil
			}
			// The leader's own cancellation is not ours: try again.
			if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
				return "", err
			}
			continue
		}
		ch := make(chan struct{})
		a.inflight = ch
		a.mu.Unlock()

		tok, err := c.login(ctx)

		a.mu.Lock()
		if err == nil {
			a.token, a.header = tok, "Token "+tok
		}
		h := a.header
		a.lastErr = err
		a.inflight = nil
		close(ch)
		a.mu.Unlock()
		if err != nil {
			return "", err
		}
		return h, nil
	}
}

// login performs one login call and returns the session token.
func (c *Client) login(ctx context.Context) (string, error) {
	req := &request{method: http.MethodPost, endpoint: "/users/login", path: "users/login", noAuth: true, safe: true}
	what := "user " + c.auth.username
	if c.auth.exchange {
		req.endpoint, req.path = "/users/login/by-api-token", "users/login/by-api-token"
		req.body = map[string]any{"data": map[string]string{"apiToken": c.auth.apiToken}}
		what = "the API token"
	} else {
		req.body = map[string]string{"username": c.auth.username, "password": c.auth.password}
	}
	resp, err := c.call(ctx, req)
	if err != nil {
		c.observeLogin(false)
		var ae *APIError
		if errors.As(err, &ae) && ae.StatusCode == http.StatusUnauthorized {
			sentinel, why := ErrCredentialsRejected, ""
			if c.auth.exchange {
				sentinel, why = ErrAPITokenRejected, " (it may have expired)"
			}
			return "", rejected(sentinel, ae, "the login of %s was refused%s", what, why)
		}
		return "", fmt.Errorf("log in: %w", err)
	}
	var data struct {
		Token  string `json:"token"`
		Status string `json:"status"`
	}
	if len(resp.Data) > 0 {
		if err := json.Unmarshal(resp.Data, &data); err != nil {
			c.observeLogin(false)
			return "", fmt.Errorf("log in: decode answer: %w", err)
		}
	}
	if data.Token == "" {
		c.observeLogin(false)
		return "", rejected(ErrCredentialsRejected, nil, "SentinelOne answered the login of %s without a session token (status %q)",
			what, data.Status)
	}
	c.observeLogin(true)
	c.log.Debug("sentinelone login", zap.String("endpoint", req.endpoint))
	return data.Token, nil
}

func (c *Client) observeLogin(ok bool) {
	if c.obs != nil {
		c.obs.ObserveLogin(ok)
	}
}

// sendAuthed sends req with the configured authentication. With a session
// token, a 401 causes one new login and one repeat of the call.
func (c *Client) sendAuthed(ctx context.Context, req *request, body []byte) (*rawResponse, error) {
	if req.noAuth {
		return c.send(ctx, req, body, "")
	}
	if c.auth.direct {
		raw, err := c.send(ctx, req, body, "ApiToken "+c.auth.apiToken)
		if ae := unauthorized(err); ae != nil {
			return nil, rejected(ErrAPITokenRejected, ae, "the API token was refused on %s %s (it may have expired or been revoked)",
				req.method, req.callPath())
		}
		return raw, err
	}
	for try := 1; ; try++ {
		h, err := c.sessionHeader(ctx)
		if err != nil {
			return nil, err
		}
		raw, err := c.send(ctx, req, body, h)
		ae := unauthorized(err)
		if ae == nil {
			return raw, err
		}
		c.auth.invalidate(h[len("Token "):])
		if try == 2 {
			return nil, rejected(ErrCredentialsRejected, ae, "a fresh session token was refused on %s %s (the account may be disabled or its password changed)",
				req.method, req.callPath())
		}
		c.log.Info("sentinelone session token rejected, logging in again", zap.String("endpoint", req.endpoint))
	}
}

// unauthorized returns err's *APIError when it is a 401.
func unauthorized(err error) *APIError {
	var ae *APIError
	if errors.As(err, &ae) && ae.StatusCode == http.StatusUnauthorized {
		return ae
	}
	return nil
}
