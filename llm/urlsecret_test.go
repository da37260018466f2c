package llm_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/crewai-go/crewai/llm"
)

// TestBaseURLSecrets: a base URL with user info and a query string
// (http://u:pw@host/v1?api-key=...) is joined correctly with the API path
// (the query kept on every request), and neither the password nor the query
// value appears in the errors of a refusing server, of an unreachable one,
// or in the printed Config and Client.
func TestBaseURLSecrets(t *testing.T) {
	const (
		pw  = "pw-3a4b5c6d7e8f9a0b"
		key = "qk-11223344556677889900"
	)
	var gotPath, gotKey string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath, gotKey = r.URL.Path, r.URL.Query().Get("api-key")
		_, _ = io.Copy(io.Discard, r.Body)
		if r.URL.Path != "/v1/chat/completions" || gotKey != key {
			http.Error(w, "no route "+r.URL.String(), http.StatusNotFound)
			return
		}
		if u, p, _ := r.BasicAuth(); u == "fail" || p == "fail" {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":"r","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}`)
	}))
	defer srv.Close()
	base := strings.Replace(srv.URL, "http://", "http://user:"+pw+"@", 1) + "/v1?api-key=" + key
	c, err := llm.New(llm.Config{Model: "m", BaseURL: base, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Generate(context.Background(), &llm.Request{Messages: []llm.Message{{Role: llm.RoleUser, Content: "x"}}})
	if err != nil || resp.Content != "hi" {
		t.Fatalf("with a query in the base URL: %v (path %q, api-key %q)", err, gotPath, gotKey)
	}
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%#v", c), fmt.Sprint(llm.Config{Model: "m", BaseURL: base})} {
		if strings.Contains(s, pw) || strings.Contains(s, key) {
			t.Errorf("printed: %s", s)
		}
	}

	// Unreachable: the transport's error names the URL.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dead, err := llm.New(llm.Config{Model: "m", BaseURL: "http://user:" + pw + "@" + addr + "/v1?api-key=" + key, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = dead.Generate(context.Background(), &llm.Request{Messages: []llm.Message{{Role: llm.RoleUser, Content: "x"}}})
	if err == nil {
		t.Fatal("no error from a closed port")
	}
	var le *llm.Error
	if !errors.As(err, &le) || !errors.Is(err, llm.ErrTransport) {
		t.Fatalf("err %v", err)
	}
	for e := error(err); e != nil; e = errors.Unwrap(e) {
		for _, f := range []string{"%v", "%+v", "%#v"} {
			if s := fmt.Sprintf(f, e); strings.Contains(s, pw) || strings.Contains(s, key) {
				t.Fatalf("%T shows a secret of the URL: %s", e, s)
			}
		}
	}
}
