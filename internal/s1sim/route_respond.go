package s1sim

// routeRespond routes this area's endpoints; none yet.
func routeRespond(string, []string) (endpoint, string, bool) { return endpoint{}, "", false }
