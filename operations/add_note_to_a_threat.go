package operations

import (
	"context"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// AddNoteToAThreat adds a note to each selected threat.
const AddNoteToAThreat = "add_note_to_a_threat"

func addNoteToAThreat(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	text := call.Args().String("text")
	if strings.TrimSpace(text) == "" {
		return nil, connector.InvalidParam("text", "is blank: a note needs some text")
	}
	return threatAction(ctx, call, client, "add a note to", func(f sentinelone.Filter) (int, error) {
		res, err := client.Threats.AddNote(ctx, f, text)
		return res.Affected, err
	})
}

var addNoteToAThreatSpec = spec{name: AddNoteToAThreat, run: addNoteToAThreat, destructive: true, narrowing: threatFilterNarrowing}
