package live

import (
	"context"
	"sort"
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
	total := len(all)
	if start > total {
		start = total
	}
	end := min(start+limit, total)
	return all[start:end], total, nil
}
