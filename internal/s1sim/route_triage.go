package s1sim

// routeTriage routes this area's endpoints; none yet.
func routeTriage(string, []string) (endpoint, string, bool) { return endpoint{}, "", false }
