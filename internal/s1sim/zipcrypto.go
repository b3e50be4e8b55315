package s1sim

import (
	"archive/zip"
	"bytes"
	"hash/crc32"
)

// zipFile is one member of a password-protected zip.
type zipFile struct {
	name string
	data []byte
}

// protectedZip builds a zip whose members are stored with traditional PKWARE encryption
// (ZipCrypto), the scheme SentinelOne's fetched-file zips use and every unzip tool reads.
func protectedZip(password string, files []zipFile) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i, f := range files {
		crc := crc32.ChecksumIEEE(f.data)
		enc := zipEncrypt(password, crc, f.data, byte(i))
		h := &zip.FileHeader{Name: f.name, Method: zip.Store, Flags: 0x1, CRC32: crc,
			CompressedSize64: uint64(len(enc)), UncompressedSize64: uint64(len(f.data))}
		w, err := zw.CreateRaw(h)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(enc); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// zipKeys is the ZipCrypto cipher state.
type zipKeys [3]uint32

func newZipKeys(password string) *zipKeys {
	k := &zipKeys{0x12345678, 0x23456789, 0x34567890}
	for i := 0; i < len(password); i++ {
		k.update(password[i])
	}
	return k
}

func (k *zipKeys) update(b byte) {
	k[0] = crc32.IEEETable[byte(k[0])^b] ^ (k[0] >> 8)
	k[1] = (k[1]+(k[0]&0xff))*134775813 + 1
	k[2] = crc32.IEEETable[byte(k[2])^byte(k[1]>>24)] ^ (k[2] >> 8)
}

func (k *zipKeys) stream() byte {
	t := uint16(k[2] | 2)
	return byte((uint32(t) * uint32(t^1)) >> 8)
}

// zipEncrypt returns the 12-byte encryption header followed by data, encrypted. The header
// is deterministic (salt) so the simulator's zips are reproducible; its last byte is the
// CRC's high byte, which readers check against the password.
func zipEncrypt(password string, crc uint32, data []byte, salt byte) []byte {
	k := newZipKeys(password)
	out := make([]byte, 0, 12+len(data))
	head := [12]byte{}
	for i := range 11 {
		head[i] = byte(i*37) ^ salt
	}
	head[11] = byte(crc >> 24)
	for _, p := range append(head[:], data...) {
		c := p ^ k.stream()
		k.update(p)
		out = append(out, c)
	}
	return out
}

// zipDecrypt undoes zipEncrypt (for tests): it returns the data after the header.
func zipDecrypt(password string, enc []byte) []byte {
	k := newZipKeys(password)
	out := make([]byte, 0, len(enc))
	for _, c := range enc {
		p := c ^ k.stream()
		k.update(p)
		out = append(out, p)
	}
	if len(out) < 12 {
		return nil
	}
	return out[12:]
}

// plainZip builds an unencrypted zip (script results, cloud files).
func plainZip(files []zipFile) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f.name)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
