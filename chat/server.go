// Package chat is the live room's interaction server: AVChatRoom-shaped rooms
// over WebSocket (docs/protocol.md). Clients log in with a TLS-sig v2
// UserSig or stay guests that only receive; rooms are created on first join;
// messages carry the sender's profile, a per-room sequence number, a
// priority and the live stream's media time. Each broadcast is encoded once
// and the same bytes are queued to every member; each client's write pump
// coalesces what is queued into one WebSocket frame.
package chat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"livestudio/internal/config"
)

// Options are the server's collaborators.
type Options struct {
	// Log receives connection-level events; nil discards them.
	Log *slog.Logger
	// Metrics registers the chat counters; nil keeps them unregistered.
	Metrics prometheus.Registerer
	// MediaTime returns the newest timestamp of the room's live stream, if
	// it is live. It is called once per accepted message, outside any room
	// lock, and must be cheap.
	MediaTime func(roomID string) (time.Duration, bool)
	// Audience returns the people who watched the room's stream without
	// the chat (media viewers since the process started, and the most at
	// once); room statistics add them (giftstats.go). It is called with
	// the room locked and must not call back into the chat. Nil: chat
	// members only.
	Audience func(roomID string) (total int64, peak int)
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
	// AdHocRoom names, with Config.ManagedRooms, the rooms a join may
	// still create (nil: none).
	AdHocRoom func(roomID string) bool
	// Persist keeps mutes, bans, room mutes and profiles across restarts
	// (persist.go); nil keeps them in memory only.
	Persist Persistence
}

// Server holds the rooms and connections. Mount it at /ws; call Run.
type Server struct {
	cfg       Config
	log       *slog.Logger
	m         *metrics
	mediaTime func(string) (time.Duration, bool)
	audience  func(string) (int64, int)
	now       func() time.Time
	verifier  verifier
	users     *users
	upgrader  websocket.Upgrader
	// words is the current sensitive-word matcher (nil: no filter);
	// swapped whole on reload.
	words atomic.Pointer[matcher]
	// hooks posts webhooks; nil without chat.webhook_url.
	hooks *webhooks
	// adHocRoom: with managed_rooms, rooms a join may still create.
	adHocRoom func(string) bool
	// store is Options.Persist (nil: none); writes go through persist.
	store   Persistence
	persist *writeBehind

	mu    sync.Mutex
	rooms map[string]*room
	// loading: rooms whose saved state is being read; closed once the
	// room is created (persist_load.go).
	loading map[string]chan struct{}
	clients map[*client]struct{}
	closing bool
	conns   sync.WaitGroup // connection handlers and their write pumps
}

// New validates cfg and builds a server; nothing runs until Run.
func New(cfg Config, opts Options) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Server{
		cfg:       cfg,
		log:       opts.Log,
		m:         newMetrics(opts.Metrics),
		mediaTime: opts.MediaTime,
		audience:  opts.Audience,
		adHocRoom: opts.AdHocRoom,
		now:       opts.Now,
		users:     newUsers(cfg.Admins),
		rooms:     map[string]*room{},
		loading:   map[string]chan struct{}{},
		clients:   map[*client]struct{}{},
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if cfg.WordList != "" {
		m, err := loadWordList(cfg.WordList)
		if err != nil {
			return nil, fmt.Errorf("chat.word_list: %w", err)
		}
		s.words.Store(m)
		s.m.wordReloads.WithLabelValues("ok").Inc()
	}
	s.hooks = newWebhooks(s)
	s.store, s.persist = opts.Persist, newWriteBehind(s, opts.Persist)
	s.verifier = verifier{appID: cfg.SDKAppID, key: cfg.SecretKey, now: s.now}
	s.upgrader = websocket.Upgrader{
		// Small read buffer; write buffers come from a pool and are held only
		// while a frame is written, so idle connections hold none. A pooled
		// buffer fits a whole coalesced frame: one syscall per write.
		ReadBufferSize:  1024,
		WriteBufferSize: maxBatchBytes + 1024,
		WriteBufferPool: &sync.Pool{},
		// Identity is the UserSig inside the socket, not a cookie, so a
		// cross-origin page gains nothing: players are embedded anywhere.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	return s, nil
}

// Run ticks the rooms (likes, aggregated tips, online counts, idle rooms)
// until ctx ends; then it refuses new connections, sends every client a
// close frame (1001) after what was queued for it, and returns when every
// connection's goroutines have ended.
//
// With a word list it also watches the file and reloads it when it changes.
func (s *Server) Run(ctx context.Context) error {
	t := time.NewTicker(s.cfg.LikeInterval)
	defer t.Stop()
	var watcher sync.WaitGroup
	if s.cfg.WordList != "" {
		watcher.Go(func() {
			if err := config.Watch(ctx, s.cfg.WordList, s.log, s.reloadWords); err != nil {
				s.log.Error("chat word list not watched: edits need a restart", "err", err)
			}
		})
	}
	// The webhooks outlive ctx until every connection has ended, so that
	// the exits of the connections closed at shutdown are posted too.
	hctx, stopHooks := context.WithCancel(context.Background())
	defer stopHooks()
	watcher.Go(func() { s.hooks.run(hctx) })
	// The persistence queue too: what the last requests changed is written.
	watcher.Go(func() { s.persist.run(hctx) })
	lastOnline := s.now()
	for {
		select {
		case <-ctx.Done():
			s.shutdown()
			s.conns.Wait()
			// The leave tips of the closed connections armed batch
			// timers: stop them, so no room work outlives Run.
			s.flushRooms()
			stopHooks()
			watcher.Wait()
			return nil
		case <-t.C:
			now := s.now()
			online := now.Sub(lastOnline) >= s.cfg.OnlineInterval-s.cfg.LikeInterval/2
			if online {
				lastOnline = now
			}
			s.tick(now, online)
		}
	}
}

func (s *Server) shutdown() {
	s.mu.Lock()
	s.closing = true
	clients := make([]*client, 0, len(s.clients))
	for c := range s.clients {
		clients = append(clients, c)
	}
	s.mu.Unlock()
	// What the rooms hold for their next batch goes out before the close.
	s.flushRooms()
	for _, c := range clients {
		c.q.shut(closeReason{code: websocket.CloseGoingAway, text: "server shutting down", flush: true})
	}
	s.log.Info("chat shutting down", "clients", len(clients))
}

// flushRooms sends every room's pending batch now and stops its timer.
func (s *Server) flushRooms() {
	s.mu.Lock()
	rooms := make([]*room, 0, len(s.rooms))
	for _, r := range s.rooms {
		rooms = append(rooms, r)
	}
	s.mu.Unlock()
	for _, r := range rooms {
		r.flush()
	}
}

// ServeHTTP upgrades to WebSocket and serves the connection until it ends.
// ?room=ID joins that room at once, as a guest until the client logs in.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	roomID := r.URL.Query().Get("room")
	if roomID != "" {
		if err := checkRoomID(roomID); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		http.Error(w, "chat is shutting down", http.StatusServiceUnavailable)
		return
	}
	s.conns.Add(1)
	s.mu.Unlock()
	defer s.conns.Done()

	conn, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered the request
	}
	c := newClient(s, conn)
	if !s.register(c) {
		c.q.shut(closeReason{code: websocket.CloseGoingAway, text: "server shutting down"})
	}
	// The pumps get goroutines of their own and the handler returns: the
	// HTTP server's per-connection state (buffers, response) is freed,
	// which is most of an idle connection's memory.
	s.conns.Add(2)
	go func() {
		defer s.conns.Done()
		c.writePump()
	}()
	go func() {
		defer s.conns.Done()
		c.serve(roomID)
		s.unregister(c)
	}()
}

func (s *Server) register(c *client) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.clients[c] = struct{}{}
	s.m.connections.Inc()
	return true
}

func (s *Server) unregister(c *client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.clients[c]; ok {
		delete(s.clients, c)
		s.m.connections.Dec()
	}
}

// errRoomGone: the room was dropped while a join was on its way; retry.
var errRoomGone = errors.New("room dropped")

// room returns the room, creating it with its saved moderation; nil if it
// does not exist and may not be created (managed rooms).
func (s *Server) room(id string) *room {
	for {
		s.mu.Lock()
		r, may := s.rooms[id], s.mayCreateLocked(id)
		s.mu.Unlock()
		if r != nil || !may {
			return r
		}
		saved, done, ok := s.loadNewRoom(id) // no lock held while the store is read
		if !ok {
			continue // another join loaded it: look again
		}
		s.mu.Lock()
		if r = s.rooms[id]; r == nil && s.mayCreateLocked(id) {
			r = newRoom(id, s)
			saved.restore(r)
			s.rooms[id] = r
			s.m.rooms.Inc()
		}
		s.mu.Unlock()
		done()
		return r
	}
}

// tick runs the periodic work of every room and drops rooms idle too long.
func (s *Server) tick(now time.Time, online bool) {
	s.mu.Lock()
	rooms := make([]*room, 0, len(s.rooms))
	for _, r := range s.rooms {
		rooms = append(rooms, r)
	}
	s.mu.Unlock()
	for _, r := range rooms {
		if r.tick(now, online) {
			s.dropIfIdle(r, now)
		}
	}
}

func (s *Server) dropIfIdle(r *room, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.idleExpiredLocked(now) && s.rooms[r.id] == r && r.mgd == nil {
		r.flushLocked() // nobody to send to: stops the batch timer
		r.dead = true
		delete(s.rooms, r.id)
		s.m.rooms.Dec()
		s.hooks.afterDestroyLocked(r, DestroyBySystem, "", PlatformServer, now)
	}
}

// destroyRoom closes a room for everyone (admin REST destroy_room): each
// member gets a room_destroyed tip and stops being a member, the room is
// forgotten (its attributes, likes, history, mutes and bans with it) and
// Live.CallbackAfterDestroyRoom is queued (DestroyBySystem if system). It
// returns how many connections were in the room, or false if there was none.
func (s *Server) destroyRoom(id, by string, system bool) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rooms[id]
	if r == nil {
		return 0, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := s.now()
	r.broadcastLocked(encode(modTipFrame{Type: "tip", Room: r.id, Kind: TipRoomDestroyed, By: by,
		Time: now.UnixMilli()}), nil)
	r.flushLocked()
	n := len(r.members)
	for _, c := range r.members {
		c.idx = -1
	}
	clear(r.members)
	r.members = nil
	r.dead = true
	delete(s.rooms, id)
	s.m.rooms.Dec()
	s.persist.enqueue(persistOp{kind: opDeleteRoom, room: id})
	if system {
		s.hooks.afterDestroyLocked(r, DestroyBySystem, by, PlatformServer, now)
	} else {
		s.hooks.afterDestroyLocked(r, DestroyByUser, by, PlatformRESTAPI, now)
	}
	return n, true
}

// RoomStats returns a room's statistics, if the room exists.
func (s *Server) RoomStats(id string) (RoomStats, bool) {
	s.mu.Lock()
	r := s.rooms[id]
	s.mu.Unlock()
	if r == nil {
		return RoomStats{}, false
	}
	return r.statsSnapshot(), true
}

func (s *Server) mediaTimeMS(roomID string) *int64 {
	if s.mediaTime == nil {
		return nil
	}
	d, ok := s.mediaTime(roomID)
	if !ok {
		return nil
	}
	ms := d.Milliseconds()
	return &ms
}

// checkRoomID accepts 1 to 64 bytes without spaces or control characters.
func checkRoomID(id string) error {
	if id == "" || len(id) > 64 {
		return fmt.Errorf("room id must be 1 to 64 bytes")
	}
	for _, r := range id {
		if r < 0x21 || r == 0x7f {
			return fmt.Errorf("room id %q has a space or control character", id)
		}
	}
	return nil
}
