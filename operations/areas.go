package operations

// The operations added after 1.0.0 are grouped by area, each area listing its specs in its
// own file so the areas grow without touching one another: threat triage (verdicts, notes,
// timeline, hash verdict, blocklist, exclusions), response by name and scope, hunting and
// collection, and ingestion.
func areaSpecs() []spec {
	var out []spec
	for _, area := range [][]spec{triageSpecs(), respondSpecs(), huntSpecs(), ingestSpecs()} {
		out = append(out, area...)
	}
	return out
}
