package gateway

import (
	"errors"
	"time"

	"livestudio/chat"
	"livestudio/internal/live"
	"livestudio/internal/store"
)

// roomsChat adapts the chat server to what live rooms need (live.Chat):
// internal/live cannot import the chat (an import cycle through the
// agent's config in tests, and the chat's TLS-sig library does not build
// for 32-bit ARM).
type roomsChat struct{ s *chat.Server }

func chatPolicy(p live.ChatPolicy) chat.RoomPolicy {
	return chat.RoomPolicy{LikesClosed: p.LikesClosed, GoodsClosed: p.GoodsClosed, Admins: p.Admins, Attrs: p.Attrs,
		Base: chat.Statistic{TotalViewers: int(p.Base.TotalViewers), PeakViewers: int(p.Base.PeakViewers),
			TotalLikesReceived: p.Base.Likes, TotalGiftsSent: p.Base.Gifts, TotalGiftCoins: p.Base.GiftCoins,
			TotalComments: p.Base.Comments, TotalProductPushes: p.Base.ProductPushes}}
}

func (c roomsChat) CreateRoom(key string, p live.ChatPolicy) error {
	if err := c.s.CreateRoom(key, chatPolicy(p)); err != nil && !errors.Is(err, chat.ErrRoomExists) {
		return err
	}
	return nil
}

func (c roomsChat) SetRoomPolicy(key string, p live.ChatPolicy) error {
	return c.s.SetRoomPolicy(key, chatPolicy(p))
}

func (c roomsChat) SetRoomMuted(key string, muted bool) error { return c.s.SetRoomMuted(key, muted) }

func (c roomsChat) SetAttrs(key string, changes map[string]*string) error {
	return c.s.SetAttrs(key, changes)
}

func (c roomsChat) RoomAttrs(key string) (map[string]string, bool) { return c.s.RoomAttrs(key) }

func (c roomsChat) RoomStats(key string) (store.Stats, bool) {
	st, ok := c.s.RoomStatistic(key)
	return store.Stats{TotalViewers: int64(st.TotalViewers), PeakViewers: int64(st.PeakViewers),
		Likes: st.TotalLikesReceived, Gifts: st.TotalGiftsSent, GiftCoins: st.TotalGiftCoins,
		Comments: st.TotalComments, ProductPushes: st.TotalProductPushes}, ok
}

func (c roomsChat) DestroyRoom(key string) bool {
	_, ok := c.s.DestroyRoom(key, false)
	return ok
}

func (c roomsChat) Mute(key, user string, d time.Duration) error { return c.s.Mute(key, user, d) }

func (c roomsChat) Kick(key, user string, ban time.Duration, reason string) (int, error) {
	return c.s.Kick(key, user, ban, reason)
}

func (c roomsChat) Unban(key, user string) (bool, error) { return c.s.Unban(key, user) }
