package chat

import (
	"slices"
	"time"
)

// recentLikers is how many distinct recent likers a likes frame names.
const recentLikers = 5

// tipSample is how many users an aggregated join or leave tip names.
const tipSample = 5

// likeState is a room's like counter. A like only bumps it; the tick
// broadcasts the total at most once per LikeInterval.
type likeState struct {
	total  int64
	delta  int64     // since the last broadcast
	recent []UserRef // most recent first, distinct users
}

func (l *likeState) recentList() []UserRef { return append([]UserRef{}, l.recent...) }

// like adds n likes by u (from connection c) and returns the room's total.
// Likes are not refused while muted (a like is not speech), only when c was
// kicked.
func (r *room) like(c *client, u *user, n int64) (int64, *reqError) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.isMemberLocked(c) {
		return 0, errorf(CodeNotInRoom, "not a member of room %q (kicked?): join again", r.id)
	}
	if e := r.likesClosedLocked(); e != nil {
		return 0, e
	}
	r.likes.total += n
	r.likes.delta += n
	ref := u.ref()
	r.likes.recent = slices.DeleteFunc(r.likes.recent, func(x UserRef) bool { return x.UserID == ref.UserID })
	r.likes.recent = slices.Insert(r.likes.recent, 0, ref)
	if len(r.likes.recent) > recentLikers {
		r.likes.recent = r.likes.recent[:recentLikers]
	}
	return r.likes.total, nil
}

// tipState counts join/leave tips in the current interval and holds the
// ones aggregated because the room is busy.
type tipState struct {
	sent    int // tips sent one by one this interval
	pending map[string]*tipFrame
}

// tipLocked sends a join or leave tip now while the room is quiet (at most
// TipBurst in an interval); past that the room is busy and the tip is folded
// into one aggregated tip per kind at the next tick.
func (r *room) tipLocked(kind string, who UserRef, except *client, now time.Time, mt *int64) {
	if r.tips.sent < r.s.cfg.TipBurst {
		r.tips.sent++
		r.broadcastLocked(encode(tipFrame{Type: "tip", Room: r.id, Kind: kind, Users: []UserRef{who},
			Count: 1, Time: now.UnixMilli(), MediaTimeMS: mt}), except)
		return
	}
	if r.tips.pending == nil {
		r.tips.pending = map[string]*tipFrame{}
	}
	t := r.tips.pending[kind]
	if t == nil {
		t = &tipFrame{Type: "tip", Room: r.id, Kind: kind}
		r.tips.pending[kind] = t
	}
	t.Count++
	if len(t.Users) < tipSample {
		t.Users = append(t.Users, who)
	}
}

// tick broadcasts what accumulated over the interval: the like total,
// aggregated tips and, when due and changed, the online count. It reports
// whether the room has been empty for longer than RoomIdleTTL.
func (r *room) tick(now time.Time, online bool) bool {
	mt := r.s.mediaTimeMS(r.id)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.likes.delta > 0 {
		r.broadcastLocked(encode(likesFrame{Type: "likes", Room: r.id, Total: r.likes.total,
			Delta: r.likes.delta, Recent: r.likes.recentList(), Time: now.UnixMilli(), MediaTimeMS: mt}), nil)
		r.likes.delta = 0
	}
	for _, kind := range []string{TipJoin, TipLeave} {
		if t := r.tips.pending[kind]; t != nil {
			t.Time, t.MediaTimeMS = now.UnixMilli(), mt
			r.broadcastLocked(encode(t), nil)
			delete(r.tips.pending, kind)
		}
	}
	r.tips.sent = 0
	if online && len(r.members) != r.online {
		r.online = len(r.members)
		r.broadcastLocked(encode(onlineFrame{Type: "online", Room: r.id, Online: r.online,
			Time: now.UnixMilli()}), nil)
	}
	return r.idleExpiredLocked(now)
}
