package replay

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Handler serves the recordings under /replay/:
//
//	GET /replay/{key}/                  the key's recordings (JSON), oldest first
//	GET /replay/{key}/{id}/index.m3u8   a recording's playlist
//	GET /replay/{key}/{id}/seg000000.ts its segments (Range requests work)
//
// Every name is checked strictly; anything else is 404.
func (r *Recorder) Handler() http.Handler { return http.HandlerFunc(r.serve) }

func (r *Recorder) serve(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		r.refuse(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	rest, ok := strings.CutPrefix(req.URL.Path, "/replay/")
	if !ok {
		r.refuse(w, http.StatusNotFound, "not found")
		return
	}
	parts := strings.Split(rest, "/")
	switch {
	case len(parts) == 2 && parts[1] == "" && validKey(parts[0]):
		r.serveList(w, parts[0])
	case len(parts) == 3 && validKey(parts[0]) && validID(parts[1]) &&
		(parts[2] == playlistName || validSegmentName(parts[2])):
		r.serveFile(w, req, parts[0], parts[1], parts[2])
	default:
		r.refuse(w, http.StatusNotFound, "no such recording")
	}
}

// recordingJSON is a recording in the JSON list.
type recordingJSON struct {
	ID       string    `json:"id"`
	Key      string    `json:"key"`
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Duration float64   `json:"duration"` // seconds
	URL      string    `json:"url"`
	Live     bool      `json:"live"`
	Bytes    int64     `json:"bytes"`
}

func (r *Recorder) serveList(w http.ResponseWriter, key string) {
	recs, err := r.List(key)
	if err != nil {
		r.log.Warn("replay: list", "key", key, "err", err)
		r.refuse(w, http.StatusInternalServerError, "cannot list recordings")
		return
	}
	out := struct {
		Key        string          `json:"key"`
		Recordings []recordingJSON `json:"recordings"`
	}{Key: key, Recordings: make([]recordingJSON, 0, len(recs))}
	for _, rc := range recs {
		out.Recordings = append(out.Recordings, recordingJSON{ID: rc.ID, Key: rc.Key, Start: rc.Start, End: rc.End,
			Duration: rc.Duration.Seconds(), URL: rc.URL, Live: rc.Live, Bytes: rc.Bytes})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	json.NewEncoder(w).Encode(out)
}

func (r *Recorder) serveFile(w http.ResponseWriter, req *http.Request, key, id, name string) {
	f, err := os.Open(filepath.Join(r.cfg.Dir, key, id, name))
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			r.log.Warn("replay: open", "key", key, "id", id, "file", name, "err", err)
		}
		r.refuse(w, http.StatusNotFound, "no such recording")
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		r.refuse(w, http.StatusNotFound, "no such recording")
		return
	}
	if name == playlistName {
		w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
		// A live recording's playlist grows; a finished one never changes
		// again, but it was served as EVENT before: let caches revalidate.
		w.Header().Set("Cache-Control", "no-cache")
	} else {
		w.Header().Set("Content-Type", "video/mp2t")
		w.Header().Set("Cache-Control", "public, max-age=86400")
	}
	http.ServeContent(w, req, name, st.ModTime(), f)
}

// refuse answers a request the handler does not serve, with a JSON error,
// and counts it.
func (r *Recorder) refuse(w http.ResponseWriter, code int, msg string) {
	r.m.Errors.WithLabelValues("request").Inc()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}
