package scrub

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestShapesAndNames (issue 24 point 5): values of more secret-looking
// variable names, URL passwords of any variable, and well-known token shapes
// are masked; so are JSON-escaped forms.
func TestShapesAndNames(t *testing.T) {
	s := New([]string{
		"GH_PAT=patvalue-1234567890",
		"SMTP_PASSWD=smtp-pass-0987",
		"GOOGLE_CREDENTIALS=creds-blob-abcdef",
		"DATABASE_DSN=postgres://app:dsn-secret-pw@db:5432/app",
		"REDIS_URL=redis://:redis-pw-5555@cache:6379",
		"PLAIN=not-a-secret-value",
	})
	cases := []struct{ in, secret string }{
		{"pat patvalue-1234567890", "patvalue-1234567890"},
		{"p=smtp-pass-0987", "smtp-pass-0987"},
		{"c creds-blob-abcdef", "creds-blob-abcdef"},
		{"connecting with dsn-secret-pw now", "dsn-secret-pw"},
		{"redis-pw-5555 leaked", "redis-pw-5555"},
		{"key sk-ant-api03-AbCdEfGhIjKlMnOpQrStUv", "AbCdEfGhIjKlMnOpQrStUv"},
		{"gh ghp_0123456789abcdefghijABCDEFGHIJ", "ghp_0123456789abcdefghijABCDEFGHIJ"},
		{"gh github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "github_pat_11ABCDEFG0123456789_abcdefghijklmnop"},
		{"aws AKIAIOSFODNN7EXAMPLE ok", "AKIAIOSFODNN7EXAMPLE"},
		{"jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl", "eyJzdWIiOiIxMjM0In0"},
		{"url https://bob:s3cr3t-pass@example.com/x", "s3cr3t-pass"},
		{"Authorization: Basic Ym9iOnMzY3IzdC1wYXNz", "Ym9iOnMzY3IzdC1wYXNz"},
		{`{"k":"\u0073k-proj-ABCDEFGHIJKLMNOPQRST"}`, "ABCDEFGHIJKLMNOPQRST"},
		{`{"k":"\u0070atvalue-1234567890"}`, "atvalue-1234567890"},
	}
	for _, c := range cases {
		got := s.Scrub(c.in)
		if strings.Contains(got, c.secret) || !strings.Contains(got, Redacted) {
			t.Errorf("Scrub(%q) = %q: %q survives", c.in, got, c.secret)
		}
	}
	for _, keep := range []string{"not-a-secret-value", "plain text, AKIA alone", `{"a":"\u0022quoted\u0022"}`, "ghp_short", "the ask-me-anything skill"} {
		if got := s.Scrub(keep); got != keep {
			t.Errorf("Scrub(%q) = %q, want it unchanged", keep, got)
		}
	}
}

// FuzzSplitSecret: a random secret (as a secret variable's value and as an
// OpenAI-style key), split at random points into chunks and put back
// together (as a streamed reply is), inside random text, possibly
// JSON-escaped, never survives scrubbing of the assembled text.
func FuzzSplitSecret(f *testing.F) {
	f.Add([]byte("proj-abcdefghijklmnop"), "before ", " after", uint16(3), uint16(9), false)
	f.Add([]byte("0123456789"), "x", "", uint16(0), uint16(1), true)
	f.Fuzz(func(t *testing.T, seed []byte, before, after string, cut1, cut2 uint16, escape bool) {
		const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
		var b strings.Builder
		for _, c := range seed {
			b.WriteByte(alpha[int(c)%len(alpha)])
		}
		for b.Len() < 16 {
			b.WriteByte(alpha[b.Len()%len(alpha)])
		}
		random := b.String()
		if len(random) > 64 {
			random = random[:64]
		}
		envSecret := "v-" + random
		key := "sk-" + random
		s := New([]string{"FUZZ_TOKEN=" + envSecret})
		if !utf8.ValidString(before) || !utf8.ValidString(after) || strings.Contains(before+after, random) ||
			strings.Contains(before+after, `\`) {
			return
		}
		text := before + " " + key + " and " + envSecret + " " + after
		// chunks, as a stream delivers them
		n := len(text)
		a, c := int(cut1)%(n+1), int(cut2)%(n+1)
		if a > c {
			a, c = c, a
		}
		chunks := []string{text[:a], text[a:c], text[c:]}
		assembled := strings.Join(chunks, "")
		if escape {
			var e strings.Builder
			for i := 0; i < len(assembled); i++ {
				ch := assembled[i]
				if ch >= 'a' && ch <= 'z' && i%2 == 0 {
					e.WriteString(`\u00`)
					e.WriteByte("0123456789abcdef"[ch>>4])
					e.WriteByte("0123456789abcdef"[ch&15])
				} else {
					e.WriteByte(ch)
				}
			}
			assembled = e.String()
		}
		got := unescapeTokenBytes(s.Scrub(assembled))
		for _, sec := range []string{envSecret, random} {
			if strings.Contains(got, sec) {
				t.Fatalf("%q survives scrubbing of %q: %q", sec, assembled, got)
			}
		}
	})
}
