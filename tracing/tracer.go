package tracing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/crewai-go/crewai/internal/batch"
	"github.com/crewai-go/crewai/internal/consoleexport"
	"github.com/crewai-go/crewai/internal/fileexport"
	"github.com/crewai-go/crewai/internal/genaijson"
	"github.com/crewai-go/crewai/internal/otlpexport"
	"github.com/crewai-go/crewai/internal/scrub"
	"github.com/crewai-go/crewai/internal/semconv"
	"github.com/crewai-go/crewai/internal/traceenv"
)

// Backend names, as accepted by OTEL_TRACES_EXPORTER and [WithBackend].
const (
	BackendOTLP    = traceenv.BackendOTLP
	BackendConsole = traceenv.BackendConsole
	BackendFile    = traceenv.BackendFile
	BackendNone    = traceenv.BackendNone
)

// Defaults of a [Tracer] built without options from an empty environment.
const (
	// DefaultMaxAttributeLength is the largest captured text, in bytes, put on
	// a span (32 KiB). A longer text is cut at a UTF-8 boundary and ends with
	// the marker "…[truncated N bytes]", N being the number of bytes removed.
	DefaultMaxAttributeLength = 32 << 10
	// DefaultFlushTimeout bounds how long the end of a top-level kickoff waits
	// for its spans to be exported.
	DefaultFlushTimeout = traceenv.DefaultFlushTimeout
	// DefaultQueueSize is the number of ended spans held while waiting for
	// export; when the queue is full further spans are dropped and counted.
	DefaultQueueSize = 4096
	// DefaultTracesDir is the folder of the file backend, relative to the
	// working directory.
	DefaultTracesDir = ".crewai/traces"
)

// Tracer turns the events of traced runs into spans and owns, unless the user
// supplied one, the TracerProvider and backend they are exported to. Build
// one with [New], or use the process default, [Default]. The zero value is not
// usable: a nil *Tracer passed to [Attach] means [Default]. Thousands of
// kickoffs may share one.
type Tracer struct {
	provider trace.TracerProvider
	tracer   trace.Tracer
	owned    *sdktrace.TracerProvider // nil for a user's provider
	batch    *batch.Processor         // nil for a user's provider
	exp      *countingExporter        // nil for a user's provider

	backend      string
	fileDir      string          // file backend only
	endpoint     string          // otlp and crewai backends only, for the notice
	aop          *crewaiExporter // crewai backend only
	capture      bool
	redact       func(string) string
	scrub        *scrub.Scrubber
	genai        genaijson.Encoder
	maxLen       int
	flushTimeout time.Duration
	logger       *slog.Logger
	notice       io.Writer
	noticed      atomic.Bool // the notice was printed (to a WithNotice writer)

	// keep rule (a ratio sampler on the Tracer's own provider): kickoffs
	// the sampler drops are recorded and kept when they fail or take
	// keepSlower or longer (0: no such rule); see hold.go
	keep       bool
	keepSlower time.Duration
	holdLimit  int           // events recorded per held kickoff at most
	unsampled  atomic.Uint64 // steps of held kickoffs that were not kept
	holdDrops  atomic.Uint64 // steps of kept kickoffs lost to holdLimit
	// sampler is the sampler of the Tracer's own provider, which Attach
	// asks once per run (nil: the default sampler, or a user's provider:
	// every run is traced and the provider decides per span)
	sampler sdktrace.Sampler

	started  atomic.Uint64
	warned   sync.Map // cause -> struct{}: warnings given once per Tracer
	shutOnce sync.Once
	shutErr  error
}

// Stats counts what a Tracer did since it was built. Exported, Failed and
// Dropped stay 0 when the Tracer uses a user's own TracerProvider, whose
// export path it does not see.
type Stats struct {
	// Started counts spans started from events.
	Started uint64
	// Exported counts spans the backend accepted.
	Exported uint64
	// Failed counts spans whose export failed (backend down, refusing,
	// answering an error, a traces folder that cannot be written).
	Failed uint64
	// Dropped counts spans discarded because the export queue was full, the
	// Tracer was shut down, the backend was down (see the package doc), or
	// (crewai backend) a span alone was larger than a request may be.
	Dropped uint64
	// Unsampled counts the steps (the spans they would have been) of
	// kickoffs that the sampler dropped, recorded for the keep rule, then
	// not kept (the kickoff neither failed nor was slow). Their spans are
	// never started, so Started does not count them; nor does it count
	// the steps of kickoffs dropped without the keep rule.
	Unsampled uint64
}

// Stats returns the Tracer's counters.
func (t *Tracer) Stats() Stats {
	s := Stats{Started: t.started.Load(), Unsampled: t.unsampled.Load(), Dropped: t.holdDrops.Load()}
	if t.exp != nil {
		s.Exported = t.exp.exported.Load()
		s.Failed = t.exp.failed.Load()
	}
	if t.batch != nil {
		s.Dropped += t.batch.Dropped()
	}
	if t.exp != nil {
		s.Dropped += t.exp.dropped.Load()
	}
	return s
}

// Backend returns the name of the backend spans go to: "otlp", "console",
// "file", "none", "crewai", "exporter" (a [WithExporter] exporter) or "provider" (a
// [WithTracerProvider] provider).
func (t *Tracer) Backend() string { return t.backend }

// Dir returns the traces folder of the file backend, or "" for any other.
func (t *Tracer) Dir() string { return t.fileDir }

// CaptureContent reports whether the Tracer records content (prompts,
// responses, tool arguments and results, inputs, outputs, state).
func (t *Tracer) CaptureContent() bool { return t.capture }

// TracerProvider returns the provider the Tracer starts spans from.
func (t *Tracer) TracerProvider() trace.TracerProvider { return t.provider }

// Option configures a [Tracer] built by [New].
// A nil Option is ignored.
type Option func(*config) error

type config struct {
	provider     trace.TracerProvider
	exporter     sdktrace.SpanExporter
	backend      string
	fileDir      string
	console      io.Writer
	capture      *bool
	redact       func(string) string
	maxLen       int
	flushTimeout time.Duration
	logger       *slog.Logger
	notice       io.Writer
	noticeSet    bool
	queueSize    int
	batchDelay   time.Duration
	otlpHTTP     []otlptracehttp.Option
	otlpGRPC     []otlptracegrpc.Option
	resource     *resource.Resource
	crewai       CrewAIConfig
	crewaiNow    func() time.Time // tests: the clock grant expiry is checked with

	exportConcurrency int // 0: the default for the backend

	// tests: export timeout and back-off of the network backends
	exportTimeout time.Duration
	backoff       time.Duration
	now           func() time.Time
}

// withExportConcurrency sets how many exports may be under way at once
// (tests).
//
//lint:ignore U1000 used by the package's tests only
func withExportConcurrency(n int) Option {
	return func(c *config) error {
		c.exportConcurrency = n
		return nil
	}
}

// withBackoff sets the export timeout and the first back-off of the
// network backends (tests).
//
//lint:ignore U1000 used by the package's tests only
func withBackoff(exportTimeout, backoff time.Duration, now func() time.Time) Option {
	return func(c *config) error {
		c.exportTimeout, c.backoff, c.now = exportTimeout, backoff, now
		return nil
	}
}

// WithTracerProvider makes the Tracer start its spans from tp, the user's own
// provider, used as is: the Tracer never shuts it down, never sets it as the
// global provider, and its backend options are ignored. Finishing a top-level
// kickoff still calls tp's ForceFlush when tp has one.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) error {
		if tp == nil {
			return errors.New("tracing: WithTracerProvider: nil provider (omit the option to use the environment's backend)")
		}
		c.provider = tp
		return nil
	}
}

// WithExporter sends spans to exp through the Tracer's bounded batch queue,
// instead of the backend the environment names. The Tracer shuts exp down in
// [Tracer.Shutdown]. Use it for tests (tracetest.NewInMemoryExporter) and for
// backends this package does not build.
func WithExporter(exp sdktrace.SpanExporter) Option {
	return func(c *config) error {
		if exp == nil {
			return errors.New("tracing: WithExporter: nil exporter")
		}
		c.exporter = exp
		return nil
	}
}

// WithBackend chooses the backend by name, as OTEL_TRACES_EXPORTER would:
// "otlp", "console", "file", "none" or "crewai" (see [WithCrewAI]).
func WithBackend(name string) Option {
	return func(c *config) error {
		switch n := strings.ToLower(strings.TrimSpace(name)); n {
		case BackendOTLP, BackendConsole, BackendFile, BackendNone, BackendCrewAI:
			c.backend = n
			return nil
		}
		return fmt.Errorf("tracing: WithBackend: unknown backend %q (accepted: otlp, console, file, none, crewai)", name)
	}
}

// WithFileDir chooses the file backend and its folder (created 0700 when
// missing; trace files are created 0600).
func WithFileDir(dir string) Option {
	return func(c *config) error {
		if strings.TrimSpace(dir) == "" {
			return errors.New("tracing: WithFileDir: empty folder name")
		}
		c.backend, c.fileDir = BackendFile, dir
		return nil
	}
}

// WithConsole chooses the console backend writing to w (the default console
// writes to os.Stderr).
func WithConsole(w io.Writer) Option {
	return func(c *config) error {
		if w == nil {
			return errors.New("tracing: WithConsole: nil writer")
		}
		c.backend, c.console = BackendConsole, w
		return nil
	}
}

// WithOTLPHTTPOptions adds options for the OTLP/HTTP exporter of the otlp
// backend (endpoint, headers, TLS...), applied after the environment.
func WithOTLPHTTPOptions(opts ...otlptracehttp.Option) Option {
	return func(c *config) error {
		c.otlpHTTP = append(c.otlpHTTP, opts...)
		return nil
	}
}

// WithOTLPGRPCOptions adds options for the OTLP/gRPC exporter of the otlp
// backend, applied after the environment.
func WithOTLPGRPCOptions(opts ...otlptracegrpc.Option) Option {
	return func(c *config) error {
		c.otlpGRPC = append(c.otlpGRPC, opts...)
		return nil
	}
}

// WithContentCapture turns content capture on or off, overriding
// CREWAI_TRACING_CAPTURE_CONTENT and
// OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT.
func WithContentCapture(on bool) Option {
	return func(c *config) error {
		c.capture = &on
		return nil
	}
}

// WithRedaction sets a function applied to every captured text (after the
// built-in secret scrubbing, before truncation). It must be safe for
// concurrent use.
func WithRedaction(fn func(string) string) Option {
	return func(c *config) error {
		if fn == nil {
			return errors.New("tracing: WithRedaction: nil function")
		}
		c.redact = fn
		return nil
	}
}

// WithMaxAttributeLength sets the largest captured text in bytes (at least
// 64; default [DefaultMaxAttributeLength]).
func WithMaxAttributeLength(n int) Option {
	return func(c *config) error {
		if n < 64 {
			return fmt.Errorf("tracing: WithMaxAttributeLength: %d bytes is too small (accepted: 64 or more)", n)
		}
		c.maxLen = n
		return nil
	}
}

// WithFlushTimeout bounds the flush at the end of a top-level kickoff
// (default [DefaultFlushTimeout], or CREWAI_TRACING_FLUSH_TIMEOUT).
func WithFlushTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("tracing: WithFlushTimeout: %v is not positive", d)
		}
		c.flushTimeout = d
		return nil
	}
}

// WithLogger sets where warnings go (default slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("tracing: WithLogger: nil logger")
		}
		c.logger = l
		return nil
	}
}

// WithNotice sets where the one line printed at the end of a top-level traced
// kickoff goes (default os.Stderr); nil prints nothing.
func WithNotice(w io.Writer) Option {
	return func(c *config) error {
		c.notice, c.noticeSet = w, true
		return nil
	}
}

// WithQueueSize sets how many ended spans may wait for export (default
// [DefaultQueueSize]); more are dropped and counted.
func WithQueueSize(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("tracing: WithQueueSize: %d (accepted: 1 or more)", n)
		}
		c.queueSize = n
		return nil
	}
}

// WithBatchDelay sets how long ended spans may wait in the queue before they
// are exported without a flush (default 1s).
func WithBatchDelay(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("tracing: WithBatchDelay: %v is not positive", d)
		}
		c.batchDelay = d
		return nil
	}
}

// WithResource replaces the resource of the spans (by default
// resource.Default() with the service name "crewai-go" unless
// OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES names one, plus
// crewai.version).
func WithResource(r *resource.Resource) Option {
	return func(c *config) error {
		if r == nil {
			return errors.New("tracing: WithResource: nil resource")
		}
		c.resource = r
		return nil
	}
}

// New builds a Tracer: the environment gives the defaults (see the package
// doc), options override them. It returns an error for an invalid option;
// invalid environment values only produce a warning and a default. It does
// not connect to any backend.
func New(opts ...Option) (*Tracer, error) {
	var c config
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&c); err != nil {
			return nil, err
		}
	}
	t := &Tracer{logger: c.logger, redact: c.redact, maxLen: c.maxLen, flushTimeout: c.flushTimeout}
	if t.logger == nil {
		t.logger = slog.Default()
	}
	t.notice = os.Stderr
	if c.noticeSet {
		t.notice = c.notice
	}
	if t.maxLen == 0 {
		t.maxLen = DefaultMaxAttributeLength
	}
	if t.flushTimeout == 0 {
		t.flushTimeout = traceenv.FlushTimeout(t.logger)
	}
	if c.capture != nil {
		t.capture = *c.capture
	} else {
		t.capture = traceenv.Capture(t.logger)
	}
	t.scrub = scrub.New(os.Environ())
	t.genai = genaijson.Encoder{Text: t.text, Max: jsonFactor * t.maxLen}

	if c.provider != nil {
		t.provider, t.backend = c.provider, "provider"
		t.tracer = c.provider.Tracer(semconv.ScopeName, trace.WithInstrumentationVersion(Version()))
		return t, nil
	}

	exp := c.exporter
	switch {
	case exp != nil:
		t.backend = "exporter"
	default:
		backend := c.backend
		if backend == "" {
			backend = traceenv.Backend(t.logger)
		}
		t.backend = backend
		var err error
		exp, err = t.buildExporter(backend, &c)
		if err != nil {
			return nil, err
		}
	}
	res := c.resource
	if res == nil {
		res = defaultResource()
	}
	t.exp = &countingExporter{next: exp, t: t}
	queue := c.queueSize
	if queue == 0 {
		queue = DefaultQueueSize
	}
	delay := c.batchDelay
	if delay == 0 {
		delay = time.Second
	}
	// The library's own exporters are safe for concurrent use; a user's
	// exporter is called one export at a time, as the SDK promises.
	inflight := c.exportConcurrency
	if inflight == 0 {
		inflight = 1
		if c.exporter == nil {
			inflight = maxConcurrentExports
		}
	}
	exportTimeout := c.exportTimeout
	if exportTimeout == 0 {
		exportTimeout = 10 * time.Second
	}
	var outage func(error) bool
	if t.backend == BackendOTLP || t.backend == BackendCrewAI {
		outage = isOutage // the network backends back off (see the package doc)
		t.exp.backsOff = true
	}
	t.batch = batch.New(batch.Config{
		Exporter: t.exp, QueueSize: queue, MaxBatch: maxExportBatch, MaxInflight: inflight,
		Delay: delay, ExportTimeout: exportTimeout, Outage: outage, Backoff: c.backoff, Now: c.now,
		Inline: c.exporter == nil, // the library's own exporters honour ctx
		OnFirstDrop: func() {
			t.warnOnce("queue full", "tracing: the span export queue is full (the backend is slow or down); "+
				"spans are dropped and counted in Tracer.Stats (reported once)", "queue", queue)
		},
	})
	smp := traceenv.Sampler(t.logger)
	sampler := sdkSampler(smp)
	if smp.Ratioed() && smp.Ratio < 1 {
		t.keepSlower = traceenv.KeepSlowerThan(t.logger)
		t.keep = traceenv.KeepFailed(t.logger) || t.keepSlower > 0
		t.holdLimit = holdEventsPerSpan * queue
	}
	if smp.Sampler != traceenv.SamplerParentBasedAlwaysOn && smp.Sampler != traceenv.SamplerAlwaysOn {
		// Attach asks it once per run; the provider then samples the runs
		// it traces whole.
		t.sampler = sampler
		sampler = runSampler{base: sampler}
	}
	t.owned = sdktrace.NewTracerProvider(
		sdktrace.WithSpanProcessor(t.batch),
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sampler),
		sdktrace.WithIDGenerator(idGenerator{}),
	)
	t.provider = t.owned
	t.tracer = t.owned.Tracer(semconv.ScopeName, trace.WithInstrumentationVersion(Version()))
	return t, nil
}

func (t *Tracer) buildExporter(backend string, c *config) (sdktrace.SpanExporter, error) {
	switch backend {
	case BackendNone:
		return discardExporter{}, nil
	case BackendConsole:
		w := c.console
		if w == nil {
			w = os.Stderr
		}
		return consoleexport.New(w), nil
	case BackendFile:
		dir := c.fileDir
		if dir == "" {
			dir = os.Getenv(traceenv.EnvTracesDir)
		}
		if dir == "" {
			dir = DefaultTracesDir
		}
		if abs, err := filepath.Abs(dir); err == nil {
			dir = abs
		}
		t.fileDir = dir
		fe := fileexport.New(dir)
		fe.Tightened = func(dir string, was fs.FileMode) {
			t.warnOnce("traces folder tightened", "tracing: the traces folder could be written by other users "+
				"(who could plant links in it); its mode is now 0700", "dir", dir, "was", was.String())
		}
		return fe, nil
	case BackendOTLP:
		return t.buildOTLP(c)
	case BackendCrewAI:
		exp, err := t.buildCrewAI(c)
		if exp == nil && err == nil { // no credential: warned, the spans go to files
			t.backend = BackendFile
			return t.buildExporter(BackendFile, c)
		}
		return exp, err
	}
	return nil, fmt.Errorf("tracing: unknown backend %q (accepted: otlp, console, file, none, crewai)", backend)
}

// maxExportBatch is the largest number of spans in one export;
// maxConcurrentExports bounds the exports under way at once for the
// library's own backends.
const (
	maxExportBatch       = 512
	maxConcurrentExports = 4
)

func (t *Tracer) buildOTLP(c *config) (sdktrace.SpanExporter, error) {
	proto := traceenv.Protocol(t.logger)
	t.endpoint = traceenv.Endpoint()
	if t.endpoint == "" {
		t.endpoint = "localhost:4318"
		if proto == "grpc" {
			t.endpoint = "localhost:4317"
		}
	}
	return otlpexport.New(context.Background(), otlpexport.Config{
		Protocol: proto, HTTP: c.otlpHTTP, GRPC: c.otlpGRPC, MaxConcurrentExports: maxConcurrentExports,
	})
}

// Shutdown flushes what is queued and shuts down the provider and exporter
// the Tracer built, bounded by ctx. It does nothing to a user's own provider.
// Spans ended after Shutdown are dropped. Calling it again returns the first
// call's result.
func (t *Tracer) Shutdown(ctx context.Context) error {
	t.shutOnce.Do(func() {
		if t.owned != nil {
			if err := t.owned.Shutdown(ctx); err != nil {
				t.shutErr = fmt.Errorf("tracing: shutdown: %w", err)
			}
		}
	})
	return t.shutErr
}

// ForceFlush exports what is queued, bounded by ctx. For a user's provider it
// calls the provider's ForceFlush when it has one.
func (t *Tracer) ForceFlush(ctx context.Context) error {
	var err error
	switch {
	case t.owned != nil:
		err = t.owned.ForceFlush(ctx)
	default:
		if f, ok := t.provider.(interface{ ForceFlush(context.Context) error }); ok {
			err = f.ForceFlush(ctx)
		}
	}
	if err != nil {
		return fmt.Errorf("tracing: flush: %w", err)
	}
	return nil
}

// warnOnce logs msg at warning level the first time key is seen by this
// Tracer.
func (t *Tracer) warnOnce(key, msg string, args ...any) {
	if _, loaded := t.warned.LoadOrStore(key, struct{}{}); loaded {
		return
	}
	t.logger.Warn(msg, args...)
}

var (
	defaultMu     sync.Mutex
	defaultTracer *Tracer
)

// Default returns the process's default Tracer, built from the environment on
// first use and reused by every Crew and Flow whose Tracer field is nil (in
// the manner of http.DefaultClient). If the environment names a backend that
// cannot be built, the default Tracer drops its spans and says so once.
func Default() *Tracer {
	defaultMu.Lock()
	defer defaultMu.Unlock()
	if defaultTracer == nil {
		t, err := New()
		if err != nil {
			slog.Default().Warn("tracing: cannot build the default tracer from the environment; spans are dropped",
				"error", err.Error())
			t, _ = New(WithBackend(BackendNone))
		}
		defaultTracer = t
	}
	return defaultTracer
}

// Shutdown shuts down the default Tracer, if it was built, bounded by ctx.
// A later traced run builds a new default Tracer.
func Shutdown(ctx context.Context) error {
	defaultMu.Lock()
	t := defaultTracer
	defaultTracer = nil
	defaultMu.Unlock()
	if t == nil {
		return nil
	}
	return t.Shutdown(ctx)
}

// Version returns the version of the crewai-go module as recorded in the
// binary's build information, or "(devel)" when built inside the module.
func Version() string {
	versionOnce.Do(func() {
		version = "(devel)"
		if bi, ok := debug.ReadBuildInfo(); ok {
			if bi.Main.Path == semconv.ScopeName && bi.Main.Version != "" {
				version = bi.Main.Version
			}
			for _, d := range bi.Deps {
				if d.Path == semconv.ScopeName && d.Version != "" {
					version = d.Version
				}
			}
		}
	})
	return version
}

var (
	versionOnce sync.Once
	version     string
)

// defaultResource is resource.Default() with "crewai-go" as the service
// name unless the environment names one, plus crewai.version.
func defaultResource() *resource.Resource {
	ours := resource.NewSchemaless(
		attribute.String(semconv.ServiceName, semconv.DefaultServiceName),
		attribute.String(semconv.CrewAIVersion, Version()),
	)
	r, err := resource.Merge(resource.Default(), ours)
	if err != nil {
		r = ours
	}
	if env := resource.Environment(); env.Len() > 0 {
		if m, err := resource.Merge(r, env); err == nil {
			r = m
		}
	}
	return r
}
