package aop_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/crewai-go/crewai/internal/aop"
	"github.com/crewai-go/crewai/internal/aop/aoptest"
)

const execID = "0f8fad5b-d9cb-469f-a165-70867728950e"

func newClient(t *testing.T, fake *aoptest.Server, mod func(*aop.Config)) *aop.Client {
	t.Helper()
	cfg := aop.Config{BaseURL: fake.URL, Credential: aoptest.DefaultCredential}
	if mod != nil {
		mod(&cfg)
	}
	c, err := aop.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestGrantRequestAndAnswer(t *testing.T) {
	fake := aoptest.New()
	defer fake.Close()
	c := newClient(t, fake, nil)
	// Upper case and no hyphens: the id is sent in canonical form.
	g, err := c.Grant(context.Background(), strings.ToUpper(strings.ReplaceAll(execID, "-", "")))
	if err != nil {
		t.Fatal(err)
	}
	reqs := fake.Grants()
	if len(reqs) != 1 {
		t.Fatalf("grant requests = %d, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Authorization != "Bearer "+aoptest.DefaultCredential || r.ExecutionID != execID || !r.IncludeTraceURL {
		t.Fatalf("request = %+v", r)
	}
	if g.ExecutionID != execID || g.CollectorURL != fake.URL+"/v1/traces" || !g.ExpiresAt.After(time.Now()) ||
		g.TraceURL != fake.URL+"/crewai_plus/otel_traces/"+execID {
		t.Fatalf("grant = %s, trace URL %q", g, g.TraceURL)
	}
	for _, s := range []string{g.String(), fmt.Sprintf("%v", g), fmt.Sprintf("%+v", *g), fmt.Sprintf("%#v", g)} {
		if strings.Contains(s, r.Token) {
			t.Fatalf("grant printed with its token: %s", s)
		}
	}
}

func TestGrantAnswerValidation(t *testing.T) {
	tests := []struct {
		name     string
		override map[string]any
		field    string
	}{
		{"wrong tier", map[string]any{"tier": "ephemeral"}, "tier"},
		{"other execution", map[string]any{"execution_uuid": "11111111-2222-4333-8444-555555555555"}, "execution_uuid"},
		{"execution not a uuid", map[string]any{"execution_uuid": "run-1"}, "execution_uuid"},
		{"token not a string", map[string]any{"token": 42}, "token"},
		{"token blank", map[string]any{"token": "  "}, "token"},
		{"token missing", map[string]any{"token": nil}, "token"},
		{"collector file URL", map[string]any{"collector_url": "file:///tmp/traces"}, "collector_url"},
		{"collector user info", map[string]any{"collector_url": "https://u:p@collector.example/v1/traces"}, "collector_url"},
		{"collector plain http", map[string]any{"collector_url": "http://collector.example/v1/traces"}, "collector_url"},
		{"collector relative", map[string]any{"collector_url": "/v1/traces"}, "collector_url"},
		{"collector missing", map[string]any{"collector_url": nil}, "collector_url"},
		{"expired", map[string]any{"expires_at": "2020-01-01T00:00:00Z"}, "expires_at"},
		{"expiry without zone", map[string]any{"expires_at": "2999-01-01T00:00:00"}, "expires_at"},
		{"expiry not a time", map[string]any{"expires_at": "tomorrow"}, "expires_at"},
		{"tier missing", map[string]any{"tier": nil}, "tier"},
	}
	fake := aoptest.New()
	defer fake.Close()
	c := newClient(t, fake, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake.SetGrantOverride(tt.override)
			_, err := c.Grant(context.Background(), execID)
			var ge *aop.GrantError
			if !errors.As(err, &ge) || ge.Field != tt.field || !ge.Permanent() {
				t.Fatalf("err = %v, want an invalid %s", err, tt.field)
			}
			if !strings.Contains(err.Error(), tt.field) || strings.Contains(err.Error(), "grant-") {
				t.Fatalf("message %q must name the field and not hold the token", err)
			}
		})
	}
	t.Run("accepted", func(t *testing.T) {
		for _, u := range []string{"https://collector.example/v1/traces", "http://localhost:4318/v1/traces",
			"http://dev.localhost/v1/traces", "http://[::1]:4318/v1/traces"} {
			fake.SetGrantOverride(map[string]any{"collector_url": u, "trace_url": "https://elsewhere.example/x"})
			g, err := c.Grant(context.Background(), execID)
			if err != nil || g.CollectorURL != u {
				t.Fatalf("%s: %v", u, err)
			}
			if g.TraceURL != "" {
				t.Fatalf("a trace URL on another host must be ignored, got %q", g.TraceURL)
			}
		}
	})
}

func TestGrantFailures(t *testing.T) {
	fake := aoptest.New()
	defer fake.Close()
	tests := []struct {
		name      string
		setup     func()
		client    func() *aop.Client
		status    int
		reason    string
		permanent bool
	}{
		{name: "revoked credential", setup: func() { fake.SetCredential("another") }, status: 401, permanent: true},
		{name: "forbidden", setup: func() { fake.SetGrantStatus(403) }, status: 403, permanent: true},
		{name: "server error", setup: func() { fake.SetGrantStatus(502) }, status: 502},
		{name: "slow", setup: func() { fake.HangGrants(true) }, reason: "timeout",
			client: func() *aop.Client {
				return newClient(t, fake, func(c *aop.Config) { c.GrantTimeout = 50 * time.Millisecond })
			}},
		{name: "down", reason: "connection refused", client: func() *aop.Client {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := l.Addr().String()
			l.Close()
			c, err := aop.NewClient(aop.Config{BaseURL: "http://" + addr, Credential: aoptest.DefaultCredential})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake.SetCredential(aoptest.DefaultCredential)
			fake.SetGrantStatus(0)
			fake.HangGrants(false)
			if tt.setup != nil {
				tt.setup()
			}
			c := newClient(t, fake, nil)
			if tt.client != nil {
				c = tt.client()
			}
			_, err := c.Grant(context.Background(), execID)
			var ge *aop.GrantError
			if !errors.As(err, &ge) || ge.Status != tt.status || ge.Reason != tt.reason || ge.Permanent() != tt.permanent {
				t.Fatalf("err = %#v", err)
			}
			if strings.Contains(err.Error(), aoptest.DefaultCredential) {
				t.Fatalf("the credential is in the error: %v", err)
			}
		})
	}
}

func TestNewClientChecks(t *testing.T) {
	tests := []struct {
		base, cred string
		ok         bool
	}{
		{"https://app.crewai.com", "pat", true},
		{"", "pat", true},
		{"http://127.0.0.1:8080", "pat", true},
		{"http://app.example.com", "pat", false},
		{"ftp://app.example.com", "pat", false},
		{"https://u:secret@app.example.com", "pat", false},
		{"https://app.crewai.com", "  ", false},
	}
	for _, tt := range tests {
		_, err := aop.NewClient(aop.Config{BaseURL: tt.base, Credential: tt.cred})
		if (err == nil) != tt.ok {
			t.Errorf("NewClient(%q, %q) = %v, want ok=%v", tt.base, tt.cred, err, tt.ok)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("user information shown: %v", err)
		}
	}
}

func TestCredentialAndBaseURL(t *testing.T) {
	env := map[string]string{}
	get := func(k string) string { return env[k] }
	if v, from := aop.Credential(get); v != "" || from != "" {
		t.Fatalf("empty env gave %q from %q", v, from)
	}
	env[aop.EnvIntegrationToken] = "integration"
	if v, from := aop.Credential(get); v != "integration" || from != aop.EnvIntegrationToken {
		t.Fatalf("got %q from %q", v, from)
	}
	env[aop.EnvUserPAT] = " pat "
	if v, from := aop.Credential(get); v != "pat" || from != aop.EnvUserPAT {
		t.Fatalf("got %q from %q", v, from)
	}
	env[aop.EnvUserPAT] = "   "
	if v, _ := aop.Credential(get); v != "integration" {
		t.Fatalf("a blank PAT must count as unset, got %q", v)
	}
	if aop.BaseURL(get) != aop.DefaultBaseURL {
		t.Fatal("default base URL")
	}
	env[aop.EnvPlusURL] = "https://aop.example"
	if aop.BaseURL(get) != "https://aop.example" {
		t.Fatal("CREWAI_PLUS_URL ignored")
	}
}

func TestExecutionID(t *testing.T) {
	var run [16]byte
	for i := range run {
		run[i] = 0xff
	}
	id := aop.ExecutionID(run)
	if id != "ffffffff-ffff-4fff-bfff-ffffffffffff" {
		t.Fatalf("ExecutionID = %s", id)
	}
	if aop.ExecutionID(run) != id {
		t.Fatal("not deterministic")
	}
	if aop.ExecutionID([16]byte{}) != "00000000-0000-4000-8000-000000000000" {
		t.Fatal(aop.ExecutionID([16]byte{}))
	}
}
