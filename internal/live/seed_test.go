package live

import (
	"context"
	"testing"
	"time"

	"livestudio/internal/store"
)

// TestSeedRooms: config rooms are created once with their ids, kept across
// restarts, created again after a delete, and a created room takes the next
// id after them.
func TestSeedRooms(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	apps := []App{{AppID: "wxdemo", Secret: "demo-secret", PushKey: "demo-push-key", PushURLTTL: time.Hour,
		ManagedRooms: true, Rooms: []SeedRoom{{ID: 1, Name: "Demo room"}, {ID: 2, Name: "Test pattern", Anchor: "Bot"}}}}
	open := func() (*Rooms, *store.SQLite) {
		st, err := store.OpenSQLite(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		cfg := DefaultRoomsConfig()
		cfg.MinStartLead = 0
		rs, err := NewRooms(ctx, cfg, apps, RoomsOptions{Store: st, Streams: &fakeStreams{live: map[string]bool{}}})
		if err != nil {
			t.Fatal(err)
		}
		return rs, st
	}
	rs, st := open()
	list, total, _ := rs.ListRooms(ctx, "wxdemo", 0, 10)
	if total != 2 || list[0].Name != "Test pattern" || list[0].AnchorName != "Bot" || list[1].Status != StatusNotStarted {
		t.Fatalf("seeded: %d %+v", total, list)
	}
	if err := rs.checkPublish(apps[0], "wxdemo-1"); err != nil {
		t.Errorf("seed room refuses publishing: %v", err)
	}
	rs.EditRoom(ctx, "wxdemo", 1, RoomInput{Name: ptr("Renamed demo")})
	rs.DeleteRoom(ctx, "wxdemo", 2)
	st.Close()
	rs, st = open()
	defer st.Close()
	if v, err := rs.Room(ctx, "wxdemo", 1); err != nil || v.Name != "Renamed demo" {
		t.Errorf("seed room 1 after restart: %+v %v", v, err)
	}
	if _, err := rs.Room(ctx, "wxdemo", 2); err != nil {
		t.Errorf("deleted seed room not recreated: %v", err)
	}
	now := time.Now().Unix()
	r, err := rs.CreateRoom(ctx, "wxdemo", RoomInput{Name: ptr("A new live room"), CoverImg: ptr("c"), StartTime: &now,
		EndTime: ptr(now + 3600), AnchorName: ptr("Anchor"), AnchorWechat: ptr("a_1"), ShareImg: ptr("s")})
	if err != nil || r.ID != 3 {
		t.Errorf("created after seeds: %d %v", r.ID, err)
	}
}
