package live

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"livestudio/internal/store"
)

func TestLiveStatus(t *testing.T) {
	base := store.Room{StartTime: 100, EndTime: 200}
	cases := []struct {
		name       string
		r          func(r *store.Room)
		publishing bool
		now        int64
		want       int
	}{
		{"before start", nil, false, 50, StatusNotStarted},
		{"early publish", nil, true, 50, StatusLive},
		{"in window, never live", nil, false, 150, StatusNotStarted},
		{"live", func(r *store.Room) { r.LiveAt = 120 }, true, 150, StatusLive},
		{"paused", func(r *store.Room) { r.LiveAt = 120 }, false, 150, StatusPaused},
		{"past end after live", func(r *store.Room) { r.LiveAt = 120 }, false, 200, StatusEnded},
		{"past end, never live", nil, false, 200, StatusExpired},
		{"ended by hand", func(r *store.Room) { r.EndedAt = 130 }, true, 150, StatusEnded},
		{"banned", func(r *store.Room) { r.Banned, r.LiveAt = true, 120 }, true, 150, StatusBanned},
	}
	for _, c := range cases {
		r := base
		if c.r != nil {
			c.r(&r)
		}
		if got := liveStatus(&r, c.publishing, c.now); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}

// TestClockEndsLiveRoom: a room live past its end time is ended (saved)
// and its publisher stopped; publishing to it, to a banned room or to an
// unknown room of a managed app is refused.
func TestClockEndsLiveRoom(t *testing.T) {
	f := newFaces(t)
	key := StreamKey("wxdemo", 1)
	app := f.s.apps["wxdemo"]
	*f.now = f.now.Add(2 * time.Hour) // inside room 1's window
	if err := f.rs.checkPublish(app, key); err != nil {
		t.Fatal(err)
	}
	f.streams.set(key, true)
	f.rs.StreamChanged(key)
	if v, _ := f.rs.Room(context.Background(), "wxdemo", 1); v.Status != StatusLive || v.LiveAt == 0 {
		t.Fatalf("live: %+v", v)
	}
	if err := f.rs.EditRoom(context.Background(), "wxdemo", 1, RoomInput{Name: ptr("Renamed while live")}); asAPIError(err).Code != ErrcodeEditWhileLive {
		t.Errorf("edit while live: %v", err)
	}
	*f.now = f.now.Add(2 * time.Hour) // past the end
	f.rs.sync(key)
	if f.streams.Publishing(key) {
		t.Error("publisher of an ended room not stopped")
	}
	v, _ := f.rs.Room(context.Background(), "wxdemo", 1)
	if v.Status != StatusEnded || v.EndedAt == 0 {
		t.Errorf("after end time: %+v", v)
	}
	if err := f.rs.checkPublish(app, key); err != ErrRoomEnded {
		t.Errorf("publish to ended room: %v", err)
	}
	if err := f.rs.checkPublish(app, StreamKey("wxdemo", 77)); err != ErrRoomNotFound {
		t.Errorf("publish to unknown room: %v", err)
	}
	unmanaged := app
	unmanaged.ManagedRooms = false
	if err := f.rs.checkPublish(unmanaged, StreamKey("wxdemo", 77)); err != nil {
		t.Errorf("ad-hoc room of an unmanaged app: %v", err)
	}
	f.rs.BanRoom(context.Background(), "wxdemo", 1, true)
	if err := f.rs.checkPublish(app, key); err != ErrRoomBanned {
		t.Errorf("publish to banned room: %v", err)
	}
	if Reason(ErrRoomBanned) != "room_banned" || Reason(ErrRoomNotFound) != "room_not_found" {
		t.Error("reasons")
	}
}

// TestRoomFlagsAndCards: closeShare refuses share codes, editroom's
// subAnchorWechat is the sub-anchor, deleting pushed goods takes the card
// down.
func TestRoomFlagsAndCards(t *testing.T) {
	f := newFaces(t)
	ctx := context.Background()
	if _, err := f.rs.PushGoods(ctx, "wxdemo", 1, 1); err != nil {
		t.Fatal(err)
	}
	if v, _ := f.rs.Room(ctx, "wxdemo", 1); v.Product == "" || v.Goods[0].Pushes != 1 {
		t.Fatalf("pushed: %+v", v)
	}
	if err := f.rs.DeleteGoods(ctx, "wxdemo", 1); err != nil {
		t.Fatal(err)
	}
	if v, _ := f.rs.Room(ctx, "wxdemo", 1); v.Product != "" || len(v.Goods) != 0 {
		t.Errorf("card of deleted goods still shown: %+v", v)
	}
	if err := f.rs.EditRoom(ctx, "wxdemo", 1, RoomInput{SubAnchorWechat: ptr("sub_1"), CloseShare: ptr(1)}); err != nil {
		t.Fatal(err)
	}
	if u, err := f.rs.SubAnchor(ctx, "wxdemo", 1); u != "sub_1" || err != nil {
		t.Errorf("sub-anchor from editroom: %q %v", u, err)
	}
	if _, err := f.rs.SharedCode("wxdemo", 1, ""); asAPIError(err).Code != ErrcodeRoomState {
		t.Errorf("share code with closeShare: %v", err)
	}
}

// TestConcurrentAPI: rooms, goods, pushes and listings from many
// goroutines at once (run with -race): every write lands, ids are unique.
func TestConcurrentAPI(t *testing.T) {
	f := newFaces(t)
	ctx := context.Background()
	start := f.now.Unix() + 3600
	var wg sync.WaitGroup
	ids := make(chan int64, 64)
	for i := range 8 {
		wg.Go(func() {
			for j := range 4 {
				r, err := f.rs.CreateRoom(ctx, "wxdemo", RoomInput{Name: ptr(fmt.Sprintf("Concurrent %d-%d", i, j)),
					CoverImg: ptr("c"), StartTime: &start, EndTime: ptr(start + 3600), AnchorName: ptr("Anchor"),
					AnchorWechat: ptr("a_1"), ShareImg: ptr("s")})
				if err != nil {
					t.Error(err)
					return
				}
				ids <- r.ID
				if err := f.rs.AddRoomGoods(ctx, "wxdemo", r.ID, []int64{1}); err != nil {
					t.Error(err)
				}
				if _, err := f.rs.PushGoods(ctx, "wxdemo", r.ID, 1); err != nil {
					t.Error(err)
				}
				if _, _, err := f.rs.ListRooms(ctx, "wxdemo", 0, 10); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	close(ids)
	seen := map[int64]bool{}
	for id := range ids {
		if seen[id] {
			t.Fatalf("room id %d twice", id)
		}
		seen[id] = true
	}
	_, total, _ := f.rs.ListRooms(ctx, "wxdemo", 0, 1)
	if total != 33 || len(seen) != 32 {
		t.Errorf("total %d, created %d", total, len(seen))
	}
	g, _ := f.rs.st.RoomGoods(ctx, "wxdemo", 2)
	if len(g) != 1 || g[0].Pushes != 1 {
		t.Errorf("room goods %+v", g)
	}
}
