package operations

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"time"

	"go.uber.org/zap"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// FortiSOAR keeps configurations itself and sends their values with every call, so the
// clients of inline configurations are cached by what they connect with. The cache key is
// an HMAC of the connection values under a key drawn at start: it identifies a
// configuration within this process without holding, logging or revealing its secrets.

// inlineKey is the keyed digest of one inline configuration's connection values.
type inlineKey [sha256.Size]byte

// label names the configuration in logs by a short prefix of its digest.
func (k inlineKey) label() string { return "inline:" + hex.EncodeToString(k[:4]) }

type inlineEntry struct {
	client *sentinelone.Client
	used   time.Time
}

// inlineCache holds the clients of inline configurations; Clients.mu guards it.
type inlineCache struct {
	secret  []byte
	entries map[inlineKey]*inlineEntry
}

func newInlineCache() inlineCache {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		panic("operations: no randomness for the inline client cache: " + err.Error())
	}
	return inlineCache{secret: secret, entries: map[inlineKey]*inlineEntry{}}
}

// key digests every value that decides what a client connects to and as whom.
func (ic *inlineCache) key(sc sentinelone.Config) inlineKey {
	mac := hmac.New(sha256.New, ic.secret)
	verify := "0"
	if sc.VerifySSL {
		verify = "1"
	}
	for _, field := range []string{sc.Host, sc.Username, sc.Password, sc.APIToken, sc.APIVersion, verify} {
		var n [binary.MaxVarintLen64]byte
		mac.Write(n[:binary.PutUvarint(n[:], uint64(len(field)))])
		mac.Write([]byte(field))
	}
	var k inlineKey
	copy(k[:], mac.Sum(nil))
	return k
}

// drain empties the cache and returns what it held.
func (ic *inlineCache) drain() []*inlineEntry {
	out := make([]*inlineEntry, 0, len(ic.entries))
	for k, e := range ic.entries {
		out = append(out, e)
		delete(ic.entries, k)
	}
	return out
}

// forInline returns the cached client of an inline configuration, building one on its
// first call; a full cache first logs out its least recently used client.
func (c *Clients) forInline(cfg *connector.Config) (*sentinelone.Client, error) {
	sc, err := clientConfig(cfg.Values)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.opts.Now()
	c.evictIdleLocked(now)
	key := c.inline.key(sc)
	if e, ok := c.inline.entries[key]; ok {
		e.used = now
		return e.client, nil
	}
	if len(c.inline.entries) >= c.opts.MaxInline {
		var oldest inlineKey
		var at time.Time
		for k, e := range c.inline.entries {
			if at.IsZero() || e.used.Before(at) {
				oldest, at = k, e.used
			}
		}
		c.retireLocked(oldest, "the inline client cache is full")
	}
	// One client per digest, so identical inline configurations share its limiter too.
	client, err := c.build(sc, key.label(), c.limiter(sc))
	if err != nil {
		return nil, err
	}
	c.inline.entries[key] = &inlineEntry{client: client, used: now}
	return client, nil
}

// Forget implements connector.SessionCache: it logs out and drops the client of an inline
// configuration. Stored configurations keep theirs (they are replaced when they change).
func (c *Clients) Forget(cfg *connector.Config) bool {
	if !cfg.Inline {
		return false
	}
	sc, err := clientConfig(cfg.Values)
	if err != nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	key := c.inline.key(sc)
	if _, ok := c.inline.entries[key]; !ok {
		return false
	}
	c.retireLocked(key, "forgotten on request")
	return true
}

var _ connector.SessionCache = (*Clients)(nil)

// InlineClients is the number of inline configurations with a cached client.
func (c *Clients) InlineClients() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.inline.entries)
}

// evictIdleLocked logs out the inline clients unused for longer than the idle limit.
func (c *Clients) evictIdleLocked(now time.Time) {
	for k, e := range c.inline.entries {
		if now.Sub(e.used) > c.opts.InlineIdle {
			c.retireLocked(k, "idle")
		}
	}
}

// retireLocked drops one inline client and logs it out in the background, so the logout
// never holds up a call.
func (c *Clients) retireLocked(k inlineKey, reason string) {
	e := c.inline.entries[k]
	delete(c.inline.entries, k)
	c.opts.Logger.Info("inline SentinelOne client logged out", zap.String("config", k.label()), zap.String("reason", reason))
	c.retired.Go(func() { e.client.CloseContext(c.retiring) })
}

// sweepIdle evicts idle inline clients even when no call comes, until Close.
func (c *Clients) sweepIdle() {
	t := time.NewTicker(max(c.opts.InlineIdle/4, time.Second))
	defer t.Stop()
	for {
		select {
		case <-c.sweepStop:
			return
		case <-t.C:
			c.mu.Lock()
			c.evictIdleLocked(c.opts.Now())
			c.mu.Unlock()
		}
	}
}
