// Package configstore keeps the connector's named configurations in a single bbolt file,
// <data-dir>/configs.db, with password-type fields encrypted at rest (AES-256-GCM). It
// applies FortiSOAR's configuration rules — unique names, exactly one default, validated
// values, per-operation enable/disable — and implements connector.ConfigSource and
// connector.ConfigLister. It knows nothing of HTTP or of the vendor API: the vendor's host
// rule is injected as a CheckFunc.
package configstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/fortisoar-connectors/sentinelone/connector"
)

// FileName is the store's file inside the data directory.
const FileName = "configs.db"

// DefaultLockTimeout is how long Open waits for another process to release the file lock.
const DefaultLockTimeout = 5 * time.Second

// ErrLocked is wrapped by Open when another process (a running server) holds the store.
var ErrLocked = berrors.ErrTimeout

// formatVersion is the layout of the file; Open refuses any other.
const formatVersion = "1"

var (
	bucketConfigs = []byte("configs")
	bucketMeta    = []byte("meta")
	keyFormat     = []byte("format")
	keyCheck      = []byte("key_check")
	keyCheckPlain = []byte("sentinelone connector configuration store")
)

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
	db          *bolt.DB
	path        string
	manifest    *connector.Manifest
	secrets     *sealer
	check       CheckFunc
	lockTimeout time.Duration
	// gen counts committed writes; Cache compares it to know its entries are current.
	gen atomic.Uint64
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
func Open(dataDir string, m *connector.Manifest, key []byte, opts ...Option) (s *Store, err error) {
	if m == nil {
		return nil, errors.New("open configuration store: nil manifest")
	}
	sec, err := newSealer(key)
	if err != nil {
		return nil, fmt.Errorf("open configuration store: %w", err)
	}
	s = &Store{manifest: m, secrets: sec, lockTimeout: DefaultLockTimeout}
	for _, o := range opts {
		o(s)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("open configuration store: create data directory: %w", err)
	}
	s.path = filepath.Join(dataDir, FileName)
	defer func() {
		// bbolt may panic on some damaged files; that is a damaged store, not a crash.
		if r := recover(); r != nil {
			if s != nil && s.db != nil {
				_ = s.db.Close()
			}
			s, err = nil, fmt.Errorf("open configuration store %s: the file is damaged (%v); restore it from a backup or move it aside", s.pathOr(dataDir), r)
		}
	}()
	db, err := bolt.Open(s.path, 0o600, &bolt.Options{Timeout: s.lockTimeout})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("open configuration store %s: another process holds its lock (waited %s): %w", s.path, s.lockTimeout, err)
		}
		return nil, fmt.Errorf("open configuration store %s: not a readable configuration store; restore it from a backup or move it aside: %w", s.path, err)
	}
	s.db = db
	if err := s.init(); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open configuration store %s: %w", s.path, err)
	}
	return s, nil
}

func (s *Store) pathOr(dir string) string {
	if s == nil || s.path == "" {
		return filepath.Join(dir, FileName)
	}
	return s.path
}

// init creates the buckets of a new store and checks an existing one: its format, that the
// key opens it, and that every record decodes.
func (s *Store) init() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			if tx.Bucket(bucketConfigs) != nil {
				return errors.New("the file has configurations but no metadata: it is damaged")
			}
			var err error
			if meta, err = tx.CreateBucket(bucketMeta); err != nil {
				return fmt.Errorf("create metadata: %w", err)
			}
			sealed, err := s.secrets.seal(keyCheckPlain, keyCheck)
			if err != nil {
				return err
			}
			if err := meta.Put(keyFormat, []byte(formatVersion)); err != nil {
				return fmt.Errorf("write metadata: %w", err)
			}
			if err := meta.Put(keyCheck, sealed); err != nil {
				return fmt.Errorf("write metadata: %w", err)
			}
		}
		if f := meta.Get(keyFormat); string(f) != formatVersion {
			return fmt.Errorf("unsupported store format %q (this build reads %q)", f, formatVersion)
		}
		plain, err := s.secrets.open(meta.Get(keyCheck), keyCheck)
		if err != nil || !bytes.Equal(plain, keyCheckPlain) {
			return fmt.Errorf("the secret key does not open this store: it was written with another key (check %s or %s)", KeyEnv, KeyFileName)
		}
		b, err := tx.CreateBucketIfNotExists(bucketConfigs)
		if err != nil {
			return fmt.Errorf("create configurations bucket: %w", err)
		}
		return b.ForEach(func(k, v []byte) error {
			rec, err := decodeRecord(v)
			if err != nil {
				return fmt.Errorf("configuration %q is damaged: %w", k, err)
			}
			if rec.ID != string(k) {
				return fmt.Errorf("configuration %q is damaged: it holds id %q", k, rec.ID)
			}
			return nil
		})
	})
}

// Path returns the store's file.
func (s *Store) Path() string { return s.path }

// Close releases the file and its lock.
func (s *Store) Close() error { return s.db.Close() }

// Resolve implements connector.ConfigSource: ref is a configuration id or name of this
// store's connector; "" is the default. Secrets come back decrypted, in memory only.
func (s *Store) Resolve(ctx context.Context, ref string) (*connector.Config, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	found, err := s.find(func(recs []*record) *record { return match(recs, ref) })
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, connector.ErrNoConfig
	}
	return s.toConfig(found)
}

// find returns the record pick chooses among the stored ones, read in one transaction.
func (s *Store) find(pick func([]*record) *record) (*record, error) {
	var found *record
	err := s.db.View(func(tx *bolt.Tx) error {
		recs, err := s.load(tx)
		if err != nil {
			return err
		}
		found = pick(recs)
		return nil
	})
	return found, err
}

// List implements connector.ConfigLister: every configuration of the connector, oldest first.
func (s *Store) List(ctx context.Context) ([]*connector.Config, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var recs []*record
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		recs, err = s.load(tx)
		return err
	})
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
	found, err := s.find(func(recs []*record) *record { return byRef(recs, ref) })
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
		if err := w.bucket.Delete([]byte(del.ID)); err != nil {
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
func (s *Store) load(tx *bolt.Tx) ([]*record, error) {
	var recs []*record
	err := tx.Bucket(bucketConfigs).ForEach(func(k, v []byte) error {
		rec, err := decodeRecord(v)
		if err != nil {
			return fmt.Errorf("configuration %q is damaged: %w", k, err)
		}
		if rec.Connector == s.manifest.Name {
			recs = append(recs, rec)
		}
		return nil
	})
	sort.Slice(recs, func(i, j int) bool { return recs[i].Seq < recs[j].Seq })
	return recs, err
}

// Manifest returns the manifest whose configuration fields the store holds.
func (s *Store) Manifest() *connector.Manifest { return s.manifest }
