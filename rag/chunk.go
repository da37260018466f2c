package rag

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The chunking defaults, CrewAI's: 4,000 characters with 200 of overlap.
const (
	DefaultChunkSize    = 4000
	DefaultChunkOverlap = 200
)

// Chunk splits text into pieces of at most size characters (runes), each
// starting overlap characters before the end of the previous one, so that a
// sentence cut at a boundary is whole in one of the two pieces. A piece ends
// at the last paragraph break, line break or space of its second half when
// there is one, rather than inside a word. Pieces are trimmed of surrounding
// space; blank ones are dropped. size 0 means DefaultChunkSize and overlap
// -1 means DefaultChunkOverlap; otherwise size must be positive and overlap
// between 0 and size/2 (an error naming the value says so).
func Chunk(text string, size, overlap int) ([]string, error) {
	if size == 0 {
		size = DefaultChunkSize
	}
	if overlap == -1 {
		overlap = DefaultChunkOverlap
	}
	if size < 0 {
		return nil, fmt.Errorf("rag: chunk size %d is negative; use a positive number of characters, or 0 for %d", size, DefaultChunkSize)
	}
	if overlap < 0 || overlap > size/2 {
		return nil, fmt.Errorf("rag: chunk overlap %d is not between 0 and half the chunk size (%d)", overlap, size/2)
	}
	if !utf8.ValidString(text) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	runes := []rune(text)
	var out []string
	for start := 0; start < len(runes); {
		end := min(start+size, len(runes))
		if end < len(runes) {
			end = cutPoint(runes, start, end)
		}
		if piece := strings.TrimSpace(string(runes[start:end])); piece != "" {
			out = append(out, piece)
		}
		if end >= len(runes) {
			break
		}
		next := end - overlap
		if next <= start {
			next = end // never stand still
		}
		start = next
	}
	return out, nil
}

// cutPoint returns where a piece from start that may end at end should end:
// after the last paragraph break, else line break, else space, in its
// second half; else end.
func cutPoint(r []rune, start, end int) int {
	half := start + (end-start)/2
	for i := end - 1; i > half; i-- {
		if r[i] == '\n' && r[i-1] == '\n' {
			return i + 1
		}
	}
	for i := end - 1; i > half; i-- {
		if r[i] == '\n' {
			return i + 1
		}
	}
	for i := end - 1; i > half; i-- {
		if unicode.IsSpace(r[i]) {
			return i + 1
		}
	}
	return end
}
