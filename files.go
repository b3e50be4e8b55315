// Package sentinelone holds the connector's files that ship inside the binary: the manifest
// (info.json), its JSON Schemas and the icons. Everything else imports them from here, so a
// single build carries a consistent set.
package sentinelone

import "embed"

// Files is the embedded file tree: info.json, schemas/*.json and images/*.png.
//
//go:embed info.json schemas/*.json images/*.png
var Files embed.FS

// ManifestPath is the manifest's path inside Files.
const ManifestPath = "info.json"

// ManifestSchemaPath is the manifest schema's path inside Files.
const ManifestSchemaPath = "schemas/info.schema.json"

// EarlierVersions are the connector versions whose requests and playbooks this build still
// serves unchanged: 1.1.0 only added operations and params to 1.0.0's.
var EarlierVersions = []string{"1.0.0"}
