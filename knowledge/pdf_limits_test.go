package knowledge_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crewai-go/crewai/knowledge"
)

// rawPDF builds a PDF from object bodies (object i+1 is objs[i]) with a
// correct cross-reference table; object 1 must be the catalog.
func rawPDF(objs ...string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// bombPDF is one page whose content stream is small compressed and n bytes
// decoded.
func bombPDF(n int) []byte {
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	line := []byte("BT /F1 12 Tf 72 720 Td (AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA) Tj ET\n")
	for written := 0; written < n; written += len(line) {
		_, _ = w.Write(line)
	}
	_ = w.Close()
	return rawPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream", z.Len(), z.String()),
	)
}

// cyclePDF's page tree contains itself: a reader walking it never ends.
func cyclePDF() []byte {
	return rawPDF(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [2 0 R] /Count 3 >>",
	)
}

func TestPDFLimits(t *testing.T) {
	tests := []struct {
		name    string
		doc     []byte
		lim     knowledge.PDFLimits
		want    string // in the text
		wantErr string // in the error
		limit   bool   // the error wraps ErrPDFLimit
		timeout bool   // the error wraps context.DeadlineExceeded
	}{
		{name: "within the defaults", doc: makePDF("alpha", "beta"), want: "beta"},
		{name: "too many bytes", doc: makePDF("alpha"), lim: knowledge.PDFLimits{MaxBytes: 100},
			wantErr: "MaxBytes: the document has", limit: true},
		{name: "too many pages", doc: makePDF("a", "b", "c"), lim: knowledge.PDFLimits{MaxPages: 2},
			wantErr: "MaxPages: the document says it has 3 pages, more than 2", limit: true},
		{name: "no page limit", doc: makePDF("a", "b", "c"), lim: knowledge.PDFLimits{MaxPages: -1}, want: "c"},
		{name: "compression bomb", doc: bombPDF(4 << 20), lim: knowledge.PDFLimits{MaxStreamBytes: 1 << 20},
			wantErr: "MaxStreamBytes: the content of page 1 decodes to more than 1048576 bytes", limit: true},
		{name: "too much text", doc: makePDF(strings.Repeat("x", 300)), lim: knowledge.PDFLimits{MaxTextBytes: 100},
			wantErr: "MaxTextBytes", limit: true},
		{name: "reference cycle, read budget", doc: cyclePDF(), lim: knowledge.PDFLimits{MaxReadBytes: 1 << 20},
			wantErr: "MaxReadBytes: more than 1048576 bytes read", limit: true},
		{name: "reference cycle, deadline", doc: cyclePDF(),
			lim:     knowledge.PDFLimits{MaxReadBytes: -1, Timeout: 20 * time.Millisecond},
			wantErr: "extraction stopped", timeout: true},
		{name: "not a PDF", doc: []byte("%PDF-1.4 garbage"), wantErr: "PDF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, err := knowledge.PDFText(context.Background(), tt.doc, tt.lim)
			if tt.wantErr == "" {
				require.NoError(t, err)
				assert.Contains(t, text, tt.want)
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
			assert.Empty(t, text)
			assert.Equal(t, tt.limit, errors.Is(err, knowledge.ErrPDFLimit), "errors.Is(err, ErrPDFLimit)")
			assert.Equal(t, tt.timeout, errors.Is(err, context.DeadlineExceeded), "errors.Is(err, DeadlineExceeded)")
		})
	}

	// A cancelled context stops the extraction before the first page.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := knowledge.PDFText(ctx, makePDF("a"), knowledge.PDFLimits{})
	require.ErrorIs(t, err, context.Canceled)
}

// FuzzPDFText feeds hostile documents to the PDF extraction under small
// limits: it must return text or an error, within the limits, and never
// panic or hang.
func FuzzPDFText(f *testing.F) {
	f.Add(makePDF("Refund policy", "Shipping"))
	f.Add(bombPDF(64 << 10))
	f.Add(cyclePDF())
	f.Add([]byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF"))
	lim := knowledge.PDFLimits{MaxBytes: 1 << 20, MaxPages: 50, MaxStreamBytes: 256 << 10, MaxTextBytes: 256 << 10,
		MaxReadBytes: 256 << 10, Timeout: time.Second}
	f.Fuzz(func(t *testing.T, doc []byte) {
		text, err := knowledge.PDFText(context.Background(), doc, lim)
		if err != nil {
			assert.Empty(t, text)
			return
		}
		assert.LessOrEqual(t, len(text), lim.MaxTextBytes+2*lim.MaxPages)
	})
}
