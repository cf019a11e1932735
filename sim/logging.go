package sim

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// newSlogLogger routes sipgo's log/slog output into our zap logger, one level
// down: sipgo reports transaction noise (late retransmissions, ACKs after
// termination) as warnings and errors that are routine for a load peer. Once
// closed is set nothing more is written: sipgo's timer goroutines outlive
// Server.Close, and the caller's logger may be gone by then (a test's).
func newSlogLogger(l *zap.Logger, closed *atomic.Bool) *slog.Logger {
	return slog.New(&zapHandler{l: l, closed: closed})
}

type zapHandler struct {
	l      *zap.Logger
	prefix string
	closed *atomic.Bool
}

func (h *zapHandler) level(l slog.Level) zapcore.Level {
	switch {
	case l >= slog.LevelError:
		return zapcore.WarnLevel
	case l >= slog.LevelWarn:
		return zapcore.InfoLevel
	default:
		return zapcore.DebugLevel
	}
}

func (h *zapHandler) Enabled(_ context.Context, l slog.Level) bool {
	return !h.closed.Load() && h.l.Core().Enabled(h.level(l))
}

func (h *zapHandler) Handle(_ context.Context, r slog.Record) error {
	ce := h.l.Check(h.level(r.Level), r.Message)
	if ce == nil || h.closed.Load() {
		return nil
	}
	fields := make([]zap.Field, 0, r.NumAttrs())
	r.Attrs(func(a slog.Attr) bool {
		fields = append(fields, h.field(a))
		return true
	})
	ce.Write(fields...)
	return nil
}

func (h *zapHandler) field(a slog.Attr) zap.Field {
	key := h.prefix + a.Key
	v := a.Value.Resolve()
	if err, ok := v.Any().(error); ok {
		return zap.NamedError(key, err)
	}
	return zap.Any(key, v.Any())
}

func (h *zapHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	fields := make([]zap.Field, len(attrs))
	for i, a := range attrs {
		fields[i] = h.field(a)
	}
	return &zapHandler{l: h.l.With(fields...), prefix: h.prefix, closed: h.closed}
}

func (h *zapHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &zapHandler{l: h.l, prefix: h.prefix + name + ".", closed: h.closed}
}

// maskNumber keeps a number recognisable in logs without writing it out:
// "+15550100001" becomes "+15…01".
func maskNumber(n string) string {
	if len(n) <= 4 {
		return strings.Repeat("*", len(n))
	}
	return n[:3] + "…" + n[len(n)-2:]
}
