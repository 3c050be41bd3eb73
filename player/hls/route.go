package hls

import (
	"bytes"
	"strings"

	"github.com/bluenviron/gohlslib/v2"
)

// variant is one of the two HLS flavours served per stream.
type variant uint8

const (
	variantTS variant = iota + 1 // MPEG-TS segments, H.264 only
	variantLL                    // Low-Latency HLS, fMP4 segments and parts
)

func (v variant) String() string {
	if v == variantTS {
		return "mpegts"
	}
	return "ll-fmp4"
}

func (v variant) gohlslib() gohlslib.MuxerVariant {
	if v == variantTS {
		return gohlslib.MuxerVariantMPEGTS
	}
	return gohlslib.MuxerVariantLowLatency
}

// dir is the URL directory, under /live/{key}/, of the variant's files.
func (v variant) dir() string {
	if v == variantTS {
		return "ts"
	}
	return "ll"
}

// route is a parsed request path.
type route struct {
	key     string
	variant variant
	// file is the name gohlslib serves ("index.m3u8" for the top playlists).
	file string
	// rewrite prefixes the URIs of the playlist served (top playlists only).
	rewrite string
}

// playlist tells whether the request is for a playlist, which starts the
// muxer on demand and waits for it; segments and parts never start one.
func (r route) playlist() bool { return strings.HasSuffix(r.file, ".m3u8") }

// parseRoute maps a URL path onto a stream key, a variant and a file.
func parseRoute(path string) (route, bool) {
	rest, ok := strings.CutPrefix(path, "/live/")
	if !ok {
		return route{}, false
	}
	if key, ok := strings.CutSuffix(rest, ".m3u8"); ok && validKey(key) {
		return route{key: key, variant: variantTS, file: "index.m3u8", rewrite: key + "/ts/"}, true
	}
	key, sub, ok := strings.Cut(rest, "/")
	if !ok || !validKey(key) {
		return route{}, false
	}
	if sub == "ll.m3u8" {
		return route{key: key, variant: variantLL, file: "index.m3u8", rewrite: "ll/"}, true
	}
	dir, file, ok := strings.Cut(sub, "/")
	if !ok || file == "" || strings.ContainsAny(file, "/\\") || file == "." || file == ".." {
		return route{}, false
	}
	switch dir {
	case variantTS.dir():
		return route{key: key, variant: variantTS, file: file}, true
	case variantLL.dir():
		return route{key: key, variant: variantLL, file: file}, true
	}
	return route{}, false
}

// validKey accepts the stream keys we serve: letters, digits, '-' and '_'.
func validKey(k string) bool {
	if k == "" || len(k) > 128 {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// rewritePlaylist prefixes the relative URIs of a playlist: URI lines and
// URI="..." attributes. gohlslib writes bare file names, so a playlist served
// one directory above them needs the directory in front.
func rewritePlaylist(pl []byte, prefix string) []byte {
	var out bytes.Buffer
	out.Grow(len(pl) + 4*len(prefix))
	for line := range bytes.Lines(pl) {
		switch {
		case len(bytes.TrimSpace(line)) == 0:
			out.Write(line)
		case line[0] != '#':
			out.WriteString(prefix)
			out.Write(line)
		default:
			out.Write(bytes.ReplaceAll(line, []byte(`URI="`), []byte(`URI="`+prefix)))
		}
	}
	return out.Bytes()
}
