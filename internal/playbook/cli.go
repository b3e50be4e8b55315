package playbook

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// CLI is the `playbook` command: `run` executes a workflow offline, `collect` builds the
// collection file from the playbook files.
type CLI struct {
	Stdout, Stderr io.Writer
	// Getenv reads the environment (CONNECTOR_API_TOKEN); nil reads nothing.
	Getenv func(string) string
	// InProcess returns an executor that runs operations in this process, and a function
	// that releases it. When nil, `run` requires --server.
	InProcess func(ctx context.Context) (Executor, func(), error)
	// Checker returns the checker behind `check`; when nil, `check` is not available.
	Checker func() (*Checker, error)
}

// Usage is the command's help text.
const Usage = `usage:
  playbook run FILE [--input NAME=VALUE]... [--config NAME] [--server URL] [--name PLAYBOOK]
      Runs the workflow in FILE (a playbook file, or a collection with --name) from its
      trigger step, printing each step's output as JSON. Without --server, operations run
      in this process; with --server, they are sent to POST URL/api/integration/execute/
      (with "Authorization: Bearer $CONNECTOR_API_TOKEN" when that variable is set).
  playbook check [--dir playbooks]
      Validates every playbook file and the collection against the playbook schema,
      cross-checks them against the manifest and checks that the collection is up to date.
  playbook collect [--dir playbooks] [--out playbooks/playbooks.json] [--check]
      Builds the workflow collection from the playbook files in --dir; with --check,
      writes nothing and fails when --out is not up to date.
`

// Run runs the command with args (the words after "playbook").
func (c *CLI) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(c.Stderr, Usage)
		return errors.New("playbook: missing subcommand (run, check or collect)")
	}
	switch args[0] {
	case "run":
		return c.run(ctx, args[1:])
	case "collect":
		return c.collect(args[1:])
	case "check":
		return c.check(args[1:])
	case "help", "-h", "--help":
		fmt.Fprint(c.Stdout, Usage)
		return nil
	}
	fmt.Fprint(c.Stderr, Usage)
	return fmt.Errorf("playbook: unknown subcommand %q (want run, check or collect)", args[0])
}

// inputFlag collects repeated --input NAME=VALUE flags.
type inputFlag map[string]string

func (f inputFlag) String() string { return "" }

func (f inputFlag) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	if !ok || strings.TrimSpace(name) == "" {
		return fmt.Errorf("want NAME=VALUE, got %q", s)
	}
	name = strings.TrimSpace(name)
	if _, dup := f[name]; dup {
		return fmt.Errorf("input %q given twice", name)
	}
	f[name] = value
	return nil
}

// parseInterleaved parses flags that may come before or after positional arguments.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func (c *CLI) run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("playbook run", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	inputs := inputFlag{}
	fs.Var(inputs, "input", "playbook input NAME=VALUE (repeatable)")
	config := fs.String("config", "", "configuration name or id for every connector step")
	server := fs.String("server", "", "connector server URL; empty runs operations in this process")
	name := fs.String("name", "", "playbook name, when FILE is a collection")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return fmt.Errorf("playbook run: %w", err)
	}
	if len(pos) != 1 {
		return fmt.Errorf("playbook run: want exactly one FILE, got %d", len(pos))
	}
	w, err := loadWorkflow(pos[0], *name)
	if err != nil {
		return fmt.Errorf("playbook run: %w", err)
	}
	// Everything that can be checked without running is checked before an executor exists.
	if err := CheckRunnable(w); err != nil {
		return fmt.Errorf("playbook run: %s: %w", pos[0], err)
	}
	if _, err := ResolveInputs(w, inputs); err != nil {
		return fmt.Errorf("playbook run: workflow %q: %w", w.Name, err)
	}
	var exec Executor
	switch {
	case *server != "":
		token := ""
		if c.Getenv != nil {
			token = c.Getenv("CONNECTOR_API_TOKEN")
		}
		if exec, err = NewHTTPExecutor(*server, WithBearerToken(token)); err != nil {
			return fmt.Errorf("playbook run: %w", err)
		}
	case c.InProcess != nil:
		var release func()
		if exec, release, err = c.InProcess(ctx); err != nil {
			return fmt.Errorf("playbook run: start connector: %w", err)
		}
		defer release()
	default:
		return errors.New("playbook run: in-process execution is not available in this build: use --server URL")
	}
	r := &Runner{Exec: exec, Config: *config, OnStep: func(res StepResult) error {
		raw, err := MarshalResult(res)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(c.Stdout, "%s\n", raw)
		return err
	}}
	if _, err := r.Run(ctx, w, inputs); err != nil {
		return fmt.Errorf("playbook run: %w", err)
	}
	return nil
}

// loadWorkflow reads a workflow file, or the workflow called name from a collection file.
func loadWorkflow(path, name string) (*Workflow, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if col, cerr := ParseCollection(raw); cerr == nil {
		var names []string
		for _, item := range col.Data {
			for _, w := range item.Workflows {
				if w.Name == name {
					return w, nil
				}
				names = append(names, w.Name)
			}
		}
		sort.Strings(names)
		if name == "" {
			return nil, fmt.Errorf("%s is a collection: choose a playbook with --name (one of %q)", path, names)
		}
		return nil, fmt.Errorf("%s has no playbook named %q (have %q)", path, name, names)
	}
	w, err := Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if name != "" && w.Name != name {
		return nil, fmt.Errorf("%s holds playbook %q, not %q", path, w.Name, name)
	}
	return w, nil
}

func (c *CLI) collect(args []string) error {
	fs := flag.NewFlagSet("playbook collect", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	dir := fs.String("dir", "playbooks", "directory holding the playbook files")
	out := fs.String("out", filepath.Join("playbooks", CollectionFile), "collection file to write")
	check := fs.Bool("check", false, "write nothing; fail when --out is not up to date")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("playbook collect: %w", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("playbook collect: unexpected arguments %q", fs.Args())
	}
	data, err := Collect(os.DirFS(*dir))
	if err != nil {
		return fmt.Errorf("playbook collect: %s: %w", *dir, err)
	}
	if *check {
		have, err := os.ReadFile(*out)
		if err != nil {
			return fmt.Errorf("playbook collect: %w", err)
		}
		if !bytes.Equal(have, data) {
			return fmt.Errorf("playbook collect: %s is out of date: run `make playbooks`", *out)
		}
		return nil
	}
	if err := writeFileAtomic(*out, data); err != nil {
		return fmt.Errorf("playbook collect: %w", err)
	}
	fmt.Fprintf(c.Stderr, "wrote %s\n", *out)
	return nil
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".playbooks-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func (c *CLI) check(args []string) error {
	fs := flag.NewFlagSet("playbook check", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	dir := fs.String("dir", "playbooks", "directory holding the playbook files and "+CollectionFile)
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("playbook check: %w", err)
	}
	if c.Checker == nil {
		return errors.New("playbook check: not available in this build")
	}
	chk, err := c.Checker()
	if err != nil {
		return fmt.Errorf("playbook check: %w", err)
	}
	problems, err := chk.CheckFS(os.DirFS(*dir))
	if err != nil {
		return fmt.Errorf("playbook check: %s: %w", *dir, err)
	}
	for _, p := range problems {
		fmt.Fprintln(c.Stderr, p)
	}
	if len(problems) > 0 {
		return fmt.Errorf("playbook check: %d problem(s) in %s", len(problems), *dir)
	}
	fmt.Fprintf(c.Stdout, "%s: all playbooks valid\n", *dir)
	return nil
}
