package reliability

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/crewai-go/crewai/crew"
	"github.com/crewai-go/crewai/event"
	"github.com/crewai-go/crewai/internal/console"
	"github.com/crewai-go/crewai/llm"
	"github.com/crewai-go/crewai/llm/llmtest"
	"github.com/crewai-go/crewai/tracing"
)

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// secrets are unique random values set in the environment of a test.
type secrets struct {
	apiKey   string // OPENAI_API_KEY, sent as "Authorization: Bearer <apiKey>"
	fooKey   string // FOO_KEY
	barToken string // BAR_TOKEN
}

func setSecrets(t *testing.T) secrets {
	s := secrets{apiKey: "sk-proj-" + randomHex(t, 24), fooKey: "fookey" + randomHex(t, 12),
		barToken: "bartok" + randomHex(t, 12)}
	t.Setenv("OPENAI_API_KEY", s.apiKey)
	t.Setenv("FOO_KEY", s.fooKey)
	t.Setenv("BAR_TOKEN", s.barToken)
	return s
}

// needles are the strings none of the outputs may contain: each secret
// and, for the API key, its random part alone (a partly masked key is
// still a leak).
func (s secrets) needles() map[string]string {
	return map[string]string{
		"OPENAI_API_KEY":       s.apiKey,
		"OPENAI_API_KEY body":  strings.TrimPrefix(s.apiKey, "sk-proj-"),
		"Authorization header": "Bearer " + s.apiKey,
		"FOO_KEY":              s.fooKey,
		"BAR_TOKEN":            s.barToken,
	}
}

// sink collects everything a run produces that a person or a program may
// read, by name.
type sink struct {
	parts map[string]*syncBuf
}

func newSink(names ...string) *sink {
	s := &sink{parts: map[string]*syncBuf{}}
	for _, n := range names {
		s.parts[n] = &syncBuf{}
	}
	return s
}

func (s *sink) w(name string) *syncBuf { return s.parts[name] }

// search fails the test for every needle found in any part, and checks
// that every part is non-empty (a search of nothing proves nothing).
func (s *sink) search(t *testing.T, needles map[string]string, allowEmpty ...string) {
	t.Helper()
	for part, buf := range s.parts {
		text := buf.String()
		if text == "" && !contains(allowEmpty, part) {
			t.Errorf("%s is empty: nothing was searched there", part)
		}
		for what, needle := range needles {
			if i := strings.Index(text, needle); i >= 0 {
				lo, hi := max(0, i-80), min(len(text), i+len(needle)+80)
				t.Errorf("%s leaks %s: …%s…", part, what, text[lo:hi])
				if testing.Verbose() {
					t.Logf("%s:\n%s", part, text)
				}
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// serialiser is an event subscriber that writes every event with %+v and
// as JSON, and the text of every failure.
func serialiser(w io.Writer) event.Handler {
	return event.HandlerFunc(func(e event.Event) {
		fmt.Fprintf(w, "%s %+v\n", e.Kind(), e)
		if b, err := json.Marshal(e); err == nil {
			fmt.Fprintf(w, "%s\n", b)
		}
		if f := event.FailureOf(e); f != nil {
			fmt.Fprintf(w, "failure: %v | %+v | %#v\n", f.Err, f.Err, f.Err)
		}
	})
}

// readTree appends every file under dir to w and checks the modes: folders
// 0700, files 0600.
func readTree(t *testing.T, dir string, w io.Writer) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			if fi.Mode().Perm() != 0o700 {
				t.Errorf("traces folder %s has mode %v, want 0700", filepath.Base(path), fi.Mode().Perm())
			}
			return nil
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("trace file %s has mode %v, want 0600", d.Name(), fi.Mode().Perm())
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		_, err = w.Write(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSecretsNeverLeak runs traced crews whose API key comes from
// OPENAI_API_KEY, with FOO_KEY and BAR_TOKEN in the environment, once
// successfully and once failing on a 401 whose provider message echoes the
// key and the Authorization header (as some proxies do). The trace files
// (file backend), the warnings of the tracer and of the bus, the Verbose
// console output, every event (%+v and JSON), the kickoff errors (%v, %+v,
// %#v) and the printed client are then searched for the secrets: none may
// appear. The trace folder must be 0700 and its files 0600.
func TestSecretsNeverLeak(t *testing.T) {
	sec := setSecrets(t)
	out := newSink("trace files", "logs", "console", "events", "errors", "outputs")
	echo := "Incorrect API key provided: " + sec.apiKey + ". You sent Authorization: Bearer " + sec.apiKey
	rg := newRig(t, rigConfig{keyFromEnv: true,
		plan:    []llmtest.Reply{{Content: article}, {Fault: llmtest.FaultUnauthorized, Message: echo}},
		persist: true})
	dir := filepath.Join(t.TempDir(), "traces")
	logger := slog.New(slog.NewTextHandler(out.w("logs"), &slog.HandlerOptions{Level: slog.LevelDebug}))
	tr, err := tracing.New(tracing.WithFileDir(dir), tracing.WithNotice(out.w("logs")), tracing.WithLogger(logger),
		tracing.WithContentCapture(true))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tr.Shutdown(context.Background()) }()
	bus := &event.Bus{Logger: logger}
	defer bus.Subscribe(serialiser(out.w("events")))()
	// The Verbose printer, on the crew's bus (Crew.Verbose itself writes
	// to the process's stderr).
	defer bus.Subscribe(console.NewPlain(out.w("console")))()

	c := rg.newCrew(nil)
	c.Bus, c.Tracing, c.Tracer = bus, true, tr
	ctx := context.Background()
	for i := range 2 {
		res, err := kickoff(t, ctx, c)
		fmt.Fprintf(out.w("outputs"), "%+v\n", res)
		if i == 0 {
			if err != nil {
				t.Fatalf("first kickoff: %v", err)
			}
			continue
		}
		var le *llm.Error
		if !errors.As(err, &le) || !errors.Is(err, llm.ErrAuth) {
			t.Fatalf("second kickoff: want an ErrAuth *llm.Error, got %v", err)
		}
		var te *crew.TaskError
		if !errors.As(err, &te) {
			t.Fatalf("second kickoff: not a TaskError: %v", err)
		}
		fmt.Fprintf(out.w("errors"), "%%v: %v\n%%+v: %+v\n%%#v: %#v\nllm.Error %%#v: %#v\n", err, err, err, le)
		// The errors of the chain down to the llm.Error (what lies below
		// it is TestProviderErrorBelowLLMErrorIsRedacted's).
		for e := error(err); e != nil && e != error(le); e = errors.Unwrap(e) {
			fmt.Fprintf(out.w("errors"), "chain %T: %v\n", e, e)
		}
	}
	fmt.Fprintf(out.w("outputs"), "%v %+v %#v %s\n", rg.writer, rg.writer, rg.writer, rg.writer)
	if n := readTree(t, dir, out.w("trace files")); n != 2 {
		t.Errorf("%d trace files, want 2", n)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("traces folder: %v, %v", fi, err)
	}
	out.search(t, sec.needles())
	if !strings.Contains(out.w("errors").String(), "REDACTED") {
		t.Errorf("the provider's message that echoed the key is not shown redacted:\n%s", out.w("errors"))
	}
}

// TestSecretsInContentAreRedactedInTraces has the model echo the values of
// FOO_KEY and BAR_TOKEN and an "sk-" key in its reply (as a model that read
// them from a document might). The trace files must not contain them: the
// tracer masks the values of secret-named variables and key-shaped text.
// Events and outputs are the run's own data and carry the reply as given
// (see RELIABILITY.md).
func TestSecretsInContentAreRedactedInTraces(t *testing.T) {
	sec := setSecrets(t)
	leaky := "notes: FOO_KEY=" + sec.fooKey + " BAR_TOKEN=" + sec.barToken + " key " + sec.apiKey +
		" header Authorization: Bearer " + sec.apiKey
	rg := newRig(t, rigConfig{keyFromEnv: true, research: func(*llm.Request) llmtest.Reply {
		return llmtest.Reply{Content: facts + " " + leaky}
	}})
	dir := filepath.Join(t.TempDir(), "traces")
	logs := &syncBuf{}
	tr, err := tracing.New(tracing.WithFileDir(dir), tracing.WithNotice(logs),
		tracing.WithLogger(slog.New(slog.NewTextHandler(logs, nil))), tracing.WithContentCapture(true))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tr.Shutdown(context.Background()) }()
	c := rg.newCrew(nil)
	c.Tracing, c.Tracer = true, tr
	res, err := kickoff(t, context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Tasks[0].Raw, sec.fooKey) {
		t.Fatalf("the scenario is broken: the reply does not carry the secret: %q", res.Tasks[0].Raw)
	}
	out := newSink("trace files", "logs")
	readTree(t, dir, out.w("trace files"))
	out.w("logs").Write([]byte(logs.String()))
	out.search(t, sec.needles())
	if !strings.Contains(out.w("trace files").String(), "REDACTED") {
		t.Error("no [REDACTED] marker in the trace files")
	}
}

// TestOTLPAuthorizationHeaderNeverLogged exports to a loopback OTLP/HTTP
// receiver that needs an Authorization header given in
// OTEL_EXPORTER_OTLP_HEADERS, and that refuses it with a 401 whose body
// echoes the header. The warning the tracer logs, the run's result and
// error must not contain the header's value.
func TestOTLPAuthorizationHeaderNeverLogged(t *testing.T) {
	sec := setSecrets(t)
	token := "otlptok" + randomHex(t, 16)
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("Authorization")
		http.Error(w, "unauthorized: bad credentials "+r.Header.Get("Authorization"), http.StatusUnauthorized)
	}))
	defer srv.Close()
	for _, k := range []string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
		"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_SDK_DISABLED", "CREWAI_TRACING_ENABLED"} {
		t.Setenv(k, "")
	}
	t.Setenv("OTEL_TRACES_EXPORTER", "otlp")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", srv.URL)
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
	t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "Authorization=Bearer%20"+token)
	logs := &syncBuf{}
	tr, err := tracing.New(tracing.WithNotice(logs), tracing.WithLogger(slog.New(slog.NewTextHandler(logs, nil))),
		tracing.WithFlushTimeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	rg := newRig(t, rigConfig{keyFromEnv: true})
	c := rg.newCrew(nil)
	c.Tracing, c.Tracer = true, tr
	res, err := kickoff(t, context.Background(), c)
	if err != nil || res.Raw != article {
		t.Fatalf("the run was affected: %v, %+v", err, res)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = tr.Shutdown(ctx)
	if got != "Bearer "+token {
		t.Fatalf("the scenario is broken: the receiver got Authorization %q", got)
	}
	if !strings.Contains(logs.String(), "401") {
		t.Errorf("no warning about the 401:\n%s", logs)
	}
	out := newSink("logs", "outputs")
	out.w("logs").Write([]byte(logs.String()))
	fmt.Fprintf(out.w("outputs"), "%+v", res)
	needles := sec.needles()
	needles["OTLP Authorization header"] = token
	out.search(t, needles)
	t.Logf("warning: %s", logs)
}

// TestProviderErrorBelowLLMErrorIsRedacted checks the errors below the
// *llm.Error in a failed call's chain, as a caller reaches them with
// errors.As (to go-openai's *openai.APIError, say) or errors.Unwrap and
// logs them: when the provider's message echoed the API key, none of them
// may show it.
func TestProviderErrorBelowLLMErrorIsRedacted(t *testing.T) {
	sec := setSecrets(t)
	echo := "Incorrect API key provided: " + sec.apiKey + ". You sent Authorization: Bearer " + sec.apiKey
	rg := newRig(t, rigConfig{keyFromEnv: true, plan: []llmtest.Reply{{Fault: llmtest.FaultUnauthorized, Message: echo}}})
	_, err := kickoff(t, context.Background(), rg.newCrew(nil))
	if !errors.Is(err, llm.ErrAuth) {
		t.Fatalf("want ErrAuth, got %v", err)
	}
	out := newSink("unwrapped errors")
	for e := error(err); e != nil; e = errors.Unwrap(e) {
		fmt.Fprintf(out.w("unwrapped errors"), "%T: %v\n", e, e)
	}
	var api *openai.APIError
	if errors.As(err, &api) {
		fmt.Fprintf(out.w("unwrapped errors"), "errors.As *openai.APIError: %v | %q\n", api, api.Message)
	}
	out.search(t, sec.needles())
}

// TestOTLPHeaderValuesNeverLogged (issue 24 point 2): whatever the scheme
// (Basic, an API-key header, a Bearer token), values given in
// OTEL_EXPORTER_OTLP_HEADERS and echoed back by a refusing receiver in its
// error body are not in the tracer's warnings or notice.
func TestOTLPHeaderValuesNeverLogged(t *testing.T) {
	secret := "hdrval" + randomHex(t, 16)
	basic := base64.StdEncoding.EncodeToString([]byte("alice:" + secret))
	for _, tc := range []struct{ name, header string }{
		{"basic", "Authorization=Basic%20" + basic},
		{"api key", "x-api-key=" + secret},
		{"custom token header", "X-Honeycomb-Team=" + secret + ",x-other=plain"},
		{"bearer", "authorization=Bearer%20" + secret},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var b strings.Builder
				for k, v := range r.Header {
					fmt.Fprintf(&b, "%s: %s; ", k, v)
				}
				http.Error(w, "unauthorized: "+b.String(), http.StatusUnauthorized)
			}))
			defer srv.Close()
			for _, k := range []string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
				"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_SDK_DISABLED", "CREWAI_TRACING_ENABLED"} {
				t.Setenv(k, "")
			}
			t.Setenv("OTEL_TRACES_EXPORTER", "otlp")
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", srv.URL)
			t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
			t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", tc.header)
			logs := &syncBuf{}
			tr, err := tracing.New(tracing.WithNotice(logs), tracing.WithLogger(slog.New(slog.NewTextHandler(logs, nil))),
				tracing.WithFlushTimeout(2*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			rg := newRig(t, rigConfig{})
			c := rg.newCrew(nil)
			c.Tracing, c.Tracer = true, tr
			if _, err := kickoff(t, context.Background(), c); err != nil {
				t.Fatalf("the run was affected: %v", err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = tr.Shutdown(ctx)
			if !strings.Contains(logs.String(), "401") {
				t.Fatalf("no warning about the 401:\n%s", logs)
			}
			for _, s := range []string{secret, basic} {
				if strings.Contains(logs.String(), s) {
					t.Fatalf("a header value is in the warnings:\n%s", logs)
				}
			}
		})
	}
}
