package s1sim

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"
)

// timeLayout is SentinelOne's timestamp format (UTC, microseconds).
const timeLayout = "2006-01-02T15:04:05.000000Z"

// fleetEpoch anchors every generated timestamp so a seed gives the same data.
var fleetEpoch = time.Date(2024, 6, 1, 8, 0, 0, 0, time.UTC)

var (
	agentVersions = []string{"23.4.2.14", "22.3.4.7", "21.7.5.1", "23.3.2.12"}
	departments   = []string{"FIN", "ENG", "HR", "MKT", "OPS", "SALES", "IT", "LEGAL"}
	firstNames    = []string{"jdoe", "asmith", "mgarcia", "lchen", "rpatel", "kmuller", "snakamura", "obrien", "tnguyen", "ewilson", "fkhan", "bjohnson"}
	cpuModels     = []string{"Intel(R) Core(TM) i7-1185G7 @ 3.00GHz", "Intel(R) Core(TM) i5-10310U @ 1.70GHz", "AMD EPYC 7R32", "Intel(R) Xeon(R) Gold 6248R @ 3.00GHz", "Apple M2 Pro", "AMD Ryzen 7 PRO 5850U"}
	memorySizes   = []int{2048, 4096, 8192, 16384, 32768, 65536}
	coreCounts    = []int{1, 2, 4, 6, 8, 12, 16, 24, 32}
	passWords     = []string{"ONE", "WAGE", "OBEY", "FAST", "MILK", "TREE", "BLUE", "CORN", "DUSK", "ECHO", "FERN", "GOLD", "HALO", "IRON", "JADE", "KNOT", "LAMP", "MINT", "NOVA", "OPAL", "PINE", "QUIZ", "ROSE", "SALT", "TIDE", "URGE", "VAST", "WOLF", "YARN", "ZINC", "ARCH", "BOLT"}
)

// scope is one group of one site of one account.
type scope struct {
	groupID, groupName, siteID, siteName, accountID, accountName string
	filterID                                                     string // set on dynamic groups, which no agent is seeded into
}

// accounts of the seeded console: the first two sites belong to the first account, the
// third to the second, so site and account filters select different agents.
var consoleAccounts = [...]struct{ id, name string }{
	{"1217392348101239876", "Acme Corp"},
	{"1217392348101240112", "Globex Industries"},
}

// fleet is the mutable state of the simulated console.
type fleet struct {
	agents     []Agent // sorted by ID ascending
	agentIndex map[string]int
	threats    []Threat // sorted by ID ascending
	threatIdx  map[string]int
	hashRank   map[string]int // lowercase sha1 or sha256 -> rank
	alerts     []Alert        // STAR alerts, sorted by ID ascending (alerts.go)
	alertIdx   map[string]int
	scopes     []scope    // every group, with its site and account
	activities []Activity // sorted by ID ascending (the order they were recorded)
	lastActID  uint64
	// encoded caches the JSON of each agent (by index): encoding 1000
	// agents per page dominates the cost of GET /agents. Readers fill it
	// under the read lock, hence the atomics; changed drops it.
	encoded []atomic.Pointer[[]byte]
}

// changed drops the cached agent JSON; callers hold the write lock.
func (f *fleet) changed() { f.encoded = make([]atomic.Pointer[[]byte], len(f.agents)) }

// agentJSON returns the JSON of agent i, encoding it once per change.
func (f *fleet) agentJSON(i int) (json.RawMessage, error) {
	if b := f.encoded[i].Load(); b != nil {
		return *b, nil
	}
	b, err := json.Marshal(&f.agents[i])
	if err != nil {
		return nil, fmt.Errorf("encode agent %s: %w", f.agents[i].ID, err)
	}
	f.encoded[i].Store(&b)
	return b, nil
}

// newFleet generates the deterministic fleet for seed.
func newFleet(nAgents, nThreats int, seed int64) *fleet {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5e17_1e0e))
	scopes := makeScopes(rng)
	f := &fleet{
		agents:     make([]Agent, nAgents),
		agentIndex: make(map[string]int, nAgents),
	}
	id := uint64(1418295327049126913)
	for i := range f.agents {
		id += 1 + rng.Uint64N(1<<30)
		f.agents[i] = newAgent(rng, i, strconv.FormatUint(id, 10), scopes)
		f.agentIndex[f.agents[i].ID] = i
	}
	f.scopes = append(scopes, dynamicGroups(scopes)...)
	f.shareIdentities()
	f.makeThreats(rng, nThreats)
	f.changed()
	return f
}

func makeScopes(rng *rand.Rand) []scope {
	sites := []string{"Headquarters", "Branch Office EMEA", "Datacenter"}
	groups := []string{"Default Group", "Workstations", "Servers"}
	id := uint64(1301234567890123456)
	var out []scope
	for si, site := range sites {
		id += 1 + rng.Uint64N(1<<32)
		siteID := strconv.FormatUint(id, 10)
		acct := consoleAccounts[si/2]
		for _, g := range groups {
			id += 1 + rng.Uint64N(1<<32)
			out = append(out, scope{groupID: strconv.FormatUint(id, 10), groupName: g, siteID: siteID, siteName: site,
				accountID: acct.id, accountName: acct.name})
		}
	}
	return out
}

// dynamicGroups adds one dynamic group ("Linux Servers", filled by its filter) to each
// site. They are made after the agents, so the seeded fleet stays as it was.
func dynamicGroups(scopes []scope) []scope {
	var out []scope
	for _, sc := range scopes {
		if sc.groupName == "Default Group" {
			d := sc
			d.groupID = strconv.FormatUint(mustUint(sc.siteID)+7, 10)
			d.groupName, d.filterID = "Linux Servers", strconv.FormatUint(mustUint(sc.siteID)+9, 10)
			out = append(out, d)
		}
	}
	return out
}

func mustUint(s string) uint64 {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		panic(err)
	}
	return n
}

// pick returns a random element of s.
func pick[T any](rng *rand.Rand, s []T) T { return s[rng.IntN(len(s))] }

func stamp(t time.Time) string { return t.UTC().Format(timeLayout) }

// infectedShare is the share of agents, in percent, that get threats.
const infectedShare = 15

// makeThreats spreads n threats over about infectedShare percent of the
// agents (never more agents than threats). The first threat of each such
// agent is active, so every infected agent has an active threat; the others
// have seeded states. activeThreats and infected are then counted from the
// threats, so they agree with GET /threats.
func (f *fleet) makeThreats(rng *rand.Rand, n int) {
	f.threats = make([]Threat, 0, n)
	f.threatIdx = make(map[string]int, n)
	f.hashRank = make(map[string]int, n)
	var hit []int
	for i := range f.agents {
		if rng.IntN(100) < infectedShare && len(hit) < n {
			hit = append(hit, i)
		}
	}
	if len(hit) == 0 && len(f.agents) > 0 && n > 0 {
		hit = append(hit, 0)
	}
	if len(hit) == 0 {
		return
	}
	id := uint64(1428000000000000000)
	for i := 0; i < n; i++ {
		id += 1 + rng.Uint64N(1<<30)
		ai := hit[i%len(hit)]
		if i >= len(hit) {
			ai = pick(rng, hit)
		}
		t := newThreat(rng, strconv.FormatUint(id, 10), &f.agents[ai], i < len(hit))
		f.threatIdx[t.ID] = len(f.threats)
		f.hashRank[t.SHA1] = t.Rank
		f.hashRank[t.SHA256] = t.Rank
		f.threats = append(f.threats, t)
	}
	f.recount(nil)
}

// recount sets activeThreats and infected of the agents in ids (every agent
// when ids is nil) from their threats.
func (f *fleet) recount(ids map[string]bool) {
	for i := range f.agents {
		if a := &f.agents[i]; ids == nil || ids[a.ID] {
			a.ActiveThreats = 0
		}
	}
	for i := range f.threats {
		t := &f.threats[i]
		if ids != nil && !ids[t.AgentID] || !t.active() {
			continue
		}
		if ai, ok := f.agentIndex[t.AgentID]; ok {
			f.agents[ai].ActiveThreats++
		}
	}
	for i := range f.agents {
		if a := &f.agents[i]; ids == nil || ids[a.ID] {
			a.Infected = a.ActiveThreats > 0
		}
	}
}
