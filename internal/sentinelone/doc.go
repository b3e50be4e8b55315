// Package sentinelone is a small REST client for the SentinelOne management
// API (versions 2.1 and 2.0). It covers the calls a SOAR connector needs:
// agents (list, count, actions, passphrases, applications, processes,
// legacy recommission), threats (list, mitigate, mark as benign, analyst
// verdict), hash reputation and system info.
//
// # Shape
//
// One [Client] holds the configuration, the pooled HTTP transport and the
// authentication state. Services ([AgentsService], [ThreatsService],
// [HashesService], [SystemService]) hang off the client as fields and share
// it. Every call resolves a path relative to /web/api/v{version}/ and goes
// through one request path, so headers, authentication, retries and error
// mapping live in one place.
//
// # Authentication
//
// With Config.APIToken the token is sent directly as "Authorization: ApiToken
// <token>" and no login happens; a 401 then means the token was rejected.
// With a username and password the client logs in once (POST /users/login),
// caches the session token, and sends "Authorization: Token <token>". The
// token is shared by concurrent calls: only one login runs at a time and
// other callers wait for its result. On a 401 the client logs in once more
// and repeats the call once; a second 401 is reported as
// [ErrCredentialsRejected].
//
// # Retry rule
//
// A call is retried only when repeating it cannot do harm:
//
//   - 429 Too Many Requests: always retried, for reads and actions alike,
//     because SentinelOne refused the request without acting on it. The
//     client waits for Retry-After (seconds or an HTTP date) or, without the
//     header, an exponential backoff with jitter.
//   - 502, 503, 504 and connection failures (reset, dropped connection,
//     per-request timeout): retried for reads (GET) only. For an action
//     (POST) the console may already have applied it, so repeating it could
//     act twice; the error is returned instead.
//   - Failures before the request was sent (DNS failure, connection refused,
//     any error before the request headers were written): retried for every
//     method, since SentinelOne cannot have seen the request.
//   - Everything else (400, 401, 403, 404, TLS verification failures, other
//     5xx) is returned at once.
//
// The login call (a POST) follows the same rule. Attempts, base delay, the
// cap on one delay and the cap on the total time spent waiting are set by
// [RetryPolicy]. Cancelling the caller's context stops waiting at once.
//
// # Pagination
//
// List endpoints are iterated page by page with range-over-func iterators
// (for example [AgentsService.Pages]); nothing beyond the current page is
// held in memory. A skip beyond SentinelOne's skip cap (1000) is served by
// walking the cursor and discarding items; skip and cursor are never sent
// together.
//
// # Secrets
//
// Passwords, API tokens and session tokens never appear in errors or logs:
// they travel only in request headers and the login body, and any echo of
// them in a response's error text is redacted.
package sentinelone
