package bedrock

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/crewai-go/crewai/chat"
)

// imageFormats maps the image media types Converse takes to its formats.
var imageFormats = map[string]types.ImageFormat{"image/png": types.ImageFormatPng, "image/jpeg": types.ImageFormatJpeg,
	"image/jpg": types.ImageFormatJpeg, "image/gif": types.ImageFormatGif, "image/webp": types.ImageFormatWebp}

// documentFormats maps the document media types Converse takes to its
// formats.
var documentFormats = map[string]types.DocumentFormat{
	"application/pdf": types.DocumentFormatPdf, "text/csv": types.DocumentFormatCsv,
	"application/msword": types.DocumentFormatDoc,
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document": types.DocumentFormatDocx,
	"application/vnd.ms-excel": types.DocumentFormatXls,
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": types.DocumentFormatXlsx,
	"text/html": types.DocumentFormatHtml, "text/plain": types.DocumentFormatTxt, "text/markdown": types.DocumentFormatMd,
}

// extFormats maps file extensions to media types, for s3:// URIs given
// without a MediaType.
var extFormats = map[string]string{".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
	".webp": "image/webp", ".pdf": "application/pdf", ".csv": "text/csv", ".doc": "application/msword",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".xls": "application/vnd.ms-excel",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".html": "text/html", ".txt": "text/plain",
	".md": "text/markdown"}

const acceptedImages = "image/jpeg, image/png, image/gif or image/webp"
const acceptedDocuments = "application/pdf, text/csv, text/plain, text/markdown, text/html, or a Word or Excel document"

// docNameChars are the characters a document name may not hold (Converse
// takes letters, digits, whitespace, hyphens, parentheses and square
// brackets).
var docNameChars = regexp.MustCompile(`[^A-Za-z0-9\s\-\(\)\[\]]+`)

// partBlock maps a multimodal part (the j-th of its message) to a Converse
// content block: text, an image or a document, as bytes or an s3:// URI.
func partBlock(p chat.Part, j int) (types.ContentBlock, error) {
	switch p.Kind {
	case chat.PartText, "":
		if strings.TrimSpace(p.Text) == "" {
			return nil, errors.New("the text part is empty; Converse rejects blank text")
		}
		return &types.ContentBlockMemberText{Value: p.Text}, nil
	case chat.PartImage, chat.PartFile:
	case chat.PartAudio:
		return nil, errors.New("audio input: Converse takes no audio; send text, images or documents")
	default:
		return nil, fmt.Errorf("part kind %q is not text, image, file or audio", p.Kind)
	}
	what, accepted := "image", acceptedImages
	if p.Kind == chat.PartFile {
		what, accepted = "file", acceptedDocuments
	}
	var s3 *types.S3Location
	var data []byte
	mt := strings.ToLower(strings.TrimSpace(p.MediaType))
	switch {
	case strings.HasPrefix(p.URL, "s3://"):
		s3 = &types.S3Location{Uri: aws.String(p.URL)}
		if mt == "" {
			mt = extFormats[strings.ToLower(path.Ext(p.URL))]
		}
	case p.URL != "" && !strings.HasPrefix(p.URL, "data:"):
		return nil, fmt.Errorf("the %s is given by URL %q; Converse takes the bytes (Data and MediaType, or a data: URL) or an s3:// URI", what, shortURL(p.URL))
	default:
		var ok bool
		var imt string
		imt, data, ok = p.Inline()
		if !ok || len(data) == 0 {
			return nil, fmt.Errorf("the %s has no data (set Data and MediaType, or an s3:// URL)", what)
		}
		mt = strings.ToLower(imt)
	}
	if p.Kind == chat.PartImage {
		f, ok := imageFormats[mt]
		if !ok {
			return nil, fmt.Errorf("image media type %q is not one Converse takes; use %s", mt, accepted)
		}
		img := types.ImageBlock{Format: f}
		if s3 != nil {
			img.Source = &types.ImageSourceMemberS3Location{Value: *s3}
		} else {
			img.Source = &types.ImageSourceMemberBytes{Value: data}
		}
		return &types.ContentBlockMemberImage{Value: img}, nil
	}
	f, ok := documentFormats[mt]
	if !ok {
		return nil, fmt.Errorf("file media type %q is not one Converse takes; use %s", mt, accepted)
	}
	doc := types.DocumentBlock{Format: f, Name: aws.String(documentName(p.Name, j))}
	if s3 != nil {
		doc.Source = &types.DocumentSourceMemberS3Location{Value: *s3}
	} else {
		doc.Source = &types.DocumentSourceMemberBytes{Value: data}
	}
	return &types.ContentBlockMemberDocument{Value: doc}, nil
}

// documentName makes a name Converse takes from a file name: no extension,
// only the characters it allows, no repeated whitespace; "document-J" when
// nothing is left.
func documentName(name string, j int) string {
	name = strings.TrimSuffix(name, path.Ext(name))
	name = docNameChars.ReplaceAllString(name, " ")
	name = strings.Join(strings.Fields(name), " ")
	if name == "" {
		return "document-" + strconv.Itoa(j+1)
	}
	if len(name) > 200 {
		name = name[:200]
	}
	return name
}

// shortURL shows a URL without its query (which may hold a signature).
func shortURL(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i] + "?…"
	}
	if len(u) > 120 {
		u = u[:120] + "…"
	}
	return u
}
