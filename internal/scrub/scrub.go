// Package scrub masks secrets in text captured on spans and cuts long text
// to a bounded size. A Scrubber is immutable once built and safe for
// concurrent use.
package scrub

import (
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Redacted replaces a secret in captured text.
const Redacted = "[REDACTED]"

// Scrubber masks secrets in captured text: the values of environment
// variables whose names look secret (taken when it is built), OpenAI-style
// "sk-..." keys and "Bearer ..." tokens.
type Scrubber struct {
	secrets []string // longest first
}

// minSecretLen keeps short values ("1", "yes") of secret-looking variables
// from masking ordinary text.
const minSecretLen = 8

func secretName(name string) bool {
	n := strings.ToUpper(name)
	return strings.HasSuffix(n, "_KEY") || strings.HasSuffix(n, "_TOKEN") || strings.HasSuffix(n, "_SECRET") ||
		strings.Contains(n, "PASSWORD") || n == "KEY" || n == "TOKEN" || n == "SECRET" || strings.HasSuffix(n, "_APIKEY")
}

// New returns a Scrubber masking the values of the secret-looking
// variables of environ (NAME=value entries, as os.Environ returns them).
func New(environ []string) *Scrubber {
	s := &Scrubber{}
	seen := map[string]bool{}
	for _, kv := range environ {
		name, val, ok := strings.Cut(kv, "=")
		if !ok || !secretName(name) || len(val) < minSecretLen || seen[val] {
			continue
		}
		seen[val] = true
		s.secrets = append(s.secrets, val)
	}
	sort.Slice(s.secrets, func(i, j int) bool { return len(s.secrets[i]) > len(s.secrets[j]) })
	return s
}

// Scrub returns x with every secret replaced by [Redacted].
func (s *Scrubber) Scrub(x string) string {
	for _, sec := range s.secrets {
		if strings.Contains(x, sec) {
			x = strings.ReplaceAll(x, sec, Redacted)
		}
	}
	if strings.Contains(x, "sk-") {
		x = maskPrefixed(x, "sk-", 16, true)
	}
	if strings.Contains(x, "Bearer ") {
		x = maskPrefixed(x, "Bearer ", 8, false)
	}
	return x
}

func tokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' ||
		c == '.' || c == '~' || c == '+' || c == '/' || c == '='
}

// maskPrefixed replaces what follows every occurrence of prefix with
// [Redacted] when at least min token bytes follow it; with needBoundary the
// prefix must not be preceded by a token byte.
func maskPrefixed(x, prefix string, min int, needBoundary bool) string {
	var b strings.Builder
	last, i := 0, 0
	for {
		j := strings.Index(x[i:], prefix)
		if j < 0 {
			break
		}
		j += i
		end := j + len(prefix)
		k := end
		for k < len(x) && tokenByte(x[k]) {
			k++
		}
		if (needBoundary && j > 0 && tokenByte(x[j-1])) || k-end < min {
			i = end
			continue
		}
		b.WriteString(x[last:end])
		b.WriteString(Redacted)
		last, i = k, k
	}
	if last == 0 {
		return x
	}
	b.WriteString(x[last:])
	return b.String()
}

// Truncate cuts s to at most max bytes (at a UTF-8 boundary) followed by the
// marker "…[truncated N bytes]".
func Truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…[truncated " + strconv.Itoa(len(s)-cut) + " bytes]"
}
