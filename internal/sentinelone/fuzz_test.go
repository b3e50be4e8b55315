package sentinelone

import (
	"net/url"
	"strings"
	"testing"
	"unicode"
)

// FuzzNormalizeHost checks NormalizeHost on arbitrary host settings: it never panics; what it
// accepts becomes a bare https origin (no path, query, fragment, user information or space)
// that normalises to itself; other schemes, paths and whitespace are always rejected.
func FuzzNormalizeHost(f *testing.F) {
	for _, seed := range []string{
		"console.example.net", "https://console.example.net", "HTTPS://Console.Example.NET/",
		"console.example.net:8443", "[::1]:8443", "10.1.2.3",
		"http://console.example.net", "ftp://h", "h/web/api", "h x", "h\u00a0", "h?", "h#",
		"u:p@h", "https://", ":8443", "h:", "h:0", "h:65536", "h:0443", "%41", "https://https://h",
		"xn--bcher-kva.example", "BÜCHER.example", "[::1", "h:8443/",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := NormalizeHost(raw)
		lower := strings.ToLower(raw)
		rest := raw
		if i := strings.Index(raw, "://"); i >= 0 {
			rest = raw[i+3:]
		}
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("NormalizeHost(%q): empty error message", raw)
			}
			return
		}
		switch {
		case strings.HasPrefix(lower, "http://"), strings.HasPrefix(lower, "ftp://"):
			t.Fatalf("NormalizeHost(%q) = %q, want a scheme error", raw, got)
		case strings.IndexFunc(raw, unicode.IsSpace) >= 0:
			t.Fatalf("NormalizeHost(%q) = %q, want a whitespace error", raw, got)
		case strings.Contains(strings.TrimSuffix(rest, "/"), "/"):
			t.Fatalf("NormalizeHost(%q) = %q, want a path error", raw, got)
		}

		host, ok := strings.CutPrefix(got, "https://")
		if !ok || host == "" {
			t.Fatalf("NormalizeHost(%q) = %q, want https://host", raw, got)
		}
		if strings.ContainsAny(host, "/?#@") || strings.IndexFunc(host, unicode.IsSpace) >= 0 {
			t.Fatalf("NormalizeHost(%q) = %q: host part has a path, query, fragment, user or space", raw, got)
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("NormalizeHost(%q) = %q, which does not parse: %v", raw, got, err)
		}
		if u.Scheme != "https" || u.User != nil || u.Path != "" || u.RawQuery != "" || u.ForceQuery ||
			u.Fragment != "" || u.Host != host || u.Hostname() == "" {
			t.Fatalf("NormalizeHost(%q) = %q, parsed as %#v: want a bare https origin", raw, got, u)
		}
		again, err := NormalizeHost(got)
		if err != nil {
			t.Fatalf("NormalizeHost(%q) = %q, which is rejected on a second pass: %v", raw, got, err)
		}
		if again != got {
			t.Fatalf("NormalizeHost not idempotent: %q -> %q -> %q", raw, got, again)
		}
	})
}
