package operations

import (
	"context"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// GetThreatNotes lists every note of one threat, walking all pages.
const GetThreatNotes = "get_threat_notes"

func getThreatNotes(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	id := strings.TrimSpace(call.Args().String("threat_id"))
	opts := sentinelone.ListOptions{}
	if n, ok := call.Args().Int("limit"); ok {
		opts.Limit = int(n)
	}
	notes, err := sentinelone.Collect(client.Threats.NotePages(ctx, id, opts))
	if err != nil {
		return nil, err
	}
	return map[string]any{"threat_id": id, "count": len(notes), "notes": nonNil(notes)}, nil
}

var getThreatNotesSpec = spec{name: GetThreatNotes, run: getThreatNotes}
