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
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/fortisoar-connectors/sentinelone/connector"
)

// FileName is the store's file inside the data directory.
const FileName = "configs.db"

// DefaultLockTimeout is how long Open waits for another process to release the file lock.
const DefaultLockTimeout = 5 * time.Second

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

// Get returns the configuration with id; an unknown id is a KindNotFound error wrapping
// connector.ErrNoConfig.
func (s *Store) Get(ctx context.Context, id string) (*connector.Config, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	found, err := s.find(func(recs []*record) *record { return byID(recs, id) })
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, notFound(id)
	}
	return s.toConfig(found)
}

// Create adds a configuration from a body in FortiSOAR's create shape (name, config,
// default, active, operations, optional config_id, connector_name, connector_version).
// check (or the store's WithValuesCheck when nil) runs on the validated values. A name or
// id already in use is a KindInvalid error wrapping connector.ErrConfigExists; the check is
// made inside the write transaction, so of concurrent creates of one name exactly one wins.
func (s *Store) Create(ctx context.Context, body map[string]json.RawMessage, check CheckFunc) (*connector.Config, error) {
	in, err := parseInput(s.manifest, body)
	if err != nil {
		return nil, err
	}
	if in.name == nil {
		return nil, invalid("name", "is required")
	}
	var out *record
	err = s.write(ctx, func(w *writer) error {
		out, err = w.create(in, s.checkOr(check))
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.toConfig(out)
}

// Update changes the configuration id. Absent fields keep their stored values; config is
// merged into the stored values field by field: a secret that is absent or sent as
// connector.Mask keeps the stored one, "" or null clears a field. Every update moves
// Updated forward.
func (s *Store) Update(ctx context.Context, id string, body map[string]json.RawMessage, check CheckFunc) (*connector.Config, error) {
	in, err := parseInput(s.manifest, body)
	if err != nil {
		return nil, err
	}
	var out *record
	err = s.write(ctx, func(w *writer) error {
		rec := byID(w.recs, id)
		if rec == nil {
			return notFound(id)
		}
		if in.id != nil && *in.id != rec.ID {
			return invalid("config_id", "is %q but the request is for %q", *in.id, clip(id))
		}
		out, err = w.update(rec, in, s.checkOr(check))
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.toConfig(out)
}

// Delete removes the configuration id. When it was the default, the oldest remaining one
// becomes the default and is returned as promoted (nil when none is left).
func (s *Store) Delete(ctx context.Context, id string) (deleted, promoted *connector.Config, err error) {
	var del, pro *record
	err = s.write(ctx, func(w *writer) error {
		del = byID(w.recs, id)
		if del == nil {
			return notFound(id)
		}
		if err := w.bucket.Delete([]byte(del.ID)); err != nil {
			return fmt.Errorf("delete configuration: %w", err)
		}
		w.remove(del)
		if del.Default && len(w.recs) > 0 {
			pro = w.recs[0]
			return w.setDefault(pro)
		}
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

// upsertAll creates or, by name, updates every body in one transaction: all or nothing.
func (s *Store) upsertAll(ctx context.Context, bodies []map[string]json.RawMessage, check CheckFunc) ([]*connector.Config, error) {
	inputs := make([]*input, len(bodies))
	for i, body := range bodies {
		in, err := parseInput(s.manifest, body)
		if err == nil && in.name == nil {
			err = invalid("name", "is required")
		}
		if err != nil {
			return nil, fmt.Errorf("configuration %d: %w", i+1, err)
		}
		inputs[i] = in
	}
	recs := make([]*record, len(inputs))
	err := s.write(ctx, func(w *writer) error {
		for i, in := range inputs {
			var err error
			if rec := byName(w.recs, *in.name); rec != nil {
				recs[i], err = w.update(rec, in, s.checkOr(check))
			} else {
				recs[i], err = w.create(in, s.checkOr(check))
			}
			if err != nil {
				return fmt.Errorf("configuration %d (%q): %w", i+1, *in.name, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]*connector.Config, len(recs))
	for i, r := range recs {
		c, err := s.toConfig(r)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

func (s *Store) checkOr(check CheckFunc) CheckFunc {
	if check != nil {
		return check
	}
	return s.check
}

func notFound(id string) error {
	return &connector.Error{Kind: connector.KindNotFound, Msg: fmt.Sprintf("no configuration with config_id %q", clip(id)), Err: connector.ErrNoConfig}
}

func conflict(format string, args ...any) error {
	return &connector.Error{Kind: connector.KindInvalid, Msg: fmt.Sprintf(format, args...), Err: connector.ErrConfigExists}
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

func byID(recs []*record, id string) *record {
	for _, r := range recs {
		if r.ID == id {
			return r
		}
	}
	return nil
}

func byName(recs []*record, name string) *record {
	for _, r := range recs {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// writer is one write transaction over the connector's records.
type writer struct {
	s      *Store
	tx     *bolt.Tx
	bucket *bolt.Bucket
	recs   []*record
}

func (s *Store) write(ctx context.Context, fn func(w *writer) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		recs, err := s.load(tx)
		if err != nil {
			return err
		}
		return fn(&writer{s: s, tx: tx, bucket: tx.Bucket(bucketConfigs), recs: recs})
	})
}

func (w *writer) put(rec *record) error {
	raw, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode configuration: %w", err)
	}
	if err := w.bucket.Put([]byte(rec.ID), raw); err != nil {
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

// setDefault makes rec the one default and saves every record whose flag changed.
func (w *writer) setDefault(rec *record) error {
	for _, r := range w.recs {
		want := r == rec
		if r.Default == want && r != rec {
			continue
		}
		r.Default = want
		if err := w.put(r); err != nil {
			return err
		}
	}
	return nil
}

func (w *writer) create(in *input, check CheckFunc) (*record, error) {
	m := w.s.manifest
	if other := byName(w.recs, *in.name); other != nil {
		return nil, conflict("a configuration named %q already exists for connector %s (config_id %s)", *in.name, m.Name, other.ID)
	}
	id := uuid.NewString()
	if in.id != nil {
		id = *in.id
		if w.bucket.Get([]byte(id)) != nil {
			return nil, conflict("a configuration with config_id %s already exists", id)
		}
	}
	raw := in.config
	if raw == nil {
		raw = map[string]any{}
	}
	values, err := m.CheckConfigValues(raw, check)
	if err != nil {
		return nil, err
	}
	seq, err := w.bucket.NextSequence()
	if err != nil {
		return nil, fmt.Errorf("allocate sequence: %w", err)
	}
	now := time.Now().UTC()
	rec := &record{
		ID: id, Seq: seq, Name: *in.name, Connector: m.Name, Version: m.Version,
		Inactive: in.active != nil && !*in.active,
		Disabled: applyOperations(m, nil, in.ops), Created: now, Updated: now,
	}
	if err := w.s.setValues(rec, values); err != nil {
		return nil, err
	}
	w.recs = append(w.recs, rec)
	if len(w.recs) == 1 || (in.isDefault != nil && *in.isDefault) {
		return rec, w.setDefault(rec)
	}
	return rec, w.put(rec)
}

func (w *writer) update(rec *record, in *input, check CheckFunc) (*record, error) {
	m := w.s.manifest
	if in.name != nil && *in.name != rec.Name {
		if other := byName(w.recs, *in.name); other != nil {
			return nil, conflict("a configuration named %q already exists for connector %s (config_id %s)", *in.name, m.Name, other.ID)
		}
		rec.Name = *in.name
	}
	if in.config != nil {
		current, err := w.s.values(rec)
		if err != nil {
			return nil, err
		}
		for k, v := range in.config {
			if m.IsSecret(k) && v == connector.Mask {
				continue
			}
			current[k] = v
		}
		values, err := m.CheckConfigValues(current, check)
		if err != nil {
			return nil, err
		}
		if err := w.s.setValues(rec, values); err != nil {
			return nil, err
		}
	}
	if in.active != nil {
		rec.Inactive = !*in.active
	}
	if in.ops != nil {
		rec.Disabled = applyOperations(m, rec.Disabled, in.ops)
	}
	rec.Version = m.Version
	now := time.Now().UTC()
	if !now.After(rec.Updated) {
		now = rec.Updated.Add(time.Nanosecond)
	}
	rec.Updated = now
	switch {
	case in.isDefault != nil && *in.isDefault && !rec.Default:
		return rec, w.setDefault(rec)
	case in.isDefault != nil && !*in.isDefault && rec.Default:
		for _, r := range w.recs { // hand the default to the oldest other one, if any
			if r != rec {
				if err := w.setDefault(r); err != nil {
					return nil, err
				}
				return rec, w.put(rec)
			}
		}
	}
	return rec, w.put(rec)
}

// setValues stores validated values: secrets sealed with the record's id, the rest in clear.
func (s *Store) setValues(rec *record, values connector.Params) error {
	rec.Values = map[string]any{}
	rec.Secrets = map[string][]byte{}
	for k, v := range values {
		if !s.manifest.IsSecret(k) {
			rec.Values[k] = v
			continue
		}
		str, ok := v.(string)
		if !ok {
			return invalid(k, "must be text")
		}
		sealed, err := s.secrets.seal([]byte(str), secretAD(rec.ID, k))
		if err != nil {
			return fmt.Errorf("encrypt %s: %w", k, err)
		}
		rec.Secrets[k] = sealed
	}
	return nil
}

// values returns the record's values with its secrets decrypted.
func (s *Store) values(rec *record) (map[string]any, error) {
	out := make(map[string]any, len(rec.Values)+len(rec.Secrets))
	for k, v := range rec.Values {
		out[k] = s.normalize(k, v)
	}
	for k, sealed := range rec.Secrets {
		plain, err := s.secrets.open(sealed, secretAD(rec.ID, k))
		if err != nil {
			return nil, fmt.Errorf("configuration %q field %s: %w", rec.Name, k, err)
		}
		out[k] = string(plain)
	}
	return out, nil
}

// normalize gives a decoded stored value the Go type validation gave it (see connector.Params).
func (s *Store) normalize(field string, v any) any {
	typ := ""
	if f := s.manifest.ConfigField(field); f != nil {
		typ = f.Type
	}
	switch typ {
	case "integer":
		if n, ok := v.(json.Number); ok {
			if i, err := n.Int64(); err == nil {
				return i
			}
		}
	case "decimal":
		if n, ok := v.(json.Number); ok {
			if f, err := n.Float64(); err == nil {
				return f
			}
		}
	case "multiselect":
		if list, ok := v.([]any); ok {
			out := make([]string, 0, len(list))
			for _, x := range list {
				str, _ := x.(string)
				out = append(out, str)
			}
			return out
		}
	}
	return v
}

func (s *Store) toConfig(rec *record) (*connector.Config, error) {
	values, err := s.values(rec)
	if err != nil {
		return nil, err
	}
	return &connector.Config{
		ID: rec.ID, Name: rec.Name, Default: rec.Default, Inactive: rec.Inactive, Values: values,
		Disabled: append([]string(nil), rec.Disabled...), Updated: rec.Updated,
		Connector: rec.Connector, Version: rec.Version, Created: rec.Created,
	}, nil
}

func decodeRecord(raw []byte) (*record, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var rec record
	if err := dec.Decode(&rec); err != nil {
		return nil, err
	}
	if rec.ID == "" || rec.Name == "" {
		return nil, errors.New("record has no id or name")
	}
	return &rec, nil
}
