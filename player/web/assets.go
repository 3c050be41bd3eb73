package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
)

// Pinned versions of the vendored players (scripts/web-vendor.sh fetches
// them from the npm registry). Their file names carry the version, so they
// are cached for a year.
const (
	MpegtsVersion = "1.8.2"
	HLSVersion    = "1.7.4"
)

//go:embed static vendor
var files embed.FS

// asset is one embedded file with what its responses need.
type asset struct {
	body  []byte
	ctype string
	etag  string
	// immutable: the name is versioned, cache it for a year.
	immutable bool
	// gz is the body gzipped, made on first use (nil when it does not
	// shrink): the vendored players take a while to compress.
	gzOnce sync.Once
	gz     []byte
}

// loadAssets reads the SDK (static/) and the vendored players (vendor/).
func loadAssets() (map[string]*asset, error) {
	out := map[string]*asset{}
	for _, dir := range []string{"static", "vendor"} {
		err := fs.WalkDir(files, dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if strings.HasPrefix(p, "static/sdk/") || strings.HasPrefix(p, "static/page/") {
				return nil // parts of livestudio.js and page.js
			}
			b, err := files.ReadFile(p)
			if err != nil {
				return err
			}
			out[p] = newAsset(p, b, dir == "vendor")
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sdk, err := SDK()
	if err != nil {
		return nil, err
	}
	out["static/livestudio.js"] = newAsset("livestudio.js", sdk, false)
	page, err := Page()
	if err != nil {
		return nil, err
	}
	out["static/page.js"] = newAsset("page.js", page, false)
	return out, nil
}

// sdkParts are the files of /sdk/livestudio.js, in order: each adds its
// part to window.LiveStudio.
var sdkParts = []string{"core.js", "im.js", "player.js"}

// pageParts are the files of /sdk/page.js, in order: parts of one function
// body that share its scope.
var pageParts = []string{"setup.js", "player.js", "render.js", "chat.js"}

// SDK returns /sdk/livestudio.js: the SDK's parts joined into one script.
func SDK() ([]byte, error) { return join("static/sdk/", sdkParts, "", "") }

// Page returns /sdk/page.js, the page's script built on the SDK: its parts
// in one strict-mode function.
func Page() ([]byte, error) {
	return join("static/page/", pageParts,
		"/* The live page (/play/{room}) and the embed (/embed/{room}), built on the SDK.\n"+
			" * Everything users typed goes to the DOM through textContent, never innerHTML. */\n(function () {\n  'use strict';\n",
		"})();\n")
}

func join(dir string, names []string, head, tail string) ([]byte, error) {
	b := []byte(head)
	for _, name := range names {
		part, err := files.ReadFile(dir + name)
		if err != nil {
			return nil, fmt.Errorf("%s%s: %w", dir, name, err)
		}
		b = append(append(b, part...), '\n')
	}
	return append(b, tail...), nil
}

func newAsset(p string, b []byte, immutable bool) *asset {
	sum := sha256.Sum256(b)
	return &asset{body: b, ctype: contentType(p), etag: `"` + hex.EncodeToString(sum[:8]) + `"`,
		immutable: immutable}
}

func contentType(p string) string {
	switch path.Ext(p) {
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".html":
		return "text/html; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".LICENSE", ".txt":
		return "text/plain; charset=utf-8"
	}
	if t := mime.TypeByExtension(path.Ext(p)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// serve writes an asset with its caching headers: versioned vendor files
// for a year, our own files revalidated by ETag (they change with the
// gateway binary).
func (a *asset) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", a.etag)
	h.Set("Access-Control-Allow-Origin", "*") // the SDK is meant for other sites' pages
	if a.immutable {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, no-cache")
	}
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if acceptsGzip(r) {
		a.gzOnce.Do(func() { a.gz = gzipBytes(a.body) })
		if gz := a.gz; gz != nil {
			h.Set("Content-Encoding", "gzip")
			h.Add("Vary", "Accept-Encoding")
			w.Write(gz)
			return
		}
	}
	h.Add("Vary", "Accept-Encoding")
	w.Write(a.body)
}
