package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/app"
)

// runOperations lists the manifest's operations: name, title, category, annotation.
func runOperations(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("operations", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print a JSON list instead of a table")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: sentinelone-connector operations [--json]\n\nLists the operations of info.json: name, title, category, annotation.\n\nflags:")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("operations: unexpected arguments %q", fs.Args())
	}
	m, err := app.LoadManifest(nil)
	if err != nil {
		return err
	}
	ops := append([]*connector.Operation(nil), m.Operations...)
	sort.SliceStable(ops, func(i, j int) bool { return ops[i].Name < ops[j].Name })
	if *asJSON {
		type row struct {
			Name       string `json:"name"`
			Title      string `json:"title"`
			Category   string `json:"category"`
			Annotation string `json:"annotation"`
		}
		rows := make([]row, 0, len(ops))
		for _, op := range ops {
			rows = append(rows, row{op.Name, op.Title, op.Category, op.Annotation})
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTITLE\tCATEGORY\tANNOTATION")
	for _, op := range ops {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", op.Name, op.Title, op.Category, op.Annotation)
	}
	return tw.Flush()
}

// runDescribe shows one operation and each of its parameters.
func runDescribe(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("describe", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: sentinelone-connector describe OPERATION\n\nShows the operation's parameters from info.json: type, required, default, options, description.")
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return usagef("describe: name one OPERATION (see: sentinelone-connector operations)")
	}
	m, err := app.LoadManifest(nil)
	if err != nil {
		return err
	}
	op := m.Operation(pos[0])
	if op == nil {
		return &usageError{fmt.Errorf("describe: %w", m.UnknownOperation(pos[0]))}
	}
	fmt.Fprintf(stdout, "%s: %s (category %s, annotation %s)\n", op.Name, op.Title, op.Category, op.Annotation)
	fmt.Fprintf(stdout, "%s\n", wrap(op.Description, "", 92))
	if len(op.Parameters) == 0 {
		fmt.Fprintln(stdout, "\nNo parameters.")
		return nil
	}
	fmt.Fprintln(stdout, "\nParameters:")
	describeParams(stdout, op.Parameters, "")
	fmt.Fprintf(stdout, "\nRun it: sentinelone-connector exec %s name=value ... (--dev, --data-dir DIR or --server URL)\n", op.Name)
	return nil
}

func describeParams(w io.Writer, params []*connector.Param, when string) {
	for _, p := range params {
		facts := []string{p.Type, map[bool]string{true: "required", false: "optional"}[p.Required]}
		if p.Value != nil {
			raw, _ := json.Marshal(p.Value)
			facts = append(facts, "default "+string(raw))
		}
		if len(p.Options) > 0 {
			facts = append(facts, "options: "+strings.Join(p.Options, ", "))
		}
		if p.Type == "multiselect" {
			facts = append(facts, "on the command line: a,b")
		}
		if when != "" {
			facts = append(facts, when)
		}
		fmt.Fprintf(w, "\n  %s (%s)\n", p.Name, strings.Join(facts, "; "))
		desc := p.Description
		if desc == "" {
			desc = p.Title
		}
		fmt.Fprintln(w, wrap(desc, "      ", 92))
		for _, value := range sortedOptions(p.OnChange) {
			describeParams(w, p.OnChange[value], fmt.Sprintf("when %s is %s", p.Name, value))
		}
	}
}

func sortedOptions(m map[string][]*connector.Param) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// wrap breaks text into lines of at most width characters, each starting with indent.
func wrap(text, indent string, width int) string {
	var b strings.Builder
	line := indent
	for _, word := range strings.Fields(text) {
		if len(line) > len(indent) && len(line)+1+len(word) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += word
	}
	b.WriteString(line)
	return b.String()
}
