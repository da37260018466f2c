// Package hashvec turns text into deterministic vectors by feature hashing:
// every lower-cased word (letters and digits) and every pair of adjacent
// words adds ±1 to a coordinate chosen by a hash of it, and the vector is
// normalised to length 1. Texts that share words get a positive cosine
// similarity, so retrieval over these vectors behaves sensibly without a
// model. It serves rag.HashEmbedder and the fake server of llm/llmtest.
package hashvec

import (
	"hash/fnv"
	"math"
	"strings"
	"unicode"
)

// Tokens counts the words of s as Vector sees them (the "tokens" the fakes
// report as usage).
func Tokens(s string) int {
	n := 0
	for range strings.FieldsFuncSeq(s, notWord) {
		n++
	}
	return n
}

func notWord(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }

// Vector returns the vector of s with dim coordinates (dim > 0). A text
// without any word gets a fixed unit vector, so that no vector is zero.
func Vector(s string, dim int) []float32 {
	v := make([]float32, dim)
	prev := ""
	any := false
	for w := range strings.FieldsFuncSeq(s, notWord) {
		w = strings.ToLower(w)
		add(v, w, 1)
		if prev != "" {
			add(v, prev+" "+w, 0.5)
		}
		prev = w
		any = true
	}
	if !any {
		v[0] = 1
		return v
	}
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	if n == 0 {
		v[0] = 1
		return v
	}
	inv := float32(1 / math.Sqrt(n))
	for i := range v {
		v[i] *= inv
	}
	return v
}

func add(v []float32, feature string, weight float32) {
	h := fnv.New64a()
	_, _ = h.Write([]byte(feature))
	x := h.Sum64()
	i := int(x % uint64(len(v)))
	if x>>63 == 1 {
		weight = -weight
	}
	v[i] += weight
}
