package configstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/fortisoar-connectors/sentinelone/connector"
)

// writer is one write transaction over the connector's records. It applies the default rule
// — the default is active, and there is one whenever an active configuration exists — to
// the transaction as a whole (finish, called last), so one change, or one seed file, may move the default
// and deactivate the old one together. It notes every effect in words as it goes.
type writer struct {
	s  *Store
	tx Tx
	// ids are the ids of every record, of every connector: an id is unique in the backend.
	ids  map[string]bool
	recs []*record
	// unset are the records asked to stop being the default; finish refuses the change if
	// one still is.
	unset []*record
	// touched are the records this transaction created or updated: the rule is enforced on
	// them, so a store written before the rule still takes unrelated changes.
	touched map[*record]bool
	notes   []string
}

func (s *Store) write(ctx context.Context, fn func(w *writer) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.backend.Update(ctx, func(tx Tx) error {
		all, err := decodeAll(tx.Records())
		if err != nil {
			return err
		}
		ids := make(map[string]bool, len(all))
		for _, r := range all {
			ids[r.ID] = true
		}
		return fn(&writer{s: s, tx: tx, ids: ids, recs: s.own(all)})
	})
}

func (w *writer) note(format string, args ...any) {
	w.notes = append(w.notes, fmt.Sprintf(format, args...))
}

// take returns the notes made since the last take.
func (w *writer) take() []string {
	out := w.notes
	w.notes = nil
	return out
}

func (w *writer) touch(rec *record) {
	if w.touched == nil {
		w.touched = map[*record]bool{}
	}
	w.touched[rec] = true
}

func (w *writer) put(rec *record) error {
	raw, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode configuration: %w", err)
	}
	st := Stored{ID: rec.ID, Connector: rec.Connector, Name: rec.Name, Seq: rec.Seq, Default: rec.Default, Inactive: rec.Inactive, Data: raw}
	if err := w.tx.Put(st); err != nil {
		return fmt.Errorf("save configuration: %w", err)
	}
	return nil
}

func (w *writer) remove(rec *record) {
	for i, r := range w.recs {
		if r == rec {
			w.recs = append(w.recs[:i], w.recs[i+1:]...)
			return
		}
	}
}

func (w *writer) create(in *input, check CheckFunc) (*record, error) {
	m := w.s.manifest
	if other := byName(w.recs, *in.Name); other != nil {
		return nil, conflict("a configuration named %q already exists for connector %s (config_id %s)", *in.Name, m.Name, other.ID)
	}
	if in.NewDefault != nil {
		return nil, invalid("new_default", "belongs to an update of the default configuration, not to a create")
	}
	inactive := in.Active != nil && !*in.Active
	if in.Default != nil && *in.Default && inactive {
		return nil, conflictRule("configuration %q cannot be the default while deactivated: create it with \"active\": true, or without \"default\": true", *in.Name)
	}
	id := uuid.NewString()
	if in.ID != nil {
		id = *in.ID
		if w.ids[id] {
			return nil, conflict("a configuration with config_id %s already exists", id)
		}
	}
	raw := in.Values
	if raw == nil {
		raw = map[string]any{}
	}
	values, err := m.CheckConfigValues(raw, check)
	if err != nil {
		return nil, err
	}
	seq, err := w.tx.NextSeq()
	if err != nil {
		return nil, fmt.Errorf("allocate sequence: %w", err)
	}
	now := time.Now().UTC()
	rec := &record{
		ID: id, Seq: seq, Name: *in.Name, Connector: m.Name, Version: m.Version, Inactive: inactive,
		Disabled: applyOperations(m, nil, in.Operations), Created: now, Updated: now,
	}
	if err := w.s.setValues(rec, values); err != nil {
		return nil, err
	}
	w.recs = append(w.recs, rec)
	w.ids[rec.ID] = true
	w.touch(rec)
	if err := w.put(rec); err != nil {
		return nil, err
	}
	if inactive {
		w.note("deactivated")
	}
	if (in.Default != nil && *in.Default) || w.defaultRec() == nil && !inactive {
		return rec, w.moveDefault(rec)
	}
	return rec, nil
}

func (w *writer) update(rec *record, in *input, check CheckFunc) (*record, error) {
	m := w.s.manifest
	w.touch(rec)
	if in.Name != nil && *in.Name != rec.Name {
		if other := byName(w.recs, *in.Name); other != nil {
			return nil, conflict("a configuration named %q already exists for connector %s (config_id %s)", *in.Name, m.Name, other.ID)
		}
		w.note("renamed from %q to %q", rec.Name, *in.Name)
		rec.Name = *in.Name
	}
	if in.Values != nil {
		if err := w.updateValues(rec, in.Values, check); err != nil {
			return nil, err
		}
	}
	if in.Active != nil && rec.Inactive == *in.Active {
		rec.Inactive = !*in.Active
		w.note("%s", map[bool]string{true: "deactivated", false: "activated"}[rec.Inactive])
	}
	if in.Operations != nil {
		disabled := applyOperations(m, rec.Disabled, in.Operations)
		for _, op := range m.Operations {
			was, is := slices.Contains(rec.Disabled, op.Name), slices.Contains(disabled, op.Name)
			if was != is {
				w.note("operation %s %s", op.Name, map[bool]string{true: "disabled", false: "enabled"}[is])
			}
		}
		rec.Disabled = disabled
	}
	rec.Version = m.Version
	now := time.Now().UTC()
	if !now.After(rec.Updated) {
		now = rec.Updated.Add(time.Nanosecond)
	}
	rec.Updated = now
	if err := w.put(rec); err != nil {
		return nil, err
	}
	return rec, w.updateDefault(rec, in)
}

// updateValues merges config into the record's values, validates them and notes which fields
// changed (by name only: a secret's value never appears).
func (w *writer) updateValues(rec *record, config map[string]any, check CheckFunc) error {
	m := w.s.manifest
	current, err := w.s.values(rec)
	if err != nil {
		return err
	}
	before := make(map[string]any, len(current))
	for k, v := range current {
		before[k] = v
	}
	for k, v := range config {
		if m.IsSecret(k) && v == connector.Mask {
			continue
		}
		current[k] = v
	}
	values, err := m.CheckConfigValues(current, check)
	if err != nil {
		return err
	}
	var changed []string
	for _, k := range sortedUnion(before, values) {
		if !sameValue(before[k], values[k]) {
			changed = append(changed, k)
		}
	}
	if len(changed) > 0 {
		w.note("%s changed", strings.Join(changed, ", "))
	}
	return w.s.setValues(rec, values)
}

// sameValue compares two configuration values by their JSON form.
func sameValue(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

func sortedUnion(a map[string]any, b connector.Params) []string {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}
