package media

import (
	"bytes"
	"errors"
	"image"
	_ "image/gif" // registers GIF for DecodeConfig
	_ "image/jpeg"
	_ "image/png"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
)

// FormField is the multipart field WeChat's media/upload reads the file
// from (WxJava sends it so).
const FormField = "media"

// maxParts bounds the parts read before the file; the body as a whole is
// bounded by the caller.
const maxParts = 16

// errTooLarge: the file is over the size limit (the caller knows which
// errcode its type answers).
var errTooLarge = errors.New("file too large")

// ReadFile returns the bytes of the multipart/form-data part named field
// from body (contentType is the request's Content-Type), reading at most
// max bytes of it. Errors are *Error (41005: no such part, not multipart)
// or errTooLarge.
func ReadFile(body io.Reader, contentType, field string, max int64) ([]byte, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, errorf(ErrcodeNoMediaData, "media data missing: send multipart/form-data with the file in field %q", field)
	}
	mr := multipart.NewReader(body, params["boundary"])
	for range maxParts {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if isTooLarge(err) {
				return nil, errTooLarge
			}
			return nil, errorf(ErrcodeNoMediaData, "media data missing: malformed multipart body: %v", err)
		}
		if part.FormName() != field {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, max+1))
		if err != nil {
			if isTooLarge(err) {
				return nil, errTooLarge
			}
			return nil, errorf(ErrcodeNoMediaData, "media data missing: reading field %q: %v", field, err)
		}
		if int64(len(data)) > max {
			return nil, errTooLarge
		}
		return data, nil
	}
	return nil, errorf(ErrcodeNoMediaData, "media data missing: no file in multipart field %q", field)
}

func isTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// formats are the accepted image formats by type: DetectContentType's
// name and image.DecodeConfig's.
var formats = map[string]map[string]string{
	"image": {"image/png": "png", "image/jpeg": "jpeg", "image/gif": "gif"},
	"thumb": {"image/jpeg": "jpeg"},
}

// maxSide bounds an image's width and height: larger ones are not
// pictures a page should load.
const maxSide = 16384

// Sniff checks that data is an image of a format that kind accepts, by its
// content (the declared type and name are ignored), and returns its
// content type.
func Sniff(kind string, data []byte) (string, *Error) {
	accept, ok := formats[kind]
	if !ok {
		return "", errorf(ErrcodeInvalidType, "invalid media type %q: only image and thumb are served here", kind)
	}
	if len(data) == 0 {
		return "", errorf(ErrcodeInvalidSize, "invalid file size: the file is empty")
	}
	ct := http.DetectContentType(data)
	format, ok := accept[ct]
	if !ok {
		return "", errorf(ErrcodeInvalidFile, "invalid file type: %s (content sniffed); %s accepts %s", ct, kind, names(accept))
	}
	cfg, got, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || got != format {
		return "", errorf(ErrcodeInvalidFile, "invalid file type: not a readable %s image: %v", format, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > maxSide || cfg.Height > maxSide {
		return "", errorf(ErrcodeInvalidFile, "invalid file type: image is %dx%d (1 to %d pixels a side)", cfg.Width, cfg.Height, maxSide)
	}
	return ct, nil
}

func names(accept map[string]string) string {
	switch len(accept) {
	case 1:
		return "JPEG"
	}
	return "PNG, JPEG and GIF"
}
