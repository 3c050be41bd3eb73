package chat

import (
	"encoding/json"
	"maps"
	"sync"
	"time"
)

// room is one live room. Everything that changes it happens under mu, and
// so does the fan-out: a broadcast is encoded once and the same bytes are
// pushed to every member's queue in the order the room decided, without
// ever waiting for a client.
type room struct {
	id string
	s  *Server

	mu      sync.Mutex
	dead    bool // dropped from the server while empty; joins retry
	members []*client
	seq     uint64
	lanes   lanes
	history history
	attrs   map[string]string
	likes   likeState
	tips    tipState
	online  int // last online count broadcast
	mod     moderation
	// emptySince is when the last member left (zero while occupied).
	emptySince time.Time
	stats      RoomStats
	// audience feeds the destroy webhook's Statistic block.
	audience audience
	// batch holds broadcasts until the next flush (flush_delay > 0).
	batch batchState
	// mgd is a managed room's policy (nil: made by a join; managed.go).
	mgd *managedRoom
}

func newRoom(id string, s *Server) *room {
	now := s.now()
	return &room{id: id, s: s, lanes: newLanes(s.cfg.RoomRate, now),
		history: newHistory(s.cfg.History), attrs: map[string]string{}, emptySince: now}
}

// join adds c and queues the joined snapshot first, under the lock, so the
// member sees every later broadcast exactly once. A banned user is refused
// with a *reqError (banned).
func (r *room) join(c *client, id json.RawMessage) error {
	mt := r.s.mediaTimeMS(r.id)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.dead {
		return errRoomGone
	}
	now := r.s.now()
	if d := r.banRemainingLocked(c.user.Load(), now); d > 0 {
		r.stats.RefusedBanned++
		r.s.m.modRefused.WithLabelValues(CodeBanned).Inc()
		return refusal(CodeBanned, d, "banned from room %q for %s more", r.id, d.Round(time.Second))
	}
	c.idx = len(r.members)
	r.members = append(r.members, c)
	r.joinedLocked(c)
	r.emptySince = time.Time{}
	r.stats.Joins++
	r.stats.PeakOnline = max(r.stats.PeakOnline, len(r.members))
	u := c.user.Load()
	r.audience.joined(u)
	r.sendSnapshotLocked(c, id, now)
	if u != nil {
		r.tipLocked(TipJoin, u.ref(), c, now, mt)
		r.s.hooks.afterJoin(r.id, u.id, c, now)
	}
	return nil
}

// sendSnapshot re-sends the snapshot to a member who joins again; it
// reports false if c is no longer a member (it was kicked).
func (r *room) sendSnapshot(c *client, id json.RawMessage) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.isMemberLocked(c) {
		return false
	}
	r.sendSnapshotLocked(c, id, r.s.now())
	return true
}

func (r *room) sendSnapshotLocked(c *client, id json.RawMessage, now time.Time) {
	// Under the lock: never wait, as for a broadcast.
	if c.push(encode(joinedFrame{Type: "joined", ID: id, Room: r.id, Seq: r.seq, Online: len(r.members),
		Attrs: maps.Clone(r.attrs), Likes: likesInfo{Total: r.likes.total, Recent: r.likes.recentList()},
		History: r.history.list(), Time: now.UnixMilli()})) {
		r.s.m.messagesOut.Inc()
	}
}

func (r *room) leave(c *client) {
	mt := r.s.mediaTimeMS(r.id)
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.s.now()
	if !r.removeLocked(c, now) {
		return
	}
	r.stats.Leaves++
	if u := c.user.Load(); u != nil {
		r.tipLocked(TipLeave, u.ref(), nil, now, mt)
		r.s.hooks.afterExit(r.id, u.id, "Quit", u.id, c.remoteIP(), PlatformWeb, now)
	}
}

// removeLocked takes c out of the members, reporting whether it was one.
func (r *room) removeLocked(c *client, now time.Time) bool {
	if !r.isMemberLocked(c) {
		return false
	}
	r.leavingLocked(c)
	last := r.members[len(r.members)-1]
	r.members[c.idx], last.idx = last, c.idx
	r.members[len(r.members)-1] = nil
	r.members = r.members[:len(r.members)-1]
	c.idx = -1
	if len(r.members) == 0 {
		r.emptySince = now
	}
	return true
}

// publish admits m through the room's rate lanes, numbers it, keeps it in
// history and broadcasts it to everyone but the sender (who gets an ack).
// A connection's message (from != nil) must come from a member, and one from
// a user who is not an admin (u != nil) is refused while the user is banned
// or muted or the room is muted. REST sends pass nil for both.
func (r *room) publish(from *client, u *user, m *Message) *reqError {
	mt := r.s.mediaTimeMS(r.id)
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.s.now()
	if r.dead { // destroyed, or (room_idle_ttl 0) a REST send raced the drop
		return errorf(CodeRoomNotFound, "room %q was destroyed or dropped; join it again", r.id)
	}
	if from != nil && !r.isMemberLocked(from) {
		return errorf(CodeNotInRoom, "not a member of room %q (kicked?): join again", r.id)
	}
	if e := r.checkSenderLocked(u, now); e != nil {
		return e
	}
	p := m.Priority
	r.stats.Sent[p]++
	if !r.lanes.admit(p, now) {
		r.stats.Shed[p]++
		r.s.m.shed.WithLabelValues(p.String()).Inc()
		e := errorf(CodeRoomRateShed, "room %q is over %g messages per second; %s priority shed", r.id, r.lanes.rate, p)
		e.priority = &p
		return e
	}
	r.seq++
	m.Type, m.Room, m.Seq, m.Time, m.MediaTimeMS = "message", r.id, r.seq, now.UnixMilli(), mt
	b := encode(m)
	r.history.add(b)
	r.stats.Delivered[p]++
	r.audience.delivered(m)
	r.s.m.messagesIn.WithLabelValues(p.String()).Inc()
	r.broadcastLocked(b, from)
	r.s.hooks.afterSend(r.id, from, m)
	return nil
}

// canSend is publish's membership and moderation checks alone, made before
// the before-send webhook so that it is not asked about a message the room
// would refuse anyway.
func (r *room) canSend(from *client, u *user) *reqError {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.dead {
		return errorf(CodeRoomNotFound, "room %q was destroyed or dropped; join it again", r.id)
	}
	if !r.isMemberLocked(from) {
		return errorf(CodeNotInRoom, "not a member of room %q (kicked?): join again", r.id)
	}
	return r.checkSenderLocked(u, r.s.now())
}

// broadcastLocked queues frame to every member but except: at the room's
// next batch with a flush delay (room_batch.go), at once without. A member
// whose queue is full is closed as slow; the room never waits.
func (r *room) broadcastLocked(frame []byte, except *client) {
	if r.s.cfg.FlushDelay > 0 {
		r.queueLocked(frame, except)
		return
	}
	n := 0
	for _, c := range r.members {
		if c == except {
			continue
		}
		switch c.q.push(frame) {
		case pushed:
			n++
		case queueFull:
			if c.closeSlow() {
				r.stats.SlowClosed++
			}
		}
	}
	r.s.m.messagesOut.Add(float64(n))
}

func (r *room) statsSnapshot() RoomStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.stats
	st.Online, st.Seq, st.Likes, st.RoomMuted = len(r.members), r.seq, r.likes.total, r.mod.roomMuted
	return st
}

// idleExpiredLocked reports whether the room has been empty for RoomIdleTTL.
func (r *room) idleExpiredLocked(now time.Time) bool {
	// Mutes and bans keep an empty room (and so themselves) alive.
	return len(r.members) == 0 && !r.emptySince.IsZero() && now.Sub(r.emptySince) >= r.s.cfg.RoomIdleTTL &&
		!r.pruneLocked(now)
}
