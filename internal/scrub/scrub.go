// Package scrub masks secrets in text captured on spans and cuts long text
// to a bounded size. A Scrubber is immutable once built and safe for
// concurrent use.
//
// Secrets are found two ways. By name: the values of environment variables
// whose names look secret (*_KEY, *_TOKEN, *_SECRET, *PASSWORD*, *_PASSWD,
// *_PAT, *_CREDENTIALS, *_APIKEY), and the password of a
// scheme://user:password@ URL held by any variable (such as *_DSN or
// *_URL), and the values of the OTLP exporter's header variables
// (OTEL_EXPORTER_OTLP_HEADERS, OTEL_EXPORTER_OTLP_TRACES_HEADERS), whatever
// the header. By shape, wherever they appear: OpenAI and Anthropic keys
// (sk-...), GitHub tokens (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_), AWS
// access key IDs (AKIA/ASIA + 16), JSON Web Tokens (eyJ....eyJ....), the
// password of a URL, and the credentials after "Bearer " and "Basic ". Text
// holding JSON \u escapes of letters and digits (\u0073k-...) is unescaped
// before it is searched, so an escaped secret is masked too.
package scrub

import (
	"encoding/base64"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Redacted replaces a secret in captured text.
const Redacted = "[REDACTED]"

// Scrubber masks secrets in captured text (see the package doc).
type Scrubber struct {
	secrets []string // longest first
}

// minSecretLen keeps short values ("1", "yes") of secret-looking variables
// from masking ordinary text.
const minSecretLen = 8

// SecretName reports whether an environment variable's name says its value
// is a secret.
func SecretName(name string) bool {
	n := strings.ToUpper(name)
	for _, suf := range []string{"_KEY", "_TOKEN", "_SECRET", "_APIKEY", "_PAT", "_PASSWD", "_CREDENTIALS", "_CREDENTIAL"} {
		if strings.HasSuffix(n, suf) {
			return true
		}
	}
	return strings.Contains(n, "PASSWORD") || n == "KEY" || n == "TOKEN" || n == "SECRET" || n == "PASSWD"
}

// New returns a Scrubber masking the values of the secret-looking
// variables of environ (NAME=value entries, as os.Environ returns them) and
// the passwords of URLs held by any variable.
func New(environ []string) *Scrubber {
	s := &Scrubber{}
	seen := map[string]bool{}
	add := func(v string) {
		if len(v) < minSecretLen || seen[v] {
			return
		}
		seen[v] = true
		s.secrets = append(s.secrets, v)
	}
	for _, kv := range environ {
		name, val, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		if SecretName(name) {
			add(val)
		}
		if headerVar(name) {
			for _, v := range headerSecrets(val) {
				add(v)
			}
		}
		if strings.Contains(val, "://") && strings.Contains(val, "@") {
			if u, err := url.Parse(val); err == nil && u.User != nil {
				if p, has := u.User.Password(); has {
					add(p)
					if e := url.QueryEscape(p); e != p {
						add(e)
					}
				}
			}
		}
	}
	sort.Slice(s.secrets, func(i, j int) bool { return len(s.secrets[i]) > len(s.secrets[j]) })
	return s
}

// headerVar reports whether name is one of the OTLP exporter's header
// variables, whose values are credentials whatever their names.
func headerVar(name string) bool {
	n := strings.ToUpper(name)
	return n == "OTEL_EXPORTER_OTLP_HEADERS" || n == "OTEL_EXPORTER_OTLP_TRACES_HEADERS"
}

// headerSecrets returns the secrets of a W3C-baggage-like header list
// (key=value,key2=value2, values URL-escaped): each value, raw and
// unescaped, each word of it (the credentials after "Bearer " or "Basic "),
// and the decoded form of Basic credentials with their password.
func headerSecrets(list string) []string {
	var out []string
	for _, kv := range strings.Split(list, ",") {
		_, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		out = append(out, v)
		if u, err := url.PathUnescape(v); err == nil {
			v = u
			out = append(out, v)
		}
		for _, w := range strings.Fields(v) {
			out = append(out, w)
			if raw, err := base64.StdEncoding.DecodeString(w); err == nil && utf8.Valid(raw) {
				out = append(out, string(raw))
				if _, pw, ok := strings.Cut(string(raw), ":"); ok {
					out = append(out, pw)
				}
			}
		}
	}
	return out
}

var (
	// ghToken: GitHub's token prefixes followed by their random part.
	ghToken = regexp.MustCompile(`\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})`)
	// awsKeyID: an AWS access key ID.
	awsKeyID = regexp.MustCompile(`\b(?:AKIA|ASIA)[A-Z0-9]{16}\b`)
	// jwt: header.payload[.signature], both JSON objects in base64url.
	jwt = regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*)?`)
	// urlPassword: the password of scheme://user:password@host.
	urlPassword = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^\s:/?#@"'<>]*:)([^\s/?#@"'<>]+)@`)
)

// Scrub returns x with every secret replaced by [Redacted].
func (s *Scrubber) Scrub(x string) string {
	if strings.Contains(x, `\u`) {
		x = unescapeTokenBytes(x)
	}
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
	if strings.Contains(x, "Basic ") {
		x = maskPrefixed(x, "Basic ", 8, false)
	}
	if strings.Contains(x, "gh") {
		x = ghToken.ReplaceAllString(x, Redacted)
	}
	if strings.Contains(x, "AKIA") || strings.Contains(x, "ASIA") {
		x = awsKeyID.ReplaceAllString(x, Redacted)
	}
	if strings.Contains(x, "eyJ") {
		x = jwt.ReplaceAllString(x, Redacted)
	}
	if strings.Contains(x, "://") && strings.Contains(x, "@") {
		x = urlPassword.ReplaceAllString(x, "${1}"+Redacted+"@")
	}
	return x
}

// unescapeTokenBytes replaces the JSON escapes \u00XX of ASCII letters,
// digits and - _ . ~ + / = (the bytes a key or token is made of) by the byte
// itself. Those bytes need no escaping in JSON, so a JSON text stays valid;
// anything else (quotes, backslashes, control bytes) stays escaped.
func unescapeTokenBytes(x string) string {
	var b strings.Builder
	last := 0
	for i := 0; i+6 <= len(x); {
		if x[i] != '\\' {
			i++
			continue
		}
		if x[i+1] != 'u' {
			i += 2 // an escape of its own (\\, \"): skip both bytes
			continue
		}
		n, err := strconv.ParseUint(x[i+2:i+6], 16, 16)
		if err != nil || n >= 0x80 || !tokenByte(byte(n)) {
			i += 2
			continue
		}
		if b.Len() == 0 {
			b.Grow(len(x))
		}
		b.WriteString(x[last:i])
		b.WriteByte(byte(n))
		i += 6
		last = i
	}
	if last == 0 {
		return x
	}
	b.WriteString(x[last:])
	return b.String()
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
