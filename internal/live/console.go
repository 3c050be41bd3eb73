package live

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed console
var consoleFiles embed.FS

// ConsoleHandler serves the admin console (mount it at /console/): a
// page over the REST API, logged in with rooms.admin_token; nil when the
// REST API is off. Everything is served from the binary; nothing is loaded
// from elsewhere (the Content-Security-Policy says so).
func (rs *Rooms) ConsoleHandler() http.Handler {
	if rs.cfg.AdminToken == "" {
		return nil
	}
	sub, _ := fs.Sub(consoleFiles, "console")
	files := http.StripPrefix("/console/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}
