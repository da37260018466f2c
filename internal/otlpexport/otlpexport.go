// Package otlpexport builds the OTLP exporter of the otlp backend
// (http/protobuf, http/json or grpc) on the stock OTel Go clients, with
// short retries. Its exporters are safe for concurrent use.
package otlpexport

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/crewai-go/crewai/internal/otlpconv"
)

// Config says which exporter New builds.
type Config struct {
	// Protocol is http/protobuf (the default when empty), http/json or
	// grpc.
	Protocol string
	// HTTP and GRPC are the user's options for the HTTP and gRPC clients,
	// applied after this package's retry settings.
	HTTP []otlptracehttp.Option
	GRPC []otlptracegrpc.Option
	// MaxConcurrentExports is how many exports may be under way at once
	// (buffers kept for reuse).
	MaxConcurrentExports int
}

// Retry keeps the exporter's own retries short, so that shutting down
// cannot wait a minute on a backend that is down.
var Retry = struct {
	Initial, Max, Elapsed time.Duration
}{500 * time.Millisecond, 2 * time.Second, 5 * time.Second}

// New builds the exporter c asks for. It does not connect.
func New(ctx context.Context, c Config) (sdktrace.SpanExporter, error) {
	if c.Protocol == "grpc" {
		// The stock client's retries would retry a refused connection
		// (Unavailable) until their time is up, each kickoff waiting for
		// them; the retries here give up at once when the connection
		// could not be made, as the HTTP client does.
		opts := []otlptracegrpc.Option{otlptracegrpc.WithRetry(otlptracegrpc.RetryConfig{Enabled: false})}
		opts = append(opts, c.GRPC...)
		client := &grpcRetrier{Client: otlptracegrpc.NewClient(opts...)}
		exp, err := newWireExporter(ctx, client, c.MaxConcurrentExports)
		if err != nil {
			return nil, fmt.Errorf("tracing: otlp/grpc exporter: %w", err)
		}
		return exp, nil
	}
	enc := otlptracehttp.EncodingProtobuf
	if c.Protocol == "http/json" {
		enc = otlptracehttp.EncodingJSON
	}
	opts := []otlptracehttp.Option{
		otlptracehttp.WithEncoding(enc),
		otlptracehttp.WithRetry(otlptracehttp.RetryConfig{
			Enabled: true, InitialInterval: Retry.Initial, MaxInterval: Retry.Max, MaxElapsedTime: Retry.Elapsed,
		}),
	}
	opts = append(opts, c.HTTP...)
	if enc == otlptracehttp.EncodingProtobuf && httpSendsProtobuf(opts) {
		exp, err := newWireExporter(ctx, otlptracehttp.NewClient(opts...), c.MaxConcurrentExports)
		if err != nil {
			return nil, fmt.Errorf("tracing: otlp/http exporter: %w", err)
		}
		return exp, nil
	}
	exp, err := otlptracehttp.New(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("tracing: otlp/http exporter: %w", err)
	}
	return exp, nil
}

// wireExporter is the OTLP exporter of a Tracer's own provider for the
// protobuf protocols (http/protobuf and grpc). It writes the spans with
// otlpconv.AppendWire and uploads them through the stock OTLP client, which
// keeps everything else it does: endpoint, headers, TLS, compression,
// retries, timeouts, partial-success reports. The stock exporter would build
// a message per span, attribute and value first (about 60% of the objects a
// traced kickoff allocates over OTLP); here the spans go into one pooled
// buffer, held by the request's ResourceSpans as their unknown fields, which
// proto.Marshal writes out as they are. A receiver decodes the same request
// either way.
type wireExporter struct {
	client   otlptrace.Client
	bufs     chan *wireBuf // free buffers; a channel rather than a sync.Pool, which a GC empties
	stopOnce sync.Once
	stopErr  error
}

type wireBuf struct {
	b    []byte
	ends []int
}

// maxPooledWireBuf is the largest buffer kept for the next export.
const maxPooledWireBuf = 4 << 20

// newWireExporter starts client and returns an exporter that uploads
// through it.
func newWireExporter(ctx context.Context, client otlptrace.Client, pooled int) (*wireExporter, error) {
	if err := client.Start(ctx); err != nil {
		return nil, err
	}
	return &wireExporter{client: client, bufs: make(chan *wireBuf, max(pooled, 1))}, nil
}

// ExportSpans encodes spans and uploads them in one request. The buffer is
// reused once the client returns: both stock clients marshal the request
// before sending it and keep nothing of it afterwards.
func (e *wireExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if len(spans) == 0 {
		return nil
	}
	var wb *wireBuf
	select {
	case wb = <-e.bufs:
	default:
		wb = &wireBuf{}
	}
	defer func() {
		if cap(wb.b) > maxPooledWireBuf {
			return
		}
		select {
		case e.bufs <- wb:
		default:
		}
	}()
	wb.b, wb.ends = otlpconv.AppendWire(wb.b[:0], spans, wb.ends[:0])
	if len(wb.ends) == 0 {
		return nil
	}
	rss := make([]*tracepb.ResourceSpans, len(wb.ends))
	from := 0
	for i, end := range wb.ends {
		rs := &tracepb.ResourceSpans{}
		rs.ProtoReflect().SetUnknown(protoreflect.RawFields(wb.b[from:end:end]))
		rss[i] = rs
		from = end
	}
	if err := e.client.UploadTraces(ctx, rss); err != nil {
		return fmt.Errorf("traces export: %w", err)
	}
	return nil
}

// Shutdown stops the client; later calls return the first call's result.
func (e *wireExporter) Shutdown(ctx context.Context) error {
	e.stopOnce.Do(func() { e.stopErr = e.client.Stop(ctx) })
	return e.stopErr
}

// httpSendsProtobuf reports whether an OTLP/HTTP client built with opts
// sends protobuf: the options are opaque, and one of the user's may ask for
// JSON, which wireExporter cannot carry. It builds such a client with an
// HTTP client of its own that answers in process (no connection is made),
// exports nothing through it, and looks at the Content-Type sent.
func httpSendsProtobuf(opts []otlptracehttp.Option) bool {
	var contentType string
	probe := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		contentType = r.Header.Get("Content-Type")
		if r.Body != nil {
			_ = r.Body.Close()
		}
		return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Header: http.Header{},
			Body: http.NoBody, Request: r}, nil
	})}
	all := append(opts[:len(opts):len(opts)],
		otlptracehttp.WithHTTPClient(probe), otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: false}))
	c := otlptracehttp.NewClient(all...)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		return false
	}
	err := c.UploadTraces(ctx, nil)
	_ = c.Stop(ctx)
	return err == nil && contentType == "application/x-protobuf"
}

// grpcRetrier retries the uploads of an OTLP/gRPC client as the stock
// client would (the same codes, RetryInfo honoured, Retry's intervals),
// except that a connection that could not be made is not retried: a
// refused or unreachable endpoint fails at once, like an HTTP one.
type grpcRetrier struct {
	otlptrace.Client
}

func (c *grpcRetrier) UploadTraces(ctx context.Context, rss []*tracepb.ResourceSpans) error {
	began := time.Now()
	wait := Retry.Initial
	for {
		err := c.Client.UploadTraces(ctx, rss)
		if err == nil {
			return nil
		}
		again, throttle := RetryableGRPC(err)
		if !again {
			return err
		}
		d := max(wait, throttle)
		if time.Since(began)+d > Retry.Elapsed {
			return err
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (last attempt: %w)", ctx.Err(), err)
		case <-t.C:
		}
		wait = min(2*wait, Retry.Max)
	}
}

// RetryableGRPC reports whether an OTLP/gRPC upload that failed with err
// is worth retrying, and the delay the server asked for (RetryInfo). The
// codes are the stock exporter's; a connection that could not be made
// (refused, unreachable, unknown host) is not retried.
func RetryableGRPC(err error) (bool, time.Duration) {
	s := status.Convert(err)
	switch s.Code() {
	case codes.Canceled, codes.DeadlineExceeded, codes.Aborted, codes.OutOfRange, codes.Unavailable, codes.DataLoss:
		if s.Code() == codes.Unavailable && dialFailed(s.Message()) {
			return false, 0
		}
		_, d := throttle(s)
		return true, d
	case codes.ResourceExhausted:
		return throttle(s)
	}
	return false, 0
}

// dialFailed reports whether a gRPC Unavailable message says that no
// connection could be made.
func dialFailed(msg string) bool {
	for _, m := range []string{"Error while dialing", "connection refused", "no such host",
		"network is unreachable", "produced zero addresses"} {
		if strings.Contains(msg, m) {
			return true
		}
	}
	return false
}

// throttle returns the delay of a RetryInfo detail, if s has one.
func throttle(s *status.Status) (bool, time.Duration) {
	for _, d := range s.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			return true, ri.GetRetryDelay().AsDuration()
		}
	}
	return false, 0
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
