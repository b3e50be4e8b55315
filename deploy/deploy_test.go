package deploy

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goreleaser/nfpm/v2"
	"github.com/goreleaser/nfpm/v2/files"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	unitFile = "systemd/cyops-connector-sentinelone.service"
	unitName = "cyops-connector-sentinelone.service"
	stateDir = "/var/lib/cyops-connector-sentinelone"
	logDir   = "/var/log/cyops/cyops-integrations"
	envFile  = "/etc/cyops-connector-sentinelone/connector.env"
	// tokenFile and clientFile are created by %post (setup-client); the RPM owns them as ghosts.
	tokenFile  = "/etc/cyops-connector-sentinelone/api-token"
	clientFile = "/etc/cyops-connector-sentinelone/client.conf"
	bundleFile = "/usr/share/cyops-connector-sentinelone/sentinelone-1.1.0.tgz"
	account    = "cyops-sentinelone"
)

// unit maps section -> key -> values, in file order.
type unit map[string]map[string][]string

// parseUnit reads a systemd unit file; values of repeated keys are kept in order.
func parseUnit(t *testing.T, file string) unit {
	t.Helper()
	f, err := os.Open(file)
	require.NoError(t, err)
	defer f.Close()

	u := unit{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.Trim(line, "[]")
			u[section] = map[string][]string{}
		default:
			key, value, ok := strings.Cut(line, "=")
			require.True(t, ok, "line without '=': %q", line)
			require.NotEmpty(t, section, "directive outside a section: %q", line)
			u[section][strings.TrimSpace(key)] = append(u[section][strings.TrimSpace(key)], strings.TrimSpace(value))
		}
	}
	require.NoError(t, sc.Err())
	return u
}

func TestUnitHardening(t *testing.T) {
	service := parseUnit(t, unitFile)["Service"]
	require.NotNil(t, service)

	tests := []struct {
		give string   // directive
		want []string // its values, in order
	}{
		{give: "User", want: []string{account}},
		{give: "Group", want: []string{account}},
		{give: "Environment", want: []string{"CONNECTOR_DATA_DIR=" + stateDir, "CONNECTOR_API_TOKEN_FILE=" + tokenFile}},
		{give: "EnvironmentFile", want: []string{envFile}},
		{give: "ExecStart", want: []string{"/usr/bin/sentinelone-connector serve"}},
		{give: "Restart", want: []string{"on-failure"}},
		{give: "KillSignal", want: []string{"SIGTERM"}},
		{give: "NoNewPrivileges", want: []string{"yes"}},
		{give: "ProtectSystem", want: []string{"strict"}},
		{give: "ProtectHome", want: []string{"yes"}},
		{give: "PrivateTmp", want: []string{"yes"}},
		{give: "PrivateDevices", want: []string{"yes"}},
		{give: "ProtectKernelTunables", want: []string{"yes"}},
		{give: "ProtectKernelModules", want: []string{"yes"}},
		{give: "ProtectKernelLogs", want: []string{"yes"}},
		{give: "ProtectControlGroups", want: []string{"yes"}},
		{give: "RestrictAddressFamilies", want: []string{"AF_INET AF_INET6 AF_UNIX"}},
		{give: "RestrictNamespaces", want: []string{"yes"}},
		{give: "LockPersonality", want: []string{"yes"}},
		{give: "MemoryDenyWriteExecute", want: []string{"yes"}},
		{give: "RestrictRealtime", want: []string{"yes"}},
		{give: "RestrictSUIDSGID", want: []string{"yes"}},
		{give: "SystemCallArchitectures", want: []string{"native"}},
		{give: "SystemCallFilter", want: []string{"@system-service", "~@privileged @resources"}},
		{give: "ReadWritePaths", want: []string{stateDir + " " + logDir}},
		{give: "CapabilityBoundingSet", want: []string{""}},
		{give: "AmbientCapabilities", want: []string{""}},
		{give: "UMask", want: []string{"0077"}},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			assert.Equal(t, tt.want, service[tt.give])
		})
	}

	t.Run("stop timeout above the server's shutdown timeout", func(t *testing.T) {
		require.Len(t, service["TimeoutStopSec"], 1)
		stop, err := time.ParseDuration(service["TimeoutStopSec"][0])
		require.NoError(t, err)
		assert.Greater(t, stop, 30*time.Second)
		assert.LessOrEqual(t, stop, 60*time.Second)
	})

	t.Run("installed for multi-user.target", func(t *testing.T) {
		assert.Equal(t, []string{"multi-user.target"}, parseUnit(t, unitFile)["Install"]["WantedBy"])
	})
}

// verifyUnit runs systemd-analyze verify on a copy of the unit whose ExecStart binary
// is replaced by an executable placeholder, since the real one is not installed here.
func verifyUnit(t *testing.T, analyze string, content string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "sentinelone-connector")
	require.NoError(t, os.WriteFile(bin, []byte("#!/bin/sh\nexit 0\n"), 0o755))
	content = strings.ReplaceAll(content, "ExecStart=/usr/bin/sentinelone-connector", "ExecStart="+bin)
	file := filepath.Join(dir, unitName)
	require.NoError(t, os.WriteFile(file, []byte(content), 0o644))

	out, err := exec.Command(analyze, "verify", file).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func TestUnitVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed")
	}
	data, err := os.ReadFile(unitFile)
	require.NoError(t, err)

	out, err := verifyUnit(t, analyze, string(data))
	require.NoError(t, err, out)
	assert.Empty(t, out, "systemd-analyze verify reports problems")

	// The same check flags a directive that systemd does not know, so an empty
	// report above means the unit is clean.
	out, _ = verifyUnit(t, analyze, string(data)+"ProtectEverything=yes\n")
	assert.Contains(t, out, "ProtectEverything")
}

func TestNFPMConfig(t *testing.T) {
	env := map[string]string{}
	config, err := nfpm.ParseFileWithEnvMapping("nfpm.yaml", func(key string) string { return env[key] })
	require.NoError(t, err)

	assert.Equal(t, "cyops-connector-sentinelone", config.Name)
	assert.Equal(t, "1.1.0", config.Version)
	assert.Equal(t, "1", config.Release)
	assert.Equal(t, "amd64", config.Arch, "GOARCH unset: amd64, packaged as x86_64")
	assert.Equal(t, "linux", config.Platform)
	assert.Empty(t, config.RPM.Signature.KeyFile, "unsigned unless RPM_SIGNING_KEY_FILE is set")
	assert.Equal(t, map[string]string{
		"preinstall":  "deploy/scripts/preinstall.sh",
		"postinstall": "deploy/scripts/postinstall.sh",
		"preremove":   "deploy/scripts/preremove.sh",
		"postremove":  "deploy/scripts/postremove.sh",
	}, map[string]string{
		"preinstall":  config.Scripts.PreInstall,
		"postinstall": config.Scripts.PostInstall,
		"preremove":   config.Scripts.PreRemove,
		"postremove":  config.Scripts.PostRemove,
	})
	assert.Equal(t, "deploy/changelog.yml", config.Changelog)

	type want struct {
		src, typ     string
		mode         os.FileMode
		owner, group string
	}
	const share = "/usr/share/cyops-connector-sentinelone"
	tests := map[string]want{ // keyed by destination
		"/usr/bin/sentinelone-connector":      {src: "dist/sentinelone-connector", mode: 0o755},
		share:                                 {typ: files.TypeDir, mode: 0o755},
		share + "/info.json":                  {src: "info.json", mode: 0o644},
		share + "/images":                     {typ: files.TypeDir, mode: 0o755},
		share + "/images/":                    {src: "images/*.png", mode: 0o644},
		share + "/schemas":                    {typ: files.TypeDir, mode: 0o755},
		share + "/schemas/":                   {src: "schemas/*.json", mode: 0o644},
		share + "/playbooks":                  {typ: files.TypeDir, mode: 0o755},
		share + "/playbooks/":                 {src: "playbooks/*.json", mode: 0o644},
		"/etc/cyops-connector-sentinelone":    {typ: files.TypeDir, mode: 0o755, owner: "root", group: "root"},
		tokenFile:                             {typ: files.TypeRPMGhost, mode: 0o640},
		clientFile:                            {typ: files.TypeRPMGhost, mode: 0o640},
		bundleFile:                            {src: "dist/sentinelone-1.1.0.tgz", mode: 0o644},
		envFile:                               {src: "deploy/connector.env", typ: files.TypeConfigNoReplace, mode: 0o640, owner: "root", group: account},
		stateDir:                              {typ: files.TypeDir, mode: 0o750, owner: account, group: account},
		logDir:                                {typ: files.TypeDir, mode: 0o775, owner: "root", group: account},
		"/usr/lib/systemd/system/" + unitName: {src: "deploy/" + unitFile, mode: 0o644},
		"/etc/logrotate.d/cyops-connector-sentinelone":         {src: "deploy/logrotate/cyops-connector-sentinelone", typ: files.TypeConfigNoReplace, mode: 0o644},
		"/usr/share/doc/cyops-connector-sentinelone/README.md": {src: "deploy/server-README.md", typ: files.TypeRPMDoc, mode: 0o644},
	}

	got := map[string]want{}
	for _, c := range config.Contents {
		_, dup := got[c.Destination]
		require.False(t, dup, "destination listed twice: %s", c.Destination)
		w := want{src: c.Source, typ: c.Type}
		if c.FileInfo != nil {
			w.mode, w.owner, w.group = c.FileInfo.Mode, c.FileInfo.Owner, c.FileInfo.Group
		}
		got[c.Destination] = w
	}
	assert.Equal(t, tests, got)

	t.Run("files of deploy/ exist", func(t *testing.T) {
		sources := []string{config.Changelog, config.Scripts.PreInstall, config.Scripts.PostInstall,
			config.Scripts.PreRemove, config.Scripts.PostRemove}
		for _, c := range config.Contents {
			if strings.HasPrefix(c.Source, "deploy/") {
				sources = append(sources, c.Source)
			}
		}
		for _, src := range sources {
			assert.FileExists(t, filepath.Join("..", src))
		}
	})

	t.Run("GOARCH selects the architecture", func(t *testing.T) {
		env["GOARCH"] = "arm64"
		config, err := nfpm.ParseFileWithEnvMapping("nfpm.yaml", func(key string) string { return env[key] })
		require.NoError(t, err)
		assert.Equal(t, "arm64", config.Arch)
	})
}

// fakeTools writes shell scripts named like the tools the scriptlets call; each one
// appends its name and arguments to the file in $CALLS and exits with the status given
// in status (0 when absent).
func fakeTools(t *testing.T, status map[string]int, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range names {
		script := "#!/bin/sh\necho \"" + name + " $*\" >> \"$CALLS\"\nexit " + strconv.Itoa(status[name]) + "\n"
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755))
	}
	return dir
}

// runScriptlet runs an RPM scriptlet with $1 = arg and only bin on PATH; it returns the
// recorded tool calls, the scriptlet's output and its error.
func runScriptlet(t *testing.T, script, arg, bin string) ([]string, string, error) {
	t.Helper()
	calls := filepath.Join(t.TempDir(), "calls")
	cmd := exec.Command("/bin/sh", filepath.Join("scripts", script), arg)
	cmd.Env = []string{"PATH=" + bin, "CALLS=" + calls}
	out, err := cmd.CombinedOutput()

	data, readErr := os.ReadFile(calls)
	if os.IsNotExist(readErr) {
		return nil, string(out), err
	}
	require.NoError(t, readErr)
	return strings.Split(strings.TrimSpace(string(data)), "\n"), string(out), err
}

const setupClient = "sentinelone-connector setup-client --dir /etc/cyops-connector-sentinelone"

func TestSystemdScriptlets(t *testing.T) {
	tests := []struct {
		name       string
		script     string
		give       string // $1
		systemctl  int    // exit status of systemctl
		want       []string
		wantOutput string
	}{
		{
			name: "install reloads, sets up the client file and does not start", script: "postinstall.sh", give: "1",
			want:       []string{"systemctl daemon-reload", setupClient},
			wantOutput: "systemctl enable --now " + unitName,
		},
		{
			name: "upgrade post reloads and creates missing client files", script: "postinstall.sh", give: "2",
			want: []string{"systemctl daemon-reload", setupClient},
		},
		{
			name: "removal stops and disables", script: "preremove.sh", give: "0",
			want: []string{"systemctl --no-reload disable --now " + unitName},
		},
		{
			name: "upgrade keeps the service in preun", script: "preremove.sh", give: "1",
		},
		{
			name: "after removal only reloads", script: "postremove.sh", give: "0",
			want: []string{"systemctl daemon-reload"},
		},
		{
			name: "after upgrade restarts if running", script: "postremove.sh", give: "1",
			want: []string{"systemctl daemon-reload", "systemctl try-restart " + unitName},
		},
		{
			name: "systemd not running does not fail removal", script: "preremove.sh", give: "0", systemctl: 1,
			want: []string{"systemctl --no-reload disable --now " + unitName},
		},
		{
			name: "systemd not running does not fail upgrade", script: "postremove.sh", give: "1", systemctl: 1,
			want: []string{"systemctl daemon-reload", "systemctl try-restart " + unitName},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bin := fakeTools(t, map[string]int{"systemctl": tt.systemctl}, "systemctl", "sentinelone-connector")
			calls, out, err := runScriptlet(t, tt.script, tt.give, bin)
			require.NoError(t, err, out)
			assert.Equal(t, tt.want, calls)
			if tt.wantOutput != "" {
				assert.Contains(t, out, tt.wantOutput)
			} else {
				assert.Empty(t, out)
			}
		})
	}

	t.Run("install message says how to import the bundle", func(t *testing.T) {
		bin := fakeTools(t, nil, "systemctl", "sentinelone-connector")
		_, out, err := runScriptlet(t, "postinstall.sh", "1", bin)
		require.NoError(t, err, out)
		for _, want := range []string{bundleFile, clientFile, "import", envFile} {
			assert.Contains(t, out, want)
		}
	})

	t.Run("a failed setup-client does not fail the install", func(t *testing.T) {
		bin := fakeTools(t, map[string]int{"sentinelone-connector": 1}, "systemctl", "sentinelone-connector")
		_, out, err := runScriptlet(t, "postinstall.sh", "1", bin)
		require.NoError(t, err, out)
		assert.Contains(t, out, "run: sentinelone-connector setup-client")
	})

	t.Run("without systemctl", func(t *testing.T) {
		for _, script := range []string{"postinstall.sh", "preremove.sh", "postremove.sh"} {
			for _, arg := range []string{"0", "1", "2"} {
				calls, out, err := runScriptlet(t, script, arg, t.TempDir())
				require.NoError(t, err, "%s %s: %s", script, arg, out)
				assert.Empty(t, calls)
			}
		}
	})
}

func TestPreinstallAccount(t *testing.T) {
	nologin := "/sbin/nologin"
	if _, err := os.Stat(nologin); err != nil {
		nologin = "/usr/sbin/nologin"
	}
	tests := []struct {
		name    string
		give    map[string]int // exit status of each tool
		want    []string
		wantErr bool
	}{
		{
			name: "creates group and user",
			give: map[string]int{"getent": 2},
			want: []string{
				"getent group " + account,
				"groupadd -r " + account,
				"getent passwd " + account,
				"useradd -r -g " + account + " -d " + stateDir + " -M -s " + nologin +
					" -c FortiSOAR SentinelOne connector " + account,
			},
		},
		{
			name: "keeps an existing account",
			give: map[string]int{"getent": 0},
			want: []string{"getent group " + account, "getent passwd " + account},
		},
		{
			name:    "fails when the group cannot be created",
			give:    map[string]int{"getent": 2, "groupadd": 9},
			want:    []string{"getent group " + account, "groupadd -r " + account},
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bin := fakeTools(t, tt.give, "getent", "groupadd", "useradd")
			for _, arg := range []string{"1", "2"} {
				calls, out, err := runScriptlet(t, "preinstall.sh", arg, bin)
				if tt.wantErr {
					require.Error(t, err, out)
				} else {
					require.NoError(t, err, out)
				}
				assert.Equal(t, tt.want, calls)
			}
		})
	}
}
