package configstore

import (
	"fmt"

	"github.com/fortisoar-connectors/sentinelone/connector"
)

// The store's rules: names are unique, and the default is always active and exists whenever
// an active configuration does. Every write transaction ends with finish, so the rules hold
// after every change, seeds included.

func conflictRule(format string, args ...any) error {
	return &connector.Error{Kind: connector.KindInvalid, Msg: fmt.Sprintf(format, args...), Sentinel: connector.ErrConfigConflict}
}

// finish enforces the default rule on the state the transaction leaves.
func (w *writer) finish() error {
	for _, r := range w.unset {
		if r.Default {
			return conflictRule("configuration %q is the default and stays so until another one is: send \"new_default\": \"<id or name>\" with this change, or make another configuration the default (PUT …/configuration/<id or name>/ {\"default\": true})", r.Name)
		}
	}
	def := w.defaultRec()
	if def != nil && def.Inactive && w.touched[def] {
		return conflictRule("configuration %q is the default and cannot be deactivated until another one is the default: send \"new_default\": \"<id or name>\" with this change, or make another configuration the default first", def.Name)
	}
	if def == nil {
		if first := w.firstActive(nil); first != nil {
			return w.moveDefault(first)
		}
	}
	return nil
}

func (w *writer) defaultRec() *record {
	for _, r := range w.recs {
		if r.Default {
			return r
		}
	}
	return nil
}

// firstActive returns the oldest active record other than except.
func (w *writer) firstActive(except *record) *record {
	for _, r := range w.recs {
		if r != except && !r.Inactive {
			return r
		}
	}
	return nil
}

// moveDefault makes rec (nil: none) the one default, saves every record whose flag changed
// and notes the move.
func (w *writer) moveDefault(rec *record) error {
	old := w.defaultRec()
	if old == rec {
		return nil
	}
	for _, r := range w.recs {
		if want := r == rec; r.Default != want {
			r.Default = want
			if err := w.put(r); err != nil {
				return err
			}
		}
	}
	switch {
	case old == nil:
		w.note("%q is now the default", rec.Name)
	case rec == nil:
		w.note("there is no default: no active configuration is left to take it over from %q", old.Name)
	default:
		w.note("default moved from %q to %q", old.Name, rec.Name)
	}
	return nil
}

// updateDefault applies an update's "default" and "new_default"; finish checks the outcome.
func (w *writer) updateDefault(rec *record, in *input) error {
	wantDefault := in.Default != nil && *in.Default
	if in.Default != nil && !*in.Default && rec.Default {
		w.unset = append(w.unset, rec)
	}
	if in.NewDefault != nil {
		if wantDefault {
			return invalid("new_default", "names another default, but \"default\" is true for this configuration")
		}
		target := match(w.recs, *in.NewDefault)
		switch {
		case target == nil:
			return &connector.Error{Kind: connector.KindInvalid, Msg: fmt.Sprintf("invalid configuration: new_default: no configuration with id or name %q", clip(*in.NewDefault)), Sentinel: connector.ErrNoConfig}
		case target == rec:
			return invalid("new_default", "names this configuration itself")
		case target.Inactive:
			return conflictRule("configuration %q is deactivated and cannot become the default: activate it first (\"active\": true)", target.Name)
		}
		return w.moveDefault(target)
	}
	if wantDefault {
		if rec.Inactive {
			return conflictRule("configuration %q is deactivated and cannot become the default: send \"active\": true with \"default\": true", rec.Name)
		}
		return w.moveDefault(rec)
	}
	return nil
}

// match finds ref by id first, then by name; "" finds the default.
func match(recs []*record, ref string) *record {
	for _, r := range recs {
		if (ref == "" && r.Default) || (ref != "" && r.ID == ref) {
			return r
		}
	}
	if ref == "" {
		return nil
	}
	for _, r := range recs {
		if r.Name == ref {
			return r
		}
	}
	return nil
}

// byRef finds ref as an id first, then as a name, as execute resolves a configuration.
func byRef(recs []*record, ref string) *record {
	if ref == "" {
		return nil
	}
	return match(recs, ref)
}

func byName(recs []*record, name string) *record {
	for _, r := range recs {
		if r.Name == name {
			return r
		}
	}
	return nil
}
