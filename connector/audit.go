package connector

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"go.uber.org/zap"
)

// targets holds what a destructive call resolved to act on, for its audit line.
type targets struct {
	mu  sync.Mutex
	ids []string
	set bool
}

// SetTargets records the ids a destructive call acts on (or, in a dry run, would act on).
// The runtime writes them into the call's audit line; handlers call it once the selection is
// resolved, before any action request, so a refused or failed call is audited with them too.
func (c *Call) SetTargets(ids []string) {
	c.targets.mu.Lock()
	defer c.targets.mu.Unlock()
	c.targets.ids = append([]string(nil), ids...)
	c.targets.set = true
}

// Targets returns the ids recorded by SetTargets and whether any were recorded.
func (c *Call) Targets() ([]string, bool) {
	c.targets.mu.Lock()
	defer c.targets.mu.Unlock()
	return c.targets.ids, c.targets.set
}

// MaxAuditedTargets is how many target ids an audit line lists; beyond it the line holds
// their count and digest only.
const MaxAuditedTargets = 100

// WithRequestCounter sets how a call's context counts the vendor API requests made for it:
// wrap returns ctx carrying n, which the vendor client increments per HTTP attempt. The
// count goes into the call's audit line.
func WithRequestCounter(wrap func(ctx context.Context, n *atomic.Int64) context.Context) Option {
	return func(c *Connector) { c.countRequests = wrap }
}

// WithErrorClass sets how an operation's failure is classed for its audit line (e.g.
// credentials, tls, unreachable, rate_limited, server_error, timeout); a failure with a
// class is a vendor failure and is logged at WARN, "" means none.
func WithErrorClass(class func(error) string) Option {
	return func(c *Connector) { c.errorClass = class }
}

// String names the kind in logs.
func (k Kind) String() string {
	switch k {
	case KindInternal:
		return "internal"
	case KindInvalid:
		return "invalid"
	case KindNotFound:
		return "not_found"
	case KindNoConfig:
		return "no_config"
	case KindDisabled:
		return "disabled"
	case KindOperation:
		return "operation"
	case KindUnavailable:
		return "unavailable"
	case KindBusy:
		return "busy"
	case KindTimeout:
		return "timeout"
	}
	return "unknown"
}

// auditEntry is what the audit line of one execute records.
type auditEntry struct {
	operation string
	ref       string // the configuration asked for, when none was resolved
	cfg       *Config
	call      *Call
	start     time.Time
	kind      string // set by the HTTP layer for its own refusals; else from err
	err       error
}

// AuditRefused writes the audit line of an execute the HTTP layer refused before it reached
// Execute (a malformed body, no free slot): operation is what the body named, if anything,
// and kind says why (e.g. invalid, busy).
func (c *Connector) AuditRefused(ctx context.Context, operation, kind string, err error, start time.Time) {
	c.audit(ctx, auditEntry{operation: operation, kind: kind, err: err, start: start})
}

// audit writes one "audit execute" line: who asked (the request id is on the context's
// logger), what ran on which configuration, the outcome, how long it took, how many vendor
// requests it cost and, for a call that resolved targets, which ones. Never a secret: no
// param or configuration value is written.
func (c *Connector) audit(ctx context.Context, a auditEntry) {
	fields := []zap.Field{zap.String("operation", clipText(a.operation, 128))}
	switch {
	case a.cfg != nil:
		name, id := a.cfg.Name, a.cfg.ID
		if id == "" { // an inline configuration, given in the request itself
			id = "inline"
			if name == "" {
				name = "inline"
			}
		}
		fields = append(fields, zap.String("config_name", clipText(name, 128)), zap.String("config_id", id))
	case a.ref != "":
		fields = append(fields, zap.String("config_ref", clipText(a.ref, 128)))
	}
	level, class := zap.InfoLevel, ""
	if a.err == nil {
		fields = append(fields, zap.String("outcome", "success"))
	} else {
		kind := a.kind
		if kind == "" {
			kind = KindOf(a.err).String()
		}
		if c.errorClass != nil {
			class = c.errorClass(a.err)
		}
		fields = append(fields, zap.String("outcome", "failed"), zap.String("kind", kind))
		switch {
		case class != "":
			level = zap.WarnLevel
			fields = append(fields, zap.String("class", class))
		case kind == KindInternal.String():
			level = zap.ErrorLevel
		}
		fields = append(fields, zap.String("error", clipText(a.err.Error(), 512)))
	}
	fields = append(fields, zap.Duration("duration", time.Since(a.start)))
	var requests int64
	if a.call != nil {
		requests = a.call.upstream.Load()
	}
	fields = append(fields, zap.Int64("upstream_requests", requests))
	if a.call != nil {
		if dry, ok := a.call.Params["dry_run"].(bool); ok && dry {
			fields = append(fields, zap.Bool("dry_run", true))
		}
		if ids, ok := a.call.Targets(); ok {
			fields = append(fields, targetFields(ids)...)
		}
	}
	LoggerFrom(ctx, c.logger).Log(level, "audit execute", fields...)
}

// targetFields lists the ids up to MaxAuditedTargets; their count and the SHA-256 of the
// sorted ids (one per line) identify any selection, however large.
func targetFields(ids []string) []zap.Field {
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	sum := sha256.Sum256([]byte(strings.Join(sorted, "\n")))
	fields := []zap.Field{zap.Int("target_count", len(ids)), zap.String("target_digest", "sha256:"+hex.EncodeToString(sum[:]))}
	if len(ids) <= MaxAuditedTargets {
		fields = append(fields, zap.Strings("target_ids", ids))
	}
	return fields
}

// clipText bounds caller-supplied text in a log line.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}
