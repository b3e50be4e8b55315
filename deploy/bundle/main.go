// Command bundle builds the FortiSOAR import bundle of the connector: a gzip-compressed
// tar archive <name>-<version>.tgz with one top folder <name>/ that holds connector.py
// (and the other Python modules of deploy/bundle/python), info.json, images/,
// playbooks/playbooks.json and README.md. FortiSOAR imports the top folder as a Python
// package and runs the Connector class of <name>.connector.
//
// The archive is deterministic: entries are sorted, every entry has the same
// modification time (SOURCE_DATE_EPOCH when set), owner root, and mode 0644 for files
// and 0755 for directories.
//
// Usage, from the repository root:
//
//	go run ./deploy/bundle -out dist/
package main

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

const (
	fileMode = 0o644
	dirMode  = 0o755
)

// defaultMTime is the entries' modification time when SOURCE_DATE_EPOCH is not set.
var defaultMTime = time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)

var versionPattern = regexp.MustCompile(`^[1-9]\d*\.\d+\.\d+$`)

// options are the inputs of one bundle build.
type options struct {
	root   string    // repository root holding info.json, images/ and playbooks/
	readme string    // bundle README, stored as <name>/README.md
	python string    // directory of the Python modules, connector.py among them
	out    string    // output directory
	mtime  time.Time // modification time of every entry
}

// manifest is the part of info.json that the bundle needs.
type manifest struct {
	Name          string `json:"name"`
	Version       string `json:"version"`
	IconSmallName string `json:"icon_small_name"`
	IconLargeName string `json:"icon_large_name"`
}

// entry is one file or directory of the archive.
type entry struct {
	name string // path inside the archive; directories end in "/"
	data []byte // nil for directories
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bundle:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fset := flag.NewFlagSet("bundle", flag.ContinueOnError)
	opts := options{}
	fset.StringVar(&opts.root, "root", ".", "repository root holding info.json, images/ and playbooks/")
	fset.StringVar(&opts.readme, "readme", "", "bundle README (default <root>/deploy/bundle-README.md)")
	fset.StringVar(&opts.out, "out", "dist", "output directory")
	fset.StringVar(&opts.python, "python", "", "directory of the Python modules (default <root>/deploy/bundle/python)")
	if err := fset.Parse(args); err != nil {
		return err
	}
	if fset.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fset.Args(), " "))
	}
	if opts.readme == "" {
		opts.readme = filepath.Join(opts.root, "deploy", "bundle-README.md")
	}
	if opts.python == "" {
		opts.python = filepath.Join(opts.root, "deploy", "bundle", "python")
	}
	mtime, err := sourceDateEpoch(os.Getenv("SOURCE_DATE_EPOCH"))
	if err != nil {
		return err
	}
	opts.mtime = mtime

	file, err := build(opts)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, file)
	return nil
}

// sourceDateEpoch parses SOURCE_DATE_EPOCH (seconds since the Unix epoch); empty means
// defaultMTime.
func sourceDateEpoch(value string) (time.Time, error) {
	if value == "" {
		return defaultMTime, nil
	}
	secs, err := strconv.ParseInt(value, 10, 64)
	if err != nil || secs < 0 {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH %q: want seconds since 1970-01-01", value)
	}
	return time.Unix(secs, 0).UTC(), nil
}

// build collects the bundle's files and writes <out>/<name>-<version>.tgz, returning its
// path. The archive is written to a temporary file first, so a failed build leaves no
// partial bundle behind.
func build(opts options) (string, error) {
	m, entries, err := collect(opts)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(opts.out, 0o755); err != nil {
		return "", fmt.Errorf("create output directory: %w", err)
	}
	target := filepath.Join(opts.out, m.Name+"-"+m.Version+".tgz")
	tmp, err := os.CreateTemp(opts.out, ".bundle-*.tgz")
	if err != nil {
		return "", fmt.Errorf("create bundle: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename

	if err := writeArchive(tmp, entries, opts.mtime); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write %s: %w", target, err)
	}
	if err := tmp.Chmod(fileMode); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write %s: %w", target, err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("write %s: %w", target, err)
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return "", fmt.Errorf("write %s: %w", target, err)
	}
	return target, nil
}

// collect reads and checks the bundle's inputs and returns the manifest and the
// archive entries, sorted by name.
func collect(opts options) (manifest, []entry, error) {
	root, readme := opts.root, opts.readme
	infoData, err := os.ReadFile(filepath.Join(root, "info.json"))
	if err != nil {
		return manifest{}, nil, fmt.Errorf("read manifest: %w", err)
	}
	var m manifest
	if err := json.Unmarshal(infoData, &m); err != nil {
		return manifest{}, nil, fmt.Errorf("parse info.json: %w", err)
	}
	if m.Name == "" || m.Name != path.Base(m.Name) || m.Name == "." || m.Name == ".." {
		return manifest{}, nil, fmt.Errorf("info.json: invalid connector name %q", m.Name)
	}
	if !versionPattern.MatchString(m.Version) {
		return manifest{}, nil, fmt.Errorf("info.json: version %q does not match %s", m.Version, versionPattern)
	}

	playbooks, err := readPlaybooks(filepath.Join(root, "playbooks", "playbooks.json"))
	if err != nil {
		return manifest{}, nil, err
	}
	readmeData, err := os.ReadFile(readme)
	if err != nil {
		return manifest{}, nil, fmt.Errorf("read bundle README: %w", err)
	}
	images, err := readImages(filepath.Join(root, "images"), m)
	if err != nil {
		return manifest{}, nil, err
	}
	modules, err := readPython(opts.python)
	if err != nil {
		return manifest{}, nil, err
	}

	top := m.Name + "/"
	entries := []entry{
		{name: top},
		{name: top + "info.json", data: infoData},
		{name: top + "README.md", data: readmeData},
		{name: top + "images/"},
		{name: top + "playbooks/"},
		{name: top + "playbooks/playbooks.json", data: playbooks},
	}
	for name, data := range images {
		entries = append(entries, entry{name: top + "images/" + name, data: data})
	}
	for name, data := range modules {
		entries = append(entries, entry{name: top + name, data: data})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].name < entries[j].name })
	return m, entries, nil
}

// readPlaybooks reads the playbook collection export and checks its shape.
func readPlaybooks(file string) ([]byte, error) {
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s is missing: the bundle needs the exported playbook collection; "+
			"add it before building the bundle", file)
	}
	if err != nil {
		return nil, fmt.Errorf("read playbooks: %w", err)
	}
	var export struct {
		Type string            `json:"type"`
		Data []json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(data, &export); err != nil {
		return nil, fmt.Errorf("parse %s: %w", file, err)
	}
	if export.Type != "workflow_collections" || len(export.Data) == 0 {
		return nil, fmt.Errorf("%s: want a workflow_collections export with at least one collection", file)
	}
	return data, nil
}

// readPython reads the Python modules (*.py) of dir, which must include connector.py:
// without it FortiSOAR has nothing to run.
func readPython(dir string) (map[string][]byte, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.py"))
	if err != nil {
		return nil, fmt.Errorf("read Python modules: %w", err)
	}
	modules := make(map[string][]byte, len(files))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read Python modules: %w", err)
		}
		modules[filepath.Base(file)] = data
	}
	if _, ok := modules["connector.py"]; !ok {
		return nil, fmt.Errorf("%s: connector.py is missing: FortiSOAR runs the bundle's connector.py", dir)
	}
	return modules, nil
}

// readImages reads the regular files of dir, which must include the icons that the
// manifest names.
func readImages(dir string, m manifest) (map[string][]byte, error) {
	list, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read images: %w", err)
	}
	images := make(map[string][]byte, len(list))
	for _, d := range list {
		if !d.Type().IsRegular() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, d.Name()))
		if err != nil {
			return nil, fmt.Errorf("read images: %w", err)
		}
		images[d.Name()] = data
	}
	for _, icon := range []string{m.IconSmallName, m.IconLargeName} {
		if icon == "" {
			continue
		}
		if _, ok := images[icon]; !ok {
			return nil, fmt.Errorf("images/%s: named by info.json but missing", icon)
		}
	}
	if len(images) == 0 {
		return nil, fmt.Errorf("images: no icon files in %s", dir)
	}
	return images, nil
}

// writeArchive writes entries as a gzip-compressed tar archive. Headers carry no
// host-specific data (owner root, fixed mode and time), so the same inputs give the
// same bytes.
func writeArchive(w io.Writer, entries []entry, mtime time.Time) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return fmt.Errorf("gzip: %w", err)
	}
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		hdr := &tar.Header{
			Name:    e.name,
			ModTime: mtime,
			Uname:   "root",
			Gname:   "root",
			Format:  tar.FormatUSTAR,
		}
		if strings.HasSuffix(e.name, "/") {
			hdr.Typeflag = tar.TypeDir
			hdr.Mode = dirMode
		} else {
			hdr.Typeflag = tar.TypeReg
			hdr.Mode = fileMode
			hdr.Size = int64(len(e.data))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("tar header %s: %w", e.name, err)
		}
		if _, err := tw.Write(e.data); err != nil {
			return fmt.Errorf("tar data %s: %w", e.name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("tar: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("gzip: %w", err)
	}
	return nil
}
