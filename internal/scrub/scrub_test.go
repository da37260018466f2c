package scrub

import "testing"

func TestScrubber(t *testing.T) {
	s := New([]string{"OPENAI_API_KEY=sk-live-0123456789abcdefXYZ", "DB_PASSWORD=hunter2hunter2", "PATH=/usr/bin", "X_TOKEN=1"})
	cases := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"key sk-live-0123456789abcdefXYZ end", "key [REDACTED] end"},
		{"pw=hunter2hunter2", "pw=[REDACTED]"},
		{"ask-me sk-short", "ask-me sk-short"},
		{"risk-assessment-of-the-whole-project", "risk-assessment-of-the-whole-project"},
		{"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.x", "Authorization: Bearer [REDACTED]"},
		{"a sk-ABCDEFGHIJKLMNOPQRST and sk-ZYXWVUTSRQPONMLKJIHG", "a sk-[REDACTED] and sk-[REDACTED]"},
		{"/usr/bin is fine, 1 is fine", "/usr/bin is fine, 1 is fine"},
	}
	for _, c := range cases {
		if got := s.Scrub(c.in); got != c.want {
			t.Errorf("scrub(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
