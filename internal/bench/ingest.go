package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"time"
)

// Ingest holds the figures of part e: one server-side stream run of fetch_threats over
// every threat, against the simulator's own cursor walk of the same threats in updatedAt
// order, and the connector's peak RSS.
type Ingest struct {
	Threats       int     `json:"threats"`
	MaxItems      int     `json:"max_items"`
	Calls         int     `json:"calls"`
	Items         int     `json:"items"`
	ConnectorSec  float64 `json:"connector_seconds"`
	DirectSec     float64 `json:"direct_seconds"`
	DirectPages   int     `json:"direct_pages"`
	Ratio         float64 `json:"ratio"`
	PeakRSS       int64   `json:"peak_rss_bytes"`
	RSSWithinGoal bool    `json:"rss_within_goal"`
}

// IngestRatioGoal is how much slower than the direct walk a stream run may be.
const IngestRatioGoal = 1.2

// MeasureIngest starts a simulator with threats threats and a connector, walks every
// threat directly (GET /threats sorted by updatedAt, cursor pages of 1000) and then through
// one fetch_threats stream run (max_items per call, each batch acknowledged by the next
// call), runs times each, alternating; the best of each counts.
func MeasureIngest(ctx context.Context, cfg Config, threats, maxItems, runs int) (*Ingest, error) {
	// The same stack as every other part (unpaced, so the connector is measured and not
	// SentinelOne's documented limits), with a fleet of threats threats on a few agents.
	s, err := startStack(ctx, cfg, "ingest", 2000, 4, stackArgs{sim: []string{"--threats", strconv.Itoa(threats)}})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	in := &Ingest{Threats: threats, MaxItems: maxItems}
	var best, bestDirect time.Duration
	for run := range runs {
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "e: run %d/%d: direct walk of /threats by updatedAt, then a fetch_threats stream run\n", run+1, runs)
		}
		start := time.Now()
		items, pages, err := walkThreatsByUpdate(ctx, s.console)
		took := time.Since(start)
		if err != nil {
			return nil, err
		}
		if items != threats {
			return nil, fmt.Errorf("the direct walk read %d threats, want %d", items, threats)
		}
		if bestDirect == 0 || took < bestDirect {
			bestDirect = took
		}
		in.DirectPages = pages

		start = time.Now()
		got, calls, err := streamThreats(ctx, s.connector, fmt.Sprintf("bench-%d", run), maxItems)
		took = time.Since(start)
		if err != nil {
			return nil, err
		}
		if got != threats {
			return nil, fmt.Errorf("the stream run delivered %d threats, want %d", got, threats)
		}
		if best == 0 || took < best {
			best = took
		}
		in.Items, in.Calls = got, calls
	}
	rss, err := s.conn.PeakRSS()
	if err != nil {
		return nil, err
	}
	in.ConnectorSec, in.DirectSec = best.Seconds(), bestDirect.Seconds()
	in.Ratio = in.ConnectorSec / in.DirectSec
	in.PeakRSS, in.RSSWithinGoal = rss, rss <= RSSGoal
	return in, nil
}

// walkThreatsByUpdate is the simulator's own cursor walk: every threat, sorted by updatedAt.
func walkThreatsByUpdate(ctx context.Context, c *Console) (items, pages int, err error) {
	cursor := ""
	for {
		q := url.Values{"limit": {"1000"}, "sortBy": {"updatedAt"}, "sortOrder": {"asc"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		resp, err := c.get(ctx, "/threats", q)
		if err != nil {
			return items, pages, fmt.Errorf("list threats: %w", err)
		}
		l, err := ReadListing(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			return items, pages, fmt.Errorf("list threats: page %d: %w", pages+1, err)
		}
		items, pages = items+l.Items, pages+1
		if l.NextCursor == "" || l.Items == 0 {
			return items, pages, nil
		}
		cursor = l.NextCursor
	}
}

// streamThreats runs a stream from the beginning until it has nothing more, acknowledging
// each batch with the next call, and returns the threats delivered and the calls made.
func streamThreats(ctx context.Context, c *Connector, stream string, maxItems int) (items, calls int, err error) {
	ack := ""
	for {
		params := map[string]any{"stream": stream, "max_items": maxItems}
		if ack != "" {
			params["ack"] = ack
		}
		resp, err := c.execute(ctx, "fetch_threats", params)
		if err != nil {
			return items, calls, err
		}
		var out struct {
			Data struct {
				Count      int    `json:"count"`
				Checkpoint string `json:"checkpoint"`
				HasMore    bool   `json:"has_more"`
			} `json:"data"`
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			return items, calls, fmt.Errorf("fetch_threats: decode the answer: %w", err)
		}
		items, calls, ack = items+out.Data.Count, calls+1, out.Data.Checkpoint
		if !out.Data.HasMore {
			// the last batch is acknowledged too, as a caller would
			resp, err := c.execute(ctx, "fetch_threats", map[string]any{"stream": stream, "ack": ack, "max_items": 1})
			if err != nil {
				return items, calls, err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			return items, calls, nil
		}
	}
}

// WriteIngest prints part e's figures.
func WriteIngest(w io.Writer, in *Ingest) error {
	_, err := fmt.Fprintf(w, "e: %d threats in one fetch_threats stream run (%d calls of up to %d): %.2fs; direct walk by updatedAt (%d pages): %.2fs; ratio %.2f (goal ≤ %.1f); connector peak RSS %.1f MiB (goal ≤ %d MiB: %v)\n",
		in.Items, in.Calls, in.MaxItems, in.ConnectorSec, in.DirectPages, in.DirectSec, in.Ratio, IngestRatioGoal,
		float64(in.PeakRSS)/(1<<20), RSSGoal>>20, in.RSSWithinGoal)
	return err
}
