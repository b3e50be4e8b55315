// Command sentinelone-connector is the SentinelOne connector server for FortiSOAR, with its
// SentinelOne simulator, a one-operation client and offline playbook tools.
//
// Usage:
//
//	sentinelone-connector serve [flags]                     run the connector server
//	sentinelone-connector exec OPERATION [name=value …]     run one operation, print the answer
//	sentinelone-connector operations                        list the operations
//	sentinelone-connector describe OPERATION                show an operation's parameters
//	sentinelone-connector store migrate --from DIR --to URL copy the configurations into PostgreSQL
//	sentinelone-connector playbook …                        check, collect and run playbooks
//	sentinelone-connector simulate [flags]                  run the SentinelOne simulator
//	sentinelone-connector version                           print the version
//	sentinelone-connector setup-client                      create the API token and FortiSOAR's client file
//
// Exit status: 0 on success (and for --help), 1 when the work failed (exec: a "failed"
// answer), 2 on a usage error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "1.1.0"

// command runs one subcommand until ctx is cancelled or it finishes.
type command func(ctx context.Context, args []string, stdout, stderr io.Writer) error

// subcommand is a command and its line in the help.
type subcommand struct {
	name, summary string
	run           command
}

// subcommands are listed in this order by help.
var subcommands = []subcommand{
	{"serve", "run the connector server (FortiSOAR's integration API)", runServe},
	{"exec", "run one operation and print FortiSOAR's answer as JSON", runExec},
	{"operations", "list the operations of info.json (name, title, category, annotation)", runOperations},
	{"describe", "show one operation's parameters: type, required, default, options", runDescribe},
	{"ingest", "ingest threats through a server-side stream as NDJSON, acknowledging each synced batch", runIngest},
	{"store", "store migrate: copy the bbolt store into PostgreSQL, for replicas sharing it", runStore},
	{"playbook", "check, collect and run the bundled playbooks", runPlaybook},
	{"simulate", "run the SentinelOne simulator", runSimulate},
	{"version", "print the version", runVersion},
	{"setup-client", "create the API token and FortiSOAR's client file (run by the RPM's post-install step)", runSetupClient},
	{"help", "show this help, or a command's: help COMMAND", nil},
}

var commands = map[string]command{}

func init() {
	for _, c := range subcommands {
		commands[c.name] = c.run
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	code := exitCode(err)
	if code != 0 && !errors.As(err, new(*failedError)) {
		fmt.Fprintln(os.Stderr, "sentinelone-connector:", err)
	}
	os.Exit(code)
}

// usageError is a command line that cannot run: exit status 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

// failedError is work that ran and failed after saying so on stdout (exec's "failed"
// answer): exit status 1, and nothing more to print.
type failedError struct{ msg string }

func (e *failedError) Error() string { return e.msg }

// exitCode is the process exit status for run's error.
func exitCode(err error) int {
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		return 2
	}
	return 1
}

// parseFlags parses fs, making a bad flag a usage error (help stays flag.ErrHelp).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{err}
	}
	return nil
}

func writeHelp(w io.Writer) {
	fmt.Fprintln(w, "usage: sentinelone-connector COMMAND [arguments] [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, c := range subcommands {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, `Run "sentinelone-connector COMMAND --help" for a command's flags.`)
	fmt.Fprintln(w, "Exit status: 0 success, 1 failure (exec: a failed answer), 2 usage error.")
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		writeHelp(stderr)
		return usagef("no command given")
	}
	switch args[0] {
	case "-h", "-help", "--help":
		writeHelp(stdout)
		return nil
	case "help":
		if len(args) == 1 {
			writeHelp(stdout)
			return nil
		}
		if _, ok := commands[args[1]]; ok && args[1] != "help" {
			return run(ctx, []string{args[1], "--help"}, stdout, stderr)
		}
		return usagef("help: unknown command %q (want one of %s)", args[1], names())
	}
	cmd, ok := commands[args[0]]
	if !ok || cmd == nil {
		return usagef("unknown command %q (want one of %s)", args[0], names())
	}
	return cmd(ctx, args[1:], stdout, stderr)
}

func names() string {
	var n []string
	for _, c := range subcommands {
		n = append(n, c.name)
	}
	return strings.Join(n, ", ")
}
