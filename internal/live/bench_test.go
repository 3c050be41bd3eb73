package live

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkCreateRoom: a room created through the core (validation, store
// insert in its own transaction, cache), SQLite in a temp dir.
func BenchmarkCreateRoom(b *testing.B) {
	f := newFaces(b)
	ctx := context.Background()
	start := f.now.Unix() + 3600
	b.ResetTimer()
	for i := range b.N {
		if _, err := f.rs.CreateRoom(ctx, "wxdemo", RoomInput{Name: ptr(fmt.Sprint("Bench room ", i)), CoverImg: ptr("c"),
			StartTime: &start, EndTime: ptr(start + 3600), AnchorName: ptr("Anchor"), AnchorWechat: ptr("a_1"),
			ShareImg: ptr("s")}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPushGoods: a product push (room and goods checks, card saved,
// push counted), the operation an assistant repeats during a live.
func BenchmarkPushGoods(b *testing.B) {
	f := newFaces(b)
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		if _, err := f.rs.PushGoods(ctx, "wxdemo", 1, 1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetLiveInfo: getliveinfo of 20 rooms through the WeChat face
// (HTTP, token check, store reads).
func BenchmarkGetLiveInfo(b *testing.B) {
	f := newFaces(b)
	ctx := context.Background()
	start := f.now.Unix() + 3600
	for i := range 19 {
		f.rs.CreateRoom(ctx, "wxdemo", RoomInput{Name: ptr(fmt.Sprint("Bench room ", i)), CoverImg: ptr("c"),
			StartTime: &start, EndTime: ptr(start + 3600), AnchorName: ptr("Anchor"), AnchorWechat: ptr("a_1"), ShareImg: ptr("s")})
	}
	b.ResetTimer()
	for range b.N {
		if r := f.wx(b, "POST", "/wxa/business/getliveinfo", `{"start":0,"limit":20}`); errcode(r) != 0 {
			b.Fatal(r)
		}
	}
}
