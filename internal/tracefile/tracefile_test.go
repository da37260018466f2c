package tracefile_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"go.uber.org/goleak"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/crewai-go/crewai/internal/otlpjson"
	"github.com/crewai-go/crewai/internal/pricing"
	"github.com/crewai-go/crewai/internal/tracefile"
	"github.com/crewai-go/crewai/internal/tracefile/tracefiletest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var base = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func writeCrew(t *testing.T, dir, seed string, start time.Time, o tracefiletest.CrewOptions) string {
	t.Helper()
	id := tracefiletest.TraceID(seed)
	if _, err := tracefiletest.WriteFile(dir, id, tracefiletest.Crew(id, start, o)...); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestReadCrewTrace(t *testing.T) {
	dir := t.TempDir()
	id := writeCrew(t, dir, "a", base, tracefiletest.CrewOptions{})
	tr, err := tracefile.ReadFile(filepath.Join(dir, id+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if tr.ID != id || len(tr.Requests) != 2 || len(tr.Spans) != 10 || len(tr.Roots) != 1 {
		t.Fatalf("id=%s requests=%d spans=%d roots=%d", tr.ID, len(tr.Requests), len(tr.Spans), len(tr.Roots))
	}
	var names []string
	for _, s := range tr.Spans {
		names = append(names, strings.Repeat(" ", s.Depth)+s.Name)
	}
	want := []string{
		"invoke_workflow research_crew",
		" execute_task research",
		"  invoke_agent Researcher",
		"   chat gpt-4o-mini",
		"   execute_tool search",
		"   execute_tool search",
		"   chat gpt-4o-mini",
		" execute_task write",
		"  invoke_agent Writer",
		"   chat gpt-4o-mini",
	}
	if strings.Join(names, "\n") != strings.Join(want, "\n") {
		t.Fatalf("tree:\n%s", strings.Join(names, "\n"))
	}
	if tr.Duration() != 2530*time.Millisecond || !tr.Start.Equal(base) {
		t.Fatalf("start %v duration %v", tr.Start, tr.Duration())
	}
	chat := tr.Spans[3]
	if chat.Kind != "CLIENT" || chat.Agent() != "Researcher" || chat.Model() != "gpt-4o-mini-2024-07-18" {
		t.Fatalf("chat span: kind %s agent %s model %s", chat.Kind, chat.Agent(), chat.Model())
	}
	if u := chat.Usage(); u.PromptTokens != 1200 || u.CompletionTokens != 80 || u.TotalTokens != 1280 || u.Requests != 1 {
		t.Fatalf("usage %+v", u)
	}
	tool := tr.Spans[4]
	if !tool.Failed() || tool.ErrorMessage() != "tool search: query must not be empty" {
		t.Fatalf("tool error: %v %q", tool.Failed(), tool.ErrorMessage())
	}
	if tr.Span(tool.SpanID) != tool || tr.Span("nope") != nil {
		t.Fatal("Span lookup")
	}
}

func TestSummaryAndTotals(t *testing.T) {
	dir := t.TempDir()
	id := writeCrew(t, dir, "a", base, tracefiletest.CrewOptions{})
	tr, err := tracefile.ReadFile(filepath.Join(dir, id+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	s := tr.Summary(nil)
	// prompt 1200+2000+900, completion 80+300+400, cached 1024 (gpt-4o-mini: 0.15 / 0.075 / 0.60)
	wantCost := ((4100-1024)*0.15 + 1024*0.075 + 780*0.60) / 1e6
	if s.Name != "research_crew" || s.Spans != 10 || s.Usage.PromptTokens != 4100 || s.Usage.CompletionTokens != 780 ||
		s.Usage.TotalTokens != 4880 || s.Usage.Requests != 3 || !s.CostKnown || math.Abs(s.Cost-wantCost) > 1e-12 ||
		s.Status != "ok" || s.ErrorSpans != 1 {
		t.Fatalf("summary %+v (want cost %v)", s, wantCost)
	}
	agents, models := tr.Totals(nil)
	if len(agents) != 2 || agents[0].Name != "Researcher" || agents[0].Calls != 2 || agents[1].Name != "Writer" || agents[1].Usage.TotalTokens != 1300 {
		t.Fatalf("agents %+v", agents)
	}
	if len(models) != 1 || models[0].Name != "gpt-4o-mini-2024-07-18" || models[0].Calls != 3 || math.Abs(models[0].Cost-wantCost) > 1e-12 {
		t.Fatalf("models %+v", models)
	}

	// Unknown model: tokens, but no cost anywhere.
	id2 := writeCrew(t, dir, "b", base, tracefiletest.CrewOptions{Model: "llama3.1:8b", Fail: true})
	tr2, err := tracefile.ReadFile(filepath.Join(dir, id2+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	s2 := tr2.Summary(pricing.Default())
	if s2.CostKnown || s2.Cost != 0 || s2.Usage.TotalTokens != 4880 || s2.Status != "error" || !strings.Contains(s2.Error, "context window") {
		t.Fatalf("summary %+v", s2)
	}
	_, models2 := tr2.Totals(nil)
	if models2[0].CostKnown || models2[0].Cost != 0 {
		t.Fatalf("models %+v", models2)
	}
}

func TestCostAttributeWins(t *testing.T) {
	id := tracefiletest.TraceID("c")
	req := tracefiletest.Request(id, base, tracefiletest.Spec{ID: "c", Name: "chat custom", Client: true, End: time.Second, Attrs: map[string]any{
		"gen_ai.request.model": "my-model", "gen_ai.usage.input_tokens": 10, "llm.cost.total": 0.25}})
	tr, err := tracefile.Read(bytes.NewReader(tracefiletest.Lines(req)))
	if err != nil {
		t.Fatal(err)
	}
	if s := tr.Summary(nil); !s.CostKnown || s.Cost != 0.25 || s.Name != "custom" {
		t.Fatalf("%+v", s)
	}
}

// A recorded llm.cost.total that is negative, infinite or NaN (a corrupt or
// foreign file) is ignored: the cost comes from the price table, or is
// unknown; negative token counts give no cost.
func TestBadCostAttributeIgnored(t *testing.T) {
	for _, tc := range []struct {
		name  string
		attrs map[string]any
		cost  float64
		known bool
	}{
		{"infinite cost, known model", map[string]any{"gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": 1_000_000, "llm.cost.total": math.Inf(1)}, 0.15, true},
		{"negative cost, known model", map[string]any{"gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": 1_000_000, "llm.cost.total": -3.0}, 0.15, true},
		{"NaN cost, unknown model", map[string]any{"gen_ai.request.model": "my-model", "gen_ai.usage.input_tokens": 10, "llm.cost.total": math.NaN()}, 0, false},
		{"negative tokens", map[string]any{"gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": -1000}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := tracefiletest.TraceID(tc.name)
			req := tracefiletest.Request(id, base, tracefiletest.Spec{ID: "c", Name: "chat x", Client: true, End: time.Second, Attrs: tc.attrs})
			tr, err := tracefile.Read(bytes.NewReader(tracefiletest.Lines(req)))
			if err != nil {
				t.Fatal(err)
			}
			s := tr.Summary(nil)
			if s.CostKnown != tc.known || math.Abs(s.Cost-tc.cost) > 1e-9 {
				t.Fatalf("cost %v (known %v), want %v (known %v)", s.Cost, s.CostKnown, tc.cost, tc.known)
			}
		})
	}
}

func TestHexIDsAccepted(t *testing.T) {
	id := tracefiletest.TraceID("hex")
	reqs := tracefiletest.Crew(id, base, tracefiletest.CrewOptions{})
	var buf bytes.Buffer
	for _, r := range reqs {
		b, err := otlpjson.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(`"traceId":"`+id+`"`)) {
			t.Fatalf("trace ID not hex in %s", b[:200])
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	tr, err := tracefile.Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if tr.ID != id || len(tr.Roots) != 1 || len(tr.Spans) != 10 {
		t.Fatalf("hex read: %s roots %d spans %d", tr.ID, len(tr.Roots), len(tr.Spans))
	}
	// The stored requests carry the real ID bytes, equal to the originals.
	for i := range reqs {
		if !proto.Equal(tr.Requests[i], reqs[i]) {
			t.Fatalf("request %d: IDs not restored", i)
		}
	}
}

func TestMergedRoundTrip(t *testing.T) {
	id := tracefiletest.TraceID("m")
	reqs := tracefiletest.Crew(id, base, tracefiletest.CrewOptions{})
	tr, err := tracefile.Read(bytes.NewReader(tracefiletest.Lines(reqs...)))
	if err != nil {
		t.Fatal(err)
	}
	m := tr.Merged()
	if len(m.ResourceSpans) != 2 {
		t.Fatalf("merged %d", len(m.ResourceSpans))
	}
	b, err := otlpjson.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	tr2, err := tracefile.Read(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if len(tr2.Spans) != 10 || tr2.ID != id {
		t.Fatal("round trip lost spans")
	}
	if !proto.Equal(tr.Requests[0], reqs[0]) {
		t.Fatal("stored request differs")
	}
}

func TestBadFiles(t *testing.T) {
	id := tracefiletest.TraceID("x")
	good := tracefiletest.Lines(tracefiletest.Crew(id, base, tracefiletest.CrewOptions{})...)
	other := tracefiletest.Lines(tracefiletest.Crew(tracefiletest.TraceID("y"), base, tracefiletest.CrewOptions{})[0])
	tests := []struct {
		name, data, want string
	}{
		{"empty", "", "holds no span"},
		{"blank lines", "\n\n", "holds no span"},
		{"not json", "hello\n", "line 1: not an OTLP JSON export request"},
		{"foreign json", `{"foo": 1}` + "\n", "holds no span"},
		{"bad line before the last", string(good[:len(good)-40]) + "\n" + string(good), "line 2: not an OTLP JSON export request"},
		{"two traces", string(good) + string(other), "two traces"},
		{"bad id", `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"AAE=","spanId":"AAAAAAAAAAE=","name":"x"}]}]}]}`, "invalid trace or span ID"},
		{"zero id", `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"AAAAAAAAAAAAAAAAAAAAAA==","spanId":"AAAAAAAAAAE=","name":"x"}]}]}]}`, "invalid trace or span ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tracefile.Read(strings.NewReader(tt.data))
			var fe *tracefile.FormatError
			if err == nil || !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	// A file whose name says another trace.
	dir := t.TempDir()
	wrong := filepath.Join(dir, tracefiletest.TraceID("z")+".jsonl")
	if err := os.WriteFile(wrong, good, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := tracefile.ReadFile(wrong); err == nil || !strings.Contains(err.Error(), "not the trace") || !strings.Contains(err.Error(), wrong) {
		t.Fatalf("wrong name: %v", err)
	}
}

func TestListSkipsAndSorts(t *testing.T) {
	dir := t.TempDir()
	older := writeCrew(t, dir, "old", base, tracefiletest.CrewOptions{Name: "old_crew"})
	newer := writeCrew(t, dir, "new", base.Add(time.Hour), tracefiletest.CrewOptions{Name: "new_crew"})
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, tracefiletest.TraceID("corrupt")+".jsonl"), []byte("{garbage\n"), 0o600))
	must(os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hello"), 0o600))
	must(os.WriteFile(filepath.Join(dir, ".hidden"), []byte("x"), 0o600))
	must(os.Mkdir(filepath.Join(dir, "sub"), 0o700))
	before := snapshot(t, dir)

	sums, skipped, err := tracefile.List(dir, nil)
	must(err)
	if len(sums) != 2 || sums[0].ID != newer || sums[1].ID != older || sums[0].Name != "new_crew" {
		t.Fatalf("sums %+v", sums)
	}
	if len(skipped) != 2 {
		t.Fatalf("skipped %v", skipped)
	}
	var msgs []string
	for _, e := range skipped {
		var se *tracefile.SkipError
		if !errors.As(e, &se) {
			t.Fatalf("not a SkipError: %v", e)
		}
		msgs = append(msgs, e.Error())
	}
	joined := strings.Join(msgs, "\n")
	if !strings.Contains(joined, "notes.txt") || !strings.Contains(joined, tracefiletest.TraceID("corrupt")) || strings.Count(joined, dir) != 2 {
		t.Fatalf("warnings:\n%s", joined)
	}
	if after := snapshot(t, dir); after != before {
		t.Fatal("List changed the folder")
	}

	if sums, skipped, err := tracefile.List(filepath.Join(dir, "missing"), nil); err != nil || len(sums) != 0 || len(skipped) != 0 {
		t.Fatalf("missing dir: %v %v %v", sums, skipped, err)
	}
}

func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		b.WriteString(p + " " + info.Mode().String() + " " + info.ModTime().String() + "\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	ids := []string{"abc00000000000000000000000000001", "abc00000000000000000000000000002", "def00000000000000000000000000003"}
	for _, id := range ids {
		if err := os.WriteFile(filepath.Join(dir, id+".jsonl"), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if p, err := tracefile.Resolve(dir, "DEF"); err != nil || filepath.Base(p) != ids[2]+".jsonl" {
		t.Fatalf("unique: %v %v", p, err)
	}
	if p, err := tracefile.Resolve(dir, ids[0]); err != nil || filepath.Base(p) != ids[0]+".jsonl" {
		t.Fatalf("full: %v %v", p, err)
	}
	_, err := tracefile.Resolve(dir, "abc")
	var amb *tracefile.AmbiguousError
	if !errors.As(err, &amb) || len(amb.Matches) != 2 || !strings.Contains(err.Error(), ids[0]) || !strings.Contains(err.Error(), ids[1]) {
		t.Fatalf("ambiguous: %v", err)
	}
	var nf *tracefile.NotFoundError
	if _, err := tracefile.Resolve(dir, "0123"); !errors.As(err, &nf) {
		t.Fatalf("not found: %v", err)
	}
	for _, bad := range []string{"", "xyz", "../etc", strings.Repeat("a", 33)} {
		if _, err := tracefile.Resolve(dir, bad); err == nil || !strings.Contains(err.Error(), "hexadecimal") {
			t.Fatalf("bad %q: %v", bad, err)
		}
	}
}

func TestParseMessages(t *testing.T) {
	in := `[{"role":"assistant","parts":[{"type":"text","content":"<script>x</script>"},{"type":"tool_call","id":"c1","name":"search","arguments":{"q":"a"}}],"finish_reason":"tool_calls"},{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","response":"ok"}]},{"role":"user","parts":[{"type":"image","uri":"x"}]}]`
	msgs, err := tracefile.ParseMessages(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 3 || msgs[0].Parts[0].Content != "<script>x</script>" || msgs[0].Parts[1].Name != "search" ||
		string(msgs[0].Parts[1].Arguments) != `{"q":"a"}` || string(msgs[1].Parts[0].Response) != `"ok"` || msgs[2].Parts[0].Raw == nil {
		b, _ := json.Marshal(msgs)
		t.Fatalf("%s", b)
	}
	if _, err := tracefile.ParseMessages(`{"role":"x"}`); err == nil {
		t.Fatal("want error")
	}
}

func TestDir(t *testing.T) {
	t.Setenv(tracefile.EnvDir, "")
	if tracefile.Dir() != tracefile.DefaultDir {
		t.Fatal(tracefile.Dir())
	}
	t.Setenv(tracefile.EnvDir, "elsewhere")
	if tracefile.Dir() != "elsewhere" {
		t.Fatal(tracefile.Dir())
	}
}

func FuzzReadTraceFile(f *testing.F) {
	id := tracefiletest.TraceID("f")
	f.Add(tracefiletest.Lines(tracefiletest.Crew(id, base, tracefiletest.CrewOptions{Fail: true})...))
	f.Add([]byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","parentSpanId":"0102030405060708","name":"x"}]}]}]}`))
	f.Add([]byte("{}\n{\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := tracefile.Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		if len(tr.Spans) == 0 || len(tr.Roots) == 0 || len(tr.ID) != 32 {
			t.Fatalf("accepted trace with %d spans %d roots id %q", len(tr.Spans), len(tr.Roots), tr.ID)
		}
		seen := map[*tracefile.Span]bool{}
		for _, s := range tr.Spans {
			if seen[s] {
				t.Fatal("span listed twice")
			}
			seen[s] = true
		}
		s := tr.Summary(pricing.Default())
		// The streamed summary agrees with the built trace's.
		path := filepath.Join(t.TempDir(), tr.ID+".jsonl")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		streamed, err := tracefile.SummarizeFile(context.Background(), path, pricing.Default())
		if err != nil {
			t.Fatalf("SummarizeFile refused what Read accepted: %v", err)
		}
		want := s
		want.Path = path
		sameSummary(t, streamed, want)
		if s.CostKnown && (s.Cost < 0 || math.IsNaN(s.Cost) || math.IsInf(s.Cost, 0)) {
			t.Fatalf("summary of an accepted trace: cost %v", s.Cost)
		}
		tr.Totals(pricing.Default())
		// What the viewer and the crewai command read of every span.
		for _, sp := range tr.Spans {
			_, _, _, _ = sp.Duration(), sp.Op(), sp.ErrorMessage(), sp.Agent()
			_, _ = sp.Model(), sp.Usage()
			if c, ok := sp.Cost(pricing.Default()); ok && (c < 0 || math.IsNaN(c) || math.IsInf(c, 0)) {
				t.Fatalf("span %q: cost %v", sp.Name, c)
			}
			_, _ = tracefile.ParseMessages(sp.Str("gen_ai.input.messages"))
			for _, a := range sp.Attributes {
				_ = tracefile.FormatValue(a.Value)
			}
		}
		if _, err := otlpjson.Marshal(tr.Merged()); err != nil {
			t.Fatal(err)
		}
		_ = protojson.Format(&coltracepb.ExportTraceServiceRequest{})
	})
}

func TestCache(t *testing.T) {
	dir := t.TempDir()
	a := writeCrew(t, dir, "a", base, tracefiletest.CrewOptions{Name: "first"})
	if err := os.WriteFile(filepath.Join(dir, "junk.txt"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var c tracefile.Cache
	sums, skipped, err := c.List(dir, nil)
	if err != nil || len(sums) != 1 || len(skipped) != 1 || sums[0].Name != "first" {
		t.Fatalf("%v %v %v", sums, skipped, err)
	}
	// Rewrite the file with another crew name (and a later mtime): re-read.
	pa := filepath.Join(dir, a+".jsonl")
	if _, err := tracefiletest.WriteFile(dir, a, tracefiletest.Crew(a, base, tracefiletest.CrewOptions{Name: "renamed-crew"})...); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(pa, later, later); err != nil {
		t.Fatal(err)
	}
	b := writeCrew(t, dir, "b", base.Add(time.Minute), tracefiletest.CrewOptions{Name: "second"})
	sums, _, _ = c.List(dir, nil)
	if len(sums) != 2 || sums[0].ID != b || sums[1].Name != "renamed-crew" {
		t.Fatalf("%+v", sums)
	}
	// Same as an uncached listing.
	plain, _, _ := tracefile.List(dir, nil)
	if fmt.Sprint(plain) != fmt.Sprint(sums) {
		t.Fatalf("cache differs:\n%v\n%v", plain, sums)
	}
	// A removed file disappears.
	if err := os.Remove(pa); err != nil {
		t.Fatal(err)
	}
	sums, _, _ = c.List(dir, nil)
	if len(sums) != 1 || sums[0].ID != b {
		t.Fatalf("%+v", sums)
	}
}

// FuzzParseMessages feeds arbitrary text to ParseMessages, which decodes the
// gen_ai.input.messages / gen_ai.output.messages attributes (model-written
// text) for the viewer: it never panics, and what it accepts is a list whose
// parts of an unknown type keep their raw JSON and which encodes again.
func FuzzParseMessages(f *testing.F) {
	f.Add(tracefiletest.Messages("user", "hello <script>x</script>"))
	f.Add(`[{"role":"assistant","parts":[{"type":"tool_call","id":"c1","name":"search","arguments":{"q":"a"}}],"finish_reason":"tool_calls"}]`)
	f.Add(`[{"role":"tool","parts":[{"type":"tool_call_response","id":"c1","result":[1,2]}]},{"role":"user","parts":[{"type":"image","uri":"x"}]}]`)
	f.Add(`[{"role":"user","parts":[{"type":"text","content":{"not":"a string"}}]}]`)
	f.Add(`[{"parts":[null, 1]}]`)
	f.Add(`{"role":"x"}`)
	f.Add(``)
	f.Fuzz(func(t *testing.T, s string) {
		msgs, err := tracefile.ParseMessages(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "tracefile: ") {
				t.Fatalf("error without the package prefix: %v", err)
			}
			return
		}
		for _, m := range msgs {
			for _, p := range m.Parts {
				known := p.Type == "text" || p.Type == "tool_call" || p.Type == "tool_call_response" || p.Type == "reasoning"
				if known == (p.Raw != nil) {
					t.Fatalf("part of type %q: raw %q", p.Type, p.Raw)
				}
			}
		}
		if _, err := json.Marshal(msgs); err != nil {
			t.Fatalf("accepted messages do not encode: %v", err)
		}
	})
}

// FuzzResolve feeds arbitrary trace IDs to Resolve and Load, which take the
// ID argument of the crewai command and the {id} of the viewer's URLs: they
// never panic, never name a file outside the folder, and refuse anything
// but 1 to 32 hex digits with an error naming the ID.
func FuzzResolve(f *testing.F) {
	dir := f.TempDir()
	id := tracefiletest.TraceID("resolve")
	if _, err := tracefiletest.WriteFile(dir, id, tracefiletest.Crew(id, base, tracefiletest.CrewOptions{})...); err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{id, id[:4], strings.ToUpper(id[:6]), "", "zz", "../" + id, id + "0", " " + id[:3] + " ", "%2e%2e"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		path, err := tracefile.Resolve(dir, in)
		if err != nil {
			var nf *tracefile.NotFoundError
			if !errors.As(err, &nf) && !strings.Contains(err.Error(), fmt.Sprintf("%q", in)) {
				t.Fatalf("error does not name the ID %q: %v", in, err)
			}
			return
		}
		if filepath.Dir(path) != dir || path != filepath.Join(dir, id+tracefile.Ext) {
			t.Fatalf("Resolve(%q) = %q, outside the folder's one trace", in, path)
		}
		tr, err := tracefile.Load(dir, in)
		if err != nil || tr.ID != id {
			t.Fatalf("Load(%q): %v", in, err)
		}
	})
}
