package memory_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/memory"
)

func TestParseStatements(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		texts   []string
		imps    []float64
		wantErr string
	}{
		{"object", `{"memories":[{"text":"a","importance":0.2},{"text":"b","importance":7}]}`, []string{"a", "b"}, []float64{0.2, 1}, ""},
		{"fenced with prose", "Sure:\n```json\n{\"memories\":[{\"text\":\" c \"}]}\n```", []string{"c"}, []float64{0.5}, ""},
		{"array of strings", `["x", "y", ""]`, []string{"x", "y"}, []float64{0.5, 0.5}, ""},
		{"empty list", `{"memories": []}`, nil, nil, ""},
		{"bullets", "- first\n* second\nnot this", []string{"first", "second"}, []float64{0.5, 0.5}, ""},
		{"at most five", `["1","2","3","4","5","6"]`, []string{"1", "2", "3", "4", "5"}, []float64{0.5, 0.5, 0.5, 0.5, 0.5}, ""},
		{"nothing usable", "I cannot help with that.", nil, nil, "neither the JSON object"},
		{"empty reply", "", nil, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			texts, imps, err := memory.ParseStatements(tt.in)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.texts, texts)
			assert.Equal(t, tt.imps, imps)
		})
	}
}

func FuzzParseStatements(f *testing.F) {
	f.Add(`{"memories":[{"text":"a","importance":0.2}]}`)
	f.Add("- a\n- b")
	f.Fuzz(func(t *testing.T, s string) {
		texts, imps, err := memory.ParseStatements(s)
		if err != nil {
			return
		}
		require.LessOrEqual(t, len(texts), 5)
		for i := range texts {
			require.NotEmpty(t, texts[i])
			require.True(t, imps[i] >= 0 && imps[i] <= 1)
		}
	})
}
