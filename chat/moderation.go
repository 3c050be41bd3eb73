package chat

import (
	"time"
)

// Moderation tip kinds.
const (
	TipMuted       = "muted"
	TipUnmuted     = "unmuted"
	TipKicked      = "kicked"
	TipRoomMuted   = "room_muted"
	TipRoomUnmuted = "room_unmuted"
	// TipRoomDestroyed: an admin destroyed the room (REST destroy_room);
	// nobody is a member any more.
	TipRoomDestroyed = "room_destroyed"
)

// maxModDuration bounds a mute or a ban (Tencent's MuteTime is at most
// 0xFFFFFFFF seconds; a year is plenty for a live room).
const maxModDuration = 366 * 24 * time.Hour

// moderation is a room's mutes, bans and room-wide mute, under the room's
// lock. Expired entries are dropped when they are looked at.
type moderation struct {
	mutes     map[string]time.Time // user ID → muted until
	bans      map[string]time.Time // user ID → banned until
	roomMuted bool
	// policyMuted is the mute SetRoomMuted last asked for (managed.go).
	policyMuted *bool
}

// modTipFrame tells the room about a moderation action.
type modTipFrame struct {
	Type string `json:"type"` // "tip"
	Room string `json:"room"`
	Kind string `json:"kind"`
	// Users is the muted, unmuted or kicked user (absent for room mutes).
	Users []UserRef `json:"users,omitempty"`
	// By is the admin who acted.
	By string `json:"by"`
	// DurationMS and Until: the mute's or the ban's length and end.
	DurationMS  int64  `json:"duration_ms,omitempty"`
	Until       int64  `json:"until,omitempty"`
	Reason      string `json:"reason,omitempty"`
	Time        int64  `json:"time"`
	MediaTimeMS *int64 `json:"media_time_ms,omitempty"`
}

// kickedFrame is sent to each connection of a kicked user just before it
// is removed from the room.
type kickedFrame struct {
	Type   string `json:"type"` // "kicked"
	Room   string `json:"room"`
	By     string `json:"by"`
	Reason string `json:"reason,omitempty"`
	// BanUntil and BanMS: when the ban ends and how long it is (absent
	// without a ban).
	BanUntil int64 `json:"ban_until,omitempty"`
	BanMS    int64 `json:"ban_ms,omitempty"`
	Time     int64 `json:"time"`
}

// restrictions returns the map of a restriction kind.
func (md *moderation) restrictions(kind string) map[string]time.Time {
	if kind == RestrictBan {
		return md.bans
	}
	return md.mutes
}

// remainingLocked returns how long user id's restriction of kind still
// lasts, dropping it (and its saved copy) if it has expired.
func (r *room) remainingLocked(kind, id string, now time.Time) time.Duration {
	m := r.mod.restrictions(kind)
	until, ok := m[id]
	if !ok {
		return 0
	}
	if d := until.Sub(now); d > 0 {
		return d
	}
	delete(m, id)
	r.unsaveLocked(kind, id)
	return 0
}

// pruneLocked drops expired entries and reports whether any are left.
func (r *room) pruneLocked(now time.Time) bool {
	for _, kind := range []string{RestrictMute, RestrictBan} {
		m := r.mod.restrictions(kind)
		for id, until := range m {
			if !until.After(now) {
				delete(m, id)
				r.unsaveLocked(kind, id)
			}
		}
	}
	return len(r.mod.mutes) > 0 || len(r.mod.bans) > 0 || r.mod.roomMuted
}

// Persistence of a room's moderation: queued under the room's lock, in
// the order the room decided, written later (persist_queue.go). A dead
// room's changes are lost with it, as in memory.

func (r *room) saveLocked(kind, id string, until time.Time) {
	if r.dead {
		return // destroyed: its saved state is being deleted
	}
	r.s.persist.enqueue(persistOp{kind: opSaveRestriction, room: r.id,
		r: Restriction{Room: r.id, User: id, Kind: kind, Until: until}})
}

func (r *room) unsaveLocked(kind, id string) {
	if r.dead {
		return // destroyed: its saved state is being deleted
	}
	r.s.persist.enqueue(persistOp{kind: opDeleteRestriction, room: r.id,
		r: Restriction{Room: r.id, User: id, Kind: kind}})
}

func (r *room) saveStateLocked() {
	if r.dead {
		return // destroyed: its saved state is being deleted
	}
	st := RoomState{Muted: r.mod.roomMuted}
	if p := r.mod.policyMuted; p != nil {
		v := *p
		st.PolicyMuted = &v
	}
	r.s.persist.enqueue(persistOp{kind: opSaveRoomState, room: r.id, st: st})
}

func refusal(code string, d time.Duration, format string, args ...any) *reqError {
	e := errorf(code, format, args...)
	e.remainingMS = max(d.Milliseconds(), 1)
	return e
}

// checkSenderLocked refuses a member's message while the user is banned,
// muted or the room is muted. Admins are never refused.
func (r *room) checkSenderLocked(u *user, now time.Time) *reqError {
	if u == nil || r.adminLocked(u) {
		return nil
	}
	var e *reqError
	if d := r.remainingLocked(RestrictBan, u.id, now); d > 0 {
		e = refusal(CodeBanned, d, "banned from room %q for %s more", r.id, d.Round(time.Second))
		r.stats.RefusedBanned++
	} else if d := r.remainingLocked(RestrictMute, u.id, now); d > 0 {
		e = refusal(CodeMuted, d, "muted in room %q for %s more", r.id, d.Round(time.Second))
		r.stats.RefusedMuted++
	} else if r.mod.roomMuted {
		e = errorf(CodeRoomMuted, "room %q is muted: only admins may send", r.id)
		r.stats.RefusedRoomMuted++
	}
	if e != nil {
		r.s.m.modRefused.WithLabelValues(e.code).Inc()
	}
	return e
}

// isMemberLocked reports whether c is in the room (a kicked connection
// still points at the room but is no longer a member).
func (r *room) isMemberLocked(c *client) bool {
	return c.idx >= 0 && c.idx < len(r.members) && r.members[c.idx] == c
}

func checkDuration(s int64) (time.Duration, *reqError) {
	d := time.Duration(s) * time.Second
	if s < 0 || d > maxModDuration {
		return 0, errorf(CodeBadRequest, "duration_s must be 0 to %d", int64(maxModDuration/time.Second))
	}
	return d, nil
}

// checkTarget refuses moderating admins and invalid user IDs.
func (s *Server) checkTarget(id string) *reqError {
	if err := checkUserID(id); err != nil {
		return errorf(CodeBadRequest, "user_id: %v", err)
	}
	if s.users.admins[id] {
		return errorf(CodeForbidden, "admins cannot be muted or kicked")
	}
	return nil
}

// mute mutes target in the room for d (d == 0 unmutes) and tips the room.
func (r *room) mute(by, target string, d time.Duration) {
	ref := r.s.refOf(target)
	mt := r.s.mediaTimeMS(r.id)
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.s.now()
	tip := modTipFrame{Type: "tip", Room: r.id, Users: []UserRef{ref}, By: by, Time: now.UnixMilli(), MediaTimeMS: mt}
	if d > 0 {
		if r.mod.mutes == nil {
			r.mod.mutes = map[string]time.Time{}
		}
		until := now.Add(d)
		r.mod.mutes[target] = until
		r.saveLocked(RestrictMute, target, until)
		tip.Kind, tip.DurationMS, tip.Until = TipMuted, d.Milliseconds(), until.UnixMilli()
		r.stats.Mutes++
		r.s.m.moderation.WithLabelValues("mute").Inc()
	} else {
		delete(r.mod.mutes, target)
		r.unsaveLocked(RestrictMute, target)
		tip.Kind = TipUnmuted
		r.stats.Unmutes++
		r.s.m.moderation.WithLabelValues("unmute").Inc()
	}
	r.broadcastLocked(encode(tip), nil)
}

// kick removes every connection of target from the room, each after a
// kicked frame, bans the user for ban (if positive) and tips the room. It
// returns how many connections were removed.
func (r *room) kick(by, target string, ban time.Duration, reason string) int {
	ref := r.s.refOf(target)
	mt := r.s.mediaTimeMS(r.id)
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.s.now()
	kf := kickedFrame{Type: "kicked", Room: r.id, By: by, Reason: reason, Time: now.UnixMilli()}
	tip := modTipFrame{Type: "tip", Room: r.id, Kind: TipKicked, Users: []UserRef{ref}, By: by,
		Reason: reason, Time: now.UnixMilli(), MediaTimeMS: mt}
	if ban > 0 {
		if r.mod.bans == nil {
			r.mod.bans = map[string]time.Time{}
		}
		until := now.Add(ban)
		r.mod.bans[target] = until
		r.saveLocked(RestrictBan, target, until)
		kf.BanUntil, kf.BanMS = until.UnixMilli(), ban.Milliseconds()
		tip.DurationMS, tip.Until = kf.BanMS, kf.BanUntil
	}
	var kicked []*client
	for _, c := range r.members {
		if u := c.user.Load(); u != nil && u.id == target {
			kicked = append(kicked, c)
		}
	}
	frame := encode(kf)
	for _, c := range kicked {
		r.leavingLocked(c) // what was broadcast before the kick comes first
		if c.push(frame) {
			r.s.m.messagesOut.Inc()
		}
		r.removeLocked(c, now)
	}
	if len(kicked) > 0 {
		r.s.hooks.afterExit(r.id, target, "Kicked", by, "", PlatformServer, now)
	}
	r.stats.Kicks++
	r.s.m.moderation.WithLabelValues("kick").Inc()
	r.broadcastLocked(encode(tip), nil)
	return len(kicked)
}

// unban lifts target's ban from the room (Tencent's unban_group_member):
// the user may join again. It tells nobody (the user is not in the room)
// and reports whether there was a ban.
func (r *room) unban(target string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, banned := r.mod.bans[target]
	delete(r.mod.bans, target)
	r.unsaveLocked(RestrictBan, target)
	r.stats.Unbans++
	r.s.m.moderation.WithLabelValues("unban").Inc()
	return banned
}

// setMuted mutes or unmutes the whole room (admins may still send).
func (r *room) setMuted(by string, muted bool) {
	mt := r.s.mediaTimeMS(r.id)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mod.roomMuted = muted
	r.saveStateLocked()
	kind, action := TipRoomUnmuted, "room_unmute"
	if muted {
		kind, action = TipRoomMuted, "room_mute"
		r.stats.RoomMutes++
	}
	r.s.m.moderation.WithLabelValues(action).Inc()
	r.broadcastLocked(encode(modTipFrame{Type: "tip", Room: r.id, Kind: kind, By: by,
		Time: r.s.now().UnixMilli(), MediaTimeMS: mt}), nil)
}

// banRemaining returns how long u is still banned from the room.
func (r *room) banRemainingLocked(u *user, now time.Time) time.Duration {
	if u == nil || r.adminLocked(u) {
		return 0
	}
	return r.remainingLocked(RestrictBan, u.id, now)
}
