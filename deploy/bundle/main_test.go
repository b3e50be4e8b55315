package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testInfo = `{"name": "sentinelone", "version": "1.0.0",
		"icon_small_name": "small.png", "icon_large_name": "large.png"}`
	testPlaybooks = `{"type": "workflow_collections",
		"data": [{"@type": "WorkflowCollection", "name": "Sample - SentinelOne - 1.0.0", "workflows": []}],
		"exported_tags": []}`
)

// tarEntry is one archive member as read back from a bundle.
type tarEntry struct {
	typeflag byte
	mode     int64
	mtime    time.Time
	uid, gid int
	data     string
}

// writeTree creates files (path -> content) under root.
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		file := filepath.Join(root, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(file), 0o755))
		require.NoError(t, os.WriteFile(file, []byte(content), 0o600))
	}
}

// sourceTree returns a repository root with a complete set of bundle inputs. File modes
// are 0600 on purpose: the archive must not copy them.
func sourceTree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"info.json":                            testInfo,
		"images/small.png":                     "small-icon",
		"images/large.png":                     "large-icon",
		"playbooks/playbooks.json":             testPlaybooks,
		"playbooks/notes.txt":                  "not shipped",
		"schemas/info.schema.json":             "{}",
		"deploy/bundle-README.md":              "# readme\n",
		"deploy/bundle/python/connector.py":    "# connector\n",
		"deploy/bundle/python/client.py":       "# client\n",
		"deploy/bundle/python/tests/test_x.py": "# not shipped\n",
	})
	return root
}

// readBundle returns the members of a .tgz in archive order.
func readBundle(t *testing.T, file string) ([]string, map[string]tarEntry) {
	t.Helper()
	f, err := os.Open(file)
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	tr := tar.NewReader(zr)
	var names []string
	entries := map[string]tarEntry{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		data, err := io.ReadAll(tr)
		require.NoError(t, err)
		names = append(names, hdr.Name)
		entries[hdr.Name] = tarEntry{
			typeflag: hdr.Typeflag, mode: hdr.Mode, mtime: hdr.ModTime,
			uid: hdr.Uid, gid: hdr.Gid, data: string(data),
		}
	}
	return names, entries
}

func TestRunBuildsBundle(t *testing.T) {
	root := sourceTree(t)
	out := filepath.Join(t.TempDir(), "dist")
	t.Setenv("SOURCE_DATE_EPOCH", "")

	var stdout bytes.Buffer
	require.NoError(t, run([]string{"-root", root, "-out", out}, &stdout))

	file := filepath.Join(out, "sentinelone-1.0.0.tgz")
	assert.Equal(t, file+"\n", stdout.String())

	names, entries := readBundle(t, file)
	assert.Equal(t, []string{
		"sentinelone/",
		"sentinelone/README.md",
		"sentinelone/client.py",
		"sentinelone/connector.py",
		"sentinelone/images/",
		"sentinelone/images/large.png",
		"sentinelone/images/small.png",
		"sentinelone/info.json",
		"sentinelone/playbooks/",
		"sentinelone/playbooks/playbooks.json",
	}, names)

	for name, e := range entries {
		assert.True(t, strings.HasPrefix(name, "sentinelone/"), name)
		assert.Equal(t, defaultMTime, e.mtime.UTC(), name)
		assert.Zero(t, e.uid, name)
		assert.Zero(t, e.gid, name)
		if strings.HasSuffix(name, "/") {
			assert.Equal(t, byte(tar.TypeDir), e.typeflag, name)
			assert.Equal(t, int64(0o755), e.mode, name)
		} else {
			assert.Equal(t, byte(tar.TypeReg), e.typeflag, name)
			assert.Equal(t, int64(0o644), e.mode, name)
		}
	}
	assert.Equal(t, testInfo, entries["sentinelone/info.json"].data)
	assert.Equal(t, testPlaybooks, entries["sentinelone/playbooks/playbooks.json"].data)
	assert.Equal(t, "# readme\n", entries["sentinelone/README.md"].data)
	assert.Equal(t, "large-icon", entries["sentinelone/images/large.png"].data)
	assert.Equal(t, "# connector\n", entries["sentinelone/connector.py"].data)
}

func TestRunIsDeterministic(t *testing.T) {
	root := sourceTree(t)
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")

	first := t.TempDir()
	require.NoError(t, run([]string{"-root", root, "-out", first}, io.Discard))
	// Newer file times on disk must not change the archive.
	later := time.Now().Add(time.Hour)
	require.NoError(t, os.Chtimes(filepath.Join(root, "info.json"), later, later))
	second := t.TempDir()
	require.NoError(t, run([]string{"-root", root, "-out", second}, io.Discard))

	a, err := os.ReadFile(filepath.Join(first, "sentinelone-1.0.0.tgz"))
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(second, "sentinelone-1.0.0.tgz"))
	require.NoError(t, err)
	assert.Equal(t, a, b)

	_, entries := readBundle(t, filepath.Join(first, "sentinelone-1.0.0.tgz"))
	assert.Equal(t, time.Unix(1700000000, 0).UTC(), entries["sentinelone/info.json"].mtime.UTC())
}

func TestRunRejectsBadInputs(t *testing.T) {
	tests := []struct {
		name   string
		give   map[string]string // files written over the complete source tree
		remove string            // file removed from the source tree
		want   string            // error text
	}{
		{
			name:   "missing playbooks",
			remove: "playbooks/playbooks.json",
			want:   "playbooks.json is missing",
		},
		{
			name: "playbooks not a collection export",
			give: map[string]string{"playbooks/playbooks.json": `{"type": "workflows", "data": []}`},
			want: "want a workflow_collections export",
		},
		{
			name: "playbooks not JSON",
			give: map[string]string{"playbooks/playbooks.json": `{`},
			want: "parse",
		},
		{
			name:   "missing icon",
			remove: "images/large.png",
			want:   "images/large.png: named by info.json but missing",
		},
		{
			name: "bad version",
			give: map[string]string{"info.json": `{"name": "sentinelone", "version": "1.0"}`},
			want: `version "1.0"`,
		},
		{
			name: "name with a path",
			give: map[string]string{"info.json": `{"name": "../x", "version": "1.0.0"}`},
			want: `invalid connector name "../x"`,
		},
		{
			name:   "missing connector.py",
			remove: "deploy/bundle/python/connector.py",
			want:   "connector.py is missing",
		},
		{
			name:   "missing readme",
			remove: "deploy/bundle-README.md",
			want:   "read bundle README",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := sourceTree(t)
			writeTree(t, root, tt.give)
			if tt.remove != "" {
				require.NoError(t, os.Remove(filepath.Join(root, tt.remove)))
			}
			out := t.TempDir()

			err := run([]string{"-root", root, "-out", out}, io.Discard)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)

			left, err := os.ReadDir(out)
			require.NoError(t, err)
			assert.Empty(t, left, "a failed build leaves no file behind")
		})
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	tests := []struct {
		name string
		give []string
		env  string
		want string
	}{
		{name: "extra argument", give: []string{"dist"}, want: "unexpected arguments: dist"},
		{name: "bad SOURCE_DATE_EPOCH", env: "yesterday", want: "SOURCE_DATE_EPOCH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("SOURCE_DATE_EPOCH", tt.env)
			args := append([]string{"-root", sourceTree(t), "-out", t.TempDir()}, tt.give...)
			err := run(args, io.Discard)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

// TestRepositoryBundle builds the bundle from the repository's own files.
func TestRepositoryBundle(t *testing.T) {
	root := filepath.Join("..", "..")
	if _, err := os.Stat(filepath.Join(root, "playbooks", "playbooks.json")); err != nil {
		t.Skip("playbooks/playbooks.json not in the repository yet")
	}
	out := t.TempDir()
	require.NoError(t, run([]string{"-root", root, "-out", out}, io.Discard))

	names, entries := readBundle(t, filepath.Join(out, "sentinelone-1.1.0.tgz"))
	for _, name := range names {
		assert.True(t, strings.HasPrefix(name, "sentinelone/"), name)
	}
	for _, want := range []string{"sentinelone/info.json", "sentinelone/README.md", "sentinelone/connector.py", "sentinelone/client.py",
		"sentinelone/playbooks/playbooks.json", "sentinelone/images/small.png", "sentinelone/images/large.png"} {
		assert.Contains(t, entries, want)
	}
}
