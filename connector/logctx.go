package connector

import (
	"context"

	"go.uber.org/zap"
)

type loggerKey struct{}

// ContextWithLogger returns ctx carrying l, a request-scoped logger (with the request id).
func ContextWithLogger(ctx context.Context, l *zap.Logger) context.Context {
	return context.WithValue(ctx, loggerKey{}, l)
}

// LoggerFrom returns the request-scoped logger of ctx, or fallback when there is none.
func LoggerFrom(ctx context.Context, fallback *zap.Logger) *zap.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*zap.Logger); ok {
		return l
	}
	return fallback
}
