package s1sim

import (
	"net/http"
	"slices"
	"time"
)

func (s *Simulator) listThreats(w http.ResponseWriter, r *http.Request, c *call) {
	q := r.URL.Query()
	p, err := parsePage(q, threatCursor)
	if err != nil {
		writeErr(w, err)
		return
	}
	preds, err := compileThreatFilter(queryFilter(q), c.v, s.agentOf)
	if err != nil {
		writeErr(w, err)
		return
	}
	s.mu.RLock()
	out, total, next := paginate(s.fleet.threats, threatID, preds, p, threatCursor)
	items := make([]any, len(out))
	for i := range out {
		var a Agent
		if ai, ok := s.fleet.agentIndex[out[i].AgentID]; ok {
			a = s.fleet.agents[ai]
		}
		items[i] = renderThreat(c.v, &out[i], &a)
	}
	s.mu.RUnlock()
	writeList(w, items, total, next)
}

// threatAction parses the body, then applies fn to every matched threat
// under the write lock. It returns the affected count.
func (s *Simulator) threatAction(w http.ResponseWriter, c *call, check func(actionData, bool) error, fn func(*Threat, actionData)) (int, bool) {
	raw, data, hasData, err := parseAction(c.body)
	if err == nil && check != nil {
		err = check(data, hasData)
	}
	var preds []predicate[Threat]
	if err == nil {
		preds, err = compileThreatFilter(raw, c.v, s.agentOf)
	}
	if err != nil {
		writeErr(w, err)
		return 0, false
	}
	when := time.Now()
	now := stamp(when)
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	touched := map[string]bool{}
	for i := range s.fleet.threats {
		t := &s.fleet.threats[i]
		if match(preds, t) {
			t.UpdatedAt = now
			fn(t, data)
			touched[t.AgentID] = true
			n++
			s.fleet.recordThreat(threatActionName(c), t, s.agentOf(t.AgentID), when)
		}
	}
	// A changed threat state changes its agent's activeThreats and infected.
	s.fleet.recount(touched)
	s.fleet.changed()
	return n, true
}

// threatActionName names a threat action for its activity: the mitigation, else the
// verdict or benign mark the body sets.
func threatActionName(c *call) string {
	if c.arg != "" {
		return c.arg
	}
	return "update"
}

func (s *Simulator) mitigate(w http.ResponseWriter, _ *http.Request, c *call) {
	m := threatMitigations[c.arg]
	var details []map[string]any
	n, ok := s.threatAction(w, c, nil, func(t *Threat, _ actionData) {
		t.Actions = append(slices.Clip(t.Actions), c.arg)
		t.MitigationStatus = m.status
		switch c.arg {
		case "quarantine":
			t.InQuarantine = true
		case "un-quarantine":
			t.InQuarantine = false
		}
		s.logActivity(t, ActivityMitigation, "Mitigation action "+c.arg+" was applied to "+t.Name,
			map[string]any{"action": c.arg, "mitigationStatus": t.MitigationStatus})
		details = append(details, map[string]any{
			"threatId": t.ID,
			"skipped":  []any{},
			"reports":  []mitigationReport{report(t, len(t.Actions)-1, c.arg)},
		})
	})
	if !ok {
		return
	}
	if details == nil {
		details = []map[string]any{}
	}
	writeData(w, map[string]any{"affected": n, "details": details})
}

var targetScopes = map[string]bool{"group": true, "site": true, "tenant": true, "account": true, "global": true}

// markAsBenign serves the v2.0-only mark-as-benign action.
func (s *Simulator) markAsBenign(w http.ResponseWriter, _ *http.Request, c *call) {
	check := func(d actionData, _ bool) error {
		if d.TargetScope != "" && !targetScopes[d.TargetScope] {
			return validationf("data.targetScope %q is not valid", d.TargetScope)
		}
		return nil
	}
	n, ok := s.threatAction(w, c, check, func(t *Threat, d actionData) {
		t.MarkedAsBenign = true
		t.MitigationStatus = "marked_as_benign"
		t.AnalystVerdict = "false_positive"
		s.logActivity(t, ActivityMarkedBenign, t.Name+" was marked as benign", map[string]any{"targetScope": d.TargetScope})
	})
	if ok {
		writeData(w, map[string]int{"affected": n})
	}
}

// analystVerdict serves the v2.1-only analyst-verdict action.
func (s *Simulator) analystVerdict(w http.ResponseWriter, _ *http.Request, c *call) {
	check := func(d actionData, _ bool) error {
		if !analystVerdicts[d.AnalystVerdict] {
			return validationf("data.analystVerdict must be one of undefined, true_positive, false_positive, suspicious")
		}
		return nil
	}
	details := []map[string]string{}
	n, ok := s.threatAction(w, c, check, func(t *Threat, d actionData) {
		result := "updated"
		if t.AnalystVerdict == d.AnalystVerdict {
			result = "already_set"
		}
		t.AnalystVerdict = d.AnalystVerdict
		t.MarkedAsBenign = d.AnalystVerdict == "false_positive"
		s.logActivity(t, ActivityVerdict, "Analyst verdict of "+t.Name+" changed to "+d.AnalystVerdict,
			map[string]any{"analystVerdict": d.AnalystVerdict})
		details = append(details, map[string]string{"threatId": t.ID, "result": result})
	})
	if ok {
		writeData(w, map[string]any{"affected": n, "details": details})
	}
}

// agentOf returns the agent with id, or nil; callers hold mu.
func (s *Simulator) agentOf(id string) *Agent {
	if i, ok := s.fleet.agentIndex[id]; ok {
		return &s.fleet.agents[i]
	}
	return nil
}
