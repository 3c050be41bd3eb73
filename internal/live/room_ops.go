package live

import (
	"context"
	"errors"
	"net/http"

	"livestudio/internal/store"
)

// RoomView is a room as the faces show it: stored fields, the live status
// now, its goods and its statistics.
type RoomView struct {
	store.Room
	Status int
	Goods  []store.RoomGoods
	Stats  store.Stats
}

func (rs *Rooms) app(appID string) (App, *Error) {
	a, ok := rs.apps[appID]
	if !ok {
		return App{}, apiErr(http.StatusNotFound, ErrcodeInvalidAppID, "unknown appid %q", appID)
	}
	return a, nil
}

// CreateRoom validates in and creates the room and its chat room.
func (rs *Rooms) CreateRoom(ctx context.Context, appID string, in RoomInput) (store.Room, error) {
	if _, e := rs.app(appID); e != nil {
		return store.Room{}, e
	}
	now := rs.now().Unix()
	r := store.Room{AppID: appID, CreatedAt: now, UpdatedAt: now}
	if e := in.apply(&r, true); e != nil {
		return r, e
	}
	if e := rs.cfg.checkWindow(r.StartTime, r.EndTime, now, false); e != nil {
		return r, e
	}
	if e := rs.useImages(ctx, appID, in.images()...); e != nil {
		return r, e
	}
	rs.mu.Lock()
	if err := rs.st.CreateRoom(ctx, &r); err != nil {
		rs.mu.Unlock()
		return r, systemErr(err)
	}
	key := StreamKey(appID, r.ID)
	e := &roomEntry{r: r}
	if r.SubAnchorWechat != "" {
		if err := rs.st.PutMember(ctx, store.Member{AppID: appID, RoomID: r.ID, Kind: store.KindSubAnchor,
			Username: r.SubAnchorWechat, CreatedAt: now}); err == nil {
			e.members = []string{r.SubAnchorWechat}
		}
	}
	rs.rooms[key] = e
	rs.mu.Unlock()
	rs.openChat(key)
	rs.log.Info("room created", "room", key, "name", r.Name)
	return r, nil
}

// update changes a room under the cache lock and saves it; f may refuse.
// The chat room is brought in line afterwards.
func (rs *Rooms) update(ctx context.Context, appID string, id int64, f func(r *store.Room, status int) *Error) (store.Room, error) {
	if _, e := rs.app(appID); e != nil {
		return store.Room{}, e
	}
	key := StreamKey(appID, id)
	rs.mu.Lock()
	e := rs.rooms[key]
	if e == nil {
		rs.mu.Unlock()
		return store.Room{}, roomNotFound(id)
	}
	r := e.r
	if ae := f(&r, rs.status(key, &e.r)); ae != nil {
		rs.mu.Unlock()
		return r, ae
	}
	r.UpdatedAt = rs.now().Unix()
	if err := rs.st.UpdateRoom(ctx, r); err != nil {
		rs.mu.Unlock()
		if errors.Is(err, store.ErrNotFound) {
			return r, roomNotFound(id)
		}
		return r, systemErr(err)
	}
	e.r = r
	rs.mu.Unlock()
	rs.applyChat(key)
	rs.sync(key)
	rs.applyReplay(key)
	return r, nil
}

// EditRoom changes a room's fields (editroom). A room that is live or
// over cannot be edited; one that went live keeps its start time.
func (rs *Rooms) EditRoom(ctx context.Context, appID string, id int64, in RoomInput) error {
	r, err := rs.update(ctx, appID, id, func(r *store.Room, status int) *Error {
		switch {
		case status == StatusLive:
			return apiErr(http.StatusConflict, ErrcodeEditWhileLive, "room %d is live: stop publishing before editing it", id)
		case final(status):
			return apiErr(http.StatusConflict, ErrcodeRoomState, "room %d is over (live_status %d): it cannot be edited", id, status)
		}
		start, end := r.StartTime, r.EndTime
		if e := in.apply(r, false); e != nil {
			return e
		}
		if e := rs.useImages(ctx, appID, in.images()...); e != nil {
			return e
		}
		if r.CloseGoods {
			r.Product = "" // the shelf is closed: no card
		}
		if r.StartTime != start || r.EndTime != end {
			if r.LiveAt != 0 && r.StartTime != start {
				return apiErr(http.StatusConflict, ErrcodeRoomState, "room %d has gone live: its startTime cannot change", id)
			}
			if e := rs.cfg.checkWindow(r.StartTime, r.EndTime, rs.now().Unix(), r.StartTime == start); e != nil {
				return e
			}
		}
		return nil
	})
	if err != nil || in.SubAnchorWechat == nil || *in.SubAnchorWechat == "" || *in.SubAnchorWechat == r.SubAnchorWechat {
		return err
	}
	return rs.SetSubAnchor(ctx, appID, id, *in.SubAnchorWechat, r.SubAnchorWechat != "")
}

// SetFlags changes the flags of updatefeedpublic, updatereplay, updatekf
// and updatecomment (nil: unchanged).
func (rs *Rooms) SetFlags(ctx context.Context, appID string, id int64, feedsPublic, closeReplay, closeKf, closeComment *bool) error {
	_, err := rs.update(ctx, appID, id, func(r *store.Room, _ int) *Error {
		for _, f := range []struct {
			v   *bool
			dst *bool
		}{{feedsPublic, &r.FeedsPublic}, {closeReplay, &r.CloseReplay}, {closeKf, &r.CloseKf}, {closeComment, &r.CloseComment}} {
			if f.v != nil {
				*f.dst = *f.v
			}
		}
		return nil
	})
	return err
}

// EndRoom ends a room now (103); its publisher is stopped.
func (rs *Rooms) EndRoom(ctx context.Context, appID string, id int64) error {
	_, err := rs.update(ctx, appID, id, func(r *store.Room, status int) *Error {
		if final(status) {
			return apiErr(http.StatusConflict, ErrcodeRoomState, "room %d is already over (live_status %d)", id, status)
		}
		r.EndedAt = rs.now().Unix()
		return nil
	})
	return err
}

// BanRoom bans (104) or unbans a room; a banned room's publisher is stopped.
func (rs *Rooms) BanRoom(ctx context.Context, appID string, id int64, banned bool) error {
	_, err := rs.update(ctx, appID, id, func(r *store.Room, _ int) *Error {
		r.Banned = banned
		return nil
	})
	return err
}

// DeleteRoom deletes a room: its goods list and members go with it, its
// chat room is destroyed (the destroy webhook carries its statistics) and
// its publisher is stopped.
func (rs *Rooms) DeleteRoom(ctx context.Context, appID string, id int64) error {
	if _, e := rs.app(appID); e != nil {
		return e
	}
	key := StreamKey(appID, id)
	rs.mu.Lock()
	if rs.rooms[key] == nil {
		rs.mu.Unlock()
		return roomNotFound(id)
	}
	if err := rs.st.DeleteRoom(ctx, appID, id); err != nil && !errors.Is(err, store.ErrNotFound) {
		rs.mu.Unlock()
		return systemErr(err)
	}
	delete(rs.rooms, key)
	rs.mu.Unlock()
	if rs.chat != nil {
		rs.chat.DestroyRoom(key)
	}
	rs.streams.Kick(key)
	if rs.recorder != nil {
		rs.recorder.Stop(key) // its recordings stay on disk until replay.max_age
	}
	rs.log.Info("room deleted", "room", key)
	return nil
}

// Room returns a room's view.
func (rs *Rooms) Room(ctx context.Context, appID string, id int64) (RoomView, error) {
	if _, e := rs.app(appID); e != nil {
		return RoomView{}, e
	}
	key := StreamKey(appID, id)
	e, ok := rs.entry(key)
	if !ok {
		return RoomView{}, roomNotFound(id)
	}
	return rs.view(ctx, key, e.r)
}

func (rs *Rooms) view(ctx context.Context, key string, r store.Room) (RoomView, error) {
	goods, err := rs.st.RoomGoods(ctx, r.AppID, r.ID)
	if err != nil {
		return RoomView{}, systemErr(err)
	}
	return RoomView{Room: r, Status: rs.status(key, &r), Goods: goods, Stats: rs.stats(key, r.Stats)}, nil
}

// ListRooms lists an app's rooms, newest first, with the total count.
func (rs *Rooms) ListRooms(ctx context.Context, appID string, offset, limit int) ([]RoomView, int, error) {
	if _, e := rs.app(appID); e != nil {
		return nil, 0, e
	}
	list, total, err := rs.st.Rooms(ctx, appID, offset, limit)
	if err != nil {
		return nil, 0, systemErr(err)
	}
	out := make([]RoomView, 0, len(list))
	for _, r := range list {
		key := StreamKey(appID, r.ID)
		if e, ok := rs.entry(key); ok {
			r = e.r // the cache is at least as new
		}
		v, err := rs.view(ctx, key, r)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, v)
	}
	return out, total, nil
}
