package chat

import "testing"

func TestLogin(t *testing.T) {
	h := newHarness(t, nil)
	c := h.dial("")
	ok := c.mustDo("ready", map[string]any{"type": "login", "user_id": "alice", "user_sig": sig(t, "alice", 3600)})
	if ok.UserID != "alice" || ok.Guest || ok.Admin {
		t.Errorf("ready after login: %+v", ok)
	}
	if f := c.do(map[string]any{"type": "login", "user_id": "alice", "user_sig": sig(t, "alice", 3600)}); f.Code != CodeAlreadyLogged {
		t.Errorf("second login: %+v", f)
	}
	admin := h.user("admin", "")
	if f := admin.mustDo("ack", map[string]any{"type": "set_profile", "nick": "boss"}); f.Type != "ack" {
		t.Errorf("admin set_profile: %+v", f)
	}

	cases := []struct {
		name, user, sig, code string
	}{
		{"expired", "bob", sig(t, "bob", -60), CodeUserSigExpired},
		{"other user's sig", "bob", sig(t, "alice", 3600), CodeBadUserSig},
		{"garbage", "bob", "not-a-sig", CodeBadUserSig},
		{"empty", "bob", "", CodeBadUserSig},
		{"bad user id", "has space", sig(t, "has space", 3600), CodeBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := h.dial("")
			f := c.do(map[string]any{"type": "login", "user_id": tc.user, "user_sig": tc.sig})
			if f.Type != "error" || f.Code != tc.code {
				t.Errorf("got %+v, want error %s", f, tc.code)
			}
			// Still a guest: sending is refused.
			c.mustDo("joined", map[string]any{"type": "join", "room": "r"})
			if f := c.do(map[string]any{"type": "send", "kind": "text", "text": "hi"}); f.Code != CodeNotLoggedIn {
				t.Errorf("send after failed login: %+v", f)
			}
		})
	}
	t.Run("wrong key", func(t *testing.T) {
		h2 := newHarness(t, func(c *Config) { c.SecretKey = "another-key" })
		c := h2.dial("")
		// Valid for another key: bad, and it must not report "expired" even
		// for an expired sig (the library checks expiry first).
		for _, s := range []string{sig(t, "bob", 3600), sig(t, "bob", -60)} {
			if f := c.do(map[string]any{"type": "login", "user_id": "bob", "user_sig": s}); f.Code != CodeBadUserSig {
				t.Errorf("got %+v, want bad_usersig", f)
			}
		}
	})
	if got := h.metric("livestudio_chat_auth_failures_total", "reason", "expired"); got != 1 {
		t.Errorf("expired failures metric = %v, want 1", got)
	}
	if got := h.metric("livestudio_chat_auth_failures_total", "reason", "bad_sig"); got != 3 {
		t.Errorf("bad_sig failures metric = %v, want 3", got)
	}
}

func TestGuestOnlyReceives(t *testing.T) {
	h := newHarness(t, nil)
	guest := h.dial("?room=r1")
	if f := guest.waitType("joined"); f.Room != "r1" {
		t.Fatalf("joined: %+v", f)
	}
	for _, req := range []map[string]any{
		{"type": "send", "kind": "text", "text": "hi"},
		{"type": "send", "kind": "custom", "data": "gift"},
		{"type": "like"},
		{"type": "set_profile", "nick": "x"},
		{"type": "notice", "text": "x"},
		{"type": "set_attrs", "attrs": map[string]any{"a": "b"}},
	} {
		if f := guest.do(req); f.Code != CodeNotLoggedIn {
			t.Errorf("%v: got %+v, want not_logged_in", req, f)
		}
	}
	alice := h.user("alice", "r1")
	alice.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "hello guests"})
	if f := guest.waitType("message"); f.Text != "hello guests" || f.From != "alice" {
		t.Errorf("guest received %+v", f)
	}
}
