package s1sim

// shareIdentities makes a few agents deliberately share what analysts name hosts by, as
// real fleets do (a reimaged host registered twice, an address reused by DHCP): the last
// agent carries the first one's computer name, and the second-to-last the
// second one's internal IPv4 address. Fleets of fewer than eight agents are left alone.
func (f *fleet) shareIdentities() {
	n := len(f.agents)
	if n < 8 {
		return
	}
	f.agents[n-1].ComputerName = f.agents[0].ComputerName
	ip := f.agents[1].NetworkInterfaces[0].Inet[0]
	dup := &f.agents[n-2]
	dup.NetworkInterfaces[0].Inet = []string{ip}
	dup.LastIPToMgmt = ip
}

// SharedIdentities returns, for tests and the README, a computer name and an internal
// address that each belong to two agents of the seeded fleet ("" when the fleet is too
// small to have them).
func (s *Simulator) SharedIdentities() (hostname, ip string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.fleet.agents) < 8 {
		return "", ""
	}
	return s.fleet.agents[0].ComputerName, s.fleet.agents[1].NetworkInterfaces[0].Inet[0]
}
