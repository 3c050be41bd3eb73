package live

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"livestudio/internal/media"
	"livestudio/internal/store"
)

// Streams is what rooms need of the stream registry.
type Streams interface {
	// Publishing reports whether key has a live publisher.
	Publishing(key string) bool
	// Kick stops key's publisher.
	Kick(key string) bool
}

// RoomsOptions are the rooms' collaborators.
type RoomsOptions struct {
	Store   store.Store
	Streams Streams
	// Chat is the live-room chat (nil: no chat; rooms still work).
	Chat Chat
	Log  *slog.Logger
	// PublicBase is the http(s) base of share URLs when the config has none.
	PublicBase string
	// Recordings lists a room's replays and Recorder records them (nil:
	// the gateway records none).
	Recordings Recordings
	Recorder   Recorder
	// Metrics registers the API counters; nil keeps them unregistered.
	Metrics prometheus.Registerer
	// Now is the clock (tests); nil: time.Now.
	Now func() time.Time
	// Media is the media library (nil: image fields take any string and
	// no media API is served).
	Media *media.Library
	// Online returns a stream's media viewers now, by protocol (REST
	// /stats "online"); nil: not reported.
	Online func(key string) (flv, hls int)
}

// Rooms is the one implementation behind both API faces: live rooms,
// goods, members and roles in the store; live status following the
// stream registry and the clock; each room's chat room kept in step
// (created, destroyed, muted, its status and product attributes).
type Rooms struct {
	cfg     RoomsConfig
	apps    map[string]App
	st      store.Store
	streams Streams
	chat    Chat
	log     *slog.Logger
	now     func() time.Time
	base    string
	m       *roomMetrics
	// recordings lists replays, recorder records them (nil: none).
	recordings Recordings
	recorder   Recorder
	// pushURL makes a room's signed push URL (set by AttachRooms).
	pushURL func(a App, roomID int64) string
	// media holds uploaded images (nil: none).
	media *media.Library
	// online reports media viewers now (nil: none).
	online func(key string) (flv, hls int)

	// mu guards the cache; writes hold it across the store write so that
	// the cache and the store agree.
	mu    sync.Mutex
	rooms map[string]*roomEntry // by stream key
	roles map[string][]string   // appid → users with any role
	// syncMu orders what is told to chat about a room's status.
	syncMu sync.Mutex
}

type roomEntry struct {
	r       store.Room
	members []string // assistants and sub-anchor: the room's chat admins
	status  int      // last status told to chat (0: none yet)
}

// NewRooms loads every room of the configured apps, creates the missing
// seed rooms and the chat rooms, and brings each chat room up to date.
func NewRooms(ctx context.Context, cfg RoomsConfig, apps []App, opts RoomsOptions) (*Rooms, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	rs := &Rooms{cfg: cfg, apps: map[string]App{}, st: opts.Store, streams: opts.Streams, chat: opts.Chat,
		log: opts.Log, now: opts.Now, base: strings.TrimSuffix(cfg.PublicBase, "/"),
		rooms: map[string]*roomEntry{}, roles: map[string][]string{}, m: newRoomMetrics(opts.Metrics),
		recordings: opts.Recordings, recorder: opts.Recorder, media: opts.Media, online: opts.Online}
	if rs.log == nil {
		rs.log = slog.New(slog.DiscardHandler)
	}
	if rs.now == nil {
		rs.now = time.Now
	}
	if rs.base == "" {
		rs.base = strings.TrimSuffix(opts.PublicBase, "/")
	}
	for _, a := range apps {
		rs.apps[a.AppID] = a
		if err := rs.load(ctx, a); err != nil {
			return nil, fmt.Errorf("rooms of %s: %w", a.AppID, err)
		}
	}
	for key := range rs.rooms {
		rs.openChat(key)
	}
	return rs, nil
}

func (rs *Rooms) load(ctx context.Context, a App) error {
	for _, seed := range a.Rooms {
		if _, err := rs.st.Room(ctx, a.AppID, seed.ID); !errors.Is(err, store.ErrNotFound) {
			if err != nil {
				return err
			}
			continue
		}
		now := rs.now().Unix()
		anchor := seed.Anchor
		if anchor == "" {
			anchor = "Anchor"
		}
		r := store.Room{AppID: a.AppID, ID: seed.ID, Name: seed.Name, StartTime: now, EndTime: now + 366*24*3600,
			AnchorName: anchor, CreatedAt: now, UpdatedAt: now}
		if err := rs.st.CreateRoom(ctx, &r); err != nil {
			return fmt.Errorf("seed room %d: %w", seed.ID, err)
		}
		rs.log.Info("seed room created", "app", a.AppID, "room", seed.ID, "name", seed.Name)
	}
	roles, _, err := rs.st.Roles(ctx, a.AppID, -1, "", 0, 1<<30)
	if err != nil {
		return err
	}
	rs.roles[a.AppID] = roleUsers(roles)
	for offset := 0; ; offset += 500 {
		list, _, err := rs.st.Rooms(ctx, a.AppID, offset, 500)
		if err != nil {
			return err
		}
		for _, r := range list {
			e := &roomEntry{r: r}
			if e.members, err = rs.memberNames(ctx, a.AppID, r.ID); err != nil {
				return err
			}
			rs.rooms[StreamKey(a.AppID, r.ID)] = e
		}
		if len(list) < 500 {
			return nil
		}
	}
}

func roleUsers(roles []store.Role) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range roles {
		if !seen[r.Username] {
			seen[r.Username] = true
			out = append(out, r.Username)
		}
	}
	return out
}

func (rs *Rooms) memberNames(ctx context.Context, appID string, id int64) ([]string, error) {
	ms, err := rs.st.Members(ctx, appID, id, "")
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.Username)
	}
	return out, nil
}

// parseKey splits a stream key into its app and room number.
func parseKey(key string) (appID string, id int64, ok bool) {
	i := strings.LastIndexByte(key, '-')
	if i <= 0 {
		return "", 0, false
	}
	id, err := strconv.ParseInt(key[i+1:], 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != key[i+1:] {
		return "", 0, false
	}
	return key[:i], id, true
}

// entry returns a copy of a room's cache entry.
func (rs *Rooms) entry(key string) (roomEntry, bool) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	e := rs.rooms[key]
	if e == nil {
		return roomEntry{}, false
	}
	return *e, true
}

// AdHoc returns the chat's ad-hoc rule for apps: a join may create a room
// that is not a room key of an app with managed_rooms.
func AdHoc(apps []App) func(string) bool {
	managed := map[string]bool{}
	for _, a := range apps {
		managed[a.AppID] = a.ManagedRooms
	}
	return func(key string) bool {
		appID, _, ok := parseKey(key)
		return !ok || !managed[appID]
	}
}
