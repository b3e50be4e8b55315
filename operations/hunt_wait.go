package operations

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// Polling of the run-and-wait operations: the first look after pollFirst, each wait twice
// the last, at most pollMax.
const (
	pollFirst = 200 * time.Millisecond
	pollMax   = 5 * time.Second
)

// defaultWait is the run-and-wait bound when wait_seconds is not given.
const defaultWait = 120 * time.Second

// waitBound returns the wait of a run-and-wait call: wait_seconds or defaultWait.
func waitBound(args connector.Args) time.Duration {
	if n, ok := args.Int("wait_seconds"); ok {
		return time.Duration(n) * time.Second
	}
	return defaultWait
}

// errNotDone ends a poll when its bound passes before the work finished.
var errNotDone = errors.New("not finished")

// poll calls check with backoff until it reports done, it fails, or bound passes
// (errNotDone). The call's own deadline ends it too.
func poll(ctx context.Context, bound time.Duration, check func() (bool, error)) error {
	deadline := time.Now().Add(bound)
	wait := pollFirst
	for {
		done, err := check()
		if err != nil || done {
			return err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return errNotDone
		}
		t := time.NewTimer(min(wait, left))
		select {
		case <-ctx.Done():
			t.Stop()
			return errNotDone
		case <-t.C:
		}
		wait = min(wait*2, pollMax)
	}
}

// stillRunning is the failure of a run-and-wait call whose bound passed; it names the id a
// playbook resumes with.
func stillRunning(what, idName, id, resume string, bound time.Duration) error {
	return connector.Errorf(connector.KindTimeout, "%s did not finish within %s; %s %s is still running: resume with %s",
		what, bound, idName, id, resume)
}

// DefaultMaxFileBytes is the size cap of a downloaded file when max_file_bytes is not given.
const DefaultMaxFileBytes = 10 << 20

// fileResult is a downloaded file, whole: its name, size, SHA-256 and base64 content. A
// password-protected zip is handed over as it is, with its password.
type fileResult struct {
	Name          string `json:"name"`
	Size          int    `json:"size"`
	SHA256        string `json:"sha256"`
	ContentBase64 string `json:"content_base64"`
	Password      string `json:"password"`
	Encrypted     bool   `json:"encrypted"`
	// Members are the names in a zip's directory, which ZipCrypto leaves readable.
	Members []string `json:"members"`
}

// download reads link with the call's size cap.
func download(ctx context.Context, args connector.Args, client *sentinelone.Client, link, name, password string) (fileResult, error) {
	capBytes := int64(DefaultMaxFileBytes)
	if n, ok := args.Int("max_file_bytes"); ok {
		capBytes = n
	}
	b, err := client.Download(ctx, link, capBytes)
	if errors.Is(err, sentinelone.ErrTooLarge) {
		return fileResult{}, connector.Errorf(connector.KindOperation, "%v; raise max_file_bytes (at most its manifest maximum) to fetch it", err)
	}
	if err != nil {
		return fileResult{}, err
	}
	if name == "" {
		name = path.Base(strings.SplitN(link, "?", 2)[0])
	}
	sum := sha256.Sum256(b)
	return fileResult{Name: name, Size: len(b), SHA256: hex.EncodeToString(sum[:]), ContentBase64: base64.StdEncoding.EncodeToString(b),
		Password: password, Encrypted: password != "", Members: zipMembers(b)}, nil
}

// zipMembers lists the member names of a zip, none for a file that is not one.
func zipMembers(b []byte) []string {
	out := []string{}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return out
	}
	for _, f := range zr.File {
		out = append(out, f.Name)
	}
	return out
}

// dvQuery reads the query params shared by create_query and run_query.
func dvQuery(args connector.Args) sentinelone.DVQuery {
	return sentinelone.DVQuery{Query: strings.TrimSpace(args.String("query")), FromDate: strings.TrimSpace(args.String("from_date")),
		ToDate: strings.TrimSpace(args.String("to_date"))}
}

// describe says which step of an operation an error came from.
func describe(what string, err error) error { return fmt.Errorf("%s: %w", what, err) }

// startQuery starts a Deep Visibility query through the configuration's pacer; a start the
// pacer cannot fit within its bounded wait is a busy error (503), never sent to SentinelOne.
func startQuery(ctx context.Context, client *sentinelone.Client, q sentinelone.DVQuery) (string, error) {
	id, err := client.Hunt.InitQuery(ctx, q)
	if errors.Is(err, sentinelone.ErrQueryStartBusy) {
		return "", connector.Errorf(connector.KindBusy, "%v; SentinelOne allows about one query start a minute per token, try again later", err)
	}
	return id, err
}
