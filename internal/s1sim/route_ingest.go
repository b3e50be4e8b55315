package s1sim

// routeIngest routes this area's endpoints; none yet.
func routeIngest(string, []string) (endpoint, string, bool) { return endpoint{}, "", false }
