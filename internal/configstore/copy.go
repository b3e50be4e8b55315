package configstore

import (
	"context"
	"errors"
	"fmt"
	"reflect"
)

// ErrNotEmpty is returned by CopyTo when the target holds configurations and force is not set.
var ErrNotEmpty = errors.New("the target store already holds configurations")

// CopyReport says what CopyTo moved.
type CopyReport struct {
	// Configs are the configurations copied, of every connector, oldest first.
	Configs []CopiedConfig
	// Streams is the number of stream states copied.
	Streams int
	// Orphans is the number of stream states left behind because their configuration no
	// longer exists.
	Orphans int
}

// CopiedConfig is one configuration CopyTo moved.
type CopiedConfig struct {
	ID, Name, Connector string
	Default, Inactive   bool
	Secrets             int // sealed fields, copied sealed
}

// CopyTo copies every configuration of s — every connector's, with its id, name, default
// and active flags, creation order and sealed secrets, byte for byte — and every stream
// state into dst, in one write transaction for the configurations. Both stores must hold
// the same secret key: each copied configuration of this connector is then resolved on
// both sides and compared, and any difference is an error. A dst that holds
// configurations is refused with ErrNotEmpty unless force; with force the copy replaces
// configurations of the same ids (so running it again is harmless) and dst's own rules
// refuse what would break them, such as a second default.
func (s *Store) CopyTo(ctx context.Context, dst *Store, force bool) (*CopyReport, error) {
	stored, err := s.backend.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("read configurations: %w", err)
	}
	all, err := decodeAll(stored)
	if err != nil {
		return nil, err
	}
	streams, err := s.backend.Streams(ctx)
	if err != nil {
		return nil, fmt.Errorf("read streams: %w", err)
	}
	raw := make(map[string][]byte, len(stored))
	for _, st := range stored {
		raw[st.ID] = st.Data
	}
	recs := append([]*record(nil), all...)
	sortBySeq(recs)
	rep := &CopyReport{}
	err = dst.backend.Update(ctx, func(tx Tx) error {
		if n := len(tx.Records()); n > 0 && !force {
			return fmt.Errorf("%w (%d); copy over them with force", ErrNotEmpty, n)
		}
		for _, r := range recs {
			st := Stored{ID: r.ID, Connector: r.Connector, Name: r.Name, Seq: r.Seq, Default: r.Default, Inactive: r.Inactive, Data: raw[r.ID]}
			if err := tx.Put(st); err != nil {
				return fmt.Errorf("copy configuration %q: %w", r.Name, err)
			}
			rep.Configs = append(rep.Configs, CopiedConfig{ID: r.ID, Name: r.Name, Connector: r.Connector, Default: r.Default, Inactive: r.Inactive, Secrets: len(r.Secrets)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	ids := map[string]bool{}
	for _, r := range recs {
		ids[r.ID] = true
	}
	for _, st := range streams {
		if !ids[st.ConfigID] {
			rep.Orphans++
			continue
		}
		if err := dst.backend.SaveStream(ctx, st.ConfigID, st.Stream, st.State); err != nil {
			return nil, fmt.Errorf("copy stream %q of %s: %w", st.Stream, st.ConfigID, err)
		}
		rep.Streams++
	}
	for _, r := range recs {
		if r.Connector != s.manifest.Name {
			continue
		}
		a, err := s.Resolve(ctx, r.ID)
		if err != nil {
			return nil, fmt.Errorf("check configuration %q: %w", r.Name, err)
		}
		b, err := dst.Resolve(ctx, r.ID)
		if err != nil {
			return nil, fmt.Errorf("check configuration %q in the target: %w", r.Name, err)
		}
		if !reflect.DeepEqual(a, b) {
			return nil, fmt.Errorf("configuration %q reads back differently from the target: do both stores hold the same secret key?", r.Name)
		}
	}
	return rep, nil
}
