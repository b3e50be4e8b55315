package operations

import (
	"context"
	"strings"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// DownloadFromCloud downloads a threat's file from SentinelOne's cloud (API 2.1).
const DownloadFromCloud = "download_from_cloud"

func downloadFromCloud(ctx context.Context, call *connector.Call, client *sentinelone.Client) (any, error) {
	if err := needs21(call, client, "GET /threats/{id}/download-from-cloud", ""); err != nil {
		return nil, err
	}
	id := strings.TrimSpace(call.Args().String("threat_id"))
	cf, err := client.Scripts.DownloadFromCloud(ctx, id)
	if err != nil {
		return nil, err
	}
	f, err := download(ctx, call.Args(), client, cf.DownloadURL, cf.FileName, "")
	if err != nil {
		return nil, err
	}
	return map[string]any{"threat_id": id, "file": f}, nil
}

var downloadFromCloudSpec = spec{name: DownloadFromCloud, run: downloadFromCloud}
