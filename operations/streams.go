package operations

import (
	"context"
	"errors"
	"sync"

	"github.com/fortisoar-connectors/sentinelone/connector"
)

// StreamState is what the server keeps of a server-side stream: the acknowledged
// checkpoint, the checkpoint of the batch delivered and not yet acknowledged, and the
// first call's start.
type StreamState struct {
	Committed string `json:"committed,omitempty"`
	Pending   string `json:"pending,omitempty"`
	Start     string `json:"start,omitempty"`
}

// StreamStore keeps server-side stream states per configuration id and stream name. The
// configuration store implements it on bbolt; any store with these two calls will do.
type StreamStore interface {
	// LoadStream returns the stream's state; the zero state when it has none.
	LoadStream(ctx context.Context, configID, stream string) (StreamState, error)
	// SaveStream replaces the stream's state.
	SaveStream(ctx context.Context, configID, stream string, st StreamState) error
}

// StreamLocker is a StreamStore shared by several processes that can hold one stream for
// the length of a call, so two replicas cannot both serve the same committed checkpoint.
type StreamLocker interface {
	// LockStream waits for the stream and holds it until unlock is called.
	LockStream(ctx context.Context, configID, stream string) (unlock func(), err error)
}

type streamKey struct{ Config, Stream string }

// streamLocks serialises the calls of one stream in this process, so two concurrent calls
// cannot both take the same committed checkpoint and overwrite each other's pending batch.
var streamLocks sync.Map // streamKey → *sync.Mutex

func lockStream(k streamKey) func() {
	m, _ := streamLocks.LoadOrStore(k, &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

// memoryStreams keeps stream states in memory, for a server without a store.
type memoryStreams struct {
	mu sync.Mutex
	m  map[streamKey]StreamState
}

func (m *memoryStreams) LoadStream(_ context.Context, cfg, stream string) (StreamState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.m[streamKey{cfg, stream}], nil
}

func (m *memoryStreams) SaveStream(_ context.Context, cfg, stream string, st StreamState) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[streamKey]StreamState{}
	}
	m.m[streamKey{cfg, stream}] = st
	return nil
}

type streamsCtxKey struct{}

// withStreams gives the operations of a call the server's stream store.
func withStreams(ctx context.Context, s StreamStore) context.Context {
	return context.WithValue(ctx, streamsCtxKey{}, s)
}

// errInlineStream refuses a stream on an inline configuration: it has no id to keep it by.
var errInlineStream = errors.New("a server-side stream needs a stored configuration; with an inline configuration pass the checkpoint instead")

func streamsOf(ctx context.Context, call *connector.Call) (StreamStore, error) {
	if call.Config.Inline {
		return nil, &connector.ParamError{Param: "stream", Message: errInlineStream.Error()}
	}
	s, _ := ctx.Value(streamsCtxKey{}).(StreamStore)
	if s == nil {
		return nil, errors.New("this server keeps no stream store")
	}
	return s, nil
}

// streamStore is the clients' stream store: the one given in ClientOptions.Streams, else
// one in memory.
func (c *Clients) streamStore() StreamStore {
	c.streamsOnce.Do(func() {
		c.streams = c.opts.Streams
		if c.streams == nil {
			c.streams = &memoryStreams{}
		}
	})
	return c.streams
}
