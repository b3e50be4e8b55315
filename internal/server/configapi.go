package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/fortisoar-connectors/sentinelone/connector"
)

// ConfigStore is what the configuration API needs from a store of named configurations.
// Changes arrive decoded from FortiSOAR's create/update shape (DecodeConfigInput); the store
// validates their values by its own rules. ref is an id or a name, as execute takes one. Errors carry connector kinds; a duplicate wraps connector.ErrConfigExists, a change
// that breaks the default rule connector.ErrConfigConflict and an unknown ref
// connector.ErrNoConfig.
type ConfigStore interface {
	List(ctx context.Context) ([]*connector.Config, error)
	Get(ctx context.Context, ref string) (*connector.Config, error)
	Create(ctx context.Context, in *connector.ConfigInput) (*connector.ConfigChange, error)
	Update(ctx context.Context, ref string, in *connector.ConfigInput) (*connector.ConfigChange, error)
	Delete(ctx context.Context, ref string) (deleted, promoted *connector.Config, err error)
}

// configAPI serves FortiSOAR's /api/integration/configuration/ routes over a store.
type configAPI struct {
	s     *Server
	store ConfigStore
}

// MountConfigAPI adds FortiSOAR's configuration API (create, list, get, update, delete) over
// store, each route with and without its trailing slash. The connector given to New should
// resolve configurations from the same store.
func (s *Server) MountConfigAPI(store ConfigStore) {
	a := &configAPI{s: s, store: store}
	g := s.echo.Group("/api/integration/configuration")
	for _, p := range []string{"/", ""} {
		g.POST(p, a.create)
		g.GET(p, a.list)
	}
	for _, p := range []string{"/:id/", "/:id"} {
		g.GET(p, a.get)
		g.PUT(p, a.update)
		g.DELETE(p, a.remove)
	}
}

// configView is one configuration as the API returns it; secrets are masked.
type configView struct {
	ID         string          `json:"config_id"`
	Name       string          `json:"name"`
	Connector  string          `json:"connector_name"`
	Version    string          `json:"connector_version"`
	Default    bool            `json:"default"`
	Active     bool            `json:"active"`
	Config     map[string]any  `json:"config"`
	Operations map[string]bool `json:"operations"`
	Created    *time.Time      `json:"created,omitempty"`
	Updated    time.Time       `json:"updated"`
	// Message and Changes say what a create or update did; other answers leave them out.
	Message string   `json:"message,omitempty"`
	Changes []string `json:"changes,omitempty"`
}

// viewConfig is cfg as every route shows it: secrets masked, each operation's switch resolved.
func (s *Server) viewConfig(cfg *connector.Config) *configView {
	m := s.conn.Manifest()
	ops := make(map[string]bool, len(m.Operations))
	for _, op := range m.Operations {
		ops[op.Name] = op.Enabled && cfg.OperationEnabled(op.Name)
	}
	v := &configView{
		ID: cfg.ID, Name: cfg.Name, Connector: cfg.Connector, Version: cfg.Version, Default: cfg.Default,
		Active: !cfg.Inactive, Config: m.MaskConfig(cfg.Values), Operations: ops, Updated: cfg.Updated,
	}
	if v.Connector == "" {
		v.Connector = m.Name
	}
	if v.Version == "" {
		v.Version = m.Version
	}
	if !cfg.Created.IsZero() {
		v.Created = &cfg.Created
	}
	return v
}

// viewChange is the answer to a create or update: the configuration and what changed.
func (s *Server) viewChange(ch *connector.ConfigChange, verb string) *configView {
	v := s.viewConfig(ch.Config)
	v.Message, v.Changes = ch.Summary(verb), ch.Changes
	if v.Changes == nil {
		v.Changes = []string{}
	}
	return v
}

// storeError gives store failures the statuses of the configuration API.
func storeError(err error) error {
	switch {
	case errors.Is(err, connector.ErrConfigExists), errors.Is(err, connector.ErrConfigConflict):
		return errorf(http.StatusConflict, "%s", err.Error())
	case errors.Is(err, connector.ErrNoConfig) && connector.KindOf(err) == connector.KindNotFound:
		return errorf(http.StatusNotFound, "%s", err.Error())
	case connector.KindOf(err) == connector.KindOperation:
		// a store failure that carries no kind is the server's fault, not the request's
		return &connector.Error{Kind: connector.KindInternal, Msg: "configuration store", Err: err}
	}
	return err
}

func (a *configAPI) create(c echo.Context) error {
	body, err := a.s.readJSON(c)
	if err != nil {
		return err
	}
	before := a.snapshot(c.Request().Context())
	in, err := DecodeConfigInput(a.s.conn.Manifest(), body)
	if err != nil {
		return err
	}
	ch, err := a.store.Create(c.Request().Context(), in)
	if err != nil {
		return storeError(err)
	}
	a.audit(c, "create", ch.Config, before)
	return c.JSON(http.StatusCreated, a.s.viewChange(ch, "created"))
}

// listEnvelope is FortiSOAR's Hydra-style collection answer.
type listEnvelope struct {
	Status       string        `json:"status"`
	TotalItems   int           `json:"totalItems"`
	ItemsPerPage int           `json:"itemsPerPage"`
	NextPage     *string       `json:"nextPage"`
	PreviousPage *string       `json:"previousPage"`
	Data         []*configView `json:"data"`
}

func (a *configAPI) list(c echo.Context) error {
	cfgs, err := a.store.List(c.Request().Context())
	if err != nil {
		return storeError(err)
	}
	name, version := c.QueryParam("connector_name"), c.QueryParam("connector_version")
	data := make([]*configView, 0, len(cfgs))
	for _, cfg := range cfgs {
		v := a.s.viewConfig(cfg)
		// Every configuration serves each version the manifest serves (1.0.0 calls too).
		if (name != "" && v.Connector != name) || (version != "" && v.Version != version && !a.s.conn.Manifest().Serves(version)) {
			continue
		}
		data = append(data, v)
	}
	return c.JSON(http.StatusOK, listEnvelope{
		Status: "Success", TotalItems: len(data), ItemsPerPage: len(data), Data: data,
	})
}

func (a *configAPI) get(c echo.Context) error {
	cfg, err := a.store.Get(c.Request().Context(), c.Param("id"))
	if err != nil {
		return storeError(err)
	}
	return c.JSON(http.StatusOK, a.s.viewConfig(cfg))
}

func (a *configAPI) update(c echo.Context) error {
	body, err := a.s.readJSON(c)
	if err != nil {
		return err
	}
	before := a.snapshot(c.Request().Context())
	in, err := DecodeConfigInput(a.s.conn.Manifest(), body)
	if err != nil {
		return err
	}
	ch, err := a.store.Update(c.Request().Context(), c.Param("id"), in)
	if err != nil {
		return storeError(err)
	}
	a.audit(c, "update", ch.Config, before)
	return c.JSON(http.StatusOK, a.s.viewChange(ch, "updated"))
}

// deleteBody answers a delete and says which configuration became the default, if any.
type deleteBody struct {
	Status     string      `json:"status"`
	Message    string      `json:"message"`
	Deleted    *configView `json:"deleted"`
	NewDefault *configView `json:"new_default"`
}

func (a *configAPI) remove(c echo.Context) error {
	before := a.snapshot(c.Request().Context())
	deleted, promoted, err := a.store.Delete(c.Request().Context(), c.Param("id"))
	if err != nil {
		return storeError(err)
	}
	a.audit(c, "delete", deleted, before)
	body := deleteBody{Status: "Success", Deleted: a.s.viewConfig(deleted)}
	switch {
	case promoted != nil:
		body.NewDefault = a.s.viewConfig(promoted)
		body.Message = fmt.Sprintf("configuration %q deleted; %q is now the default", deleted.Name, promoted.Name)
	case deleted.Default:
		body.Message = fmt.Sprintf("configuration %q deleted; no active configuration is left, so there is no default", deleted.Name)
	default:
		body.Message = fmt.Sprintf("configuration %q deleted", deleted.Name)
	}
	return c.JSON(http.StatusOK, body)
}
