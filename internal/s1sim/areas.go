package s1sim

// router routes the path segments after /web/api/<v>/ of one area of the API; ok is false
// for a path the area does not serve.
type router func(v string, segs []string) (ep endpoint, arg string, ok bool)

// areaRoutes are the areas of the API that keep their routes beside their handlers, each
// in its own file: threat triage (verdicts, notes, timeline, blocklist, exclusions),
// response (sites, groups, accounts, moves, activities), hunting (Deep Visibility,
// PowerQuery, remote scripts, files) and ingestion (alerts). Each area's file sets its entry.
var areaRoutes = []router{routeTriage, routeRespond, routeHunt, routeIngest}
