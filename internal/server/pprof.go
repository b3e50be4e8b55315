package server

import (
	"net/http"
	"net/http/pprof"
	"strings"

	"github.com/labstack/echo/v4"
)

// PprofPrefix is where Options.Pprof serves Go's profiles: /debug/pprof/ lists them,
// /debug/pprof/profile?seconds=N takes a CPU profile, /debug/pprof/heap a heap profile.
const PprofPrefix = "/debug/pprof/"

// mountPprof serves the runtime profiles behind the bearer token, when Options.Pprof is set.
// Without a token nothing is mounted: profiles reveal memory contents, secrets included.
func (s *Server) mountPprof() {
	if !s.opts.Pprof || s.opts.APIToken == "" {
		return
	}
	named := map[string]http.HandlerFunc{
		"cmdline": pprof.Cmdline, "profile": pprof.Profile, "symbol": pprof.Symbol, "trace": pprof.Trace,
	}
	s.echo.Any(PprofPrefix+"*", func(c echo.Context) error {
		name := strings.TrimPrefix(c.Request().URL.Path, PprofPrefix)
		if h, ok := named[name]; ok {
			h(c.Response(), c.Request())
			return nil
		}
		pprof.Index(c.Response(), c.Request()) // the list, and heap, goroutine, allocs, …
		return nil
	})
}
