package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestChatStateSurvivesReopen: restrictions (replaced, deleted), room
// states (policy unset, false, true) and profiles are kept across a
// reopen; deleting a chat room forgets only that room.
func TestChatStateSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := open(t, dir)
	until := time.UnixMilli(time.Now().Add(time.Hour).UnixMilli())
	for _, r := range []ChatRestriction{
		{Room: "wxa-1", User: "bob", Kind: "mute", Until: until.Add(-time.Minute)},
		{Room: "wxa-1", User: "bob", Kind: "mute", Until: until}, // replaces
		{Room: "wxa-1", User: "carol", Kind: "ban", Until: until},
		{Room: "wxa-1", User: "dave", Kind: "ban", Until: until},
		{Room: "wxa-2", User: "bob", Kind: "ban", Until: until},
	} {
		if err := s.SaveChatRestriction(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteChatRestriction(ctx, "wxa-1", "dave", "ban"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteChatRestriction(ctx, "wxa-1", "nobody", "ban"); err != nil {
		t.Fatalf("deleting a missing restriction: %v", err)
	}
	no, yes := false, true
	for room, st := range map[string]ChatRoomState{"wxa-1": {Muted: true, PolicyMuted: &no}, "wxa-2": {Muted: true},
		"wxa-3": {PolicyMuted: &yes}} {
		if err := s.SaveChatRoomState(ctx, room, ChatRoomState{}); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveChatRoomState(ctx, room, st); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SaveChatProfile(ctx, "alice", ChatProfile{Nick: "Al"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveChatProfile(ctx, "alice", ChatProfile{Nick: "Alice", Avatar: "https://a/x.png", Level: 7}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteChatRoom(ctx, "wxa-2"); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = open(t, dir)
	defer s.Close()
	st, rs, err := s.ChatRoom(ctx, "wxa-1")
	if err != nil || !st.Muted || st.PolicyMuted == nil || *st.PolicyMuted || len(rs) != 2 {
		t.Fatalf("wxa-1: %+v %+v %v", st, rs, err)
	}
	if rs[0].Kind != "ban" || rs[0].User != "carol" || rs[1].User != "bob" || !rs[1].Until.Equal(until) {
		t.Errorf("restrictions: %+v", rs)
	}
	if st, rs, err := s.ChatRoom(ctx, "wxa-2"); err != nil || st.Muted || st.PolicyMuted != nil || len(rs) != 0 {
		t.Errorf("deleted room: %+v %+v %v", st, rs, err)
	}
	if st, _, err := s.ChatRoom(ctx, "wxa-3"); err != nil || st.Muted || st.PolicyMuted == nil || !*st.PolicyMuted {
		t.Errorf("wxa-3: %+v %v", st, err)
	}
	if p, err := s.ChatProfile(ctx, "alice"); err != nil || p != (ChatProfile{Nick: "Alice", Avatar: "https://a/x.png", Level: 7}) {
		t.Errorf("profile: %+v %v", p, err)
	}
	if _, err := s.ChatProfile(ctx, "nobody"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing profile: %v", err)
	}
}

// BenchmarkChatState: one saved mute (the write-behind queue's unit of
// work) and one room load with 100 restrictions (a room's creation).
func BenchmarkChatState(b *testing.B) {
	ctx := context.Background()
	s, err := OpenSQLite(ctx, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	until := time.Now().Add(time.Hour)
	b.Run("save", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if err := s.SaveChatRestriction(ctx, ChatRestriction{Room: "wxa-1", User: fmt.Sprint("u", i%100), Kind: "mute", Until: until}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("load100", func(b *testing.B) {
		for b.Loop() {
			if _, rs, err := s.ChatRoom(ctx, "wxa-1"); err != nil || len(rs) != 100 {
				b.Fatal(len(rs), err)
			}
		}
	})
}
