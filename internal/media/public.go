package media

import (
	"net/http"
	"strings"
	"time"
)

// PublicPath is where media in use are served to anyone: {PublicPath}{id}.
const PublicPath = "/media/"

// PublicURL is the URL of media id under base (the gateway's public base).
func PublicURL(base, id string) string { return strings.TrimSuffix(base, "/") + PublicPath + id }

// ServePublic serves media that a room or goods uses (a media id is
// unguessable, and only images in use are public: an upload nobody used
// stays private to its app's media/get). Ids never change content, so
// they are cached for a year.
func (l *Library) ServePublic(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, PublicPath)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	// IsID admits only [A-Za-z0-9_-]: no path can leave the directory.
	if !IsID(id) {
		l.CountDownload("public", l.invalidID(id))
		http.NotFound(w, r)
		return
	}
	m, err := l.st.Media(r.Context(), id)
	if err != nil || m.ExpiresAt != 0 {
		l.CountDownload("public", l.invalidID(id))
		http.NotFound(w, r)
		return
	}
	f, err := l.Open(m)
	if err != nil {
		l.CountDownload("public", err)
		l.log.Warn("media file missing", "id", id, "err", err)
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", m.ContentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("ETag", `"`+id+`"`)
	l.CountDownload("public", nil)
	http.ServeContent(w, r, "", time.Unix(m.CreatedAt, 0), f)
}
