package playbook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/santhosh-tekuri/jsonschema/v5"
)

// SchemaPath is the playbook schema's path inside the connector's embedded files.
const SchemaPath = "schemas/playbook.schema.json"

// Schema validates workflows and collections against the playbook JSON Schema.
type Schema struct {
	workflow, collection *jsonschema.Schema
}

// SchemaError lists every schema violation of one document, each with its JSON pointer.
type SchemaError struct {
	Problems []string
}

func (e *SchemaError) Error() string {
	return "schema violation(s):\n  " + strings.Join(e.Problems, "\n  ")
}

// CompileSchema compiles the playbook schema (schemas/playbook.schema.json).
func CompileSchema(schemaJSON []byte) (*Schema, error) {
	c, err := connector.NewSchemaCompiler("playbook.schema.json", schemaJSON)
	if err != nil {
		return nil, fmt.Errorf("playbook schema: %w", err)
	}
	w, err := c.Compile("playbook.schema.json#/$defs/workflow")
	if err != nil {
		return nil, fmt.Errorf("playbook schema: workflow: %w", err)
	}
	col, err := c.Compile("playbook.schema.json#/$defs/collection")
	if err != nil {
		return nil, fmt.Errorf("playbook schema: collection: %w", err)
	}
	return &Schema{workflow: w, collection: col}, nil
}

// ValidateWorkflow validates one workflow document.
func (s *Schema) ValidateWorkflow(data []byte) error { return validate(s.workflow, data) }

// ValidateCollection validates a workflow collection export.
func (s *Schema) ValidateCollection(data []byte) error { return validate(s.collection, data) }

func validate(s *jsonschema.Schema, data []byte) error {
	var doc any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("not valid JSON: %w", err)
	}
	err := s.Validate(doc)
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	var problems []string
	for _, e := range connector.SchemaLeaves(ve) {
		problems = append(problems, fmt.Sprintf("%s: %s", orRoot(e.InstanceLocation), e.Message))
	}
	sort.Strings(problems)
	return &SchemaError{Problems: problems}
}

func orRoot(ptr string) string {
	if ptr == "" {
		return "/"
	}
	return ptr
}
