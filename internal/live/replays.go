package live

import (
	"context"
	"sort"
	"strings"
)

// Replay is a recording of a room's stream (getliveinfo action
// get_replay): WeChat's create_time/expire_time strings and media_url.
type Replay struct {
	CreateTime string
	ExpireTime string
	MediaURL   string
}

// Recordings lists a stream key's recordings, newest last; the gateway
// provides it when it records (nil: none).
type Recordings func(key string) []Replay

// Recorder records stream keys (player/replay's Recorder).
type Recorder interface {
	// Start records key's publish sessions from now on; Stop ends that.
	Start(key string) error
	Stop(key string)
}

// applyReplay records the room while its replay is on (closeReplay 0) and
// it is not over.
func (rs *Rooms) applyReplay(key string) {
	if rs.recorder == nil {
		return
	}
	e, ok := rs.entry(key)
	if ok && !e.r.CloseReplay && !final(rs.status(key, &e.r)) {
		if err := rs.recorder.Start(key); err != nil {
			rs.log.Warn("room not recorded", "room", key, "err", err)
		}
		return
	}
	rs.recorder.Stop(key)
}

// Replays lists a room's replays (paged).
func (rs *Rooms) Replays(ctx context.Context, appID string, id int64, start, limit int) ([]Replay, int, error) {
	if _, e := rs.app(appID); e != nil {
		return nil, 0, e
	}
	key := StreamKey(appID, id)
	if _, ok := rs.entry(key); !ok {
		return nil, 0, roomNotFound(id)
	}
	var all []Replay
	if rs.recordings != nil {
		all = rs.recordings(key)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].CreateTime < all[j].CreateTime })
	for i := range all {
		if strings.HasPrefix(all[i].MediaURL, "/") {
			all[i].MediaURL = rs.base + all[i].MediaURL
		}
	}
	total := len(all)
	if start > total {
		start = total
	}
	end := min(start+limit, total)
	return all[start:end], total, nil
}
