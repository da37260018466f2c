package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/crewai-go/crewai/internal/aop"
	"github.com/crewai-go/crewai/internal/semconv"
)

// pushCrewAI sends a stored trace to CrewAI AOP through the grant path the
// crewai tracing backend uses: one grant for the trace's execution, spans
// stamped with it and carrying CrewAI's attributes, requests within AOP's
// caps.
func (c *cli) pushCrewAI(ctx context.Context, dir, id string, timeout time.Duration) error {
	cred, _ := aop.Credential(c.getenv)
	if cred == "" {
		return usagef("traces push --crewai: no CrewAI token: set %s or %s", aop.EnvUserPAT, aop.EnvIntegrationToken)
	}
	client, err := aop.NewClient(aop.Config{BaseURL: aop.BaseURL(c.getenv), Credential: cred, UserAgent: "crewai-go-cli"})
	if err != nil {
		return usagef("traces push --crewai: %v (from %s)", err, aop.EnvPlusURL)
	}
	t, err := c.loadTrace(dir, id)
	if err != nil {
		return err
	}
	req := &coltracepb.ExportTraceServiceRequest{}
	for _, r := range t.Requests {
		req.ResourceSpans = append(req.ResourceSpans, proto.Clone(r).(*coltracepb.ExportTraceServiceRequest).ResourceSpans...)
	}
	exec := executionOf(req)
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, sp := range ss.Spans {
				aop.Annotate(sp, exec)
			}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	exp := aop.NewExporter(client)
	defer exp.CloseIdle()
	res, err := exp.Export(ctx, exec, req)
	var tooLarge *aop.TooLargeError
	if errors.As(err, &tooLarge) {
		fmt.Fprintf(c.stderr, "crewai: warning: %v\n", err)
		err = nil
	}
	if err != nil {
		if res.Sent > 0 {
			return fmt.Errorf("traces push: CrewAI AOP: %w (%d of %d spans sent before)", err, res.Sent,
				res.Sent+res.Failed+res.Dropped)
		}
		return fmt.Errorf("traces push: CrewAI AOP: %w", err)
	}
	fmt.Fprintf(c.stdout, "Sent trace %s (%d spans) to CrewAI AOP as execution %s", t.ID, res.Sent, exec)
	if res.Dropped > 0 {
		fmt.Fprintf(c.stdout, "; %d spans too large, dropped", res.Dropped)
	}
	if res.Failed > 0 {
		fmt.Fprintf(c.stdout, "; %d spans rejected", res.Failed)
	}
	if u := exp.TraceURL(exec); u != "" {
		fmt.Fprintf(c.stdout, "\nView it at %s", u)
	}
	fmt.Fprintln(c.stdout)
	return nil
}

// executionOf finds the execution a stored trace belongs to: the
// crewai.execution_uuid its spans carry, else the one derived from the run
// ID of its root (as the crewai backend derives it), else from its trace ID.
func executionOf(req *coltracepb.ExportTraceServiceRequest) string {
	var run, traceID []byte
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, sp := range ss.Spans {
				if traceID == nil && len(sp.TraceId) == 16 {
					traceID = sp.TraceId
				}
				for _, kv := range sp.Attributes {
					switch kv.Key {
					case aop.AttrExecutionUUID:
						if v := kv.Value.GetStringValue(); v != "" {
							return v
						}
					case semconv.CrewAIRunID:
						if b, err := hex.DecodeString(strings.TrimSpace(kv.Value.GetStringValue())); err == nil && len(b) == 16 && run == nil {
							run = b
						}
					}
				}
			}
		}
	}
	var id [16]byte
	switch {
	case run != nil:
		copy(id[:], run)
	case traceID != nil:
		copy(id[:], traceID)
	}
	return aop.ExecutionID(id)
}
