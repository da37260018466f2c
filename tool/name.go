package tool

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// MaxNameLen is the longest tool name providers accept (OpenAI, Anthropic and
// Gemini all cap function names at 64 characters).
const MaxNameLen = 64

// ErrInvalidName is wrapped by the errors of [SanitizeName] and of
// [Func.Err] for a name that cannot be made acceptable to a
// provider. Test for it with errors.Is.
var ErrInvalidName = errors.New("invalid tool name")

// SanitizeName turns name into a name providers accept, one that matches
// ^[a-zA-Z0-9_-]{1,64}$:
//
//   - accents are removed ("Météo" becomes "Meteo");
//   - each run of other characters (spaces, dots, punctuation, letters
//     outside ASCII) becomes one '_', except at the ends, where it is
//     dropped ("Search the web!" becomes "Search_the_web");
//   - case is kept ("getWeather" stays as it is);
//   - a name longer than 64 characters is cut to 55 and given '_' and 8 hex
//     digits of a SHA-256 of the whole name, so that long names stay
//     distinct.
//
// A name with no ASCII letter, digit, '_' or '-' left (empty, only
// punctuation, only non-Latin script) is an error wrapping
// [ErrInvalidName].
func SanitizeName(name string) (string, error) {
	var b strings.Builder
	pending := false
	for _, r := range norm.NFKD.String(name) {
		switch {
		case r < 0x80 && (r == '_' || r == '-' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')):
			if pending && b.Len() > 0 {
				b.WriteByte('_')
			}
			pending = false
			b.WriteRune(r)
		case unicode.Is(unicode.Mn, r):
			// a combining mark left by the decomposition of an accented letter
		default:
			pending = true
		}
	}
	out := b.String()
	if out == "" {
		return "", fmt.Errorf("tool: name %q has no character a model can call it by (accepted: ASCII letters, digits, '_' and '-'): %w", name, ErrInvalidName)
	}
	if len(out) > MaxNameLen {
		sum := sha256.Sum256([]byte(name))
		out = out[:MaxNameLen-9] + "_" + hex.EncodeToString(sum[:4])
	}
	return out, nil
}

// normalize is the key of the forgiving name match: lower case, with
// spaces, '_' and '-' removed.
func normalize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r == ' ' || r == '_' || r == '-' {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
