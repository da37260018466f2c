package urlmask

import (
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	cases := []struct{ in, want string }{
		{"http://u:pw-secret@host:8080/v1?api-key=abcdef&api-version=2024-01-01",
			"http://u:[REDACTED]@host:8080/v1?api-key=[REDACTED]&api-version=2024-01-01"},
		{"https://host/v1", "https://host/v1"},
		{"https://user@host/v1", "https://user@host/v1"},
		{"localhost:8080", "localhost:8080"},
		{"not a url", "not a url"},
	}
	for _, c := range cases {
		if got := URL(c.in); got != c.want {
			t.Errorf("URL(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestSecretsAndText(t *testing.T) {
	u := "http://u:p%40ss-word@host/v1?token=tok%2Fen-123&api-version=2024&x=1"
	sec := Secrets(u)
	msg := `Post "http://u:***@host/v1/chat?token=tok%2Fen-123": refused; token tok/en-123, password p@ss-word`
	got := Text(msg, sec)
	for _, s := range []string{"tok%2Fen-123", "tok/en-123", "p@ss-word"} {
		if strings.Contains(got, s) {
			t.Errorf("%q survives: %q", s, got)
		}
	}
	if !strings.Contains(got, "2024") && strings.Contains(msg, "2024") {
		t.Errorf("api-version masked: %q", got)
	}
	if Secrets("https://host/v1") != nil {
		t.Error("secrets in a URL without any")
	}
}
