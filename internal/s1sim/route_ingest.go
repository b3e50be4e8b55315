package s1sim

// routeIngest routes this area's endpoints: STAR / cloud-detection alerts (alertlist.go).
func routeIngest(v string, segs []string) (endpoint, string, bool) { return routeAlerts(v, segs) }
