package jaegertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// ToolPackage is the import path of the Jaeger command that the e2e module
// carries as a Go tool (see the tool directive in its go.mod).
const ToolPackage = "github.com/jaegertracing/jaeger/cmd/jaeger"

// jaegerModule is the module that provides ToolPackage.
const jaegerModule = "github.com/jaegertracing/jaeger"

// EnvBinary names an environment variable that, when set, is the path of a
// ready Jaeger v2 binary that [Binary] returns instead of building one.
const EnvBinary = "JAEGER_BIN"

// BuildOptions configures [Binary]. The zero value builds from the module that
// contains the current working directory into the user's cache directory.
// A plain value: reading it from several goroutines is safe; changing it
// while another goroutine reads it is not.
type BuildOptions struct {
	// ModuleDir is a directory inside the Go module whose go.mod carries
	// the Jaeger tool. Empty means the current working directory (a
	// package directory of the e2e module when run by go test).
	ModuleDir string
	// CacheDir is where built binaries are kept. Empty means
	// os.UserCacheDir()/crewai-go-e2e; when the machine has no user cache
	// directory, a fresh temporary directory is used (and the binary is
	// rebuilt on every run, which the Go build cache makes cheap after the
	// first).
	CacheDir string
	// Log receives progress lines (which binary, whether it is built).
	// Nil means no progress output.
	Log io.Writer
}

// Binary returns the path of an executable Jaeger v2 binary. When the
// environment variable JAEGER_BIN is set, its value is checked and returned.
// Otherwise the Jaeger tool of the module in opts.ModuleDir is built with
// "go build" into the cache directory, in a subdirectory named after the
// Jaeger version, the Go version and the platform, unless it is already
// there. The build is atomic (a temporary file renamed into place), so
// concurrent callers at worst build twice. Binary is safe for concurrent use.
func Binary(ctx context.Context, opts BuildOptions) (string, error) {
	logf := func(format string, args ...any) {
		if opts.Log != nil {
			fmt.Fprintf(opts.Log, "jaegertest: "+format+"\n", args...)
		}
	}
	if p := os.Getenv(EnvBinary); p != "" {
		st, err := os.Stat(p)
		if err != nil {
			return "", fmt.Errorf("jaegertest: %s=%q: %w", EnvBinary, p, err)
		}
		if st.IsDir() || st.Mode()&0o111 == 0 {
			return "", fmt.Errorf("jaegertest: %s=%q is not an executable file", EnvBinary, p)
		}
		logf("using %s=%s", EnvBinary, p)
		return p, nil
	}
	version, err := goOutput(ctx, opts.ModuleDir, "list", "-m", "-f", "{{.Version}}", jaegerModule)
	if err != nil {
		return "", fmt.Errorf("jaegertest: find the Jaeger version (is %s a tool of this module?): %w", ToolPackage, err)
	}
	goVersion, err := goOutput(ctx, opts.ModuleDir, "env", "GOVERSION")
	if err != nil {
		return "", fmt.Errorf("jaegertest: go env GOVERSION: %w", err)
	}
	cacheDir := opts.CacheDir
	if cacheDir == "" {
		if ucd, err := os.UserCacheDir(); err == nil {
			cacheDir = filepath.Join(ucd, "crewai-go-e2e")
		} else {
			tmp, err := os.MkdirTemp("", "crewai-go-e2e-")
			if err != nil {
				return "", fmt.Errorf("jaegertest: no user cache dir and no temp dir: %w", err)
			}
			cacheDir = tmp
		}
	}
	name := "jaeger"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	key := fmt.Sprintf("jaeger-%s-%s-%s-%s", version, goVersion, runtime.GOOS, runtime.GOARCH)
	dir := filepath.Join(cacheDir, key)
	bin := filepath.Join(dir, name)
	if st, err := os.Stat(bin); err == nil && st.Mode().IsRegular() {
		logf("using cached %s", bin)
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("jaegertest: create cache dir: %w", err)
	}
	tmp, err := os.CreateTemp(dir, name+".build-*")
	if err != nil {
		return "", fmt.Errorf("jaegertest: create build output: %w", err)
	}
	tmpName := tmp.Name()
	tmp.Close()
	defer os.Remove(tmpName) // no-op after a successful rename

	logf("building Jaeger %s into %s (the first build takes a few minutes)", version, bin)
	start := time.Now()
	cmd := exec.CommandContext(ctx, "go", "build", "-ldflags=-s -w", "-o", tmpName, ToolPackage)
	cmd.Dir = opts.ModuleDir
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("jaegertest: go build %s: %w\n%s", ToolPackage, err, out.Bytes())
	}
	if err := os.Rename(tmpName, bin); err != nil {
		return "", fmt.Errorf("jaegertest: move the built binary into place: %w", err)
	}
	logf("built Jaeger in %s", time.Since(start).Round(100*time.Millisecond))
	return bin, nil
}

func goOutput(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go %s: %w: %s", strings.Join(args, " "), err, bytes.TrimSpace(stderr.Bytes()))
	}
	s := strings.TrimSpace(string(out))
	if s == "" {
		return "", fmt.Errorf("go %s: empty output", strings.Join(args, " "))
	}
	return s, nil
}

// Options configures [Start]. The zero value builds (or reuses) the Jaeger
// binary with [Binary] and keeps Jaeger's files in a new temporary directory.
// A plain value: reading it from several goroutines is safe; changing it
// while another goroutine reads it is not.
type Options struct {
	// Binary is the Jaeger v2 executable. Empty means the result of
	// Binary(ctx, BuildOptions{}).
	Binary string
	// Dir holds the generated configuration and Jaeger's log. Empty means
	// a new temporary directory, removed by Stop.
	Dir string
	// MaxTraces caps the in-memory storage. Zero means 10000.
	MaxTraces int
	// StartTimeout bounds the wait for Jaeger to report healthy. Zero
	// means 60 seconds.
	StartTimeout time.Duration
	// StopTimeout is how long Stop waits after SIGTERM before it kills the
	// process group. Zero means 15 seconds.
	StopTimeout time.Duration
}

// Instance is a running Jaeger started by [Start]. Its fields are set by Start
// and must not be changed. Its methods are safe for concurrent use. The zero
// value is not a running Jaeger: its Running reports false, its PID is 0 and
// its Stop does nothing.
type Instance struct {
	// OTLPGRPC is the host:port of the OTLP/gRPC receiver.
	OTLPGRPC string
	// OTLPHTTP is the host:port of the OTLP/HTTP receiver.
	OTLPHTTP string
	// QueryURL is the base URL of the query service (HTTP API and UI),
	// for example "http://127.0.0.1:40123".
	QueryURL string
	// HealthURL is the URL of the health check endpoint.
	HealthURL string
	// LogPath is the file that receives Jaeger's output.
	LogPath string
	// Dir is the directory of the configuration and log files.
	Dir string

	cmd        *exec.Cmd
	logFile    *os.File
	removeDir  bool
	exited     chan struct{} // closed when the process has been waited for
	waitErr    error         // set before exited is closed
	stopOnce   sync.Once
	stopErr    error
	stopWait   time.Duration
	clientOnce sync.Once
	client     *Client
}

// ErrExited reports that the Jaeger process ended before it became healthy or
// before it was stopped.
var ErrExited = errors.New("jaegertest: jaeger exited")

// Start launches Jaeger with in-memory storage, every listener bound to
// 127.0.0.1 on a free port, and waits until its health check and its query
// API answer. The caller must call [Instance.Stop] (typically with t.Cleanup
// or a defer in TestMain). Start returns an error, and leaves no process
// behind, when the binary cannot be built or started or does not become
// healthy within opts.StartTimeout; when a chosen port was taken in the
// meantime it retries once with new ports.
func Start(ctx context.Context, opts Options) (*Instance, error) {
	if opts.MaxTraces < 0 {
		return nil, fmt.Errorf("jaegertest: Options.MaxTraces is %d; want 0 (default 10000) or more", opts.MaxTraces)
	}
	if opts.Binary == "" {
		bin, err := Binary(ctx, BuildOptions{})
		if err != nil {
			return nil, err
		}
		opts.Binary = bin
	}
	var lastErr error
	for attempt := 0; attempt < 2; attempt++ {
		inst, err := start(ctx, opts)
		if err == nil {
			return inst, nil
		}
		lastErr = err
		if !errors.Is(err, ErrExited) || ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

func start(ctx context.Context, opts Options) (*Instance, error) {
	ports, err := freePorts(5)
	if err != nil {
		return nil, err
	}
	inst := &Instance{
		OTLPGRPC:  ports[0],
		OTLPHTTP:  ports[1],
		QueryURL:  "http://" + ports[2],
		HealthURL: "http://" + ports[4] + "/status",
		Dir:       opts.Dir,
		exited:    make(chan struct{}),
		stopWait:  opts.StopTimeout,
	}
	if inst.stopWait == 0 {
		inst.stopWait = 15 * time.Second
	}
	if inst.Dir == "" {
		d, err := os.MkdirTemp("", "jaegertest-")
		if err != nil {
			return nil, fmt.Errorf("jaegertest: create dir: %w", err)
		}
		inst.Dir = d
		inst.removeDir = true
	}
	maxTraces := opts.MaxTraces
	if maxTraces == 0 {
		maxTraces = 10000
	}
	cfgPath := filepath.Join(inst.Dir, "jaeger.yaml")
	if err := os.WriteFile(cfgPath, []byte(config(ports, maxTraces)), 0o644); err != nil {
		inst.cleanupDir()
		return nil, fmt.Errorf("jaegertest: write config: %w", err)
	}
	inst.LogPath = filepath.Join(inst.Dir, "jaeger.log")
	logFile, err := os.Create(inst.LogPath)
	if err != nil {
		inst.cleanupDir()
		return nil, fmt.Errorf("jaegertest: create log: %w", err)
	}
	inst.logFile = logFile

	if err := inst.launch(opts.Binary, cfgPath); err != nil {
		logFile.Close()
		inst.cleanupDir()
		return nil, err
	}

	timeout := opts.StartTimeout
	if timeout == 0 {
		timeout = 60 * time.Second
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := inst.waitReady(wctx); err != nil {
		logTail := inst.LogTail(40)
		_ = inst.Stop()
		return nil, fmt.Errorf("%w\njaeger log (last lines):\n%s", err, logTail)
	}
	return inst, nil
}

// launch starts the binary with the configuration file, its output going to
// inst.logFile, and a goroutine that waits for it and closes inst.exited.
func (inst *Instance) launch(binary, cfgPath string) error {
	// Not CommandContext: the process must outlive a start context and is
	// ended only by Stop (or, on Linux, by the death of this process).
	cmd := exec.Command(binary, "--config="+cfgPath)
	cmd.Dir = inst.Dir
	cmd.Stdout = inst.logFile
	cmd.Stderr = inst.logFile
	cmd.Env = os.Environ()
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("jaegertest: start %s: %w", binary, err)
	}
	inst.cmd = cmd
	go func() { // owned by inst: Stop waits for exited
		inst.waitErr = cmd.Wait()
		close(inst.exited)
	}()
	return nil
}

// config returns Jaeger's configuration: OTLP receivers, memory storage, the
// query extension and the health check, all on the given loopback ports.
// There is no batch processor, so accepted spans are stored before the OTLP
// request is answered.
func config(ports []string, maxTraces int) string {
	return fmt.Sprintf(`# Generated by jaegertest: every listener on 127.0.0.1.
service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp]
      processors: []
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: info

extensions:
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: %d
  jaeger_query:
    storage:
      traces: memstore
    enable_tracing: false
    http:
      endpoint: %s
    grpc:
      endpoint: %s
  healthcheckv2:
    use_v2: true
    http:
      endpoint: %s

receivers:
  otlp:
    protocols:
      grpc:
        endpoint: %s
      http:
        endpoint: %s

exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`, maxTraces, ports[2], ports[3], ports[4], ports[0], ports[1])
}

// freePorts reserves n distinct free TCP ports on 127.0.0.1 and releases them
// for the caller to use at once.
func freePorts(n int) ([]string, error) {
	ls := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	out := make([]string, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("jaegertest: find a free port: %w", err)
		}
		ls = append(ls, l)
		out = append(out, l.Addr().String())
	}
	return out, nil
}

func (inst *Instance) waitReady(ctx context.Context) error {
	hc := &http.Client{Timeout: 2 * time.Second}
	probe := func(url string) bool {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return false
		}
		resp, err := hc.Do(req)
		if err != nil {
			return false
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if probe(inst.HealthURL) && probe(inst.QueryURL+"/api/services") {
			return nil
		}
		select {
		case <-inst.exited:
			return fmt.Errorf("%w before it became healthy: %v", ErrExited, inst.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("jaegertest: jaeger not healthy at %s: %w", inst.HealthURL, ctx.Err())
		case <-tick.C:
		}
	}
}

// Client returns a query API client for this instance. It is created once
// and shared.
func (inst *Instance) Client() *Client {
	inst.clientOnce.Do(func() { inst.client = &Client{BaseURL: inst.QueryURL} })
	return inst.client
}

// OTLPEnv returns the environment entries ("KEY=value") that point an
// OpenTelemetry SDK's OTLP trace exporter at this instance with the given
// protocol: "http/protobuf", "http/json" or "grpc". Any other protocol is an
// error.
func (inst *Instance) OTLPEnv(protocol string) ([]string, error) {
	var endpoint string
	switch protocol {
	case "http/protobuf", "http/json":
		endpoint = "http://" + inst.OTLPHTTP
	case "grpc":
		endpoint = "http://" + inst.OTLPGRPC
	default:
		return nil, fmt.Errorf("jaegertest: OTLP protocol %q; want http/protobuf, http/json or grpc", protocol)
	}
	return []string{
		"OTEL_EXPORTER_OTLP_ENDPOINT=" + endpoint,
		"OTEL_EXPORTER_OTLP_PROTOCOL=" + protocol,
	}, nil
}

// PID returns the process ID of Jaeger.
func (inst *Instance) PID() int {
	if inst.cmd == nil {
		return 0
	}
	return inst.cmd.Process.Pid
}

// Running reports whether the Jaeger process is still running.
func (inst *Instance) Running() bool {
	if inst.cmd == nil {
		return false
	}
	select {
	case <-inst.exited:
		return false
	default:
		return true
	}
}

// LogTail returns up to the last n lines of Jaeger's log.
func (inst *Instance) LogTail(n int) string {
	b, err := os.ReadFile(inst.LogPath)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", inst.LogPath, err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Stop ends Jaeger: SIGTERM to its process group, then SIGKILL if it has not
// exited within Options.StopTimeout; it waits for the process, closes the log
// and removes the directory Start created. It returns an error only when the
// process could not be ended. Calling Stop again returns the first result.
func (inst *Instance) Stop() error {
	inst.stopOnce.Do(func() {
		if inst.cmd == nil {
			return
		}
		if inst.Running() {
			if err := terminate(inst.cmd); err != nil && inst.Running() {
				inst.stopErr = fmt.Errorf("jaegertest: stop jaeger (pid %d): %w", inst.cmd.Process.Pid, err)
			}
			select {
			case <-inst.exited:
			case <-time.After(inst.stopWait):
				if err := kill(inst.cmd); err != nil && inst.Running() {
					inst.stopErr = fmt.Errorf("jaegertest: kill jaeger (pid %d): %w", inst.cmd.Process.Pid, err)
				}
				<-inst.exited
			}
		}
		// Kill whatever the group still holds (Jaeger starts no children
		// today; this keeps it so).
		_ = killGroup(inst.cmd)
		inst.logFile.Close()
		inst.cleanupDir()
	})
	return inst.stopErr
}

func (inst *Instance) cleanupDir() {
	if inst.removeDir {
		os.RemoveAll(inst.Dir)
	}
}
