package live

import (
	"context"

	"livestudio/internal/store"
)

// A room's chat room: id = stream key; its policy follows the room's flags
// (closeLike, closeGoods), its admins are the room's assistants and
// sub-anchor and the app's role holders, a closed comment mutes it, and
// its product and status attributes carry the card and the live status.

func (rs *Rooms) policy(e *roomEntry) ChatPolicy {
	admins := append(append([]string{}, e.members...), rs.roles[e.r.AppID]...)
	return ChatPolicy{LikesClosed: e.r.CloseLike, GoodsClosed: e.r.CloseGoods, Admins: admins, Base: e.r.Stats}
}

// openChat creates the room's chat room (at startup and on create) with
// its policy, mute and product card.
func (rs *Rooms) openChat(key string) {
	if rs.chat == nil {
		rs.sync(key)
		rs.applyReplay(key)
		return
	}
	rs.mu.Lock()
	e := rs.rooms[key]
	if e == nil {
		rs.mu.Unlock()
		return
	}
	p := rs.policy(e)
	if e.r.Product != "" && !e.r.CloseGoods {
		p.Attrs = map[string]string{ProductAttr: rs.renderCard(e.r.Product)}
	}
	rs.mu.Unlock()
	if err := rs.chat.CreateRoom(key, p); err != nil {
		rs.log.Error("chat room not created", "room", key, "err", err)
		return
	}
	rs.applyChat(key)
	rs.sync(key)
	rs.applyReplay(key)
}

// applyChat brings the chat room's policy and mute in line with the room.
func (rs *Rooms) applyChat(key string) {
	if rs.chat == nil {
		return
	}
	rs.mu.Lock()
	e := rs.rooms[key]
	if e == nil {
		rs.mu.Unlock()
		return
	}
	p, muted, closeGoods := rs.policy(e), e.r.CloseComment, e.r.CloseGoods
	rs.mu.Unlock()
	if err := rs.chat.SetRoomPolicy(key, p); err != nil {
		rs.log.Warn("chat room policy not set", "room", key, "err", err)
		return
	}
	rs.chat.SetRoomMuted(key, muted)
	if closeGoods {
		if attrs, ok := rs.chat.RoomAttrs(key); ok {
			if _, shown := attrs[ProductAttr]; shown {
				rs.chat.SetAttrs(key, map[string]*string{ProductAttr: nil})
			}
		}
	}
}

// applyChatApp re-applies every room of an app (its roles changed).
func (rs *Rooms) applyChatApp(appID string) {
	for _, key := range rs.keys() {
		if a, _, _ := parseKey(key); a == appID {
			rs.applyChat(key)
		}
	}
}

// stats is a room's statistics now: the chat room's (which include what
// was saved before), else the saved ones.
func (rs *Rooms) stats(key string, saved store.Stats) store.Stats {
	if rs.chat != nil {
		if st, ok := rs.chat.RoomStats(key); ok {
			return st
		}
	}
	return saved
}

// saveStats stores a room's statistics if they changed.
func (rs *Rooms) saveStats(key string) {
	if rs.chat == nil {
		return
	}
	st, ok := rs.chat.RoomStats(key)
	if !ok {
		return
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	e := rs.rooms[key]
	if e == nil || e.r.Stats == st {
		return
	}
	r := e.r
	r.Stats = st
	if err := rs.st.UpdateRoom(context.Background(), r); err != nil {
		rs.log.Warn("room statistics not saved", "room", key, "err", err)
		return
	}
	e.r = r
}

func (rs *Rooms) saveAllStats() {
	for _, key := range rs.keys() {
		rs.saveStats(key)
	}
}
