package otlpexport

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/crewai-go/crewai/internal/otlpconv"
)

// wireRequest is what wireExporter hands the OTLP client for spans, as a
// request message.
func wireRequest(spans []sdktrace.ReadOnlySpan) *coltracepb.ExportTraceServiceRequest {
	buf, ends := otlpconv.AppendWire(nil, spans, nil)
	req := &coltracepb.ExportTraceServiceRequest{}
	from := 0
	for _, end := range ends {
		rs := &tracepb.ResourceSpans{}
		rs.ProtoReflect().SetUnknown(protoreflect.RawFields(buf[from:end]))
		req.ResourceSpans = append(req.ResourceSpans, rs)
		from = end
	}
	return req
}

// sameWire checks that the request wireExporter sends for spans is, byte for
// byte, proto.Marshal of the request ToOTLP builds, once the text that is
// not UTF-8 is mended as the writer mends it.
func sameWire(t testing.TB, spans []sdktrace.ReadOnlySpan) {
	t.Helper()
	got, err := proto.Marshal(wireRequest(spans))
	require.NoError(t, err)
	wantReq := otlpconv.Request(spans)
	mendUTF8(wantReq.ProtoReflect())
	want, err := proto.Marshal(wantReq)
	require.NoError(t, err)
	if !bytes.Equal(got, want) {
		var a, b coltracepb.ExportTraceServiceRequest
		aerr, berr := proto.Unmarshal(got, &a), proto.Unmarshal(want, &b)
		t.Fatalf("wire bytes differ (%d against %d bytes; decode errors %v, %v)\ngot  %v\nwant %v",
			len(got), len(want), aerr, berr, &a, &b)
	}
}

// mendUTF8 replaces the invalid UTF-8 in every string field of m.
func mendUTF8(m protoreflect.Message) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			for i := 0; i < v.List().Len(); i++ {
				mendUTF8(v.List().Get(i).Message())
			}
		case fd.Message() != nil:
			mendUTF8(v.Message())
		case fd.Kind() == protoreflect.StringKind && !utf8.ValidString(v.String()):
			m.Set(fd, protoreflect.ValueOfString(strings.ToValidUTF8(v.String(), "\uFFFD")))
		}
		return true
	})
}

var (
	wireTID  = trace.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	wireSID  = trace.SpanID{1, 1, 2, 3, 5, 8, 13, 21}
	wirePSID = trace.SpanID{9, 9, 9, 9, 9, 9, 9, 9}
)

// wireStub is a span with every field the protos carry set.
func wireStub(text string, n int64, x float64) tracetest.SpanStub {
	ts, _ := trace.ParseTraceState("vendor=" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			return r
		}
		return -1
	}, "x"+text))
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: wireTID, SpanID: wireSID, TraceFlags: trace.FlagsSampled, TraceState: ts})
	parent := trace.NewSpanContext(trace.SpanContextConfig{TraceID: wireTID, SpanID: wirePSID, Remote: true})
	attrs := []attribute.KeyValue{
		attribute.String("s", text), attribute.String("", ""), attribute.Bool("t", true), attribute.Bool("f", false),
		attribute.Int64("n", n), attribute.Int64("zero", 0), attribute.Float64("x", x), attribute.Float64("x0", 0),
		attribute.StringSlice("ss", []string{text, "", "b"}), attribute.BoolSlice("bs", []bool{true, false}),
		attribute.Int64Slice("ns", []int64{n, 0, -1}), attribute.Float64Slice("xs", []float64{x, 0}),
		attribute.StringSlice("empty", nil),
		{Key: "bytes", Value: attribute.ByteSliceValue([]byte(text))},
		attribute.Slice("mixed", attribute.StringValue(text), attribute.Int64Value(n), attribute.SliceValue()),
		attribute.Map("m", attribute.String("k", text), attribute.Map("inner", attribute.Bool("b", true))),
		{Key: "nothing"},
		attribute.String("long", strings.Repeat(text+"0123456789", 20)),
	}
	return tracetest.SpanStub{
		Name: "span " + text, SpanContext: sc, Parent: parent, SpanKind: trace.SpanKindClient,
		StartTime: time.Unix(1700000000, 123456789), EndTime: time.Unix(1700000001, 987654321),
		Attributes: attrs,
		Events: []sdktrace.Event{{Name: "exception", Time: time.Unix(1700000000, 5),
			Attributes: []attribute.KeyValue{attribute.String("exception.message", text)}, DroppedAttributeCount: 2}},
		Links: []sdktrace.Link{{SpanContext: parent.WithTraceState(ts), Attributes: []attribute.KeyValue{attribute.Int64("i", n)},
			DroppedAttributeCount: 1}},
		Status:               sdktrace.Status{Code: codes.Error, Description: text},
		DroppedAttributes:    3,
		DroppedEvents:        4,
		DroppedLinks:         5,
		ChildSpanCount:       1,
		Resource:             resource.NewSchemaless(attribute.String("service.name", "wire"), attribute.Int64("n", n)),
		InstrumentationScope: instrumentation.Scope{Name: "crewai", Version: "1.0", SchemaURL: "https://opentelemetry.io/schemas/1.26.0", Attributes: attribute.NewSet(attribute.String("a", text))},
	}
}

// TestOTLPWireMatchesToOTLP: the spans the OTLP exporter writes directly
// are, byte for byte, proto.Marshal of ToOTLP's request, for every field and
// value type, lengths that take one to three bytes, statuses, and spans of
// several resources and scopes interleaved.
func TestOTLPWireMatchesToOTLP(t *testing.T) {
	full := wireStub("héllo \"world\"", -42, math.Pi)
	minimal := tracetest.SpanStub{Name: "bare"}
	ok := wireStub("ok", 1, 1)
	ok.Status = sdktrace.Status{Code: codes.Ok}
	unset := wireStub("unset", 1, 1)
	unset.Status = sdktrace.Status{}
	unset.Links, unset.Events, unset.Parent = nil, nil, trace.SpanContext{}
	big := wireStub(strings.Repeat("x", 70000), math.MaxInt64, math.Inf(-1))
	nan := wireStub("", math.MinInt64, math.NaN())
	otherRes := wireStub("other", 2, 2)
	otherRes.Resource = resource.NewWithAttributes("https://example.com/schema", attribute.String("service.name", "other"))
	otherScope := wireStub("scope", 3, 3)
	otherScope.Resource = full.Resource
	otherScope.InstrumentationScope = instrumentation.Scope{Name: "other"}
	noRes := wireStub("nores", 4, 4)
	noRes.Resource = nil
	noRes.InstrumentationScope = instrumentation.Scope{}

	snap := func(stubs ...tracetest.SpanStub) []sdktrace.ReadOnlySpan {
		return tracetest.SpanStubs(stubs).Snapshots()
	}
	// Spans that share a resource must share the *Resource, as spans of
	// one provider do.
	shared := snap(full, otherScope, full, otherRes, otherScope, noRes, full)
	res := shared[0].Resource()
	for i, s := range shared {
		if i == 1 || i == 4 || i == 6 {
			shared[i] = withResource{s, res}
		}
	}
	for name, spans := range map[string][]sdktrace.ReadOnlySpan{
		"full":        snap(full),
		"minimal":     snap(minimal),
		"ok":          snap(ok),
		"unset":       snap(unset),
		"long values": snap(big),
		"nan":         snap(nan),
		"many":        snap(full, ok, unset, nan, minimal, full),
		"interleaved": shared,
		"nil span":    append(snap(full), nil),
		"not UTF-8":   snap(wireStub("bad \xff\xfe text", 1, 1)),
	} {
		t.Run(name, func(t *testing.T) { sameWire(t, spans) })
	}
	buf, ends := otlpconv.AppendWire(nil, []sdktrace.ReadOnlySpan{nil}, nil)
	require.Empty(t, buf)
	require.Empty(t, ends)
}

// withResource is a span with another resource pointer.
type withResource struct {
	sdktrace.ReadOnlySpan
	res *resource.Resource
}

func (w withResource) Resource() *resource.Resource { return w.res }

// captureClient is an OTLP client that keeps what it is given to upload.
type captureClient struct {
	mu  sync.Mutex
	got []*tracepb.ResourceSpans
}

func (c *captureClient) Start(context.Context) error { return nil }
func (c *captureClient) Stop(context.Context) error  { return nil }
func (c *captureClient) UploadTraces(_ context.Context, rss []*tracepb.ResourceSpans) error {
	// Marshal now: the exporter reuses its buffer after the call.
	b, err := proto.Marshal(&coltracepb.ExportTraceServiceRequest{ResourceSpans: rss})
	if err != nil {
		return err
	}
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(b, &req); err != nil {
		return err
	}
	c.mu.Lock()
	c.got = append(c.got, req.ResourceSpans...)
	c.mu.Unlock()
	return nil
}

// TestOTLPWireMatchesStockExporter: a receiver decodes what wireExporter
// sends as what the stock OTLP exporter sends for the same spans (the stock
// transform leaves out a link's trace state, which OTLP carries and the
// direct writer keeps).
func TestOTLPWireMatchesStockExporter(t *testing.T) {
	ctx := context.Background()
	full := wireStub("stock", 7, 0.5)
	second := wireStub("second", 8, 0.25)
	second.Resource = full.Resource // one provider: one resource (the stock exporter orders resources at random)
	spans := tracetest.SpanStubs{full, second}.Snapshots()

	stockClient := &captureClient{}
	stock, err := otlptrace.New(ctx, stockClient)
	require.NoError(t, err)
	require.NoError(t, stock.ExportSpans(ctx, spans))

	wireClient := &captureClient{}
	wire, err := newWireExporter(ctx, wireClient, 4)
	require.NoError(t, err)
	require.NoError(t, wire.ExportSpans(ctx, spans))
	require.NoError(t, wire.ExportSpans(ctx, nil))
	require.NoError(t, wire.Shutdown(ctx))

	require.Len(t, wireClient.got, 1)
	for _, ss := range wireClient.got[0].ScopeSpans {
		for _, s := range ss.Spans {
			for _, l := range s.Links {
				require.NotEmpty(t, l.TraceState, "the link's trace state is sent")
				l.TraceState = ""
			}
		}
	}
	require.Len(t, stockClient.got, 1)
	if !proto.Equal(stockClient.got[0], wireClient.got[0]) {
		t.Fatalf("the receiver decodes different spans\nstock %v\nwire  %v", stockClient.got[0], wireClient.got[0])
	}
}

// TestWireExporterOverHTTP: the OTLP/HTTP backend sends the directly written
// protobuf through the stock client (so its options still apply: here a
// header and gzip), and falls back to the stock exporter when the user's
// options ask for JSON.
func TestWireExporterOverHTTP(t *testing.T) {
	type got struct {
		contentType, encoding, header string
		body                          []byte
	}
	var mu sync.Mutex
	var reqs []got
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		reqs = append(reqs, got{r.Header.Get("Content-Type"), r.Header.Get("Content-Encoding"), r.Header.Get("X-Team"), b})
		mu.Unlock()
	}))
	defer srv.Close()
	endpoint := strings.TrimPrefix(srv.URL, "http://")
	spans := tracetest.SpanStubs{wireStub("http", 1, 1)}.Snapshots()

	for _, c := range []struct {
		name     string
		extra    []otlptracehttp.Option
		wire     bool
		wantType string
	}{
		{"protobuf", nil, true, "application/x-protobuf"},
		{"json", []otlptracehttp.Option{otlptracehttp.WithEncoding(otlptracehttp.EncodingJSON)}, false, "application/json"},
	} {
		t.Run(c.name, func(t *testing.T) {
			mu.Lock()
			reqs = nil
			mu.Unlock()
			opts := append([]otlptracehttp.Option{otlptracehttp.WithEndpoint(endpoint), otlptracehttp.WithInsecure(),
				otlptracehttp.WithHeaders(map[string]string{"X-Team": "crew"})}, c.extra...)
			if c.wire {
				opts = append(opts, otlptracehttp.WithCompression(otlptracehttp.GzipCompression))
			}
			exp, err := New(context.Background(), Config{Protocol: "http/protobuf", HTTP: opts, MaxConcurrentExports: 4})
			require.NoError(t, err)
			_, isWire := exp.(*wireExporter)
			require.Equal(t, c.wire, isWire, "exporter %T", exp)
			require.NoError(t, exp.ExportSpans(context.Background(), spans))
			require.NoError(t, exp.Shutdown(context.Background()))

			mu.Lock()
			defer mu.Unlock()
			require.Len(t, reqs, 1, "one request, and none from the probe")
			r := reqs[0]
			require.Equal(t, c.wantType, r.contentType)
			require.Equal(t, "crew", r.header)
			if !c.wire {
				return
			}
			require.Equal(t, "gzip", r.encoding)
			var req coltracepb.ExportTraceServiceRequest
			zr, err := gzip.NewReader(bytes.NewReader(r.body))
			require.NoError(t, err)
			body, err := io.ReadAll(zr)
			require.NoError(t, err)
			require.NoError(t, proto.Unmarshal(body, &req))
			if !proto.Equal(&req, otlpconv.Request(spans)) {
				t.Fatalf("received %v\nwant %v", &req, otlpconv.Request(spans))
			}
		})
	}
}

// FuzzOTLPWireMatchesToOTLP: for any text, integers and floats in every
// place a span carries them, the direct writer gives proto.Marshal's bytes.
func FuzzOTLPWireMatchesToOTLP(f *testing.F) {
	f.Add("a\"b\\c\n\x01é", int64(-5), 1e-9, uint8(3))
	f.Add("\xff", int64(0), 0.0, uint8(0))
	f.Add(strings.Repeat("z", 300), int64(math.MaxInt64), math.Inf(1), uint8(200))
	f.Fuzz(func(t *testing.T, text string, n int64, x float64, k uint8) {
		s := wireStub(text, n, x)
		s.DroppedAttributes, s.DroppedEvents, s.DroppedLinks = int(k)-100, int(k), int(k)*1000
		s.SpanKind = trace.SpanKind(k % 7)
		s.Status = sdktrace.Status{Code: codes.Code(k % 3), Description: text}
		if k%2 == 0 {
			s.Resource = resource.NewSchemaless(attribute.String(text, text))
		}
		stubs := tracetest.SpanStubs{s}
		for range int(k % 4) {
			stubs = append(stubs, s)
		}
		sameWire(t, stubs.Snapshots())
	})
}

// marshalClient is an OTLP client that marshals the request, as the stock
// clients do before sending it, and sends nothing.
type marshalClient struct{ bytes int }

func (*marshalClient) Start(context.Context) error { return nil }
func (*marshalClient) Stop(context.Context) error  { return nil }
func (c *marshalClient) UploadTraces(_ context.Context, rss []*tracepb.ResourceSpans) error {
	b, err := proto.Marshal(&coltracepb.ExportTraceServiceRequest{ResourceSpans: rss})
	c.bytes = len(b)
	return err
}

// BenchmarkOTLPExport is the cost of one OTLP export of 512 spans like a
// traced kickoff's (a dozen attributes each, some content), up to the bytes
// the client sends: the stock exporter (a message per span, attribute and
// value, then proto.Marshal) against wireExporter (written straight to the
// wire format).
func BenchmarkOTLPExport(b *testing.B) {
	res := resource.NewSchemaless(attribute.String("service.name", "bench"))
	stubs := make(tracetest.SpanStubs, 512)
	for i := range stubs {
		s := wireStub("Research Go and sum it up in one sentence.", int64(i), 0.25)
		s.Resource = res
		s.Events, s.Links = nil, nil
		s.Status = sdktrace.Status{}
		stubs[i] = s
	}
	spans := stubs.Snapshots()
	ctx := context.Background()
	for _, c := range []struct {
		name string
		exp  func(otlptrace.Client) sdktrace.SpanExporter
	}{
		{"stock", func(c otlptrace.Client) sdktrace.SpanExporter { return otlptrace.NewUnstarted(c) }},
		{"wire", func(c otlptrace.Client) sdktrace.SpanExporter {
			exp, err := newWireExporter(ctx, c, 4)
			if err != nil {
				b.Fatal(err)
			}
			return exp
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			client := &marshalClient{}
			exp := c.exp(client)
			b.ReportAllocs()
			for b.Loop() {
				if err := exp.ExportSpans(ctx, spans); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(client.bytes), "bytes/export")
		})
	}
}
