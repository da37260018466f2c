package tracing

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/crewai-go/crewai/chat"
	"github.com/crewai-go/crewai/event"
)

// exported returns every string of the exported spans: names, attribute
// values, event names and event attribute values.
func exportedText(spans tracetest.SpanStubs) string {
	var b strings.Builder
	for _, s := range spans {
		b.WriteString(s.Name + "\n")
		for _, a := range s.Attributes {
			b.WriteString(a.Value.String() + "\n")
		}
		for _, e := range s.Events {
			b.WriteString(e.Name + "\n")
			for _, a := range e.Attributes {
				b.WriteString(a.Value.String() + "\n")
			}
		}
		b.WriteString(s.Status.Description + "\n")
	}
	return b.String()
}

// streamRun emits a crew with one agent whose model call streams chunks.
func streamRun(tr *Tracer, role, model string, chunks []string) {
	ctx := event.StartRun(context.Background(), &event.Bus{})
	ctx, finish := Attach(ctx, tr, Requested(true))
	defer finish()
	cctx, cst := event.Begin(ctx, event.CrewStarted{Crew: "crew of " + role, Process: "sequential"})
	tctx, tst := event.Begin(cctx, event.TaskStarted{Task: "task for " + role, Description: "d", Agent: role})
	actx, ast := event.Begin(tctx, event.AgentStarted{Role: role, Model: model, Attempt: 1})
	lctx, lst := event.Begin(actx, event.LLMCallStarted{Model: model, Stream: true, Agent: role,
		Messages: []chat.Message{{Role: "user", Content: "hi"}}})
	for _, c := range chunks {
		event.Emit(lctx, event.LLMStreamChunk{Model: model, Chunk: c})
	}
	reply := strings.Join(chunks, "")
	event.End(lst, event.LLMCallCompleted{Model: model, Content: reply, FinishReason: "stop"})
	event.End(ast, event.AgentCompleted{Role: role, Output: reply})
	event.End(tst, event.TaskCompleted{Task: "task for " + role, Agent: role, Output: reply})
	event.End(cst, event.CrewCompleted{Crew: "crew of " + role, Output: reply})
}

// TestStreamedSecretNeverRecorded (issue 24 point 1): a key split across
// stream chunks ("sk-pro" | "j-...") is in no span: chunk events carry
// offsets and sizes, the reply is scrubbed whole.
func TestStreamedSecretNeverRecorded(t *testing.T) {
	const random = "Zq7WvX3kP9mB2nL5tR8yH4"
	t.Setenv("FUZZ_STREAM_TOKEN", "tok-"+random)
	tr, exp, _ := newMemTracer(t)
	chunks := []string{"Here is the key: sk-pro", "j-" + random[:9], random[9:] + " and tok-", random, " end."}
	streamRun(tr, "Writer", "gpt-4o-mini", chunks)
	text := exportedText(exp.GetSpans())
	if !strings.Contains(text, "crewai.llm.stream_chunk") {
		t.Fatalf("no chunk events:\n%s", text)
	}
	for i := 0; i+5 <= len(random); i++ {
		if piece := random[i : i+5]; strings.Contains(text, piece) {
			t.Fatalf("a piece of the secret (%q) is in the spans:\n%s", piece, text)
		}
	}
	var offsets []int64
	for _, s := range exp.GetSpans() {
		for _, e := range s.Events {
			for _, a := range e.Attributes {
				if a.Key == "crewai.llm.chunk.offset" {
					offsets = append(offsets, a.Value.AsInt64())
				}
			}
		}
	}
	if len(offsets) != len(chunks) || offsets[1] != int64(len(chunks[0])) {
		t.Fatalf("chunk offsets %v", offsets)
	}
}

// TestNamesScrubbed (issue 24 point 3): span names and the attributes that
// name the crew, task, agent and model are scrubbed like content, even with
// content capture off.
func TestNamesScrubbed(t *testing.T) {
	const secret = "nm-8Hq2Lw9Zx4Kp7Vt3"
	t.Setenv("NAMES_TEST_SECRET", secret)
	for _, capture := range []bool{true, false} {
		tr, exp, _ := newMemTracer(t, WithContentCapture(capture))
		streamRun(tr, "Analyst "+secret, "model-"+secret, []string{"ok"})
		text := exportedText(exp.GetSpans())
		if strings.Contains(text, secret) || !strings.Contains(text, "Analyst [REDACTED]") {
			t.Fatalf("capture %v: names keep the secret:\n%s", capture, text)
		}
	}
}
