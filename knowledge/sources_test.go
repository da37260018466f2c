package knowledge_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/knowledge"
)

func TestFileSources(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b, 0o600))
		return p
	}
	tests := []struct {
		name    string
		src     knowledge.Source
		want    []string
		wantErr string
	}{
		{"markdown", knowledge.File{Path: write("a.md", []byte("# Policy\n\nRefunds within 30 days."))},
			[]string{"# Policy", "Refunds within 30 days."}, ""},
		{"text", knowledge.File{Path: write("a.txt", []byte("plain words"))}, []string{"plain words"}, ""},
		{"csv", knowledge.File{Path: write("p.csv", []byte("product,price,stock\nWidget,9.99,12\nGadget,,3\n"))},
			[]string{"product: Widget; price: 9.99; stock: 12\n", "product: Gadget; stock: 3\n"}, ""},
		{"json", knowledge.File{Path: write("c.json", []byte(`{"office":{"city":"Lyon","floors":[2,3]},"open":true}`))},
			[]string{"office.city: Lyon\n", "office.floors[0]: 2\n", "office.floors[1]: 3\n", "open: true\n"}, ""},
		{"pdf", knowledge.File{Path: write("d.pdf", makePDF("Refund policy page one", "Shipping takes two days"))},
			[]string{"Refund policy page one", "Shipping takes two days"}, ""},
		{"format override", knowledge.File{Path: write("rows.data", []byte("a,b\n1,2\n")), Format: "csv"},
			[]string{"a: 1; b: 2"}, ""},
		{"bad format", knowledge.File{Path: write("x.txt", nil), Format: "docx"}, nil, `Format "docx" is not one of`},
		{"missing file", knowledge.File{Path: filepath.Join(dir, "nope.md")}, nil, "nope.md"},
		{"bad json", knowledge.File{Path: write("bad.json", []byte(`{"a":`))}, nil, "JSON"},
		{"two json values", knowledge.File{Path: write("two.json", []byte(`1 2`))}, nil, "more than one value"},
		{"bad csv", knowledge.File{Path: write("bad.csv", []byte("a,\"b\nc"))}, nil, "CSV"},
		{"not a pdf", knowledge.File{Path: write("bad.pdf", []byte("%PDF-1.4 garbage"))}, nil, "PDF"},
		{"string", knowledge.String{Label: "note", Content: "hello"}, []string{"hello"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.src.Text(context.Background())
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			for _, w := range tt.want {
				assert.Contains(t, got, w)
			}
		})
	}
	assert.Equal(t, "string:note", knowledge.String{Label: "note"}.Name())
	assert.Equal(t, "file:"+filepath.ToSlash(filepath.Join(dir, "a.md")), knowledge.Files(filepath.Join(dir, "a.md"))[0].Name())
}

func FuzzCSVText(f *testing.F) {
	f.Add([]byte("a,b\n1,2\n"))
	f.Add([]byte("\"x\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := knowledge.CSVText(b)
		if err == nil && strings.TrimSpace(string(b)) == "" {
			assert.Empty(t, s)
		}
	})
}

func FuzzJSONText(f *testing.F) {
	f.Add([]byte(`{"a":[1,{"b":null}],"c":"d"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = knowledge.JSONText(b)
	})
}
