package configstore

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// formatVersion is the layout of the bbolt file; Open refuses any other.
const formatVersion = "1"

var (
	bucketConfigs = []byte("configs")
	bucketMeta    = []byte("meta")
	// bucketStreams holds the states of server-side streams, keyed by configuration id and
	// stream name. It is created on the first save, so files written before it open as they are.
	bucketStreams = []byte("streams")
	keyFormat     = []byte("format")
	keyCheck      = []byte("key_check")
)

// boltBackend is the Backend of a bbolt file: one process holds it, and bbolt serialises
// its write transactions.
type boltBackend struct {
	db *bolt.DB
	// gen counts write transactions; nothing else writes the file while it is open.
	gen atomic.Uint64
}

var _ Backend = (*boltBackend)(nil)

// openBolt opens or creates the file at path and checks its format. A file that bbolt
// panics on is reported as damaged, never reset.
func openBolt(path string, lockTimeout time.Duration) (b *boltBackend, err error) {
	defer func() {
		if r := recover(); r != nil {
			if b != nil {
				_ = b.db.Close()
			}
			b, err = nil, fmt.Errorf("the file is damaged (%v); restore it from a backup or move it aside", r)
		}
	}()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("another process holds its lock (waited %s): %w", lockTimeout, err)
		}
		return nil, fmt.Errorf("not a readable configuration store; restore it from a backup or move it aside: %w", err)
	}
	b = &boltBackend{db: db}
	err = db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			if tx.Bucket(bucketConfigs) != nil {
				return errors.New("the file has configurations but no metadata: it is damaged")
			}
			var err error
			if meta, err = tx.CreateBucket(bucketMeta); err != nil {
				return fmt.Errorf("create metadata: %w", err)
			}
			if err := meta.Put(keyFormat, []byte(formatVersion)); err != nil {
				return fmt.Errorf("write metadata: %w", err)
			}
		}
		if f := meta.Get(keyFormat); string(f) != formatVersion {
			return fmt.Errorf("unsupported store format %q (this build reads %q)", f, formatVersion)
		}
		if _, err := tx.CreateBucketIfNotExists(bucketConfigs); err != nil {
			return fmt.Errorf("create configurations bucket: %w", err)
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	return b, nil
}

func (b *boltBackend) KeyCheck(_ context.Context, fresh []byte) ([]byte, error) {
	var out []byte
	err := b.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get(keyCheck); v != nil {
			out = append([]byte(nil), v...)
			return nil
		}
		out = fresh
		return meta.Put(keyCheck, fresh)
	})
	return out, err
}

func (b *boltBackend) Load(_ context.Context) ([]Stored, error) {
	var out []Stored
	err := b.db.View(func(tx *bolt.Tx) error {
		out = boltRecords(tx.Bucket(bucketConfigs))
		return nil
	})
	return out, err
}

// boltRecords reads every record of the bucket; the bytes are copied, as bbolt's are valid
// only within their transaction.
func boltRecords(bucket *bolt.Bucket) []Stored {
	var out []Stored
	_ = bucket.ForEach(func(k, v []byte) error {
		out = append(out, Stored{ID: string(k), Data: append([]byte(nil), v...)})
		return nil
	})
	return out
}

func (b *boltBackend) Update(_ context.Context, fn func(Tx) error) error {
	// Bumped after the commit (or rollback), never before: a cached read tagged with the
	// version it started at is then never newer than the data it holds.
	defer b.gen.Add(1)
	return b.db.Update(func(tx *bolt.Tx) error {
		bucket := tx.Bucket(bucketConfigs)
		return fn(&boltTx{bucket: bucket, recs: boltRecords(bucket)})
	})
}

func (b *boltBackend) Version() uint64 { return b.gen.Load() }

func (b *boltBackend) Close() error { return b.db.Close() }

type boltTx struct {
	bucket *bolt.Bucket
	recs   []Stored
}

func (t *boltTx) Records() []Stored { return t.recs }

func (t *boltTx) NextSeq() (uint64, error) { return t.bucket.NextSequence() }

func (t *boltTx) Put(rec Stored) error { return t.bucket.Put([]byte(rec.ID), rec.Data) }

func (t *boltTx) Delete(id string) error { return t.bucket.Delete([]byte(id)) }

func streamKey(configID, stream string) []byte { return []byte(configID + "\x00" + stream) }

func (b *boltBackend) LoadStream(_ context.Context, configID, stream string) ([]byte, error) {
	var out []byte
	err := b.db.View(func(tx *bolt.Tx) error {
		if bucket := tx.Bucket(bucketStreams); bucket != nil {
			if v := bucket.Get(streamKey(configID, stream)); v != nil {
				out = append([]byte(nil), v...)
			}
		}
		return nil
	})
	return out, err
}

func (b *boltBackend) SaveStream(_ context.Context, configID, stream string, state []byte) error {
	return b.db.Update(func(tx *bolt.Tx) error {
		bucket, err := tx.CreateBucketIfNotExists(bucketStreams)
		if err != nil {
			return err
		}
		return bucket.Put(streamKey(configID, stream), state)
	})
}

func (b *boltBackend) DeleteStreams(_ context.Context, configID string) error {
	return b.db.Update(func(tx *bolt.Tx) error {
		bucket := tx.Bucket(bucketStreams)
		if bucket == nil {
			return nil
		}
		prefix := []byte(configID + "\x00")
		c := bucket.Cursor()
		for k, _ := c.Seek(prefix); k != nil && len(k) >= len(prefix) && string(k[:len(prefix)]) == string(prefix); k, _ = c.Next() {
			if err := c.Delete(); err != nil {
				return err
			}
		}
		return nil
	})
}

func (b *boltBackend) Streams(_ context.Context) ([]StoredStream, error) {
	var out []StoredStream
	err := b.db.View(func(tx *bolt.Tx) error {
		bucket := tx.Bucket(bucketStreams)
		if bucket == nil {
			return nil
		}
		return bucket.ForEach(func(k, v []byte) error {
			cfg, stream, ok := splitStreamKey(k)
			if !ok {
				return fmt.Errorf("stream key %q is damaged", k)
			}
			out = append(out, StoredStream{ConfigID: cfg, Stream: stream, State: append([]byte(nil), v...)})
			return nil
		})
	})
	return out, err
}

func splitStreamKey(k []byte) (configID, stream string, ok bool) {
	for i, c := range k {
		if c == 0 {
			return string(k[:i]), string(k[i+1:]), true
		}
	}
	return "", "", false
}
