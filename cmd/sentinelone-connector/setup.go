package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
)

// The RPM's post-install step runs setup-client once: it creates the bearer token the
// server requires (api-token, read by the service's group) and the client file that
// FortiSOAR's connector.py reads (client.conf: the server's URL and the same token, read
// by FortiSOAR's integrations group). Existing files are never changed.

const (
	tokenFileName  = "api-token"
	clientFileName = "client.conf"
)

func runSetupClient(_ context.Context, args []string, stdout, stderr io.Writer) error {
	set := flag.NewFlagSet("setup-client", flag.ContinueOnError)
	set.SetOutput(stderr)
	dir := set.String("dir", "/etc/cyops-connector-sentinelone", "directory of api-token and client.conf")
	url := set.String("url", "http://127.0.0.1:8787", "URL at which FortiSOAR reaches the server")
	serviceGroup := set.String("service-group", "cyops-sentinelone", "group of api-token (the service's)")
	envFile := set.String("env-file", "/etc/cyops-connector-sentinelone/connector.env", "a CONNECTOR_API_TOKEN set here becomes the token (so an upgrade keeps the token clients already use)")
	clientGroups := set.String("client-groups", "fsr-integrations,nginx", "the first of these groups that exists owns client.conf (FortiSOAR's integrations user: fsr-integrations from 7.2.1, nginx before)")
	if err := set.Parse(args); err != nil {
		return err
	}
	if set.NArg() > 0 {
		return fmt.Errorf("setup-client: unexpected arguments %q", set.Args())
	}
	token, created, err := ensureToken(filepath.Join(*dir, tokenFileName), *serviceGroup, envToken(*envFile))
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintf(stdout, "created %s (group %s, mode 0640)\n", filepath.Join(*dir, tokenFileName), *serviceGroup)
	}
	clientFile := filepath.Join(*dir, clientFileName)
	if _, err := os.Stat(clientFile); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("setup-client: %w", err)
	}
	group := ""
	for _, g := range strings.Split(*clientGroups, ",") {
		if g = strings.TrimSpace(g); g != "" {
			if _, err := user.LookupGroup(g); err == nil {
				group = g
				break
			}
		}
	}
	if group == "" {
		fmt.Fprintf(stdout, "none of the groups %s exists: %s stays readable by root only; "+
			"run chgrp <FortiSOAR's integrations group> %s\n", *clientGroups, clientFile, clientFile)
	}
	content := "# Written by the cyops-connector-sentinelone RPM: where FortiSOAR's connector.py\n" +
		"# finds the connector server. Mode 0640, group = FortiSOAR's integrations user's group.\n" +
		"SENTINELONE_CONNECTOR_URL=" + *url + "\n" +
		"SENTINELONE_CONNECTOR_TOKEN=" + token + "\n"
	if err := writeExclusive(clientFile, content, group); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s (group %s, mode 0640)\n", clientFile, orRootGroup(group))
	return nil
}

func orRootGroup(g string) string {
	if g == "" {
		return "root"
	}
	return g
}

// envToken returns the CONNECTOR_API_TOKEN that an environment file sets, or "".
func envToken(file string) string {
	raw, err := os.ReadFile(file)
	if err != nil {
		return ""
	}
	token := ""
	for line := range strings.Lines(string(raw)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "CONNECTOR_API_TOKEN="); ok {
			token = strings.TrimSpace(v) // the last one wins, as in systemd
		}
	}
	return token
}

// ensureToken returns the token in file, creating the file when it does not exist: with
// seed when it is a usable token, else with a fresh random one.
func ensureToken(file, group, seed string) (token string, created bool, err error) {
	raw, err := os.ReadFile(file)
	if err == nil {
		token = strings.TrimSpace(string(raw))
		if len(token) < 16 {
			return "", false, fmt.Errorf("setup-client: %s holds a token shorter than 16 characters", file)
		}
		return token, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", false, fmt.Errorf("setup-client: %w", err)
	}
	if token = seed; len(token) < 16 {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return "", false, err
		}
		token = hex.EncodeToString(b)
	}
	if err := writeExclusive(file, token+"\n", group); err != nil {
		return "", false, err
	}
	return token, true, nil
}

// writeExclusive creates file (never overwriting) with mode 0640 and the given group.
func writeExclusive(file, content, group string) error {
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("setup-client: %w", err)
	}
	_, werr := f.WriteString(content)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil && group != "" {
		var g *user.Group
		if g, werr = user.LookupGroup(group); werr == nil {
			gid, _ := strconv.Atoi(g.Gid)
			werr = os.Chown(file, -1, gid)
		}
	}
	if werr == nil {
		werr = os.Chmod(file, 0o640)
	}
	if werr != nil {
		os.Remove(file)
		return fmt.Errorf("setup-client: %s: %w", file, werr)
	}
	return nil
}
