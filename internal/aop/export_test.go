package aop_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/crewai-go/crewai/internal/aop"
	"github.com/crewai-go/crewai/internal/aop/aoptest"
)

func strAttr(k, v string) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}}
}

// request builds n spans of the execution, each with a text of size bytes,
// under two resources and two scopes, and numbered by their span ID.
func request(exec string, n, size int) *coltracepb.ExportTraceServiceRequest {
	req := &coltracepb.ExportTraceServiceRequest{}
	text := strings.Repeat("x", size)
	for r := range 2 {
		rs := &tracepb.ResourceSpans{Resource: &resourcepb.Resource{
			Attributes: []*commonpb.KeyValue{strAttr("service.name", fmt.Sprint("svc-", r))}}}
		for sc := range 2 {
			rs.ScopeSpans = append(rs.ScopeSpans, &tracepb.ScopeSpans{Scope: &commonpb.InstrumentationScope{Name: fmt.Sprint("scope-", sc)}})
		}
		req.ResourceSpans = append(req.ResourceSpans, rs)
	}
	for i := range n {
		sp := &tracepb.Span{
			TraceId: make([]byte, 16), SpanId: []byte{0, 0, 0, 0, byte(i >> 16), byte(i >> 8), byte(i), 1},
			Name:       fmt.Sprint("span ", i),
			Attributes: []*commonpb.KeyValue{strAttr(aop.AttrExecutionUUID, exec), strAttr("input.value", text)},
		}
		ss := req.ResourceSpans[(i/3)%2].ScopeSpans[i%2]
		ss.Spans = append(ss.Spans, sp)
	}
	return req
}

func names(spans []*tracepb.Span) []string {
	out := make([]string, len(spans))
	for i, s := range spans {
		out[i] = s.Name
	}
	return out
}

func sorted(req *coltracepb.ExportTraceServiceRequest) []string {
	var out []string
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				out = append(out, s.Name)
			}
		}
	}
	return out
}

func TestExportSplitsByCountAndBytes(t *testing.T) {
	tests := []struct {
		name     string
		n, size  int
		requests int // at least
	}{
		{"count cap", 401, 10, 3},
		{"byte cap", 100, 100_000, 4},
		{"both caps", 450, 20_000, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := aoptest.New()
			defer fake.Close()
			e := aop.NewExporter(newClient(t, fake, nil))
			req := request(execID, tt.n, tt.size)
			res, err := e.Export(context.Background(), execID, req)
			if err != nil || res.Sent != tt.n || res.Dropped != 0 || res.Failed != 0 {
				t.Fatalf("res = %+v, err = %v", res, err)
			}
			got := fake.Requests()
			if len(got) < tt.requests {
				t.Fatalf("%d requests, want at least %d", len(got), tt.requests)
			}
			for _, r := range got {
				if len(r.Spans) > aop.MaxSpansPerRequest || r.Bytes > aop.MaxRequestBytes {
					t.Fatalf("a request of %d spans and %d bytes", len(r.Spans), r.Bytes)
				}
			}
			if want, have := strings.Join(sorted(req), ","), strings.Join(names(fake.Spans()), ","); want != have {
				t.Fatal("spans lost, repeated or out of order")
			}
			if len(fake.Grants()) != 1 {
				t.Fatalf("%d grants, want 1 for one execution", len(fake.Grants()))
			}
		})
	}
}

func TestExportDropsASpanTooLargeAlone(t *testing.T) {
	fake := aoptest.New()
	defer fake.Close()
	e := aop.NewExporter(newClient(t, fake, nil))
	req := request(execID, 5, 10)
	big := req.ResourceSpans[0].ScopeSpans[1].Spans[0] // span 1
	big.Attributes = append(big.Attributes, strAttr("output.value", strings.Repeat("y", aop.MaxRequestBytes)))
	res, err := e.Export(context.Background(), execID, req)
	var tl *aop.TooLargeError
	if !errors.As(err, &tl) || tl.Spans != 1 || tl.Largest <= aop.MaxRequestBytes || tl.Limit != aop.MaxRequestBytes {
		t.Fatalf("err = %v", err)
	}
	if res.Sent != 4 || res.Dropped != 1 || res.Failed != 0 {
		t.Fatalf("res = %+v", res)
	}
	for _, n := range names(fake.Spans()) {
		if n == big.Name {
			t.Fatal("the oversized span was sent")
		}
	}
}

func TestExportRenewsBeforeExpiry(t *testing.T) {
	fake := aoptest.New()
	defer fake.Close()
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	fake.SetClock(clock)
	e := aop.NewExporter(newClient(t, fake, func(c *aop.Config) { c.Now = clock }))
	if _, err := e.Export(context.Background(), execID, request(execID, 3, 10)); err != nil {
		t.Fatal(err)
	}
	advance(14*time.Minute + 31*time.Second) // 29 s left of 15 min: renewed
	if _, err := e.Export(context.Background(), execID, request(execID, 3, 10)); err != nil {
		t.Fatal(err)
	}
	advance(time.Minute) // the new grant has 14 min left: kept
	if _, err := e.Export(context.Background(), execID, request(execID, 3, 10)); err != nil {
		t.Fatal(err)
	}
	grants := fake.Grants()
	if len(grants) != 2 || grants[0].ExecutionID != execID || grants[1].ExecutionID != execID {
		t.Fatalf("grants = %+v", grants)
	}
	reqs := fake.Requests()
	if len(reqs) != 3 || reqs[0].Token != grants[0].Token || reqs[1].Token != grants[1].Token || reqs[2].Token != grants[1].Token {
		t.Fatalf("requests carried the wrong grants")
	}
}

func TestExportRetriesOnceWithAFreshGrant(t *testing.T) {
	fake := aoptest.New()
	defer fake.Close()
	e := aop.NewExporter(newClient(t, fake, nil))
	if _, err := e.Export(context.Background(), execID, request(execID, 2, 10)); err != nil {
		t.Fatal(err)
	}
	fake.ExpireAll() // the collector now refuses the grant the client believes valid
	res, err := e.Export(context.Background(), execID, request(execID, 2, 10))
	if err != nil || res.Sent != 2 {
		t.Fatalf("res = %+v, err = %v", res, err)
	}
	if len(fake.Grants()) != 2 {
		t.Fatalf("%d grants, want 2", len(fake.Grants()))
	}
}

func TestExportFailures(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(*aoptest.Server)
		mod    func(*aop.Config)
		cause  string
		grants int
	}{
		{"collector 503", func(f *aoptest.Server) { f.SetExportStatus(503) }, nil, "AOP collector HTTP 503", 1},
		{"collector refuses", func(f *aoptest.Server) { f.SetExportStatus(401) }, nil, "AOP collector HTTP 401", 2},
		{"collector slow", func(f *aoptest.Server) { f.HangExports(true) },
			func(c *aop.Config) { c.RequestTimeout = 50 * time.Millisecond }, "AOP collector timeout", 1},
		{"grant 401", func(f *aoptest.Server) { f.SetCredential("other") }, nil, "AOP grant HTTP 401", 1},
		{"grant 500", func(f *aoptest.Server) { f.SetGrantStatus(500) }, nil, "AOP grant HTTP 500", 1},
		{"grant slow", func(f *aoptest.Server) { f.HangGrants(true) },
			func(c *aop.Config) { c.GrantTimeout = 50 * time.Millisecond }, "AOP grant timeout", 0},
		{"grant invalid", func(f *aoptest.Server) { f.SetGrantOverride(map[string]any{"tier": "ephemeral"}) }, nil,
			"AOP grant invalid (tier)", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := aoptest.New()
			defer fake.Close()
			tt.setup(fake)
			e := aop.NewExporter(newClient(t, fake, tt.mod))
			res, err := e.Export(context.Background(), execID, request(execID, 250, 10))
			if res.Sent != 0 || res.Failed != 250 {
				t.Fatalf("res = %+v", res)
			}
			var c interface{ Cause() string }
			if !errors.As(err, &c) || c.Cause() != tt.cause {
				t.Fatalf("err = %v, want cause %q", err, tt.cause)
			}
			for _, g := range fake.Grants() {
				if g.Token != "" && strings.Contains(err.Error(), g.Token) {
					t.Fatalf("grant token in the error: %v", err)
				}
			}
			if strings.Contains(err.Error(), aoptest.DefaultCredential) {
				t.Fatalf("credential in the error: %v", err)
			}
			if n := len(fake.Grants()); n != tt.grants {
				t.Fatalf("%d grant requests, want %d", n, tt.grants)
			}
		})
	}
}

func TestExportRemembersARefusedCredential(t *testing.T) {
	fake := aoptest.New()
	defer fake.Close()
	fake.SetCredential("other")
	e := aop.NewExporter(newClient(t, fake, nil))
	for range 3 {
		if _, err := e.Export(context.Background(), execID, request(execID, 1, 10)); err == nil {
			t.Fatal("no error")
		}
	}
	if n := len(fake.Grants()); n != 1 {
		t.Fatalf("%d grant requests for one execution, want 1", n)
	}
}

func TestExportConcurrentExecutions(t *testing.T) {
	fake := aoptest.New()
	defer fake.Close()
	e := aop.NewExporter(newClient(t, fake, nil))
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Go(func() {
			var run [16]byte
			run[0] = byte(i + 1)
			id := aop.ExecutionID(run)
			for range 3 {
				if _, err := e.Export(context.Background(), id, request(id, 4, 10)); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	grants := fake.Grants()
	seen := map[string]bool{}
	for _, g := range grants {
		seen[g.ExecutionID] = true
	}
	if len(grants) != 20 || len(seen) != 20 {
		t.Fatalf("%d grants for %d executions, want 20 and 20", len(grants), len(seen))
	}
	if len(fake.Spans()) != 20*3*4 {
		t.Fatalf("%d spans", len(fake.Spans()))
	}
}

func TestExportEmptyAndBadID(t *testing.T) {
	fake := aoptest.New()
	defer fake.Close()
	e := aop.NewExporter(newClient(t, fake, nil))
	if res, err := e.Export(context.Background(), execID, &coltracepb.ExportTraceServiceRequest{}); err != nil || res != (aop.Result{}) {
		t.Fatalf("empty: %+v %v", res, err)
	}
	if _, err := e.Export(context.Background(), "not-a-uuid", request("x", 1, 1)); err == nil ||
		!strings.Contains(err.Error(), "not-a-uuid") {
		t.Fatalf("bad id: %v", err)
	}
	if len(fake.Grants()) != 0 {
		t.Fatal("a grant was asked for nothing")
	}
}
