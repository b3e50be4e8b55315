// Command sentinelone-connector is the SentinelOne connector server for FortiSOAR, with its
// SentinelOne simulator and offline playbook tools.
//
// Usage:
//
//	sentinelone-connector serve [flags]     run the connector server
//	sentinelone-connector simulate [flags]  run the SentinelOne simulator
//	sentinelone-connector playbook ...      check, collect and run the bundled playbooks
//	sentinelone-connector version           print the version
//	sentinelone-connector setup-client      create the API token and FortiSOAR's client file
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "1.0.0"

// command runs one subcommand until ctx is cancelled or it finishes.
type command func(ctx context.Context, args []string, stdout, stderr io.Writer) error

var commands = map[string]command{
	"serve":    runServe,
	"simulate": runSimulate,
	"playbook": runPlaybook,
	"version":  runVersion,
	// setup-client is run by the RPM's post-install step.
	"setup-client": runSetupClient,
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "sentinelone-connector:", err)
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stderr, "usage: sentinelone-connector serve|simulate|playbook|version|setup-client [flags]")
		if len(args) == 0 {
			return errors.New("no command given")
		}
		return nil
	}
	cmd, ok := commands[args[0]]
	if !ok {
		return fmt.Errorf("unknown command %q (want serve, simulate, playbook, version or setup-client)", args[0])
	}
	return cmd(ctx, args[1:], stdout, stderr)
}
