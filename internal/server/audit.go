package server

import (
	"context"
	"maps"
	"reflect"
	"slices"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/fortisoar-connectors/sentinelone/connector"
)

// snapshot records the configurations before a change, so that its audit lines can say
// what it changed, side effects included (the default moving to another configuration).
// It is nil when the store cannot list; the lines then cover the changed configuration only.
func (a *configAPI) snapshot(ctx context.Context) map[string]*connector.Config {
	cfgs, err := a.store.List(ctx)
	if err != nil {
		return nil
	}
	out := make(map[string]*connector.Config, len(cfgs))
	for _, cfg := range cfgs {
		out[cfg.ID] = cfg
	}
	return out
}

// audit writes the "audit configuration" lines of one change: one for the change itself
// (create, update or delete, with the names of the values it set, never the values), one
// for each activation or deactivation, and one when the default configuration changed.
// Configuration values never appear, so no secret can.
func (a *configAPI) audit(c echo.Context, change string, cfg *connector.Config, before map[string]*connector.Config) {
	ctx := c.Request().Context()
	l := a.s.log(c)
	line := func(change string, cfg *connector.Config, extra ...zap.Field) {
		fields := []zap.Field{zap.String("change", change)}
		if cfg != nil {
			fields = append(fields, zap.String("config_name", clip(cfg.Name, 128)), zap.String("config_id", cfg.ID))
		}
		l.Info("audit configuration", append(fields, extra...)...)
	}
	old := before[cfg.ID]
	switch change {
	case "create":
		line(change, cfg, zap.Strings("fields", slices.Sorted(maps.Keys(cfg.Values))),
			zap.Bool("default", cfg.Default), zap.Bool("active", !cfg.Inactive), zap.Strings("disabled_operations", cfg.Disabled))
	case "update":
		var changed []string
		renamed := false
		if old != nil {
			for _, k := range slices.Sorted(maps.Keys(mergeKeys(old.Values, cfg.Values))) {
				if !reflect.DeepEqual(old.Values[k], cfg.Values[k]) {
					changed = append(changed, k)
				}
			}
			renamed = old.Name != cfg.Name
		}
		fields := []zap.Field{zap.Strings("fields", changed), zap.Strings("disabled_operations", cfg.Disabled)}
		if renamed {
			fields = append(fields, zap.String("previous_name", clip(old.Name, 128)))
		}
		line(change, cfg, fields...)
		if old != nil && old.Inactive != cfg.Inactive {
			line(map[bool]string{true: "deactivate", false: "activate"}[cfg.Inactive], cfg)
		}
	case "delete":
		line(change, cfg)
	}
	if before == nil {
		return
	}
	after := a.snapshot(ctx)
	var was, now *connector.Config
	for _, b := range before {
		if b.Default {
			was = b
		}
	}
	for _, n := range after {
		if n.Default {
			now = n
		}
	}
	switch {
	case was == nil && now == nil, was != nil && now != nil && was.ID == now.ID:
	case now == nil:
		line("default", nil, zap.String("previous_default_name", clip(was.Name, 128)), zap.String("previous_default_id", was.ID),
			zap.String("note", "no configuration is the default now"))
	case was == nil:
		line("default", now)
	default:
		line("default", now, zap.String("previous_default_name", clip(was.Name, 128)), zap.String("previous_default_id", was.ID))
	}
}

func mergeKeys(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a)+len(b))
	for k := range a {
		out[k] = nil
	}
	for k := range b {
		out[k] = nil
	}
	return out
}
