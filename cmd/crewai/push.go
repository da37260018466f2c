package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/crewai-go/crewai/internal/otlpjson"
)

const pushAbout = `Sends a stored trace to an OTLP endpoint (an OpenTelemetry Collector, Jaeger, Phoenix, Langfuse, ...),
one export request per stored line, exactly as stored.

--endpoint for http/protobuf and http/json is a URL; when it has no path, /v1/traces is added
(http://localhost:4318 -> http://localhost:4318/v1/traces). For grpc it is host:port (plain text),
http://host:port (plain text) or https://host:port (TLS).

--crewai sends the trace to CrewAI AOP instead, through the grant path of the crewai tracing backend: the
credential comes from CREWAI_USER_PAT or CREWAI_PLATFORM_INTEGRATION_TOKEN, the address from CREWAI_PLUS_URL
(default https://app.crewai.com); --endpoint, --protocol and --header do not apply.`

func (c *cli) tracesPush(ctx context.Context, args []string) error {
	fs := c.newFlags("traces push", "ID (--endpoint URL [--protocol http/protobuf|http/json|grpc] [--header k=v]... | --crewai) [--timeout 30s] [--dir D]", pushAbout)
	toAOP := fs.Bool("crewai", false, "send to CrewAI AOP (credential from CREWAI_USER_PAT or CREWAI_PLATFORM_INTEGRATION_TOKEN)")
	dir := fs.String("dir", "", "traces folder (default $CREWAI_TRACES_DIR or .crewai/traces)")
	endpoint := fs.String("endpoint", "", "OTLP endpoint (required)")
	protocol := fs.String("protocol", "http/protobuf", "OTLP protocol: http/protobuf, http/json or grpc")
	timeout := fs.Duration("timeout", 30*time.Second, "time limit for the whole push: a positive duration such as 30s or 2m")
	var headers multiFlag
	fs.Var(&headers, "header", "header (HTTP) or metadata (gRPC) as key=value; repeatable")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("traces push: want exactly one trace ID, got %d arguments", len(pos))
	}
	if err := checkDirFlag("traces push", *dir); err != nil {
		return err
	}
	if *toAOP {
		given := false
		fs.Visit(func(f *flag.Flag) {
			given = given || f.Name == "endpoint" || f.Name == "protocol" || f.Name == "header"
		})
		if given {
			return usagef("traces push: --crewai takes no --endpoint, --protocol or --header (AOP's grant names the collector)")
		}
		if *timeout <= 0 {
			return usagef("traces push: --timeout %v: want a positive duration", *timeout)
		}
		return c.pushCrewAI(ctx, *dir, pos[0], *timeout)
	}
	if *endpoint == "" {
		return usagef("traces push: --endpoint is required (for example http://localhost:4318), or --crewai")
	}
	hdr := map[string]string{}
	for _, h := range headers {
		k, v, ok := strings.Cut(h, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t\r\n:") || strings.ContainsAny(v, "\r\n") {
			return usagef("traces push: --header %q: want key=value with a non-empty key and no line breaks", h)
		}
		hdr[k] = strings.TrimSpace(v)
	}
	if *timeout <= 0 {
		return usagef("traces push: --timeout %v: want a positive duration", *timeout)
	}
	var send func(context.Context, *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error)
	var target string
	switch *protocol {
	case "http/protobuf", "http/json":
		u, err := httpEndpoint(*endpoint)
		if err != nil {
			return usagef("traces push: --endpoint: %v", err)
		}
		target = u
		send = httpSender(u, *protocol == "http/json", hdr)
	case "grpc":
		t, creds, err := grpcEndpoint(*endpoint)
		if err != nil {
			return usagef("traces push: --endpoint: %v", err)
		}
		conn, err := grpc.NewClient(t, grpc.WithTransportCredentials(creds))
		if err != nil {
			return fmt.Errorf("traces push: %w", err)
		}
		defer conn.Close()
		client := coltracepb.NewTraceServiceClient(conn)
		target = t
		send = func(ctx context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
			md := metadata.New(nil)
			for k, v := range hdr {
				md.Append(strings.ToLower(k), v)
			}
			return client.Export(metadata.NewOutgoingContext(ctx, md), req)
		}
	default:
		return usagef("traces push: --protocol %q: want http/protobuf, http/json or grpc", *protocol)
	}

	t, err := c.loadTrace(*dir, pos[0])
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	rejected := int64(0)
	for i, req := range t.Requests {
		resp, err := send(ctx, req)
		if err != nil {
			return fmt.Errorf("traces push: request %d of %d to %s: %w", i+1, len(t.Requests), target, err)
		}
		if ps := resp.GetPartialSuccess(); ps != nil && (ps.GetRejectedSpans() > 0 || ps.GetErrorMessage() != "") {
			rejected += ps.GetRejectedSpans()
			fmt.Fprintf(c.stderr, "crewai: warning: %s rejected %d spans: %s\n", target, ps.GetRejectedSpans(), ps.GetErrorMessage())
		}
	}
	fmt.Fprintf(c.stdout, "Sent trace %s (%d spans in %d requests) to %s over %s", t.ID, len(t.Spans), len(t.Requests), target, *protocol)
	if rejected > 0 {
		fmt.Fprintf(c.stdout, "; %d spans rejected", rejected)
	}
	fmt.Fprintln(c.stdout)
	return nil
}

func httpEndpoint(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("%q: want an http:// or https:// URL such as http://localhost:4318", raw)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/v1/traces"
	}
	return u.String(), nil
}

func grpcEndpoint(raw string) (string, credentials.TransportCredentials, error) {
	if strings.Contains(raw, "://") {
		u, err := url.Parse(raw)
		if err != nil {
			return "", nil, err
		}
		if u.Host == "" || (u.Path != "" && u.Path != "/") {
			return "", nil, fmt.Errorf("%q: want host:port, http://host:port or https://host:port", raw)
		}
		switch u.Scheme {
		case "http":
			return u.Host, insecure.NewCredentials(), nil
		case "https":
			return u.Host, credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS12}), nil
		}
		return "", nil, fmt.Errorf("%q: scheme %q: want http or https", raw, u.Scheme)
	}
	if !strings.Contains(raw, ":") {
		return "", nil, fmt.Errorf("%q: want host:port, http://host:port or https://host:port", raw)
	}
	return raw, insecure.NewCredentials(), nil
}

func httpSender(u string, asJSON bool, hdr map[string]string) func(context.Context, *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	client := &http.Client{}
	return func(ctx context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
		var body []byte
		var err error
		ctype := "application/x-protobuf"
		if asJSON {
			ctype = "application/json"
			body, err = otlpjson.Marshal(req)
		} else {
			body, err = proto.Marshal(req)
		}
		if err != nil {
			return nil, err
		}
		hr, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		for k, v := range hdr {
			hr.Header.Set(k, v)
		}
		hr.Header.Set("Content-Type", ctype)
		resp, err := client.Do(hr)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if resp.StatusCode/100 != 2 {
			msg := strings.TrimSpace(string(data))
			if len(msg) > 300 || !isText(msg) {
				msg = fmt.Sprintf("%d bytes of body", len(data))
			}
			return nil, fmt.Errorf("HTTP %s: %s", resp.Status, msg)
		}
		out := &coltracepb.ExportTraceServiceResponse{}
		if len(data) > 0 {
			if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
				_ = protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(data, out)
			} else {
				_ = proto.Unmarshal(data, out)
			}
		}
		return out, nil
	}
}

func isText(s string) bool {
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\t' && r != '\r' {
			return false
		}
	}
	return true
}
