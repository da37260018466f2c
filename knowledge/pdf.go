package knowledge

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ledongthuc/pdf"
)

// The defaults of [PDFLimits].
const (
	DefaultPDFMaxBytes       = maxFile
	DefaultPDFMaxPages       = 5000
	DefaultPDFMaxStreamBytes = 16 << 20
	DefaultPDFMaxTextBytes   = 32 << 20
	DefaultPDFMaxReadBytes   = 1 << 30
	DefaultPDFTimeout        = 60 * time.Second
)

// ErrPDFLimit is wrapped by the error of a PDF extraction stopped by one of
// its [PDFLimits]; the error's text names the limit, the value met and the
// limit's value.
var ErrPDFLimit = errors.New("a limit on PDF extraction was reached")

// PDFLimits bound the work of extracting a PDF's text, so that a hostile or
// broken document cannot hang a run or exhaust memory. The PDF reader
// (github.com/ledongthuc/pdf) keeps no cache and decodes streams as it
// reads them; so the limits are on what it reads and decodes, checked as it
// goes:
//
//   - the document's size (MaxBytes), before anything is parsed;
//   - its page count (MaxPages), before any page is read;
//   - the decoded size of each page's content streams and of the character
//     maps (ToUnicode) of its fonts (MaxStreamBytes), measured before the
//     page's text is extracted, which bounds a compression bomb;
//   - the text extracted (MaxTextBytes);
//   - the bytes read from the document, re-reads included (MaxReadBytes),
//     which bounds reference cycles;
//   - the time (Timeout, and the caller's context), checked at every read
//     of the document and between pages.
//
// The zero value means the defaults (the DefaultPDF constants); a negative
// value is no limit (except Timeout, where a negative value means the
// caller's context only).
type PDFLimits struct {
	// MaxBytes bounds the size of the document; default 64 MiB.
	MaxBytes int64
	// MaxPages bounds the number of pages; default 5,000.
	MaxPages int
	// MaxStreamBytes bounds the decoded size of one page's content (its
	// content streams together) and of each of its fonts' character maps;
	// default 16 MiB.
	MaxStreamBytes int64
	// MaxTextBytes bounds the extracted text; default 32 MiB.
	MaxTextBytes int
	// MaxReadBytes bounds the bytes read from the document during the
	// extraction (the reader reads objects again each time they are used);
	// default 1 GiB.
	MaxReadBytes int64
	// Timeout bounds the extraction; default 60 s.
	Timeout time.Duration
}

func limit[T int | int64 | time.Duration](v, d T) T {
	switch {
	case v == 0:
		return d
	case v < 0:
		return -1
	}
	return v
}

// guard is the io.ReaderAt the PDF reader reads the document through: it
// fails every read once ctx has ended or the read budget is spent, and keeps
// the first reason.
type guard struct {
	ctx    context.Context
	r      *bytes.Reader
	budget int64 // -1: none
	read   atomic.Int64
	stop   atomic.Pointer[error]
}

func (g *guard) ReadAt(p []byte, off int64) (int, error) {
	if e := g.stop.Load(); e != nil {
		return 0, *e
	}
	if err := g.ctx.Err(); err != nil {
		return 0, g.fail(fmt.Errorf("PDF: extraction stopped: %w", err))
	}
	if n := g.read.Add(int64(len(p))); g.budget >= 0 && n > g.budget {
		return 0, g.fail(fmt.Errorf("PDF: MaxReadBytes: more than %d bytes read from the document (reference cycles?): %w",
			g.budget, ErrPDFLimit))
	}
	return g.r.ReadAt(p, off)
}

func (g *guard) fail(err error) error {
	g.stop.CompareAndSwap(nil, &err)
	return *g.stop.Load()
}

func (g *guard) err() error {
	if e := g.stop.Load(); e != nil {
		return *e
	}
	return nil
}

// PDFText extracts the text of a PDF document, page after page (with the
// pure-Go github.com/ledongthuc/pdf), within lim (see [PDFLimits]; the zero
// value is the defaults) and ctx. A PDF it cannot read is an error, never a
// crash; a limit reached is an error wrapping [ErrPDFLimit] that names the
// limit; the end of ctx or of lim.Timeout is an error wrapping ctx's.
func PDFText(ctx context.Context, b []byte, lim PDFLimits) (text string, err error) {
	if max := limit(lim.MaxBytes, DefaultPDFMaxBytes); max >= 0 && int64(len(b)) > max {
		return "", fmt.Errorf("PDF: MaxBytes: the document has %d bytes, more than %d: %w", len(b), max, ErrPDFLimit)
	}
	if d := limit(lim.Timeout, DefaultPDFTimeout); d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	g := &guard{ctx: ctx, r: bytes.NewReader(b), budget: limit(lim.MaxReadBytes, DefaultPDFMaxReadBytes)}
	defer func() {
		p := recover()
		// A limit or the context explains a failure better than what the
		// reader made of the failed read.
		if gerr := g.err(); gerr != nil && (p != nil || err != nil) {
			text, err = "", gerr
			return
		}
		if p != nil {
			text, err = "", fmt.Errorf("PDF: the file cannot be read: %v", p)
		}
	}()
	r, err := pdf.NewReader(g, int64(len(b)))
	if err != nil {
		return "", fmt.Errorf("PDF: %w", err)
	}
	n := r.NumPage()
	if max := limit(lim.MaxPages, DefaultPDFMaxPages); max >= 0 && n > max {
		return "", fmt.Errorf("PDF: MaxPages: the document says it has %d pages, more than %d: %w", n, max, ErrPDFLimit)
	}
	maxStream := limit(lim.MaxStreamBytes, DefaultPDFMaxStreamBytes)
	maxText := limit(lim.MaxTextBytes, DefaultPDFMaxTextBytes)
	var sb strings.Builder
	for i := 1; i <= n; i++ {
		if err := g.err(); err != nil {
			return "", err
		}
		if err := ctx.Err(); err != nil {
			return "", g.fail(fmt.Errorf("PDF: extraction stopped at page %d: %w", i, err))
		}
		p := r.Page(i)
		if p.V.IsNull() {
			continue
		}
		if maxStream >= 0 {
			if err := checkPage(p, i, maxStream); err != nil {
				return "", err
			}
		}
		t, err := p.GetPlainText(nil)
		if gerr := g.err(); gerr != nil {
			return "", gerr
		}
		if err != nil {
			return "", fmt.Errorf("PDF: page %d: %w", i, err)
		}
		t = strings.TrimSpace(t)
		if maxText >= 0 && sb.Len()+len(t) > maxText {
			return "", fmt.Errorf("PDF: MaxTextBytes: the text passes %d bytes at page %d: %w", maxText, i, ErrPDFLimit)
		}
		sb.WriteString(t)
		sb.WriteString("\n\n")
	}
	return sb.String(), nil
}

// checkPage measures the decoded size of page i's content streams
// (together) and of its fonts' character maps, without keeping them, and
// returns an error when one passes max.
func checkPage(p pdf.Page, i int, max int64) error {
	var total int64
	contents := p.V.Key("Contents")
	streams := []pdf.Value{contents}
	if contents.Kind() == pdf.Array {
		streams = streams[:0]
		for j := 0; j < contents.Len() && j < 10_000; j++ {
			streams = append(streams, contents.Index(j))
		}
	}
	for _, s := range streams {
		n, err := decodedSize(s, max-total)
		if err != nil {
			return fmt.Errorf("PDF: page %d: content: %w", i, err)
		}
		total += n
		if total > max {
			return fmt.Errorf("PDF: MaxStreamBytes: the content of page %d decodes to more than %d bytes: %w", i, max, ErrPDFLimit)
		}
	}
	fonts := p.Resources().Key("Font")
	for _, name := range fonts.Keys() {
		n, err := decodedSize(fonts.Key(name).Key("ToUnicode"), max)
		if err != nil {
			return fmt.Errorf("PDF: page %d: font %s: %w", i, name, err)
		}
		if n > max {
			return fmt.Errorf("PDF: MaxStreamBytes: the character map of font %s of page %d decodes to more than %d bytes: %w",
				name, i, max, ErrPDFLimit)
		}
	}
	return nil
}

// decodedSize returns the decoded size of stream v, reading at most max+1
// bytes of it (0 when v is not a stream).
func decodedSize(v pdf.Value, max int64) (int64, error) {
	if v.Kind() != pdf.Stream {
		return 0, nil
	}
	rc := v.Reader()
	defer rc.Close()
	return io.Copy(io.Discard, io.LimitReader(rc, max+1))
}
