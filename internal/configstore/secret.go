package configstore

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the length of the secret key in bytes (AES-256).
const KeySize = 32

// KeyEnv names the environment variable that may carry the secret key, base64-encoded.
const KeyEnv = "CONNECTOR_SECRET_KEY"

// KeyFileName is the key file created in the data directory when KeyEnv is not set.
const KeyFileName = "secret.key"

// LoadKey returns the 32-byte key that encrypts secrets at rest: from KeyEnv (base64) when
// getenv returns it, otherwise from <dataDir>/secret.key, which is created with mode 0600
// and a random key on first start. An existing key file that group or others can read, or
// that does not hold exactly 32 bytes, is refused. Errors never contain key material.
func LoadKey(dataDir string, getenv func(string) string) ([]byte, error) {
	if v := strings.TrimSpace(getenv(KeyEnv)); v != "" {
		key, err := decodeKey(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", KeyEnv, err)
		}
		return key, nil
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	path := filepath.Join(dataDir, KeyFileName)
	key, err := readKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = createKeyFile(path)
		if errors.Is(err, fs.ErrExist) { // another process created it first
			key, err = readKeyFile(path)
		}
	}
	if err != nil {
		return nil, err
	}
	return key, nil
}

// LoadSharedKey returns the key of a store that several replicas share: from KeyEnv when
// getenv returns it, otherwise from file (refused, as LoadKey's file, when group or others
// can read it). With neither it fails rather than make a key up: a key of one replica's own
// would seal secrets that the others cannot open.
func LoadSharedKey(file string, getenv func(string) string) ([]byte, error) {
	if v := strings.TrimSpace(getenv(KeyEnv)); v != "" {
		key, err := decodeKey(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", KeyEnv, err)
		}
		return key, nil
	}
	if file == "" {
		return nil, fmt.Errorf("a store shared by replicas needs the secret key that every replica holds alike: set %s (base64 of %d bytes) or give a key file (--secret-key-file, env CONNECTOR_SECRET_KEY_FILE)", KeyEnv, KeySize)
	}
	key, err := readKeyFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("secret key file %s does not exist: copy the key every replica shares there (mode 0600)", file)
	}
	return key, err
}

func decodeKey(text string) ([]byte, error) {
	var key []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err = enc.DecodeString(text); err == nil {
			break
		}
	}
	if err != nil {
		return nil, errors.New("not valid base64")
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("must decode to %d bytes, got %d", KeySize, len(key))
	}
	return key, nil
}

func readKeyFile(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("secret key file %s is not a regular file", path)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("secret key file %s has mode %#o: group or others can access it; run chmod 600 on it", path, perm)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read secret key file: %w", err)
	}
	key, err := decodeKey(strings.TrimSpace(string(raw)))
	if err != nil {
		return nil, fmt.Errorf("secret key file %s: %w", path, err)
	}
	return key, nil
}

func createKeyFile(path string) ([]byte, error) {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate secret key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	_, werr := f.WriteString(base64.StdEncoding.EncodeToString(key) + "\n")
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = syncDir(filepath.Dir(path))
	}
	if werr != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("write secret key file %s: %w", path, werr)
	}
	return key, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// sealer encrypts secret values with AES-256-GCM: a random nonce per value, prefixed to the
// ciphertext, and additional data binding the value to its configuration and field.
type sealer struct {
	aead cipher.AEAD
}

func newSealer(key []byte) (*sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	return &sealer{aead: aead}, nil
}

func (s *sealer) seal(plain, ad []byte) ([]byte, error) {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("generate nonce: %w", err)
	}
	return s.aead.Seal(nonce, nonce, plain, ad), nil
}

// errDecrypt hides the cause: a wrong key and tampered data look the same, and neither may
// leak anything about the value.
var errDecrypt = errors.New("cannot decrypt: wrong secret key or damaged data")

func (s *sealer) open(sealed, ad []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, errDecrypt
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], ad)
	if err != nil {
		return nil, errDecrypt
	}
	return plain, nil
}

// secretAD is the additional data of a secret: the configuration id and the field name, so
// a sealed value cannot be moved to another configuration or field.
func secretAD(configID, field string) []byte { return []byte(configID + "/" + field) }
