package llmtest

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/crewai-go/crewai/internal/hashvec"
)

// DefaultEmbeddingDimensions is the length of the fake server's vectors when
// ServerConfig.EmbeddingDimensions is 0.
const DefaultEmbeddingDimensions = 256

// EmbeddingVector returns the vector the fake server answers for text with
// dim coordinates: a deterministic unit vector built by feature hashing of
// the text's words (the same as rag.HashEmbedder), so texts sharing words are
// similar and retrieval behaves sensibly in tests.
func EmbeddingVector(text string, dim int) []float32 { return hashvec.Vector(text, dim) }

type wireEmbeddingRequest struct {
	Input          json.RawMessage `json:"input"`
	Model          string          `json:"model"`
	EncodingFormat string          `json:"encoding_format,omitempty"`
	Dimensions     int             `json:"dimensions,omitempty"`
}

type wireEmbedding struct {
	Object    string    `json:"object"`
	Index     int       `json:"index"`
	Embedding []float32 `json:"embedding"`
}

type wireEmbeddingResponse struct {
	Object string          `json:"object"`
	Data   []wireEmbedding `json:"data"`
	Model  string          `json:"model"`
	Usage  struct {
		PromptTokens int `json:"prompt_tokens"`
		TotalTokens  int `json:"total_tokens"`
	} `json:"usage"`
}

// embeddings answers POST .../embeddings: one vector per input (a string or
// an array of strings), [EmbeddingVector] of it, with the inputs' word count
// as prompt tokens. It is recorded like a chat request (Path tells them
// apart; Request stays empty), and EmbeddingFaults are injected first.
func (s *Server) embeddings(w http.ResponseWriter, r *http.Request, seq int64) {
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "invalid_request_error", "method_not_allowed",
			"llmtest: use POST for embeddings, not "+r.Method)
		return
	}
	body, err := readBody(r)
	if err != nil {
		return
	}
	if len(body) > maxBody {
		writeError(w, http.StatusRequestEntityTooLarge, "invalid_request_error", "body_too_large",
			fmt.Sprintf("llmtest: the request body is larger than %d bytes", maxBody))
		return
	}
	var req wireEmbeddingRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "invalid_json", "llmtest: embeddings request: "+err.Error())
		return
	}
	var inputs []string
	if err := json.Unmarshal(req.Input, &inputs); err != nil {
		var one string
		if err2 := json.Unmarshal(req.Input, &one); err2 != nil {
			writeError(w, http.StatusBadRequest, "invalid_request_error", "invalid_input",
				"llmtest: embeddings input must be a string or an array of strings")
			return
		}
		inputs = []string{one}
	}
	s.record(&ServerRequest{Seq: seq, Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Model: req.Model,
		Authorized:   r.Header.Get("Authorization") != "" || r.Header.Get("api-key") != "",
		Organization: r.Header.Get("OpenAI-Organization"), Body: body})
	if len(inputs) == 0 {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "invalid_input", "llmtest: embeddings input is empty")
		return
	}
	for i, in := range inputs {
		if in == "" {
			writeError(w, http.StatusBadRequest, "invalid_request_error", "invalid_input",
				fmt.Sprintf("llmtest: embeddings input[%d] is an empty string", i))
			return
		}
	}
	if i := s.nextEmb.Add(1) - 1; i < int64(len(s.cfg.EmbeddingFaults)) {
		reply := s.cfg.EmbeddingFaults[i]
		if !s.wait(r, s.cfg.Latency+reply.Delay) {
			s.abortIfClosed()
			return
		}
		if reply.RetryAfter != "" {
			w.Header().Set("Retry-After", reply.RetryAfter)
		}
		if status, typ, code, msg, ok := reply.Fault.httpError(&reply); ok {
			writeError(w, status, typ, code, msg)
			return
		}
		switch reply.Fault {
		case FaultHang:
			s.wait(r, 1<<62)
			s.abortIfClosed()
			return
		case FaultReset:
			panic(http.ErrAbortHandler)
		}
	} else if !s.wait(r, s.cfg.Latency) {
		s.abortIfClosed()
		return
	}
	dim := s.cfg.EmbeddingDimensions
	if req.Dimensions > 0 {
		dim = req.Dimensions
	}
	if dim <= 0 {
		dim = DefaultEmbeddingDimensions
	}
	resp := wireEmbeddingResponse{Object: "list", Model: req.Model, Data: make([]wireEmbedding, len(inputs))}
	for i, in := range inputs {
		resp.Data[i] = wireEmbedding{Object: "embedding", Index: i, Embedding: hashvec.Vector(in, dim)}
		resp.Usage.PromptTokens += hashvec.Tokens(in)
	}
	resp.Usage.TotalTokens = resp.Usage.PromptTokens
	b, err := json.Marshal(resp)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "server_error", "", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}
