package s1sim

// routeHunt routes this area's endpoints; none yet.
func routeHunt(string, []string) (endpoint, string, bool) { return endpoint{}, "", false }
