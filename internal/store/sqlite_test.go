package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
)

func open(t *testing.T, dir string) *SQLite {
	t.Helper()
	s, err := OpenSQLite(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRoomsSurviveReopenAndIDsAreNotReused(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := open(t, dir)
	r := Room{AppID: "wxa", Name: "first", StartTime: 10, EndTime: 20, CloseLike: true, Stats: Stats{Likes: 7}}
	if err := s.CreateRoom(ctx, &r); err != nil || r.ID != 1 {
		t.Fatalf("create: id %d, %v", r.ID, err)
	}
	r2 := Room{AppID: "wxa", Name: "second"}
	if err := s.CreateRoom(ctx, &r2); err != nil || r2.ID != 2 {
		t.Fatalf("create: id %d, %v", r2.ID, err)
	}
	other := Room{AppID: "wxb", Name: "other app"}
	if err := s.CreateRoom(ctx, &other); err != nil || other.ID != 1 {
		t.Fatalf("ids are per app: %d, %v", other.ID, err)
	}
	if err := s.DeleteRoom(ctx, "wxa", 2); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRoom(ctx, "wxa", 2); !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete twice: %v", err)
	}
	s.Close()

	s = open(t, dir) // migrations are idempotent
	defer s.Close()
	got, err := s.Room(ctx, "wxa", 1)
	if err != nil || got.Name != "first" || !got.CloseLike || got.Stats.Likes != 7 || got.EndTime != 20 {
		t.Fatalf("after reopen: %+v, %v", got, err)
	}
	r3 := Room{AppID: "wxa", Name: "third"}
	if err := s.CreateRoom(ctx, &r3); err != nil || r3.ID != 3 {
		t.Fatalf("deleted id reused: %d, %v", r3.ID, err)
	}
	seeded := Room{AppID: "wxa", ID: 9, Name: "seeded"}
	if err := s.CreateRoom(ctx, &seeded); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateRoom(ctx, &Room{AppID: "wxa", ID: 9}); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate id: %v", err)
	}
	next := Room{AppID: "wxa"}
	if err := s.CreateRoom(ctx, &next); err != nil || next.ID != 10 {
		t.Fatalf("after a given id the sequence moves past it: %d, %v", next.ID, err)
	}
	list, total, err := s.Rooms(ctx, "wxa", 0, 2)
	if err != nil || total != 4 || len(list) != 2 || list[0].ID != 10 || list[1].ID != 9 {
		t.Fatalf("list: %d %v %v", total, list, err)
	}
	if _, err := s.Room(ctx, "wxa", 2); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted room: %v", err)
	}
}

func TestGoodsInRoomsCascade(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir())
	defer s.Close()
	room := Room{AppID: "wxa", Name: "r"}
	s.CreateRoom(ctx, &room)
	var ids []int64
	for i := range 3 {
		g := Goods{AppID: "wxa", Name: fmt.Sprint("g", i), PriceType: 1, Price: 1990, AuditStatus: i % 3}
		if err := s.CreateGoods(ctx, &g); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, g.ID)
	}
	if list, total, _ := s.GoodsList(ctx, "wxa", AuditPending, 0, 10); total != 1 || list[0].ID != ids[1] {
		t.Fatalf("by status: %d %v", total, list)
	}
	if err := s.AddRoomGoods(ctx, "wxa", room.ID, ids); err != nil {
		t.Fatal(err)
	}
	if err := s.AddRoomGoods(ctx, "wxa", room.ID, ids[:1]); err != nil {
		t.Fatal(err)
	}
	if err := s.SortRoomGoods(ctx, "wxa", room.ID, []int64{ids[2]}); err != nil {
		t.Fatal(err)
	}
	rg, _ := s.RoomGoods(ctx, "wxa", room.ID)
	if len(rg) != 3 || rg[0].ID != ids[2] || rg[1].ID != ids[0] || rg[2].ID != ids[1] || !rg[0].OnSale {
		t.Fatalf("sorted: %+v", rg)
	}
	if err := s.SortRoomGoods(ctx, "wxa", room.ID, []int64{999}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("sort unknown: %v", err)
	}
	if err := s.DeleteGoods(ctx, "wxa", ids[0]); err != nil {
		t.Fatal(err)
	}
	if rg, _ := s.RoomGoods(ctx, "wxa", room.ID); len(rg) != 2 {
		t.Fatalf("deleted goods still in room: %+v", rg)
	}
	s.PutMember(ctx, Member{AppID: "wxa", RoomID: room.ID, Kind: KindAssistant, Username: "bob", Nickname: "Bob"})
	s.PutMember(ctx, Member{AppID: "wxa", RoomID: room.ID, Kind: KindAssistant, Username: "bob", Nickname: "Bobby"})
	if m, _ := s.Members(ctx, "wxa", room.ID, KindAssistant); len(m) != 1 || m[0].Nickname != "Bobby" {
		t.Fatalf("members: %+v", m)
	}
	if err := s.DeleteRoom(ctx, "wxa", room.ID); err != nil {
		t.Fatal(err)
	}
	if rg, _ := s.RoomGoods(ctx, "wxa", room.ID); len(rg) != 0 {
		t.Fatalf("room goods outlived the room: %+v", rg)
	}
	if m, _ := s.Members(ctx, "wxa", room.ID, ""); len(m) != 0 {
		t.Fatalf("members outlived the room: %+v", m)
	}
	if err := s.PutRole(ctx, Role{AppID: "wxa", Username: "ann", Role: 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutRole(ctx, Role{AppID: "wxa", Username: "ann", Role: 1}); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate role: %v", err)
	}
}

// TestConcurrentWriters: many goroutines create rooms and goods at once;
// every write lands, ids are unique, nothing reports SQLITE_BUSY.
func TestConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir())
	defer s.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 8 {
		wg.Go(func() {
			for j := range 20 {
				r := Room{AppID: "wxa", Name: fmt.Sprint(i, "-", j)}
				if err := s.CreateRoom(ctx, &r); err != nil {
					errs <- err
					return
				}
				r.Stats.Likes++
				if err := s.UpdateRoom(ctx, r); err != nil {
					errs <- err
					return
				}
				if _, _, err := s.Rooms(ctx, "wxa", 0, 5); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	list, total, err := s.Rooms(ctx, "wxa", 0, 1000)
	if err != nil || total != 160 {
		t.Fatalf("total %d, %v", total, err)
	}
	seen := map[int64]bool{}
	for _, r := range list {
		if seen[r.ID] || r.Stats.Likes != 1 {
			t.Fatalf("room %+v", r)
		}
		seen[r.ID] = true
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	s.db.Exec("PRAGMA user_version = 99")
	s.Close()
	if _, err := OpenSQLite(context.Background(), dir); err == nil {
		t.Fatal("a database from a newer gateway was opened")
	}
}

func TestRolesByKeyword(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir())
	defer s.Close()
	for _, r := range []Role{{AppID: "wxa", Username: "boss_ann", Role: 1}, {AppID: "wxa", Username: "boss_ann", Role: 3},
		{AppID: "wxa", Username: "bob", Role: 2}, {AppID: "wxb", Username: "boss_x", Role: 1}} {
		if err := s.PutRole(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if list, total, err := s.Roles(ctx, "wxa", -1, "boss", 0, 10); err != nil || total != 2 || len(list) != 2 {
		t.Errorf("keyword boss: %d %v %v", total, list, err)
	}
	if list, total, _ := s.Roles(ctx, "wxa", 2, "", 0, 10); total != 1 || list[0].Username != "bob" {
		t.Errorf("role 2: %d %v", total, list)
	}
}
