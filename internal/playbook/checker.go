package playbook

import (
	"bytes"
	"fmt"
	"io/fs"

	"github.com/fortisoar-connectors/sentinelone/connector"
)

// CheckCollection cross-checks every workflow of a collection export (CheckWorkflow with
// the collection's uuid) and that workflow names and uuids are unique across it.
func CheckCollection(m *connector.Manifest, destructive map[string][]string, col *Collection) []Problem {
	var problems []Problem
	names, uuids := map[string]bool{}, map[string]string{}
	for _, item := range col.Data {
		for _, w := range item.Workflows {
			if names[w.Name] {
				problems = append(problems, Problem{Workflow: w.Name, Message: "another workflow of the collection has the same name"})
			}
			names[w.Name] = true
			ids := []string{w.UUID}
			for _, s := range w.Steps {
				ids = append(ids, s.UUID)
			}
			for _, r := range w.Routes {
				ids = append(ids, r.UUID)
			}
			for _, id := range ids {
				if prev, dup := uuids[id]; dup && prev != w.Name {
					problems = append(problems, Problem{Workflow: w.Name, Message: fmt.Sprintf("uuid %s is also used by workflow %q", id, prev)})
				}
				uuids[id] = w.Name
			}
			problems = append(problems, CheckWorkflow(m, destructive, w, item.UUID)...)
		}
	}
	return problems
}

// Checker checks a directory of playbooks: schema, cross-checks and collection freshness.
type Checker struct {
	manifest    *connector.Manifest
	destructive map[string][]string
	schema      *Schema
}

// NewChecker returns a Checker for manifest m, the destructive operations' narrowing params
// (see CheckWorkflow) and the playbook schema schemaJSON.
func NewChecker(m *connector.Manifest, destructive map[string][]string, schemaJSON []byte) (*Checker, error) {
	s, err := CompileSchema(schemaJSON)
	if err != nil {
		return nil, err
	}
	return &Checker{manifest: m, destructive: destructive, schema: s}, nil
}

// CheckFS checks every workflow file at the top of fsys (schema, then CheckWorkflow with
// CollectionUUID) and the collection file CollectionFile (schema, CheckCollection, and
// equality with what Collect builds). It returns every finding, prefixed with its file.
func (c *Checker) CheckFS(fsys fs.FS) ([]string, error) {
	files, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, fmt.Errorf("list playbooks: %w", err)
	}
	var out []string
	haveCollection := false
	for _, file := range files {
		raw, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, fmt.Errorf("read playbook: %w", err)
		}
		if file == CollectionFile {
			haveCollection = true
			out = append(out, c.checkCollection(fsys, raw)...)
			continue
		}
		if err := c.schema.ValidateWorkflow(raw); err != nil {
			out = append(out, fmt.Sprintf("%s: %v", file, err))
			continue
		}
		w, err := Parse(raw)
		if err != nil {
			out = append(out, fmt.Sprintf("%s: %v", file, err))
			continue
		}
		for _, p := range CheckWorkflow(c.manifest, c.destructive, w, CollectionUUID) {
			out = append(out, fmt.Sprintf("%s: %s", file, p))
		}
	}
	if !haveCollection {
		out = append(out, CollectionFile+": missing: run `make playbooks`")
	}
	return out, nil
}

func (c *Checker) checkCollection(fsys fs.FS, raw []byte) []string {
	if err := c.schema.ValidateCollection(raw); err != nil {
		return []string{fmt.Sprintf("%s: %v", CollectionFile, err)}
	}
	var out []string
	col, err := ParseCollection(raw)
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", CollectionFile, err)}
	}
	for _, p := range CheckCollection(c.manifest, c.destructive, col) {
		out = append(out, fmt.Sprintf("%s: %s", CollectionFile, p))
	}
	want, err := Collect(fsys)
	if err != nil {
		return append(out, fmt.Sprintf("%s: %v", CollectionFile, err))
	}
	if !bytes.Equal(raw, want) {
		out = append(out, fmt.Sprintf("%s: out of date with the playbook files: run `make playbooks`", CollectionFile))
	}
	return out
}
