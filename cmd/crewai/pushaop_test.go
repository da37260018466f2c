package main

import (
	"strings"
	"testing"

	"github.com/crewai-go/crewai/internal/aop"
	"github.com/crewai-go/crewai/internal/aop/aoptest"
	"github.com/crewai-go/crewai/internal/tracefile/tracefiletest"
)

// A stored trace goes to CrewAI AOP through one grant, every span stamped
// with one execution and carrying CrewAI's attributes.
func TestPushCrewAI(t *testing.T) {
	dir := fixtureDir(t)
	id := tracefiletest.TraceID("ok")
	fake := aoptest.New()
	defer fake.Close()
	env := map[string]string{aop.EnvIntegrationToken: aoptest.DefaultCredential, aop.EnvPlusURL: fake.URL}
	r := runCLI(t, env, "traces", "push", id[:6], "--dir", dir, "--crewai")
	if r.code != 0 {
		t.Fatalf("code %d: %s", r.code, r.stderr)
	}
	grants := fake.Grants()
	if len(grants) != 1 {
		t.Fatalf("%d grants, want 1", len(grants))
	}
	exec := grants[0].ExecutionID
	spans := fake.Spans()
	if len(spans) != 10 {
		t.Fatalf("%d spans, want 10", len(spans))
	}
	events := 0
	for _, sp := range spans {
		if v, _ := aoptest.Attr(sp, aop.AttrExecutionUUID); v != exec {
			t.Fatalf("%s: execution %q, want %q", sp.Name, v, exec)
		}
		if _, ok := aoptest.Attr(sp, aop.AttrEventName); ok {
			events++
		}
	}
	if events == 0 {
		t.Fatal("no span carries crewai.event_name")
	}
	if !strings.Contains(r.stdout, "Sent trace "+id+" (10 spans) to CrewAI AOP as execution "+exec) ||
		!strings.Contains(r.stdout, fake.URL+"/crewai_plus/otel_traces/"+exec) {
		t.Fatalf("stdout %q", r.stdout)
	}
	// Pushing again is the same execution: AOP sees one run, not two.
	r = runCLI(t, env, "traces", "push", id, "--dir", dir, "--crewai")
	if r.code != 0 || len(fake.Grants()) != 2 || fake.Grants()[1].ExecutionID != exec {
		t.Fatalf("second push: %+v, grants %+v", r, fake.Grants())
	}
}

func TestPushCrewAIErrors(t *testing.T) {
	dir := fixtureDir(t)
	id := tracefiletest.TraceID("ok")
	fake := aoptest.New()
	defer fake.Close()
	good := map[string]string{aop.EnvUserPAT: aoptest.DefaultCredential, aop.EnvPlusURL: fake.URL}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"no credential", map[string]string{aop.EnvPlusURL: fake.URL}, nil, 2,
			"set CREWAI_USER_PAT or CREWAI_PLATFORM_INTEGRATION_TOKEN"},
		{"with an endpoint", good, []string{"--endpoint", "http://x"}, 2, "--crewai takes no --endpoint"},
		{"plain http base", map[string]string{aop.EnvUserPAT: "pat", aop.EnvPlusURL: "http://aop.example"}, nil, 2,
			"CREWAI_PLUS_URL"},
		{"revoked", map[string]string{aop.EnvUserPAT: "revoked-token-123", aop.EnvPlusURL: fake.URL}, nil, 1,
			"HTTP 401"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"traces", "push", id, "--dir", dir, "--crewai"}, tt.args...)
			r := runCLI(t, tt.env, args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
				t.Fatalf("code %d, stderr %q; want %d and %q", r.code, r.stderr, tt.code, tt.want)
			}
			if strings.Contains(r.stderr+r.stdout, "revoked-token-123") {
				t.Fatal("the credential was printed")
			}
		})
	}
}
