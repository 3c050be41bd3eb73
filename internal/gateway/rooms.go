package gateway

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"livestudio/internal/live"
	"livestudio/internal/store"
)

// Live rooms and goods (issue #6): the embedded store in data_dir, the
// rooms behind both API faces (WeChat's paths via the live API service,
// REST under /api/v1/), share-code images under /share/, and the stream
// registry telling rooms when their streams are published.

// setupRooms opens the store and loads the rooms; called by New once chat
// exists and the HTTP listener is bound.
func (g *Gateway) setupRooms() error {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, g.cfg.DataDir)
	if err != nil {
		return err
	}
	g.store = st // from here on the chat's persistence (chat_persist.go) uses it
	lib, err := g.newMedia(st)
	if err != nil {
		st.Close()
		return err
	}
	var ch live.Chat
	if g.chat != nil {
		ch = roomsChat{g.chat}
	}
	rs, err := live.NewRooms(ctx, g.cfg.Rooms, g.cfg.Apps, live.RoomsOptions{Store: st, Streams: g.reg, Chat: ch,
		Log: g.log.With("component", "rooms"), Metrics: g.prom, PublicBase: "http://" + publicHost("", g.HTTPAddr()),
		Recorder: g.rec, Recordings: g.recordings, Media: lib, Online: g.mediaOnline})
	if err != nil {
		st.Close()
		return fmt.Errorf("rooms: %w", err)
	}
	if tcp, ok := g.HTTPAddr().(*net.TCPAddr); ok && tcp.IP.IsUnspecified() && g.cfg.Rooms.PublicBase == "" {
		g.log.Warn("rooms.public_base is not set and HTTP listens on every interface: share codes and " +
			"image URLs name 127.0.0.1; set rooms.public_base to the address viewers use")
	}
	g.store, g.rooms = st, rs
	g.reg.OnChange(rs.StreamChanged)
	g.api.AttachRooms(rs)
	return nil
}

// chatAdHoc is the chat's rule for rooms a join may create: with rooms
// managed, only those not of a managed_rooms app.
func (g *Gateway) chatAdHoc() func(string) bool { return live.AdHoc(g.cfg.Apps) }

// registerRooms mounts the REST API, the console and share images.
func (g *Gateway) registerRooms(mux *http.ServeMux) {
	if h := g.rooms.RESTHandler(); h != nil {
		mux.Handle("/api/v1/", h)
		mux.Handle("/console/", g.rooms.ConsoleHandler())
		mux.Handle("/console", http.RedirectHandler("/console/", http.StatusMovedPermanently))
	}
	mux.HandleFunc(live.ShareImagePath, g.rooms.ServeShareImage)
}

// runRooms follows the clock and saves statistics until ctx ends.
func (g *Gateway) runRooms(ctx context.Context) error { return g.rooms.Run(ctx) }

// closeRooms closes the store once everything has stopped.
func (g *Gateway) closeRooms() error { return g.store.Close() }

// Rooms exposes the live rooms (tests).
func (g *Gateway) Rooms() *live.Rooms { return g.rooms }

// recordings lists a room's replays for getliveinfo's get_replay: the
// recorder's recordings of the stream key, expiring after replay.max_age.
func (g *Gateway) recordings(key string) []live.Replay {
	recs, err := g.rec.List(key)
	if err != nil {
		g.log.Warn("replays not listed", "room", key, "err", err)
		return nil
	}
	out := make([]live.Replay, 0, len(recs))
	for _, r := range recs {
		rp := live.Replay{CreateTime: r.Start.Format(time.RFC3339), MediaURL: r.URL}
		if g.cfg.Replay.MaxAge > 0 {
			rp.ExpireTime = r.End.Add(g.cfg.Replay.MaxAge).Format(time.RFC3339)
		}
		out = append(out, rp)
	}
	return out
}
