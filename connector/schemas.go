package connector

import (
	"bytes"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// SchemaLeaves returns the leaf violations of a JSON Schema validation error, in order: the
// ones that say what is wrong; the inner nodes only group them.
func SchemaLeaves(ve *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(ve.Causes) == 0 {
		return []*jsonschema.ValidationError{ve}
	}
	var out []*jsonschema.ValidationError
	for _, c := range ve.Causes {
		out = append(out, SchemaLeaves(c)...)
	}
	return out
}

// NewSchemaCompiler returns a draft 2020-12 compiler holding the schema schemaJSON under name.
func NewSchemaCompiler(name string, schemaJSON []byte) (*jsonschema.Compiler, error) {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	if err := c.AddResource(name, bytes.NewReader(schemaJSON)); err != nil {
		return nil, err
	}
	return c, nil
}
