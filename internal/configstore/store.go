// Package configstore keeps the connector's named configurations — by default in a single
// bbolt file, <data-dir>/configs.db, or in any other Backend — with password-type fields
// encrypted at rest (AES-256-GCM). It applies FortiSOAR's configuration rules — unique
// names, exactly one default, validated values, per-operation enable/disable — and
// implements connector.ConfigSource and connector.ConfigLister. It knows nothing of HTTP or
// of the vendor API: the vendor's host rule is injected as a CheckFunc.
package configstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	berrors "go.etcd.io/bbolt/errors"

	"github.com/fortisoar-connectors/sentinelone/connector"
)

// FileName is the store's file inside the data directory.
const FileName = "configs.db"

// DefaultLockTimeout is how long Open waits for another process to release the file lock.
const DefaultLockTimeout = 5 * time.Second

// ErrLocked is wrapped by Open when another process (a running server) holds the store.
var ErrLocked = berrors.ErrTimeout

// keyCheckPlain is sealed into every store with its key, so a wrong key is refused at open.
var keyCheckPlain = []byte("sentinelone connector configuration store")

// CheckFunc is an extra rule on validated configuration values, such as the vendor's
// host-name rule. Its error is reported to the user as is, so it must not carry secrets.
type CheckFunc = connector.ValuesCheck

// Option configures Open.
type Option func(*Store)

// WithLockTimeout sets how long Open waits for the file lock (default DefaultLockTimeout).
func WithLockTimeout(d time.Duration) Option {
	return func(s *Store) {
		if d > 0 {
			s.lockTimeout = d
		}
	}
}

// WithValuesCheck sets the check applied to every write that is not given its own (seeding,
// and API calls made with a nil check).
func WithValuesCheck(fn CheckFunc) Option { return func(s *Store) { s.check = fn } }

// Store is the configuration store. It is safe for concurrent use.
type Store struct {
	backend     Backend
	path        string
	manifest    *connector.Manifest
	secrets     *sealer
	check       CheckFunc
	lockTimeout time.Duration
}

var (
	_ connector.ConfigSource = (*Store)(nil)
	_ connector.ConfigLister = (*Store)(nil)
)

// record is a configuration as stored: secrets sealed, everything else in clear.
type record struct {
	ID        string            `json:"id"`
	Seq       uint64            `json:"seq"`
	Name      string            `json:"name"`
	Connector string            `json:"connector_name"`
	Version   string            `json:"connector_version"`
	Default   bool              `json:"default"`
	Inactive  bool              `json:"inactive,omitempty"`
	Values    map[string]any    `json:"values"`
	Secrets   map[string][]byte `json:"secrets,omitempty"`
	Disabled  []string          `json:"disabled,omitempty"`
	Created   time.Time         `json:"created"`
	Updated   time.Time         `json:"updated"`
}

// Open opens (or creates) <dataDir>/configs.db for the connector of m, with key (see LoadKey)
// encrypting secrets. It fails — and never resets anything — when the file is not a readable
// store, was written with another key, or stays locked by another process past the lock
// timeout; every such error names the file.
func Open(dataDir string, m *connector.Manifest, key []byte, opts ...Option) (_ *Store, err error) {
	if m == nil {
		return nil, errors.New("open configuration store: nil manifest")
	}
	if _, err := newSealer(key); err != nil {
		return nil, fmt.Errorf("open configuration store: %w", err)
	}
	s := &Store{lockTimeout: DefaultLockTimeout}
	for _, o := range opts {
		o(s)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("open configuration store: create data directory: %w", err)
	}
	path := filepath.Join(dataDir, FileName)
	var b *boltBackend
	defer func() {
		// bbolt may panic on some damaged files; that is a damaged store, not a crash.
		if r := recover(); r != nil {
			if b != nil {
				_ = b.Close()
			}
			err = fmt.Errorf("open configuration store %s: the file is damaged (%v); restore it from a backup or move it aside", path, r)
		}
	}()
	b, err = openBolt(path, s.lockTimeout)
	if err != nil {
		return nil, fmt.Errorf("open configuration store %s: %w", path, err)
	}
	s, err = New(context.Background(), b, m, key, opts...)
	if err != nil {
		_ = b.Close()
		return nil, fmt.Errorf("open configuration store %s: %w", path, err)
	}
	s.path = path
	return s, nil
}

// New returns the store of the connector of m over b, with key encrypting secrets. It
// fails when b was written with another key or holds a record that does not decode. The
// store owns b: Close closes it.
func New(ctx context.Context, b Backend, m *connector.Manifest, key []byte, opts ...Option) (*Store, error) {
	if m == nil {
		return nil, errors.New("nil manifest")
	}
	sec, err := newSealer(key)
	if err != nil {
		return nil, err
	}
	s := &Store{backend: b, manifest: m, secrets: sec, lockTimeout: DefaultLockTimeout}
	for _, o := range opts {
		o(s)
	}
	fresh, err := sec.seal(keyCheckPlain, keyCheckAD)
	if err != nil {
		return nil, err
	}
	check, err := b.KeyCheck(ctx, fresh)
	if err != nil {
		return nil, fmt.Errorf("read the key check: %w", err)
	}
	plain, err := sec.open(check, keyCheckAD)
	if err != nil || !bytes.Equal(plain, keyCheckPlain) {
		return nil, fmt.Errorf("the secret key does not open this store: it was written with another key (check %s or %s)", KeyEnv, KeyFileName)
	}
	stored, err := b.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("read configurations: %w", err)
	}
	if _, err := decodeAll(stored); err != nil {
		return nil, err
	}
	return s, nil
}

// keyCheckAD is the additional data of the key check.
var keyCheckAD = keyCheck

// Path returns the store's file (empty for a store not in a file).
func (s *Store) Path() string { return s.path }

// Backend returns where the store keeps its records.
func (s *Store) Backend() Backend { return s.backend }

// Close releases the backend (the file and its lock).
func (s *Store) Close() error { return s.backend.Close() }

// Resolve implements connector.ConfigSource: ref is a configuration id or name of this
// store's connector; "" is the default. Secrets come back decrypted, in memory only.
func (s *Store) Resolve(ctx context.Context, ref string) (*connector.Config, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	found, err := s.find(ctx, func(recs []*record) *record { return match(recs, ref) })
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, connector.ErrNoConfig
	}
	return s.toConfig(found)
}

// find returns the record pick chooses among the stored ones, read in one transaction.
func (s *Store) find(ctx context.Context, pick func([]*record) *record) (*record, error) {
	recs, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	return pick(recs), nil
}

// List implements connector.ConfigLister: every configuration of the connector, oldest first.
func (s *Store) List(ctx context.Context) ([]*connector.Config, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	recs, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*connector.Config, 0, len(recs))
	for _, r := range recs {
		c, err := s.toConfig(r)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// Get returns the configuration whose id or name is ref (an id first, as Resolve); an unknown
// ref is a KindNotFound error wrapping connector.ErrNoConfig.
func (s *Store) Get(ctx context.Context, ref string) (*connector.Config, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	found, err := s.find(ctx, func(recs []*record) *record { return byRef(recs, ref) })
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, notFound(ref)
	}
	return s.toConfig(found)
}

// Create adds a configuration from a body in FortiSOAR's create shape (name, config,
// default, active, operations, optional config_id, connector_name, connector_version).
// check (or the store's WithValuesCheck when nil) runs on the validated values. A name or
// id already in use is a KindInvalid error wrapping connector.ErrConfigExists; the check is
// made inside the write transaction, so of concurrent creates of one name exactly one wins.
// The first active configuration becomes the default; a deactivated one never does.
func (s *Store) Create(ctx context.Context, in *connector.ConfigInput) (*connector.ConfigChange, error) {
	if in.Name == nil {
		return nil, invalid("name", "is required")
	}
	var out *record
	var notes []string
	err := s.write(ctx, func(w *writer) error {
		var err error
		if out, err = w.create(in, s.check); err != nil {
			return err
		}
		if err := w.finish(); err != nil {
			return err
		}
		notes = w.take()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.change(out, notes)
}

// Update changes the configuration whose id or name is ref. Absent fields keep their stored
// values; config is merged into the stored values field by field: a secret that is absent or
// sent as connector.Mask keeps the stored one, "" or null clears a field. Every update moves
// Updated forward. The default rule holds after every update: "default": false on the
// default, or deactivating it, is refused (ErrConfigConflict) unless the same body names the
// configuration taking the default over ("new_default"); a deactivated configuration cannot
// become the default.
func (s *Store) Update(ctx context.Context, ref string, in *connector.ConfigInput) (*connector.ConfigChange, error) {
	var out *record
	var notes []string
	err := s.write(ctx, func(w *writer) error {
		rec := byRef(w.recs, ref)
		if rec == nil {
			return notFound(ref)
		}
		if in.ID != nil && *in.ID != rec.ID {
			return invalid("config_id", "is %q but the request is for %q", *in.ID, clip(ref))
		}
		var err error
		if out, err = w.update(rec, in, s.check); err != nil {
			return err
		}
		if err := w.finish(); err != nil {
			return err
		}
		notes = w.take()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.change(out, notes)
}

func (s *Store) change(rec *record, notes []string) (*connector.ConfigChange, error) {
	cfg, err := s.toConfig(rec)
	if err != nil {
		return nil, err
	}
	return &connector.ConfigChange{Config: cfg, Changes: notes}, nil
}

// Delete removes the configuration whose id or name is ref. When it was the default, the
// oldest remaining active one becomes the default and is returned as promoted (nil when no
// active one is left).
func (s *Store) Delete(ctx context.Context, ref string) (deleted, promoted *connector.Config, err error) {
	var del, pro *record
	err = s.write(ctx, func(w *writer) error {
		del = byRef(w.recs, ref)
		if del == nil {
			return notFound(ref)
		}
		if err := w.tx.Delete(del.ID); err != nil {
			return fmt.Errorf("delete configuration: %w", err)
		}
		w.remove(del)
		if !del.Default {
			return nil
		}
		if err := w.finish(); err != nil {
			return err
		}
		pro = w.defaultRec()
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if deleted, err = s.toConfig(del); err != nil {
		return nil, nil, err
	}
	if pro != nil {
		if promoted, err = s.toConfig(pro); err != nil {
			return nil, nil, err
		}
	}
	return deleted, promoted, nil
}

func notFound(ref string) error {
	return &connector.Error{Kind: connector.KindNotFound, Msg: fmt.Sprintf("no configuration with id or name %q", clip(ref)), Sentinel: connector.ErrNoConfig}
}

func conflict(format string, args ...any) error {
	return &connector.Error{Kind: connector.KindInvalid, Msg: fmt.Sprintf(format, args...), Sentinel: connector.ErrConfigExists}
}

// load returns the connector's records, oldest first.
func (s *Store) load(ctx context.Context) ([]*record, error) {
	stored, err := s.backend.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("read configurations: %w", err)
	}
	recs, err := decodeAll(stored)
	return s.own(recs), err
}

// own returns the records of the store's connector, oldest first.
func (s *Store) own(all []*record) []*record {
	var recs []*record
	for _, r := range all {
		if r.Connector == s.manifest.Name {
			recs = append(recs, r)
		}
	}
	sortBySeq(recs)
	return recs
}

func sortBySeq(recs []*record) {
	sort.Slice(recs, func(i, j int) bool { return recs[i].Seq < recs[j].Seq })
}

// decodeAll decodes stored records, every connector's.
func decodeAll(stored []Stored) ([]*record, error) {
	out := make([]*record, 0, len(stored))
	for _, st := range stored {
		rec, err := decodeRecord(st.Data)
		if err != nil {
			return nil, fmt.Errorf("configuration %q is damaged: %w", st.ID, err)
		}
		if rec.ID != st.ID {
			return nil, fmt.Errorf("configuration %q is damaged: it holds id %q", st.ID, rec.ID)
		}
		out = append(out, rec)
	}
	return out, nil
}

// Manifest returns the manifest whose configuration fields the store holds.
func (s *Store) Manifest() *connector.Manifest { return s.manifest }
