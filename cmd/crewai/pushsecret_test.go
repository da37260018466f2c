package main

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/crewai-go/crewai/internal/tracefile/tracefiletest"
)

// TestPushHeaderValuesNeverShown: the values of --header (Bearer, Basic,
// API-key headers) and the endpoint's credentials never appear in the
// command's output or errors, even when the endpoint echoes them back in
// its error body, nor in a usage error about a malformed --header.
func TestPushHeaderValuesNeverShown(t *testing.T) {
	dir := fixtureDir(t)
	id := tracefiletest.TraceID("ok")
	const (
		bearer = "tok-9f8e7d6c5b4a39281706"
		apiKey = "key-0a1b2c3d4e5f60718293"
		user   = "alice"
		pass   = "pw-5e4d3c2b1a09f8e7d6"
		query  = "qs-77aa88bb99cc00dd11ee"
	)
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A backend that echoes every header it got.
		var b strings.Builder
		for k, v := range r.Header {
			fmt.Fprintf(&b, "%s=%s ", k, v)
		}
		fmt.Fprintf(&b, "url=%s", r.URL)
		http.Error(w, "denied: "+b.String(), http.StatusUnauthorized)
	}))
	defer srv.Close()
	secrets := []string{bearer, apiKey, pass, basic, query}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"bearer", []string{"--header", "Authorization=Bearer " + bearer}},
		{"basic", []string{"--header", "Authorization=Basic " + basic}},
		{"api key", []string{"--header", "x-api-key=" + apiKey}},
		{"key in the query", []string{"--endpoint", srv.URL + "/v1/traces?api_key=" + query}},
		{"malformed header", []string{"--header", "Bearer " + bearer}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"traces", "push", id, "--dir", dir}, tc.args...)
			if !strings.Contains(strings.Join(tc.args, " "), "--endpoint") {
				args = append(args, "--endpoint", srv.URL)
			}
			r := runCLI(t, nil, args...)
			if r.code == 0 {
				t.Fatalf("pushed to a refusing endpoint: %+v", r)
			}
			for _, s := range secrets {
				if strings.Contains(r.stdout+r.stderr, s) {
					t.Fatalf("output shows %q:\n%s%s", s, r.stdout, r.stderr)
				}
			}
			if tc.name != "malformed header" && !strings.Contains(r.stderr, "401") {
				t.Fatalf("the error lost its status: %s", r.stderr)
			}
		})
	}
}
