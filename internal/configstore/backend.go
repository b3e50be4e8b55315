package configstore

import "context"

// Backend keeps a Store's records and stream states. The Store applies every rule — unique
// names, one default, validation, sealing — over whichever backend holds the records, so
// the rules are the same on every backend; a backend reads the records, applies one write
// transaction atomically, and says when what it holds may have changed. The bbolt file of
// Open is one; a shared database, which may also enforce the rules itself, is another.
type Backend interface {
	// KeyCheck returns the stored key check, storing fresh first when there is none: the
	// value tells whether a key is the one the secrets were sealed with.
	KeyCheck(ctx context.Context, fresh []byte) ([]byte, error)
	// Load returns every stored record, of every connector, in one consistent read.
	Load(ctx context.Context) ([]Stored, error)
	// Update runs fn in one write transaction: fn reads the records as the transaction
	// sees them, and its puts and deletes commit together or not at all. Updates are
	// serialised with every other Update on the same data, in any process.
	Update(ctx context.Context, fn func(Tx) error) error
	// Version changes whenever the records may have changed: after every Update (committed
	// or not) and after every change made elsewhere. A cache entry read at one version is
	// served only while Version still returns it.
	Version() uint64
	// LoadStream returns the state of configID's stream; nil when it has none.
	LoadStream(ctx context.Context, configID, stream string) ([]byte, error)
	// SaveStream replaces the state of configID's stream, durably.
	SaveStream(ctx context.Context, configID, stream string, state []byte) error
	// DeleteStreams forgets every stream of configID.
	DeleteStreams(ctx context.Context, configID string) error
	// Streams returns every stream state, for copying a store.
	Streams(ctx context.Context) ([]StoredStream, error)
	// Close releases the backend.
	Close() error
}

// Tx is one write transaction of a Backend.
type Tx interface {
	// Records returns every record as the transaction read it.
	Records() []Stored
	// NextSeq allocates the next creation sequence number, never given out before.
	NextSeq() (uint64, error)
	// Put inserts or replaces the record of rec.ID.
	Put(rec Stored) error
	// Delete removes the record of id (and, on backends that tie them, its streams).
	Delete(id string) error
}

// Stored is one configuration as a backend keeps it: Data is the record's JSON (secrets
// sealed, bound to the id), the same bytes on every backend; the other fields repeat what
// Data holds, for backends that index or constrain them. Load may fill only ID and Data.
type Stored struct {
	ID, Connector, Name string
	Seq                 uint64
	Default, Inactive   bool
	Data                []byte
}

// StoredStream is one stream's state as a backend keeps it.
type StoredStream struct {
	ConfigID, Stream string
	State            []byte
}
