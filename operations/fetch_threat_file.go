package operations

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// FetchThreatFile asks SentinelOne to upload a threat's file as a password-protected zip,
// waits for its link on the threat's timeline and returns the zip whole with its password.
const FetchThreatFile = "fetch_threat_file"

func fetchThreatFile(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	args := call.Args()
	id := strings.TrimSpace(args.String("threat_id"))
	password := args.String("password")
	if err := sentinelone.CheckZipPassword(password); err != nil {
		return nil, connector.InvalidParam("password", "%v", err)
	}
	earlier, err := threatFileLinks(ctx, client, id)
	if err != nil {
		return nil, err
	}
	before := map[string]bool{}
	for _, l := range earlier {
		before[l.URL] = true
	}
	n, err := client.Scripts.FetchThreatFile(ctx, sentinelone.ThreatFilter{IDs: []string{id}}.Filter(), password)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, connector.Errorf(connector.KindNotFound, "threat %s: SentinelOne affected no threat; check threat_id", id)
	}
	var link threatLink
	bound := waitBound(args)
	err = poll(ctx, bound, func() (bool, error) {
		links, err := threatFileLinks(ctx, client, id)
		for _, l := range links {
			if !before[l.URL] {
				link = l
				return true, nil
			}
		}
		return false, err
	})
	if err == errNotDone {
		return nil, stillRunning("The upload of threat "+id+"'s file", "threat", id, "fetch_threat_file again later", bound)
	}
	if err != nil {
		return nil, err
	}
	f, err := download(ctx, args, client, link.URL, link.Name, password)
	if err != nil {
		return nil, err
	}
	return map[string]any{"threat_id": id, "file": f}, nil
}

type threatLink struct{ URL, Name string }

// threatFileLinks returns the download links on a threat's timeline, newest last.
func threatFileLinks(ctx context.Context, client *sentinelone.Client, id string) ([]threatLink, error) {
	entries, err := sentinelone.Collect(client.Threats.TimelinePages(ctx, id, "", sentinelone.ListOptions{}))
	if err != nil {
		return nil, err
	}
	var out []threatLink
	for _, raw := range entries {
		var e struct {
			Data struct {
				DownloadURL string `json:"downloadUrl"`
				FileName    string `json:"fileName"`
			} `json:"data"`
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, describe("decode timeline entry", err)
		}
		if e.Data.DownloadURL != "" {
			out = append(out, threatLink{URL: e.Data.DownloadURL, Name: e.Data.FileName})
		}
	}
	return out, nil
}

var fetchThreatFileSpec = spec{name: FetchThreatFile, run: fetchThreatFile}
