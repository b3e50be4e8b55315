package main

import (
	"context"
	"io"
	"os"

	root "github.com/fortisoar-connectors/sentinelone"
	"github.com/fortisoar-connectors/sentinelone/internal/app"
	"github.com/fortisoar-connectors/sentinelone/internal/playbook"
	"github.com/fortisoar-connectors/sentinelone/operations"
)

// runPlaybook is the `playbook` command: run, collect and check the bundled playbooks.
// In-process runs use an App in dev mode, so operations act on an embedded simulator.
func runPlaybook(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cli := &playbook.CLI{
		Stdout: stdout, Stderr: stderr, Getenv: os.Getenv,
		InProcess: func(ctx context.Context) (playbook.Executor, func(), error) {
			a, err := app.New(ctx, app.Options{Dev: true})
			if err != nil {
				return nil, nil, err
			}
			return a.Connector, func() { _ = a.Close() }, nil
		},
		Checker: func() (*playbook.Checker, error) {
			m, err := app.LoadManifest(nil)
			if err != nil {
				return nil, err
			}
			schema, err := root.Files.ReadFile(playbook.SchemaPath)
			if err != nil {
				return nil, err
			}
			return playbook.NewChecker(m, operations.Destructive(), schema)
		},
	}
	return cli.Run(ctx, args)
}
