package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/crewai-go/crewai/internal/tracefile"
	"github.com/crewai-go/crewai/internal/tracefile/tracefiletest"
)

// receiver records what an OTLP endpoint was sent.
type receiver struct {
	mu      sync.Mutex
	reqs    []*coltracepb.ExportTraceServiceRequest
	ctypes  []string
	paths   []string
	headers []string
	bodies  []string
}

func (rc *receiver) spans() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	n := 0
	for _, r := range rc.reqs {
		for _, rs := range r.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				n += len(ss.Spans)
			}
		}
	}
	return n
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req := &coltracepb.ExportTraceServiceRequest{}
	var err error
	ct := r.Header.Get("Content-Type")
	switch ct {
	case "application/x-protobuf":
		err = proto.Unmarshal(body, req)
	case "application/json":
		err = protojson.Unmarshal(body, req)
	default:
		http.Error(w, "unsupported content type", http.StatusUnsupportedMediaType)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	rc.reqs = append(rc.reqs, req)
	rc.ctypes = append(rc.ctypes, ct)
	rc.paths = append(rc.paths, r.URL.Path)
	rc.headers = append(rc.headers, r.Header.Get("X-Api-Key"))
	rc.bodies = append(rc.bodies, string(body))
	rc.mu.Unlock()
	w.Header().Set("Content-Type", ct)
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	if ct == "application/json" {
		out = []byte("{}")
	}
	_, _ = w.Write(out)
}

func TestPushHTTP(t *testing.T) {
	dir := fixtureDir(t)
	id := tracefiletest.TraceID("ok")
	stored, err := tracefile.ReadFile(dir + "/" + id + ".jsonl")
	if err != nil {
		t.Fatal(err)
	}
	for _, proto_ := range []string{"http/protobuf", "http/json"} {
		t.Run(proto_, func(t *testing.T) {
			rc := &receiver{}
			srv := httptest.NewServer(rc)
			defer srv.Close()
			r := runCLI(t, nil, "traces", "push", id[:6], "--dir", dir, "--endpoint", srv.URL, "--protocol", proto_, "--header", "X-Api-Key=secret")
			if r.code != 0 {
				t.Fatalf("code %d: %s", r.code, r.stderr)
			}
			if !strings.Contains(r.stdout, "10 spans in 2 requests") || rc.spans() != 10 || len(rc.reqs) != 2 {
				t.Fatalf("stdout %q, received %d spans", r.stdout, rc.spans())
			}
			for i := range rc.reqs {
				if rc.paths[i] != "/v1/traces" || rc.headers[i] != "secret" {
					t.Fatalf("path %q header %q", rc.paths[i], rc.headers[i])
				}
				if proto_ == "http/protobuf" && !proto.Equal(rc.reqs[i], stored.Requests[i]) {
					t.Fatalf("request %d differs from the stored one", i)
				}
			}
			if proto_ == "http/json" {
				// OTLP/JSON: hex IDs, as collectors expect.
				if !strings.Contains(rc.bodies[0], `"traceId":"`+id+`"`) {
					t.Fatalf("body does not carry the hex trace ID: %.200s", rc.bodies[0])
				}
			}
		})
	}
}

func TestPushHTTPErrors(t *testing.T) {
	dir := fixtureDir(t)
	id := tracefiletest.TraceID("ok")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "quota exceeded", http.StatusTooManyRequests)
	}))
	defer srv.Close()
	r := runCLI(t, nil, "traces", "push", id, "--dir", dir, "--endpoint", srv.URL+"/custom/path")
	if r.code != 1 || !strings.Contains(r.stderr, "429") || !strings.Contains(r.stderr, "quota exceeded") || !strings.Contains(r.stderr, "/custom/path") {
		t.Fatalf("%+v", r)
	}
	// A closed port: connection refused, exit 1.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	r = runCLI(t, nil, "traces", "push", id, "--dir", dir, "--endpoint", "http://"+addr)
	if r.code != 1 || !strings.Contains(r.stderr, "request 1 of 2") {
		t.Fatalf("%+v", r)
	}
}

type grpcReceiver struct {
	coltracepb.UnimplementedTraceServiceServer
	mu   sync.Mutex
	reqs []*coltracepb.ExportTraceServiceRequest
	md   []string
	fail bool
}

func (g *grpcReceiver) Export(ctx context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	if g.fail {
		return nil, status.Error(codes.Unavailable, "collector overloaded")
	}
	md, _ := metadata.FromIncomingContext(ctx)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.reqs = append(g.reqs, req)
	g.md = append(g.md, strings.Join(md.Get("authorization"), ","))
	resp := &coltracepb.ExportTraceServiceResponse{}
	if len(g.reqs) == 2 {
		resp.PartialSuccess = &coltracepb.ExportTracePartialSuccess{RejectedSpans: 1, ErrorMessage: "span too old"}
	}
	return resp, nil
}

func TestPushGRPC(t *testing.T) {
	dir := fixtureDir(t)
	id := tracefiletest.TraceID("ok")
	stored, err := tracefile.ReadFile(dir + "/" + id + ".jsonl")
	if err != nil {
		t.Fatal(err)
	}
	for _, fail := range []bool{false, true} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := grpc.NewServer()
		rc := &grpcReceiver{fail: fail}
		coltracepb.RegisterTraceServiceServer(srv, rc)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); _ = srv.Serve(ln) }()

		endpoint := ln.Addr().String()
		if fail {
			endpoint = "http://" + endpoint
		}
		r := runCLI(t, nil, "traces", "push", id, "--dir", dir, "--endpoint", endpoint, "--protocol", "grpc", "--header", "Authorization=Bearer x")
		srv.Stop()
		wg.Wait()
		if fail {
			if r.code != 1 || !strings.Contains(r.stderr, "collector overloaded") {
				t.Fatalf("%+v", r)
			}
			continue
		}
		if r.code != 0 || len(rc.reqs) != 2 || rc.md[0] != "Bearer x" {
			t.Fatalf("%+v, %d requests, md %v", r, len(rc.reqs), rc.md)
		}
		for i := range rc.reqs {
			if !proto.Equal(rc.reqs[i], stored.Requests[i]) {
				t.Fatalf("request %d differs", i)
			}
		}
		if !strings.Contains(r.stderr, "rejected 1 spans: span too old") || !strings.Contains(r.stdout, "1 spans rejected") {
			t.Fatalf("partial success not reported: %+v", r)
		}
	}
}
