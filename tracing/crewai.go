package tracing

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"

	"github.com/crewai-go/crewai/internal/aop"
	"github.com/crewai-go/crewai/internal/otlpconv"
	"github.com/crewai-go/crewai/internal/scrub"
	"github.com/crewai-go/crewai/internal/traceenv"
)

// BackendCrewAI is the name of the CrewAI AOP backend, as accepted by
// OTEL_TRACES_EXPORTER and [WithBackend].
const BackendCrewAI = traceenv.BackendCrewAI

// CrewAIConfig configures the crewai backend ([WithCrewAI]). Its zero value
// reads everything from the environment.
type CrewAIConfig struct {
	// Credential is a CrewAI personal access token or platform integration
	// token. Empty: CREWAI_USER_PAT, else CREWAI_PLATFORM_INTEGRATION_TOKEN.
	Credential string
	// BaseURL is CrewAI AOP's address. Empty: CREWAI_PLUS_URL, else
	// https://app.crewai.com. It must be https, or http for the local
	// machine.
	BaseURL string
	// HTTPClient sends the grant and span requests (default: a client of the
	// backend's own that honours the proxy variables).
	HTTPClient *http.Client
}

// WithCrewAI chooses the crewai backend: spans go to CrewAI AOP's dashboard
// through an execution grant per top-level kickoff (see the package doc). It
// is what OTEL_TRACES_EXPORTER=crewai or WithBackend("crewai") choose, with
// the credential and address given in code.
func WithCrewAI(cfg CrewAIConfig) Option {
	return func(c *config) error {
		c.backend = BackendCrewAI
		c.crewai = cfg
		return nil
	}
}

// buildCrewAI builds the crewai backend's exporter, or returns nil (after
// one warning) when there is no credential: the caller then falls back to
// the file backend.
func (t *Tracer) buildCrewAI(c *config) (sdktrace.SpanExporter, error) {
	cred := strings.TrimSpace(c.crewai.Credential)
	if cred == "" {
		cred, _ = aop.Credential(os.Getenv)
	}
	if cred == "" {
		t.warnOnce("crewai: no credential", "tracing: the crewai backend needs a CrewAI token in "+
			aop.EnvUserPAT+" or "+aop.EnvIntegrationToken+"; spans go to the file backend instead, so nothing is lost")
		return nil, nil
	}
	base := strings.TrimSpace(c.crewai.BaseURL)
	if base == "" {
		base = aop.BaseURL(os.Getenv)
	}
	client, err := aop.NewClient(aop.Config{
		BaseURL: base, Credential: cred, HTTPClient: c.crewai.HTTPClient,
		UserAgent: "crewai-go/" + Version(), Now: c.crewaiNow,
	})
	if err != nil {
		return nil, fmt.Errorf("tracing: crewai backend: %w", err)
	}
	// The credential is masked in captured text like the environment's
	// secrets, also when it was given in code or as CREWAI_USER_PAT (a
	// name the scrubber does not take for a secret's).
	t.scrub = scrub.New(append(os.Environ(), "CREWAI_AOP_CREDENTIAL_TOKEN="+cred))
	t.endpoint = base
	t.aop = &crewaiExporter{aop: aop.NewExporter(client)}
	return t.aop, nil
}

// crewaiExporter sends spans to AOP, each execution's spans with its own
// grant.
type crewaiExporter struct {
	aop *aop.Exporter
}

// exportCounts is an export error that says how many spans went, failed or
// were dropped, when not all of them failed.
type exportCounts struct {
	err                       error
	exported, failed, dropped int
}

func (e *exportCounts) Error() string { return e.err.Error() }
func (e *exportCounts) Unwrap() error { return e.err }

// errNoExecution is the failure of spans not started by a traced run (a
// user's span on the Tracer's provider), which have no execution to go to.
var errNoExecution = errors.New("tracing: crewai backend: span without " + aop.AttrExecutionUUID +
	" (only spans of traced runs can go to CrewAI AOP)")

func (c *crewaiExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	groups := map[string][]sdktrace.ReadOnlySpan{}
	var order []string
	var res exportCounts
	var errs []error
	for _, s := range spans {
		id := ""
		for _, kv := range s.Attributes() {
			if kv.Key == aop.AttrExecutionUUID {
				id = kv.Value.AsString()
				break
			}
		}
		if id == "" {
			res.failed++
			if len(errs) == 0 || errs[len(errs)-1] != errNoExecution {
				errs = append(errs, errNoExecution)
			}
			continue
		}
		if _, ok := groups[id]; !ok {
			order = append(order, id)
		}
		groups[id] = append(groups[id], s)
	}
	for _, id := range order {
		req := otlpconv.Request(groups[id])
		annotate(req, id)
		r, err := c.aop.Export(ctx, id, req)
		res.exported += r.Sent
		res.failed += r.Failed
		res.dropped += r.Dropped
		if err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	res.err = errors.Join(errs...)
	return &res
}

func annotate(req *coltracepb.ExportTraceServiceRequest, id string) {
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, sp := range ss.Spans {
				aop.Annotate(sp, id)
			}
		}
	}
}

func (c *crewaiExporter) Shutdown(context.Context) error {
	c.aop.CloseIdle()
	return nil
}

// CloseIdle closes idle connections when the batch processor goes idle.
func (c *crewaiExporter) CloseIdle() { c.aop.CloseIdle() }

// traceURL returns the dashboard link AOP offered for the run, or "".
func (c *crewaiExporter) traceURL(executionID string) string { return c.aop.TraceURL(executionID) }
