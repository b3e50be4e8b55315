// Package resilience holds the connector's fault matrix: tests, and nothing else, that drive
// the real HTTP server (the FortiSOAR execute and health check routes, with a bearer token)
// against a SentinelOne simulator whose fault knobs break the console in one way per
// scenario:
//
//   - 429 storm: every request refused with Retry-After.
//   - 5xx burst: the next N requests answered 503.
//   - latency beyond the execute deadline.
//   - session tokens expiring in the middle of a cursor walk.
//   - dropped connections.
//   - the console down (503 on everything) or gone (connection refused).
//   - SIGTERM on the real binary with 50 executes in flight.
//
// For every scenario the tests assert the final status each caller sees, that no action
// reached the console twice (the simulator's request log and the agents' state, where each
// broadcast leaves one message per application), that no goroutine outlives the test, and
// that every call ends in bounded time.
//
// The simulator is served through a tap that records the status of each request and can
// change the knobs right after a given request is answered and before its answer leaves the
// server, so a fault lands on an exact request of a sequence (for example the POST of an
// action, after its resolving GET succeeded).
//
// The retry rule under test is the SentinelOne client's: reads are retried on 429, 502, 503,
// 504 and connection failures; actions only on 429 and on failures before the request was
// sent, because otherwise the console may already have applied them.
package resilience
