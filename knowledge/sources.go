package knowledge

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Source is a body of text knowledge is built from: a string, a file. Name
// identifies it within its Knowledge (chunks are replaced per name when the
// text changes); Text reads the whole text. Implementations must be safe for
// concurrent use.
type Source interface {
	// Name identifies the source, such as "file:docs/policy.md".
	Name() string
	// Text returns the source's text.
	Text(ctx context.Context) (string, error)
}

// String is a source holding text given in code. The zero value is an empty
// source named "string".
type String struct {
	// Label names the source (default "string").
	Label string
	// Content is the text.
	Content string
}

// Name returns "string:" and the label.
func (s String) Name() string {
	if s.Label == "" {
		return "string"
	}
	return "string:" + s.Label
}

// Text returns the content.
func (s String) Text(context.Context) (string, error) { return s.Content, nil }

// File is a source read from a file: plain text and Markdown as they are,
// CSV as one line per row ("column: value; column: value"), JSON as one line
// per value ("path.to.key: value"), PDF as its extracted text. The format
// comes from Format, else from the file's extension (.csv, .json, .pdf;
// anything else is text). The zero value names no file and fails to read.
type File struct {
	// Path is the file's path.
	Path string
	// Format is "text", "markdown", "csv", "json" or "pdf"; empty means by
	// extension.
	Format string
	// PDF bounds the extraction of a PDF file's text (the zero value: the
	// defaults of [PDFLimits]).
	PDF PDFLimits
}

// Files returns one File source per path, the format taken from each
// extension.
func Files(paths ...string) []Source {
	out := make([]Source, len(paths))
	for i, p := range paths {
		out[i] = File{Path: p}
	}
	return out
}

// Name returns "file:" and the path.
func (f File) Name() string { return "file:" + filepath.ToSlash(f.Path) }

func (f File) format() string {
	if f.Format != "" {
		return strings.ToLower(f.Format)
	}
	switch strings.ToLower(filepath.Ext(f.Path)) {
	case ".csv":
		return "csv"
	case ".json":
		return "json"
	case ".pdf":
		return "pdf"
	case ".md", ".markdown":
		return "markdown"
	}
	return "text"
}

// maxFile bounds the size of a file source.
const maxFile = 64 << 20

// Text reads and converts the file.
func (f File) Text(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	format := f.format()
	if !slices.Contains([]string{"text", "markdown", "csv", "json", "pdf"}, format) {
		return "", fmt.Errorf("knowledge: source %s: Format %q is not one of text, markdown, csv, json, pdf", f.Name(), f.Format)
	}
	fi, err := os.Stat(f.Path)
	if err != nil {
		return "", fmt.Errorf("knowledge: source %s: %w", f.Name(), err)
	}
	if fi.Size() > maxFile {
		return "", fmt.Errorf("knowledge: source %s: the file has %d bytes, more than the %d a source may have", f.Name(), fi.Size(), maxFile)
	}
	b, err := os.ReadFile(f.Path)
	if err != nil {
		return "", fmt.Errorf("knowledge: source %s: %w", f.Name(), err)
	}
	var text string
	switch format {
	case "csv":
		text, err = CSVText(b)
	case "json":
		text, err = JSONText(b)
	case "pdf":
		text, err = PDFText(ctx, b, f.PDF)
	default:
		text = string(b)
	}
	if err != nil {
		return "", fmt.Errorf("knowledge: source %s: %w", f.Name(), err)
	}
	return text, nil
}

// CSVText turns CSV (a header row, then records) into one line per record,
// "column: value; column: value", skipping empty values.
func CSVText(b []byte) (string, error) {
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	head, err := r.Read()
	if err == io.EOF {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("CSV: %w", err)
	}
	var sb strings.Builder
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("CSV: %w", err)
		}
		first := true
		for i, v := range rec {
			v = strings.TrimSpace(v)
			if v == "" {
				continue
			}
			if !first {
				sb.WriteString("; ")
			}
			first = false
			col := "column " + strconv.Itoa(i+1)
			if i < len(head) && strings.TrimSpace(head[i]) != "" {
				col = strings.TrimSpace(head[i])
			}
			sb.WriteString(col)
			sb.WriteString(": ")
			sb.WriteString(v)
		}
		if !first {
			sb.WriteByte('\n')
		}
	}
	return sb.String(), nil
}

// JSONText turns a JSON document into one line per scalar value,
// "path.to.key: value" (array elements as path[i]).
func JSONText(b []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", fmt.Errorf("JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", errors.New("JSON: more than one value in the file")
	}
	var sb strings.Builder
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				p := k
				if path != "" {
					p = path + "." + k
				}
				walk(p, x[k])
			}
		case []any:
			for i, e := range x {
				walk(path+"["+strconv.Itoa(i)+"]", e)
			}
		case nil:
		default:
			if path != "" {
				sb.WriteString(path)
				sb.WriteString(": ")
			}
			fmt.Fprint(&sb, x)
			sb.WriteByte('\n')
		}
	}
	walk("", v)
	return sb.String(), nil
}
