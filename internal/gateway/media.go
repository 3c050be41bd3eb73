package gateway

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"

	"livestudio/internal/media"
	"livestudio/internal/store"
)

// Media (WeChat's temporary media): images uploaded through
// /cgi-bin/media/upload or REST, kept in {data_dir}/media (media.dir),
// their records in the store; the ones rooms and goods use are public at
// /media/{id}.

// newMedia builds the media library on the opened store (setupRooms).
func (g *Gateway) newMedia(st *store.SQLite) (*media.Library, error) {
	cfg := g.cfg.Media
	if cfg.Dir == "" {
		cfg.Dir = filepath.Join(g.cfg.DataDir, "media")
	}
	lib, err := media.New(cfg, media.Options{Store: st, Log: g.log.With("component", "media"), Metrics: g.prom})
	if err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	g.media = lib
	return lib, nil
}

// registerMedia mounts the public route of media in use.
func (g *Gateway) registerMedia(mux *http.ServeMux) {
	mux.HandleFunc(media.PublicPath, g.media.ServePublic)
}

// runMedia sweeps expired media until ctx ends.
func (g *Gateway) runMedia(ctx context.Context) error { return g.media.Run(ctx) }

// Media exposes the media library (tests).
func (g *Gateway) Media() *media.Library { return g.media }
