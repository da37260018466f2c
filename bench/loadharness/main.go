// Command loadharness runs many traced kickoffs of a small crew at once and
// reports how close the library gets to the ideal time, and what it costs in
// memory, goroutines and spans.
//
// Each kickoff runs a crew of -tasks tasks (default 1) done by one agent with
// -tools tools (default 1); each task is one tool call and two model calls.
// The model is the fake OpenAI-compatible server of llm/llmtest on a loopback
// port, reached through the real OpenAI client (llm.New with the server's
// base URL and a dummy key), every reply delayed by -latency. With -model
// inproc the model is an in-process scripted model instead (no HTTP), for
// soak runs. Tracing is on: spans go over OTLP/HTTP to a receiver the harness
// starts on 127.0.0.1 that decodes and counts them (-backend otlp, the
// default), to the file backend in a temporary folder removed at the end
// (-backend file; the folder is made under $TMPDIR, and since the backend
// creates one file per trace, the file system there weighs on the result:
// set TMPDIR to a tmpfs folder to measure the library rather than the disk),
// or nowhere (-backend none, a Tracer without exporter traffic).
//
// -outage refused points the OTLP exporter at a closed port; -outage hang at a
// receiver that accepts connections and never answers. Both last the whole
// run: kickoffs must still succeed, memory must stay bounded, and the spans
// that could not be sent are counted as failed or dropped.
//
// First come -warmup kickoffs (by default one round: as many as -c) that
// are not counted: they open the connections to the model server and the
// receiver and fill the pools, a cost paid once per process (about 60 ms
// here for 200 connections), not per kickoff. Their wall time and latency
// are printed on a line of their own, and the efficiency is also given
// counting them; -warmup 0 counts everything.
//
// With -model http, a control follows (-control, on by default): the same
// model requests, two per task of a kickoff, sent at the same concurrency
// with a plain net/http client to the same fake server, with nothing else
// (no agent, no JSON decoding, no events, no spans). Its efficiency is what
// this machine gives the harness with no library at all; the library is
// measured against it.
//
// It prints the wall time, the ideal time (N × model calls per kickoff ×
// latency / C), efficiency = ideal / wall, p50 and p99 kickoff latency, the
// process's CPU time (unlike the wall time, it does not depend much on how
// busy the machine is), the memory allocated per kickoff and the number of
// GC cycles (every kickoff's allocations make the collector scan the stacks
// of all the goroutines, about five per kickoff in flight), peak RSS (VmHWM), peak goroutines (sampled every
// 5 ms), the heap in use at 10%, 50% and 100% of the kickoffs and at the end
// (after a GC), the tracer's span counts, and the goroutines before and after
// (they must come back to the baseline once everything is closed). It exits
// with status 1 when a kickoff failed or the goroutines did not come back.
//
// Examples:
//
//	go run ./bench/loadharness -n 2000 -c 200 -latency 50ms
//	go run ./bench/loadharness -n 10000 -c 100 -latency 0 -model inproc     # soak
//	go run ./bench/loadharness -n 5000 -c 200 -latency 0 -outage refused
//
// -cpuprofile and -memprofile write a CPU profile of the kickoffs and an
// allocation profile for go tool pprof.
//
// Everything is bounded: the run stops after -timeout, and only loopback
// addresses are used.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"golang.org/x/sync/errgroup"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/crewai-go/crewai/agent"
	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/task"
	"github.com/crewai-go/crewai/tool"
	"github.com/crewai-go/crewai/tracing"
)

type config struct {
	n, c         int
	latency      time.Duration
	tasks, tools int
	model        string
	backend      string
	outage       string
	flushTimeout time.Duration
	queue        int
	timeout      time.Duration
	cpuProfile   string
	memProfile   string
	heap         bool
	warmup       int  // kickoffs before the measured run (-1: one round, c)
	control      bool // also run the plain net/http control (model http only)
}

func main() {
	var cfg config
	flag.IntVar(&cfg.n, "n", 2000, "number of kickoffs")
	flag.IntVar(&cfg.c, "c", 200, "kickoffs running at once")
	flag.DurationVar(&cfg.latency, "latency", 50*time.Millisecond, "latency of every model reply")
	flag.IntVar(&cfg.tasks, "tasks", 1, "tasks per kickoff (each: one tool call, two model calls)")
	flag.IntVar(&cfg.tools, "tools", 1, "tools offered to the agent (it calls one)")
	flag.StringVar(&cfg.model, "model", "http", "model: http (fake OpenAI server over loopback HTTP, real client) or inproc (scripted, no HTTP)")
	flag.StringVar(&cfg.backend, "backend", "otlp", "trace backend: otlp (local counting receiver), file (temporary folder) or none")
	flag.StringVar(&cfg.outage, "outage", "", "OTLP receiver down for the whole run: refused or hang (implies -backend otlp)")
	flag.DurationVar(&cfg.flushTimeout, "flush-timeout", 0, "flush timeout at the end of each kickoff (0: the library default, or 200ms with -outage)")
	flag.IntVar(&cfg.queue, "queue", 0, "span export queue size (0: the library default)")
	flag.DurationVar(&cfg.timeout, "timeout", 5*time.Minute, "upper bound of the whole run")
	flag.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write a CPU profile of the kickoffs to this file")
	flag.StringVar(&cfg.memProfile, "memprofile", "", "write an allocation profile (go tool pprof -sample_index=alloc_objects) to this file at the end of the kickoffs")
	flag.BoolVar(&cfg.heap, "heap", true, "read the heap (after a forced GC) at 10%, 50% and 100% of the kickoffs; -heap=false leaves the run undisturbed")
	flag.IntVar(&cfg.warmup, "warmup", -1, "kickoffs run before the measured ones and not counted in them (connections opened, pools filled); -1: one round, as many as -c")
	flag.BoolVar(&cfg.control, "control", true, "with -model http, also send the same requests with a plain net/http client, no library, at the same concurrency: the floor of this machine")
	flag.Parse()
	if err := cfg.check(); err != nil {
		fmt.Fprintln(os.Stderr, "loadharness:", err)
		flag.Usage()
		os.Exit(2)
	}
	ok, err := run(cfg, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadharness:", err)
		os.Exit(1)
	}
	if !ok {
		os.Exit(1)
	}
}

func (cfg *config) check() error {
	switch {
	case cfg.n < 1:
		return fmt.Errorf("-n is %d; use at least 1", cfg.n)
	case cfg.c < 1:
		return fmt.Errorf("-c is %d; use at least 1", cfg.c)
	case cfg.latency < 0:
		return fmt.Errorf("-latency is %v; use 0 or more", cfg.latency)
	case cfg.tasks < 1 || cfg.tools < 1:
		return fmt.Errorf("-tasks %d, -tools %d: use at least 1 of each", cfg.tasks, cfg.tools)
	case cfg.model != "http" && cfg.model != "inproc":
		return fmt.Errorf("-model is %q; accepted: http, inproc", cfg.model)
	case cfg.outage != "" && cfg.outage != "refused" && cfg.outage != "hang":
		return fmt.Errorf("-outage is %q; accepted: refused, hang (or empty)", cfg.outage)
	case cfg.timeout <= 0:
		return fmt.Errorf("-timeout is %v; use a positive duration", cfg.timeout)
	case cfg.warmup < -1:
		return fmt.Errorf("-warmup is %d; use 0 or more, or -1 for one round of -c kickoffs", cfg.warmup)
	}
	if cfg.warmup == -1 {
		cfg.warmup = cfg.c
	}
	if cfg.model != "http" {
		cfg.control = false
	}
	if cfg.outage != "" {
		cfg.backend = tracing.BackendOTLP
		if cfg.flushTimeout == 0 {
			cfg.flushTimeout = 200 * time.Millisecond
		}
	}
	switch cfg.backend {
	case tracing.BackendOTLP, tracing.BackendFile, tracing.BackendNone:
	default:
		return fmt.Errorf("-backend is %q; accepted: otlp, file, none", cfg.backend)
	}
	return nil
}

// run does one measured run and prints its report to w. ok is false when a
// kickoff failed or goroutines were left behind.
func run(cfg config, w io.Writer) (ok bool, err error) {
	baseline := runtime.NumGoroutine()
	ctx, cancel := context.WithTimeout(context.Background(), cfg.timeout)
	defer cancel()

	var closers []func() // run in reverse order at the end
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
		closers = nil
	}
	defer closeAll()

	// The trace backend.
	opts := []tracing.Option{tracing.WithNotice(nil), tracing.WithContentCapture(true),
		tracing.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))}
	if cfg.flushTimeout > 0 {
		opts = append(opts, tracing.WithFlushTimeout(cfg.flushTimeout))
	}
	if cfg.queue > 0 {
		opts = append(opts, tracing.WithQueueSize(cfg.queue))
	}
	var recv *receiver
	switch cfg.backend {
	case tracing.BackendOTLP:
		var endpoint string
		switch cfg.outage {
		case "":
			recv, err = startReceiver(false)
		case "hang":
			recv, err = startReceiver(true)
		case "refused":
			endpoint, err = closedPort()
		}
		if err != nil {
			return false, err
		}
		if recv != nil {
			closers = append(closers, recv.close)
			endpoint = recv.addr
		}
		opts = append(opts, tracing.WithBackend(tracing.BackendOTLP), tracing.WithOTLPHTTPOptions(
			otlptracehttp.WithEndpoint(endpoint), otlptracehttp.WithInsecure(), otlptracehttp.WithURLPath("/v1/traces")))
	case tracing.BackendFile:
		dir, err := os.MkdirTemp("", "crewai-loadharness-")
		if err != nil {
			return false, err
		}
		closers = append(closers, func() { _ = os.RemoveAll(dir) })
		opts = append(opts, tracing.WithFileDir(dir))
	case tracing.BackendNone:
		opts = append(opts, tracing.WithBackend(tracing.BackendNone))
	}
	tr, err := tracing.New(opts...)
	if err != nil {
		return false, err
	}
	shutdownTracer := func() {
		sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer scancel()
		_ = tr.Shutdown(sctx)
	}
	closers = append(closers, shutdownTracer)

	// The model.
	var model llm.LLM
	var capture requestCapture // one request of each kind, for the control
	var modelURL string
	switch cfg.model {
	case "http":
		srv := llmtest.NewServer(llmtest.ServerConfig{MaxRecorded: -1, Latency: cfg.latency,
			Respond: func(r *llmtest.ServerRequest) llmtest.Reply {
				rep := reply(&r.Request)
				capture.keep(len(rep.ToolCalls) == 0, r.Body)
				return rep
			}})
		closers = append(closers, srv.Close)
		modelURL = srv.URL()
		client, err := llm.New(llm.Config{Model: "gpt-4o-mini", APIKey: "sk-harness-dummy", BaseURL: srv.URL(), MaxAttempts: 1})
		if err != nil {
			return false, err
		}
		closers = append(closers, client.CloseIdleConnections)
		model = client
	case "inproc":
		model = &llmtest.Scripted{Model: "gpt-4o-mini", Respond: func(req *llm.Request) llmtest.Reply {
			r := reply(req)
			r.Delay = cfg.latency
			return r
		}}
	}
	c := newCrew(cfg, model, tr)

	// The run: a warm-up, then the measured kickoffs.
	kickoff := func(ctx context.Context, i int) error {
		out, err := c.Kickoff(ctx, map[string]any{"topic": strconv.Itoa(i)})
		if err == nil && out.Raw != finalAnswer {
			err = fmt.Errorf("kickoff %d: unexpected answer %q", i, out.Raw)
		}
		return err
	}
	var (
		peakG     atomic.Int64
		heapMu    sync.Mutex
		heapLines []string
	)
	warm := drive(ctx, cfg.warmup, cfg.c, kickoff, nil)
	checkpoints := map[int64]bool{max(int64(cfg.n)/10, 1): true, max(int64(cfg.n)/2, 1): true, int64(cfg.n): true}
	stopSampler := make(chan struct{})
	var sampler errgroup.Group
	sampler.Go(func() error {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			if g := int64(runtime.NumGoroutine()); g > peakG.Load() {
				peakG.Store(g)
			}
			select {
			case <-stopSampler:
				return nil
			case <-t.C:
			}
		}
	})
	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err != nil {
			return false, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return false, err
		}
	}
	var ms0 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	cpu0 := cpuTime()
	res := drive(ctx, cfg.n, cfg.c, kickoff, func(done int64) {
		if cfg.heap && checkpoints[done] {
			line := heapLine(done)
			heapMu.Lock()
			heapLines = append(heapLines, line)
			heapMu.Unlock()
		}
	})
	wall := res.wall
	cpu := cpuTime() - cpu0
	var ms1 runtime.MemStats
	runtime.ReadMemStats(&ms1)
	if cfg.cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if cfg.memProfile != "" {
		if err := writeHeapProfile(cfg.memProfile); err != nil {
			return false, err
		}
	}
	close(stopSampler)
	_ = sampler.Wait()
	peakRSS := vmHWM()

	// The control: the same requests over plain net/http, no library.
	var ctl *driven
	var ctlCPU time.Duration
	if cfg.control {
		pair := capture.bodies()
		if pair == nil {
			return false, errors.New("the control has no requests to send: no kickoff reached the model")
		}
		var bodies [][]byte // a kickoff's requests: two per task
		for range cfg.tasks {
			bodies = append(bodies, pair...)
		}
		hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.c, MaxIdleConns: cfg.c}}
		send := func(ctx context.Context, _ int) error { return plainExchange(ctx, hc, modelURL, bodies) }
		drive(ctx, cfg.warmup, cfg.c, send, nil)
		cpu0 := cpuTime()
		r := drive(ctx, cfg.n, cfg.c, send, nil)
		ctlCPU = cpuTime() - cpu0
		ctl = &r
		hc.CloseIdleConnections()
	}

	// Everything closed: tracer (flush), servers, connections.
	shutdownTracer()
	stats := tr.Stats()
	var received int64
	if recv != nil {
		received = recv.spans.Load()
	}
	closeAll()
	after := settle(baseline)
	heapLines = append(heapLines, heapLine(-1))

	// The report.
	completed := res.done
	failed := res.failed + warm.failed
	calls := 2 * cfg.tasks
	ideal := func(n int) time.Duration {
		return time.Duration(int64(n)*int64(calls)) * cfg.latency / time.Duration(cfg.c)
	}
	fmt.Fprintf(w, "kickoffs        %d done, %d failed (concurrency %d, %d task(s), %d tool(s), %d model calls each, model %s, latency %v)\n",
		completed, res.failed, cfg.c, cfg.tasks, cfg.tools, calls, cfg.model, cfg.latency)
	if cfg.warmup > 0 {
		fmt.Fprintf(w, "warm-up         %d kickoffs first, not counted below: %v, p50 %v, max %v, %d failed\n",
			warm.done, warm.wall.Round(time.Millisecond), pct(warm.lat, 50), pct(warm.lat, 100), warm.failed)
	}
	fmt.Fprintf(w, "wall time       %v (%.0f kickoffs/s)\n", wall.Round(time.Millisecond), float64(completed)/wall.Seconds())
	if cfg.latency > 0 {
		fmt.Fprintf(w, "ideal time      %v (N × calls × latency / C)\n", ideal(cfg.n).Round(time.Millisecond))
		fmt.Fprintf(w, "efficiency      %.3f", float64(ideal(cfg.n))/float64(wall))
		if cfg.warmup > 0 {
			fmt.Fprintf(w, " (%.3f counting the warm-up)", float64(ideal(cfg.n+cfg.warmup))/float64(wall+warm.wall))
		}
		fmt.Fprintln(w)
	} else {
		fmt.Fprintf(w, "ideal time      0 (no latency: efficiency not defined)\n")
	}
	fmt.Fprintf(w, "CPU time        %v user+system, %.0f µs per kickoff (%.2f cores busy on average)\n",
		cpu.Round(time.Millisecond), float64(cpu.Microseconds())/float64(max(completed, 1)), cpu.Seconds()/wall.Seconds())
	fmt.Fprintf(w, "allocations     %.1f KiB and %.0f objects per kickoff, %d GC cycles\n",
		float64(ms1.TotalAlloc-ms0.TotalAlloc)/1024/float64(max(completed, 1)),
		float64(ms1.Mallocs-ms0.Mallocs)/float64(max(completed, 1)), ms1.NumGC-ms0.NumGC)
	fmt.Fprintf(w, "latency         p50 %v, p99 %v, max %v\n", pct(res.lat, 50), pct(res.lat, 99), pct(res.lat, 100))
	if ctl != nil {
		eff := ""
		if cfg.latency > 0 {
			eff = fmt.Sprintf("efficiency %.3f, ", float64(ideal(cfg.n))/float64(ctl.wall))
		}
		fmt.Fprintf(w, "control         plain net/http, the same requests, no library: %swall %v, p50 %v, p99 %v, CPU %.0f µs per kickoff, %d failed\n",
			eff, ctl.wall.Round(time.Millisecond), pct(ctl.lat, 50), pct(ctl.lat, 99),
			float64(ctlCPU.Microseconds())/float64(max(ctl.done, 1)), ctl.failed)
	}
	fmt.Fprintf(w, "peak RSS        %.1f MiB (VmHWM)\n", float64(peakRSS)/(1<<20))
	fmt.Fprintf(w, "peak goroutines %d (baseline %d)\n", peakG.Load(), baseline)
	for _, l := range heapLines {
		fmt.Fprintln(w, l)
	}
	backend := cfg.backend
	if cfg.outage != "" {
		backend += " (receiver down: " + cfg.outage + ")"
	}
	// a kickoff's spans: the crew, and per task the task, the agent, two
	// model calls and one tool call
	fmt.Fprintf(w, "spans           backend %s, warm-up included: started %d, exported %d, failed %d, dropped %d (expected %d)\n",
		backend, stats.Started, stats.Exported, stats.Failed, stats.Dropped, (completed+warm.done)*int64(1+5*cfg.tasks))
	if recv != nil && cfg.outage == "" {
		fmt.Fprintf(w, "receiver        %d spans received over OTLP/HTTP\n", received)
	}
	fmt.Fprintf(w, "goroutines      before %d, after %d\n", baseline, after)
	ok = failed == 0 && after <= baseline && completed == int64(cfg.n) && (ctl == nil || ctl.failed == 0)
	for _, e := range []error{warm.firstErr, res.firstErr} {
		if e != nil {
			fmt.Fprintf(w, "first error     %v\n", e)
			break
		}
	}
	if ctl != nil && ctl.firstErr != nil {
		fmt.Fprintf(w, "control error   %v\n", ctl.firstErr)
	}
	if after > baseline {
		fmt.Fprintln(w, "LEAK: goroutines did not come back to the baseline")
	}
	return ok, nil
}

// driven is what drive measured.
type driven struct {
	done, failed int64
	wall         time.Duration
	lat          []time.Duration // of the completed calls, sorted
	firstErr     error
}

// drive calls f n times, c at once (i from 0 to n-1), and measures each call
// and the whole. onDone, if not nil, is called after each call with the
// number done so far.
func drive(ctx context.Context, n, c int, f func(ctx context.Context, i int) error, onDone func(done int64)) driven {
	var (
		next, done, failed atomic.Int64
		lat                = make([]time.Duration, n)
		firstErr           atomic.Pointer[error]
		g                  errgroup.Group
	)
	start := time.Now()
	for range min(c, n) {
		g.Go(func() error {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) || ctx.Err() != nil {
					return nil
				}
				t0 := time.Now()
				err := f(ctx, int(i))
				lat[i] = time.Since(t0)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, &err)
				}
				d := done.Add(1)
				if onDone != nil {
					onDone(d)
				}
			}
		})
	}
	_ = g.Wait()
	r := driven{done: done.Load(), failed: failed.Load(), wall: time.Since(start)}
	if p := firstErr.Load(); p != nil {
		r.firstErr = *p
	}
	// The calls not started (ctx ended) have no latency.
	r.lat = lat[:0]
	for i := range lat {
		if lat[i] > 0 {
			r.lat = append(r.lat, lat[i])
		}
	}
	slices.Sort(r.lat)
	return r
}

// requestCapture keeps the first body of each of the two requests of the
// scripted exchange: the one that gets a tool call, and the one that gets
// the answer.
type requestCapture struct {
	full          atomic.Bool // both kept: nothing more to lock for
	mu            sync.Mutex
	first, second []byte
}

func (c *requestCapture) keep(answer bool, body []byte) {
	if c.full.Load() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case !answer && c.first == nil:
		c.first = bytes.Clone(body)
	case answer && c.second == nil:
		c.second = bytes.Clone(body)
	}
	c.full.Store(c.first != nil && c.second != nil)
}

// bodies returns the two bodies in exchange order, or nil when one is
// missing.
func (c *requestCapture) bodies() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.first == nil || c.second == nil {
		return nil
	}
	return [][]byte{c.first, c.second}
}

// plainExchange is the control's kickoff: the model requests of one
// kickoff, posted one after the other with net/http, each reply read whole
// and its status checked; no parsing, no agent, no events, no spans.
func plainExchange(ctx context.Context, hc *http.Client, baseURL string, bodies [][]byte) error {
	for _, body := range bodies {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/chat/completions", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer sk-harness-dummy")
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("control: HTTP %d", resp.StatusCode)
		}
	}
	return nil
}

const finalAnswer = "Go is a language."

// reply is the scripted exchange: ask for the search tool, then answer once
// its result is in.
func reply(req *llm.Request) llmtest.Reply {
	if n := len(req.Messages); n > 0 && req.Messages[n-1].Role == llm.RoleTool {
		return llmtest.Reply{Content: finalAnswer, Usage: llm.Usage{PromptTokens: 60, CompletionTokens: 6, TotalTokens: 66}}
	}
	return llmtest.Reply{ToolCalls: []llm.ToolCall{{ID: "call_1", Name: "search", Arguments: `{"query":"go"}`}},
		Usage: llm.Usage{PromptTokens: 50, CompletionTokens: 8, TotalTokens: 58}}
}

type searchIn struct {
	Query string `json:"query" desc:"What to search for"`
}

func newCrew(cfg config, model llm.LLM, tr *tracing.Tracer) *crew.Crew {
	tools := make([]tool.Tool, 0, cfg.tools)
	for i := 1; i < cfg.tools; i++ {
		tools = append(tools, tool.New(fmt.Sprintf("lookup_%d", i), "Look things up.",
			func(ctx context.Context, in searchIn) (string, error) { return "nothing", nil }))
	}
	tools = append(tools, tool.New("search", "Search the web.", func(ctx context.Context, in searchIn) (string, error) {
		return "Go: a language by Google, for " + in.Query, nil
	}))
	a := &agent.Agent{Role: "Researcher", Goal: "Find facts about {topic}", Backstory: "Curious and precise.",
		LLM: model, Tools: tools, MaxRetryLimit: -1}
	c := &crew.Crew{Name: "harness", Agents: []*agent.Agent{a}, Tracing: true, Tracer: tr, Bus: &event.Bus{}}
	for i := range cfg.tasks {
		c.Tasks = append(c.Tasks, &task.Task{Name: fmt.Sprintf("research_%d", i+1),
			Description: "Research {topic} and sum it up.", ExpectedOutput: "One sentence.", Agent: a})
	}
	return c
}

// writeHeapProfile writes the allocation profile (every allocation since
// the start, sampled) to path.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// heapLine reads the live heap after a GC, after done kickoffs (-1: at the
// end, everything closed).
func heapLine(done int64) string {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	at := fmt.Sprintf("heap at %-7d", done)
	if done < 0 {
		at = "heap at end   " // everything closed
	}
	return fmt.Sprintf("%s heap in use %.1f MiB, live %.1f MiB, goroutines %d",
		at, float64(m.HeapInuse)/(1<<20), float64(m.HeapAlloc)/(1<<20), runtime.NumGoroutine())
}

func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	i = min(max(i-1, 0), len(sorted)-1)
	return sorted[i].Round(100 * time.Microsecond)
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// vmHWM is the peak resident set size, from /proc/self/status (0 where
// there is none).
func vmHWM() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// settle waits (at most 5 s) for the goroutines to come back to baseline and
// returns their number.
func settle(baseline int) int {
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= baseline || time.Now().After(deadline) {
			return n
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// receiver is an OTLP/HTTP traces receiver on 127.0.0.1 that decodes and
// counts spans, or, hanging, accepts requests and never answers them until
// it is closed.
type receiver struct {
	addr  string
	srv   *http.Server
	spans atomic.Int64
	stop  chan struct{}
	done  chan struct{}
}

func startReceiver(hang bool) (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{addr: ln.Addr().String(), stop: make(chan struct{}), done: make(chan struct{})}
	r.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if hang {
			select {
			case <-r.stop:
			case <-req.Context().Done():
			}
			return
		}
		buf := bodyBufs.Get().(*bytes.Buffer)
		defer bodyBufs.Put(buf)
		buf.Reset()
		if _, err := buf.ReadFrom(io.LimitReader(req.Body, 64<<20)); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		n, err := countSpans(buf.Bytes())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.spans.Add(n)
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(exportResponse)
	})}
	go func() {
		defer close(r.done)
		if err := r.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "loadharness: receiver:", err)
		}
	}()
	return r, nil
}

// bodyBufs holds the receiver's request buffers, reused between requests
// so that the receiver, which shares the process with the kickoffs it
// measures, costs little.
var bodyBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// exportResponse is the receiver's answer to every export: an empty
// ExportTraceServiceResponse.
var exportResponse = func() []byte {
	b, err := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	if err != nil {
		panic(err)
	}
	return b
}()

// countSpans counts the spans of an OTLP ExportTraceServiceRequest in its
// protobuf form without decoding them (resource_spans = 1, scope_spans = 2,
// spans = 2), so that the receiver, which shares the process with the
// kickoffs it measures, costs little.
func countSpans(b []byte) (int64, error) {
	var n int64
	err := eachField(b, 1, func(rs []byte) error {
		return eachField(rs, 2, func(ss []byte) error {
			return eachField(ss, 2, func([]byte) error { n++; return nil })
		})
	})
	return n, err
}

// eachField calls fn with the value of every length-delimited field num of
// the message b, skipping the others.
func eachField(b []byte, num protowire.Number, fn func([]byte) error) error {
	for len(b) > 0 {
		fnum, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("bad protobuf tag: %w", protowire.ParseError(n))
		}
		b = b[n:]
		if fnum == num && typ == protowire.BytesType {
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return fmt.Errorf("bad protobuf field %d: %w", fnum, protowire.ParseError(n))
			}
			if err := fn(v); err != nil {
				return err
			}
			b = b[n:]
			continue
		}
		n = protowire.ConsumeFieldValue(fnum, typ, b)
		if n < 0 {
			return fmt.Errorf("bad protobuf field %d: %w", fnum, protowire.ParseError(n))
		}
		b = b[n:]
	}
	return nil
}

func (r *receiver) close() {
	select {
	case <-r.stop:
		return
	default:
	}
	close(r.stop)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.srv.Shutdown(ctx); err != nil {
		_ = r.srv.Close()
	}
	<-r.done
}

// closedPort returns a loopback address nobody listens on.
func closedPort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}
