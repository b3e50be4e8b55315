package s1sim

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

type application struct {
	Name          string `json:"name"`
	Publisher     string `json:"publisher"`
	Version       string `json:"version"`
	Size          int    `json:"size"`
	InstalledDate string `json:"installedDate"`
}

// process is one item of GET /agents/processes on v2.0.
type process struct {
	ProcessName    string  `json:"processName"`
	PID            int     `json:"pid"`
	CPUUsage       float64 `json:"cpuUsage"`
	MemoryUsage    float64 `json:"memoryUsage"`
	StartTime      string  `json:"startTime"`
	ExecutablePath string  `json:"executablePath"`
}

var appCatalog = map[string][]application{
	"windows": {
		{Name: "Google Chrome", Publisher: "Google LLC", Version: "124.0.6367.91"},
		{Name: "Microsoft Office Professional Plus 2019", Publisher: "Microsoft Corporation", Version: "16.0.10407.20032"},
		{Name: "7-Zip 23.01 (x64)", Publisher: "Igor Pavlov", Version: "23.01"},
		{Name: "Notepad++ (64-bit x64)", Publisher: "Notepad++ Team", Version: "8.6.5"},
		{Name: "Zoom Workplace", Publisher: "Zoom Video Communications, Inc.", Version: "6.0.2"},
		{Name: "Mozilla Firefox (x64 en-US)", Publisher: "Mozilla", Version: "125.0.3"},
		{Name: "Microsoft Visual C++ 2015-2022 Redistributable (x64)", Publisher: "Microsoft Corporation", Version: "14.38.33135.0"},
		{Name: "Adobe Acrobat Reader", Publisher: "Adobe Inc.", Version: "24.002.20736"},
	},
	"macos": {
		{Name: "Google Chrome", Publisher: "Google LLC", Version: "124.0.6367.91"},
		{Name: "Slack", Publisher: "Slack Technologies, Inc.", Version: "4.38.121"},
		{Name: "Microsoft Word", Publisher: "Microsoft Corporation", Version: "16.84"},
		{Name: "iTerm", Publisher: "George Nachman", Version: "3.4.23"},
		{Name: "Visual Studio Code", Publisher: "Microsoft Corporation", Version: "1.89.0"},
		{Name: "zoom.us", Publisher: "Zoom Video Communications, Inc.", Version: "6.0.2"},
	},
	"linux": {
		{Name: "openssh-server", Publisher: "Ubuntu Developers", Version: "1:8.9p1-3ubuntu0.7"},
		{Name: "nginx", Publisher: "Ubuntu Developers", Version: "1.18.0-6ubuntu14.4"},
		{Name: "python3", Publisher: "Ubuntu Developers", Version: "3.10.6-1~22.04"},
		{Name: "curl", Publisher: "Ubuntu Developers", Version: "7.81.0-1ubuntu1.16"},
		{Name: "docker-ce", Publisher: "Docker Inc.", Version: "5:26.1.1-1~ubuntu.22.04~jammy"},
	},
}

var processCatalog = map[string][]string{
	"windows": {`C:\Windows\System32\svchost.exe`, `C:\Windows\explorer.exe`, `C:\Program Files\Google\Chrome\Application\chrome.exe`, `C:\Windows\System32\lsass.exe`, `C:\Program Files\SentinelOne\Sentinel Agent\SentinelAgent.exe`},
	"macos":   {"/sbin/launchd", "/System/Library/CoreServices/Finder.app/Contents/MacOS/Finder", "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome", "/Library/Sentinel/sentinel-agent.bundle/Contents/MacOS/sentineld"},
	"linux":   {"/usr/lib/systemd/systemd", "/usr/sbin/sshd", "/usr/sbin/nginx", "/opt/sentinelone/bin/sentinelone-agent"},
}

// agentRNG returns a generator that depends only on the fleet seed and the
// agent's ID, so per-agent listings are stable across calls.
func agentRNG(seed int64, agentID string) *rand.Rand {
	n, _ := strconv.ParseUint(agentID, 10, 64)
	return rand.New(rand.NewPCG(uint64(seed), n))
}

func applicationsOf(seed int64, a *Agent) []application {
	rng := agentRNG(seed, a.ID)
	catalog := appCatalog[a.OSType]
	out := make([]application, 0, len(catalog))
	for _, app := range catalog {
		if rng.IntN(4) == 0 {
			continue
		}
		app.Size = 1024 * (500 + rng.IntN(400000))
		app.InstalledDate = stamp(fleetEpoch.Add(-time.Duration(rng.IntN(500*24)) * time.Hour))
		out = append(out, app)
	}
	return out
}

func processesOf(seed int64, a *Agent) []process {
	rng := agentRNG(seed, a.ID)
	paths := processCatalog[a.OSType]
	out := make([]process, 0, len(paths))
	for _, p := range paths {
		base := p[strings.LastIndexAny(p, `\/`)+1:]
		out = append(out, process{
			ProcessName:    base,
			PID:            100 + rng.IntN(30000),
			CPUUsage:       float64(rng.IntN(1000)) / 10,
			MemoryUsage:    float64(rng.IntN(20000)) / 10,
			StartTime:      stamp(fleetEpoch.Add(-time.Duration(rng.IntN(7*24*3600)) * time.Second)),
			ExecutablePath: p,
		})
	}
	return out
}
