package bench

import (
	"context"
	"fmt"
	"io"
	"time"
)

// Goal is one target of the benchmark beside the figure measured for it.
type Goal struct {
	Part   string  `json:"part"`
	Name   string  `json:"name"`
	Want   string  `json:"want"`
	Figure float64 `json:"figure"`
	Unit   string  `json:"unit"`
	Pass   bool    `json:"pass"`
	// Note puts the figure in context, such as the floor no connector can go below.
	Note string `json:"note,omitempty"`
}

// Goals of issue-level performance, each a ratio (or count) taken within one run.
const (
	GoalOverheadP50   = 1.5  // connector/direct p50, part a
	GoalOverheadP99   = 2.0  // connector/direct p99, part a
	GoalThroughput    = 0.8  // connector/direct requests/s at the highest level, part b
	GoalListRatio     = 1.2  // get_agents/direct walk time, part c
	GoalPacedRateLow  = 0.9  // paced requests/s over the limit, part d: at least…
	GoalPacedRateHigh = 1.05 // …and at most
)

// goals evaluates every goal whose part ran.
func goals(r *Report) []Goal {
	var out []Goal
	add := func(part, name, want string, figure float64, unit string, pass bool) {
		out = append(out, Goal{Part: part, Name: name, Want: want, Figure: figure, Unit: unit, Pass: pass})
	}
	if o := r.Overhead; o != nil {
		add("a", "execute/direct p50", fmt.Sprintf("<= %.2fx", GoalOverheadP50), o.RatioP50, "x", o.RatioP50 <= GoalOverheadP50)
		out[len(out)-1].Note = fmt.Sprintf("floor of one more hop: %.2fx", o.FloorP50)
		add("a", "execute/direct p99", fmt.Sprintf("<= %.2fx", GoalOverheadP99), o.RatioP99, "x", o.RatioP99 <= GoalOverheadP99)
	}
	if n := len(r.Throughput); n > 0 && len(r.DirectThroughput) == n {
		c, d := r.Throughput[n-1], r.DirectThroughput[n-1]
		ratio := c.PerSecond / d.PerSecond
		add("b", fmt.Sprintf("execute/direct req/s at concurrency %d", c.Concurrency), fmt.Sprintf(">= %.2fx", GoalThroughput),
			ratio, "x", ratio >= GoalThroughput)
	}
	if l := r.List; l != nil {
		add("c", "get_agents/direct walk time", fmt.Sprintf("<= %.2fx", GoalListRatio), l.Ratio, "x", l.Ratio <= GoalListRatio)
		add("c", "connector peak RSS", fmt.Sprintf("<= %.0f MiB", mib(l.RSSGoal)), mib(l.PeakRSS), "MiB", l.RSSWithinGoal)
	}
	if p := r.Pacing; p != nil {
		add("d", "429s from the simulator", "= 0", float64(p.Status429), "", p.Status429 == 0 && p.Errors == 0)
		ratio := p.PerSecond / p.Limit
		add("d", fmt.Sprintf("paced req/s over the %g/s limit", p.Limit),
			fmt.Sprintf("%.2fx..%.2fx", GoalPacedRateLow, GoalPacedRateHigh), ratio, "x",
			ratio >= GoalPacedRateLow && ratio <= GoalPacedRateHigh)
	}
	if in := r.Ingest; in != nil {
		add("e", fmt.Sprintf("fetch_threats stream/direct walk (%dk)", in.Threats/1000), fmt.Sprintf("<= %.2fx", IngestRatioGoal),
			in.Ratio, "x", in.Ratio <= IngestRatioGoal)
		add("e", "connector peak RSS", fmt.Sprintf("<= %.0f MiB", mib(RSSGoal)), mib(in.PeakRSS), "MiB", in.RSSWithinGoal)
	}
	return out
}

// measureThroughputs runs part b: at each level the connector's executes, then the same
// count made directly, back to back so both see the same machine load.
func measureThroughputs(ctx context.Context, s *stack, cfg Config, rep *Report, progress func(string, ...any)) error {
	direct := func(ctx context.Context) (int, error) { return s.console.AgentCount(ctx, countQuery) }
	for i, c := range cfg.Concurrency {
		progress("b: get_agent_count at concurrency %d for %s, then GET /agents/count directly", c, cfg.Duration)
		var profErr chan error
		if cfg.CPUProfile != "" && i == len(cfg.Concurrency)-1 {
			profErr = make(chan error, 1)
			go func() {
				time.Sleep(min(cfg.Duration/10, time.Second)) // past the warm-up
				profErr <- s.connector.CPUProfile(ctx, cfg.Duration-time.Second, cfg.CPUProfile)
			}()
		}
		t, err := measureThroughput(ctx, s.connector.AgentCount, c, cfg.Duration)
		if err != nil {
			return err
		}
		if profErr != nil {
			if err := <-profErr; err != nil {
				return err
			}
			progress("b: CPU profile of the connector at concurrency %d written to %s", c, cfg.CPUProfile)
		}
		d, err := measureThroughput(ctx, direct, c, cfg.Duration)
		if err != nil {
			return err
		}
		rep.Throughput = append(rep.Throughput, t)
		rep.DirectThroughput = append(rep.DirectThroughput, d)
	}
	return nil
}

// writeGoals prints every goal with its figure and verdict.
func (r *Report) writeGoals(w io.Writer) {
	if len(r.Goals) == 0 {
		return
	}
	fmt.Fprintln(w, "goals (each figure a ratio or count from this run)")
	met := 0
	for _, g := range r.Goals {
		verdict := "FAIL"
		if g.Pass {
			verdict, met = "PASS", met+1
		}
		note := ""
		if g.Note != "" {
			note = " (" + g.Note + ")"
		}
		fmt.Fprintf(w, "  %s  %s) %-44s want %-12s got %.2f%s%s\n", verdict, g.Part, g.Name, g.Want, g.Figure, g.Unit, note)
	}
	fmt.Fprintf(w, "%d of %d goals met\n", met, len(r.Goals))
}

// writePacing prints part d.
func (r *Report) writePacing(w io.Writer) {
	p := r.Pacing
	if p == nil {
		return
	}
	fmt.Fprintf(w, "d) %d get_agent_count executes at once, simulator and connector limited to %g /agents requests/s per token\n", p.Calls, p.Limit)
	fmt.Fprintf(w, "   %.2f s, %.2f requests/s, %d answers 429, %d executes failed\n", p.Seconds, p.PerSecond, p.Status429, p.Errors)
	if p.FirstErr != "" {
		fmt.Fprintf(w, "   first failure: %s\n", p.FirstErr)
	}
	fmt.Fprintln(w)
}
