package live

import (
	"context"
	"strconv"
	"time"

	"livestudio/internal/store"
)

// Following reality: the publish check, publishes and unpublishes from the
// stream registry, and the clock (start and end times).

// checkPublish refuses publishing to a room that does not exist (managed
// apps), has ended, is banned or expired.
func (rs *Rooms) checkPublish(a App, key string) error {
	e, ok := rs.entry(key)
	if !ok {
		if a.ManagedRooms {
			return ErrRoomNotFound
		}
		return nil
	}
	switch liveStatus(&e.r, false, rs.now().Unix()) {
	case StatusBanned:
		return ErrRoomBanned
	case StatusEnded:
		return ErrRoomEnded
	case StatusExpired:
		return ErrRoomExpired
	}
	return nil
}

// StreamChanged follows a stream key's publisher (stream.Registry.OnChange):
// a room's first publish is when it went live.
func (rs *Rooms) StreamChanged(key string) {
	if rs.streams.Publishing(key) {
		rs.mu.Lock()
		e := rs.rooms[key]
		if e != nil && e.r.LiveAt == 0 {
			r := e.r
			r.LiveAt = rs.now().Unix()
			if err := rs.st.UpdateRoom(context.Background(), r); err != nil {
				rs.log.Error("room went live: not saved", "room", key, "err", err)
			} else {
				e.r = r
			}
		}
		rs.mu.Unlock()
	}
	rs.sync(key)
}

// status is a room's live status now.
func (rs *Rooms) status(key string, r *store.Room) int {
	return liveStatus(r, rs.streams.Publishing(key), rs.now().Unix())
}

// sync tells chat the room's status when it changed, and ends what must
// end: a room live past its end time is ended, the publisher of an ended
// or banned room is stopped (outside the locks: the stop comes back here
// through StreamChanged), its statistics saved and its recording stopped.
func (rs *Rooms) sync(key string) {
	st, changed, kick := rs.syncStatus(key)
	if kick {
		rs.streams.Kick(key)
	}
	if changed && final(st) {
		rs.saveStats(key)
		rs.applyReplay(key)
	}
}

// syncStatus computes the status and tells chat if it changed; it reports
// the status, whether it changed, and whether the publisher must stop.
func (rs *Rooms) syncStatus(key string) (int, bool, bool) {
	rs.syncMu.Lock()
	defer rs.syncMu.Unlock()
	rs.mu.Lock()
	e := rs.rooms[key]
	if e == nil {
		rs.mu.Unlock()
		return 0, false, false
	}
	publishing := rs.streams.Publishing(key)
	now := rs.now().Unix()
	st := liveStatus(&e.r, publishing, now)
	if st == StatusEnded && e.r.EndedAt == 0 && publishing {
		r := e.r
		r.EndedAt = now
		if err := rs.st.UpdateRoom(context.Background(), r); err == nil {
			e.r = r
		}
	}
	changed := st != e.status
	e.status = st
	rs.mu.Unlock()
	kick := final(st) && publishing
	if !changed {
		return st, false, kick
	}
	rs.log.Info("room status", "room", key, "live_status", st)
	if rs.chat != nil {
		v := strconv.Itoa(st)
		if err := rs.chat.SetAttrs(key, map[string]*string{"status": &v}); err != nil {
			rs.log.Warn("room status not set in chat", "room", key, "err", err)
		}
	}
	return st, true, kick
}

// Run follows the clock (start and end times) and saves statistics until
// ctx ends, then saves them once more.
func (rs *Rooms) Run(ctx context.Context) error {
	tick := time.NewTicker(rs.cfg.Tick)
	defer tick.Stop()
	save := time.NewTicker(rs.cfg.StatsSave)
	defer save.Stop()
	for {
		select {
		case <-ctx.Done():
			rs.saveAllStats()
			return nil
		case <-tick.C:
			for _, key := range rs.keys() {
				rs.sync(key)
			}
		case <-save.C:
			rs.saveAllStats()
		}
	}
}

func (rs *Rooms) keys() []string {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	keys := make([]string, 0, len(rs.rooms))
	for k := range rs.rooms {
		keys = append(keys, k)
	}
	return keys
}
