package chat

import (
	"context"
	"time"
)

// savedRoom is a room's moderation as saved: the store's copy with the
// writes still queued for the room applied on top.
type savedRoom struct {
	st    RoomState
	mutes map[string]time.Time
	bans  map[string]time.Time
}

func (sr *savedRoom) set(kind, user string, until time.Time) {
	m := &sr.mutes
	if kind == RestrictBan {
		m = &sr.bans
	} else if kind != RestrictMute {
		return // a kind this version does not know
	}
	if *m == nil {
		*m = map[string]time.Time{}
	}
	(*m)[user] = until
}

// loadRoom reads room id's saved moderation, with no lock held, for a room
// about to be created in this process. Expired restrictions are dropped
// and their saved copies deleted. A failed read is logged and counted, and
// the room starts with what this process still has queued for it.
//
// The writes still queued for the room (from an earlier life of the room
// in this process: destroyed, or dropped while idle) are taken before the
// read and applied after it: a write done in between is then applied
// twice, which changes nothing (each sets or deletes a key), and none is
// missed.
func (s *Server) loadRoom(id string) savedRoom {
	var sr savedRoom
	if s.store == nil {
		return sr
	}
	pending := s.persist.pending(id)
	ctx, cancel := context.WithTimeout(context.Background(), persistTimeout)
	defer cancel()
	st, rs, err := s.store.LoadRoom(ctx, id)
	if err != nil {
		s.m.persist.WithLabelValues("load_room", "failed").Inc()
		s.log.Error("chat room's saved mutes and bans not loaded", "room", id, "err", err)
	} else {
		s.m.persist.WithLabelValues("load_room", "ok").Inc()
		sr.st = st
		for _, r := range rs {
			sr.set(r.Kind, r.User, r.Until)
		}
	}
	for _, op := range pending {
		switch op.kind {
		case opSaveRestriction:
			sr.set(op.r.Kind, op.r.User, op.r.Until)
		case opDeleteRestriction:
			if op.r.Kind == RestrictBan {
				delete(sr.bans, op.r.User)
			} else {
				delete(sr.mutes, op.r.User)
			}
		case opSaveRoomState:
			sr.st = op.st
		case opDeleteRoom:
			sr = savedRoom{}
		}
	}
	now := s.now()
	for kind, m := range map[string]map[string]time.Time{RestrictMute: sr.mutes, RestrictBan: sr.bans} {
		for user, until := range m {
			if !until.After(now) {
				delete(m, user)
				s.persist.enqueue(persistOp{kind: opDeleteRestriction, room: id,
					r: Restriction{Room: id, User: user, Kind: kind}})
			}
		}
	}
	return sr
}

// loadNewRoom reads room id's saved state for a caller about to create the
// room. Only one caller reads a room at a time: the others wait for it and
// get false (they look the room up again, and find it when a crowd
// reconnects after a restart). The reader calls done once the room is in
// the server's map (or not created after all).
func (s *Server) loadNewRoom(id string) (saved savedRoom, done func(), ok bool) {
	if s.store == nil {
		return savedRoom{}, func() {}, true
	}
	s.mu.Lock()
	if ch, busy := s.loading[id]; busy {
		s.mu.Unlock()
		<-ch
		return savedRoom{}, nil, false
	}
	ch := make(chan struct{})
	s.loading[id] = ch
	s.mu.Unlock()
	saved = s.loadRoom(id)
	return saved, func() {
		s.mu.Lock()
		delete(s.loading, id)
		s.mu.Unlock()
		close(ch)
	}, true
}

// restore gives a new room (not yet visible) its saved moderation.
func (sr savedRoom) restore(r *room) {
	r.mod.mutes, r.mod.bans = sr.mutes, sr.bans
	r.mod.roomMuted, r.mod.policyMuted = sr.st.Muted, sr.st.PolicyMuted
}

// refOf names user id in a tip, with its saved profile.
func (s *Server) refOf(id string) UserRef {
	u, _ := s.loadedUser(id)
	return u.ref()
}

// loadedUser returns user id with its saved profile, read from the store
// the first time this process needs it (a login, an admin acting on the
// user), with no lock but the user's own held. It reports false if the
// read failed: the profile is then empty for now, and changing it is
// refused rather than overwrite the saved one (a later call retries).
func (s *Server) loadedUser(id string) (*user, bool) {
	u := s.users.get(id)
	if s.store == nil || u.loaded.Load() {
		return u, true
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.loaded.Load() {
		return u, true
	}
	ctx, cancel := context.WithTimeout(context.Background(), persistTimeout)
	defer cancel()
	p, found, err := s.store.Profile(ctx, id)
	if err != nil {
		s.m.persist.WithLabelValues("load_profile", "failed").Inc()
		s.log.Error("chat user's saved profile not loaded", "user", id, "err", err)
		return u, false
	}
	s.m.persist.WithLabelValues("load_profile", "ok").Inc()
	if found {
		u.profile.Store(&p)
	}
	u.loaded.Store(true)
	return u, true
}
