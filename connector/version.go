package connector

import "slices"

// AcceptVersions makes the manifest serve requests and playbooks that name one of the
// earlier versions vs as well as its own: a version that only added operations and params
// serves its predecessors' calls unchanged.
func (m *Manifest) AcceptVersions(vs ...string) { m.earlier = append(m.earlier, vs...) }

// Serves reports whether a request naming version is served: the manifest's own version,
// an accepted earlier one, or none named (the installed version).
func (m *Manifest) Serves(version string) bool {
	return version == "" || version == m.Version || slices.Contains(m.earlier, version)
}
