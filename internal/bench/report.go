package bench

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// mib converts bytes to MiB.
func mib(b int64) float64 { return float64(b) / (1 << 20) }

// WriteTable writes the report as plain-text tables.
func (r *Report) WriteTable(w io.Writer) error {
	m := r.Machine
	fmt.Fprintf(w, "machine: %s/%s, %d CPUs (%s), bench %s, connector binary %s, --max-executes %d\n\n",
		m.OS, m.Arch, m.CPUs, m.CPUModel, m.GoVersion, m.BinaryGo, m.MaxExecutes)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	if o := r.Overhead; o != nil {
		fmt.Fprintf(w, "a) connector overhead: get_agent_count execute vs GET /agents/count direct (sequential, %d each)\n", o.Connector.N)
		fmt.Fprintln(tw, "path\tmin ms\tmean ms\tp50 ms\tp90 ms\tp99 ms\tmax ms\t")
		for _, row := range []struct {
			name string
			s    Summary
		}{{"connector", o.Connector}, {"direct", o.Direct}, {"hop (GET /healthz)", o.Hop}} {
			fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t\n", row.name,
				ms(row.s.Min), ms(row.s.Mean), ms(row.s.P50), ms(row.s.P90), ms(row.s.P99), ms(row.s.Max))
		}
		fmt.Fprintf(tw, "overhead\t\t\t%+.3f\t\t%+.3f\t\t\n", o.DiffP50, o.DiffP99)
		fmt.Fprintf(tw, "ratio\t\t\t%.2fx\t\t%.2fx\t\t\n", o.RatioP50, o.RatioP99)
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(w, "floor: direct + hop = %.2fx direct at p50; the connector's own work: %+.3f ms at p50\n",
			o.FloorP50, ms(o.Connector.P50-o.Direct.P50-o.Hop.P50))
		fmt.Fprintln(w)
	}
	if len(r.Throughput) > 0 {
		fmt.Fprintln(w, "b) throughput of get_agent_count executes, and of GET /agents/count direct at the same level")
		fmt.Fprintln(tw, "concurrency\trequests\treq/s\tp50 ms\tp99 ms\t503s\terrors\tdirect req/s\tdirect p50 ms\tdirect p99 ms\tratio\t")
		for i, t := range r.Throughput {
			fmt.Fprintf(tw, "%d\t%d\t%.0f\t%.3f\t%.3f\t%d\t%d\t", t.Concurrency, t.Requests, t.PerSecond,
				ms(t.Latency.P50), ms(t.Latency.P99), t.Rejected, t.Errors)
			if i < len(r.DirectThroughput) {
				d := r.DirectThroughput[i]
				fmt.Fprintf(tw, "%.0f\t%.3f\t%.3f\t%.2fx\t\n", d.PerSecond, ms(d.Latency.P50), ms(d.Latency.P99), t.PerSecond/d.PerSecond)
			} else {
				fmt.Fprint(tw, "-\t-\t-\t-\t\n")
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	if l := r.List; l != nil {
		fmt.Fprintf(w, "c) get_agents, limit %d, over %d agents (best of the runs)\n", l.Limit, l.Agents)
		fmt.Fprintln(tw, "walk\titems\tseconds\tMiB read\tMiB/s\tsimulator CPU s\tconnector CPU s\t")
		fmt.Fprintf(tw, "connector execute\t%d\t%.2f\t%.1f\t%.1f\t%.2f\t%.2f\t\n", l.Items, l.ConnectorSec,
			mib(l.ConnectorBytes), mib(l.ConnectorBytes)/l.ConnectorSec, l.SimCPUViaConnector, l.ConnectorCPUSec)
		fmt.Fprintf(tw, "direct cursor walk (%d pages)\t%d\t%.2f\t%.1f\t%.1f\t%.2f\t-\t\n", l.DirectPages, l.Agents,
			l.DirectSec, mib(l.DirectBytes), mib(l.DirectBytes)/l.DirectSec, l.SimCPUDirect)
		if err := tw.Flush(); err != nil {
			return err
		}
		verdict := "within"
		if !l.RSSWithinGoal {
			verdict = "ABOVE"
		}
		fmt.Fprintf(w, "ratio connector/direct: %.2fx\n", l.Ratio)
		fmt.Fprintf(w, "connector peak RSS (VmHWM): %.1f MiB, %s the %.0f MiB goal\n", mib(l.PeakRSS), verdict, mib(l.RSSGoal))
		fmt.Fprintf(w, "connector peak Go heap: in use %.1f MiB, from the OS %.1f MiB (%d /metrics samples)\n",
			mib(l.PeakHeapInuse), mib(l.PeakHeapSys), l.HeapSamples)
		fmt.Fprintln(w)
	}
	r.writePacing(w)
	if r.Ingest != nil {
		if err := WriteIngest(w, r.Ingest); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	r.writeGoals(w)
	return nil
}
