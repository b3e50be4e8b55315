package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/fortisoar-connectors/sentinelone/internal/app"
	"github.com/fortisoar-connectors/sentinelone/internal/configstore"
	"github.com/fortisoar-connectors/sentinelone/internal/configstore/pgstore"
)

// runStore runs the store's subcommands: migrate.
func runStore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		fmt.Fprintln(stdout, "usage: sentinelone-connector store migrate --from DATA-DIR|configs.db --to postgres://… [--force]")
		if len(args) == 0 {
			return usagef("store: give a subcommand: migrate")
		}
		return nil
	}
	if args[0] != "migrate" {
		return usagef("store: unknown subcommand %q (want migrate)", args[0])
	}
	return runStoreMigrate(ctx, args[1:], stdout, stderr)
}

func runStoreMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("store migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "the bbolt store to copy: a data directory, or its "+configstore.FileName)
	to := fs.String("to", os.Getenv("CONNECTOR_STORE"), "the PostgreSQL database to copy into, postgres://user@host:5432/db (env CONNECTOR_STORE)")
	force := fs.Bool("force", false, "copy into a database that already holds configurations, replacing those of the same ids (a repeated migrate)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usagef("store migrate: unexpected arguments %q", fs.Args())
	case *from == "":
		return usagef("store migrate: --from is required: the data directory (or %s) of the bbolt store", configstore.FileName)
	case !pgstore.IsDSN(*to):
		return usagef("store migrate: --to must be a PostgreSQL URL, postgres://user@host:5432/database")
	}
	dir, err := storeDir(*from)
	if err != nil {
		return fmt.Errorf("store migrate: %w", err)
	}
	m, err := app.LoadManifest(nil)
	if err != nil {
		return err
	}
	// The source's key: CONNECTOR_SECRET_KEY when set, else its data directory's key file.
	// The target is opened with the same key, as the secrets are copied sealed.
	key, err := configstore.LoadKey(dir, os.Getenv)
	if err != nil {
		return fmt.Errorf("store migrate: %w", err)
	}
	src, err := configstore.Open(dir, m, key)
	if errors.Is(err, configstore.ErrLocked) {
		return fmt.Errorf("store migrate: %w; stop the server using it first", err)
	}
	if err != nil {
		return fmt.Errorf("store migrate: %w", err)
	}
	defer func() { _ = src.Close() }()
	dst, err := app.OpenShared(ctx, m, *to, key, nil)
	if err != nil {
		return fmt.Errorf("store migrate: %w", err)
	}
	defer func() { _ = dst.Close() }()
	rep, err := src.CopyTo(ctx, dst, *force)
	if err != nil {
		return fmt.Errorf("store migrate: %w", err)
	}
	for _, c := range rep.Configs {
		flags := ""
		if c.Default {
			flags += " default"
		}
		if c.Inactive {
			flags += " deactivated"
		}
		fmt.Fprintf(stdout, "copied configuration %q (%s, connector %s, %d sealed secrets)%s\n", c.Name, c.ID, c.Connector, c.Secrets, flags)
	}
	fmt.Fprintf(stdout, "copied %d configurations and %d stream states from %s to %s\n", len(rep.Configs), rep.Streams, src.Path(), pgstore.Redact(*to))
	if rep.Orphans > 0 {
		fmt.Fprintf(stdout, "left behind %d stream states of configurations that no longer exist\n", rep.Orphans)
	}
	if os.Getenv(configstore.KeyEnv) == "" {
		fmt.Fprintf(stdout, "every replica needs this store's secret key: give each --secret-key-file with a copy of %s (mode 0600), or set %s\n",
			filepath.Join(dir, configstore.KeyFileName), configstore.KeyEnv)
	}
	return nil
}

// storeDir is the data directory of a bbolt store named by its directory or its file; the
// store must exist (migrate never creates an empty one to copy).
func storeDir(from string) (string, error) {
	info, err := os.Stat(from)
	if err != nil {
		return "", fmt.Errorf("--from: %w", err)
	}
	dir := from
	if !info.IsDir() {
		if filepath.Base(from) != configstore.FileName {
			return "", fmt.Errorf("--from %s: want a data directory or its %s", from, configstore.FileName)
		}
		dir = filepath.Dir(from)
	}
	if _, err := os.Stat(filepath.Join(dir, configstore.FileName)); err != nil {
		return "", fmt.Errorf("--from %s: no configuration store there: %w", from, err)
	}
	return dir, nil
}
