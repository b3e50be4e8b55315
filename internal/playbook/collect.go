package playbook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
)

// The bundled collection.
const (
	// CollectionName is the name FortiSOAR shows for the bundled collection.
	CollectionName = "Sample - SentinelOne - 1.1.0"
	// CollectionUUID is the bundled collection's stable uuid (uuid v5 of its name); every
	// bundled workflow's collection IRI points at it.
	CollectionUUID = "bdb38e4a-d926-5af4-b6de-ca39bdb65135"
	// CollectionFile is the collection's file name inside the playbooks directory; Collect
	// skips it when reading workflows.
	CollectionFile = "playbooks.json"
	// collectionDescription is the collection's description.
	collectionDescription = "Sample playbooks for the SentinelOne connector: one playbook per supported action. They are inactive after import; activate and adapt them before use."
)

// collectionDoc is the export envelope; field order is the file's key order.
type collectionDoc struct {
	Type         string       `json:"type"`
	Data         []collection `json:"data"`
	ExportedTags []string     `json:"exported_tags"`
}

type collection struct {
	Type        string            `json:"@type"`
	UUID        string            `json:"uuid"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Visible     bool              `json:"visible"`
	Image       *string           `json:"image"`
	RecordTags  []string          `json:"recordTags"`
	Workflows   []json.RawMessage `json:"workflows"`
}

// Collect builds the workflow collection from every *.json file at the top of fsys except
// CollectionFile: workflows sorted by name, each keeping its own key order, 2-space indent,
// no HTML escaping, trailing newline. Two workflows with the same name or uuid are an error.
func Collect(fsys fs.FS) ([]byte, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, fmt.Errorf("list playbooks: %w", err)
	}
	type item struct {
		name string
		raw  json.RawMessage
	}
	var items []item
	byName, byUUID := map[string]string{}, map[string]string{}
	for _, file := range names {
		if path.Base(file) == CollectionFile {
			continue
		}
		raw, err := fs.ReadFile(fsys, file)
		if err != nil {
			return nil, fmt.Errorf("read playbook: %w", err)
		}
		w, err := Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if w.Name == "" || w.UUID == "" {
			return nil, fmt.Errorf("%s: workflow without name or uuid", file)
		}
		if prev, dup := byName[w.Name]; dup {
			return nil, fmt.Errorf("%s: workflow name %q is also used by %s", file, w.Name, prev)
		}
		if prev, dup := byUUID[w.UUID]; dup {
			return nil, fmt.Errorf("%s: workflow uuid %s is also used by %s", file, w.UUID, prev)
		}
		byName[w.Name], byUUID[w.UUID] = file, file
		var compact bytes.Buffer
		if err := json.Compact(&compact, raw); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		items = append(items, item{name: w.Name, raw: compact.Bytes()})
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("no playbooks (*.json) found")
	}
	sort.Slice(items, func(i, j int) bool { return items[i].name < items[j].name })
	c := collection{
		Type: "WorkflowCollection", UUID: CollectionUUID, Name: CollectionName,
		Description: collectionDescription, Visible: true, RecordTags: []string{"Sentinelone"},
	}
	for _, it := range items {
		c.Workflows = append(c.Workflows, it.raw)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(collectionDoc{Type: "workflow_collections", Data: []collection{c}, ExportedTags: []string{}}); err != nil {
		return nil, fmt.Errorf("encode collection: %w", err)
	}
	return buf.Bytes(), nil
}

// Collection is a decoded workflow collection export.
type Collection struct {
	Type string `json:"type"`
	Data []struct {
		Type      string      `json:"@type"`
		UUID      string      `json:"uuid"`
		Name      string      `json:"name"`
		Workflows []*Workflow `json:"workflows"`
	} `json:"data"`
}

// ParseCollection decodes a workflow collection export.
func ParseCollection(data []byte) (*Collection, error) {
	var c Collection
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("decode collection: %w", err)
	}
	if c.Type != "workflow_collections" {
		return nil, fmt.Errorf("decode collection: type is %q, want \"workflow_collections\"", c.Type)
	}
	return &c, nil
}
