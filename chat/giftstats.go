package chat

import "encoding/json"

// GiftData is the custom message data that marks a gift; the extension is
// JSON with a "coins" number (docs/protocol.md, "Webhooks").
const GiftData = "gift"

// audience is what the destroy callback's Statistic block needs beyond
// RoomStats: who ever joined and who sent gifts.
type audience struct {
	viewers     map[string]struct{} // user IDs ever joined
	guestJoins  int                 // guests have no identity: each join counts
	gifts       int64
	giftCoins   int64
	giftSenders map[string]struct{}
	comments    int64
}

func (a *audience) joined(u *user) {
	if u == nil {
		a.guestJoins++
		return
	}
	if a.viewers == nil {
		a.viewers = map[string]struct{}{}
	}
	a.viewers[u.id] = struct{}{}
}

// delivered counts m if it is a gift: custom, data "gift", extension JSON
// with a numeric "coins".
func (a *audience) delivered(m *Message) {
	if m.Kind == KindText {
		a.comments++
	}
	if m.Kind != KindCustom || m.Data != GiftData {
		return
	}
	var ext struct {
		Coins *json.Number `json:"coins"`
	}
	if json.Unmarshal([]byte(m.Extension), &ext) != nil || ext.Coins == nil {
		return
	}
	coins, err := ext.Coins.Int64()
	if err != nil || coins < 0 {
		return
	}
	a.gifts++
	a.giftCoins += coins
	if a.giftSenders == nil {
		a.giftSenders = map[string]struct{}{}
	}
	a.giftSenders[m.From] = struct{}{}
}

// statisticLocked is the room's statistics: what this process counted plus
// a managed room's base from before (peaks are the larger of the two).
// With Options.Audience, viewers include the stream's media viewers:
// TotalViewers adds them to the chat joins (a person who watches and chats
// counts twice: the two have no identity in common), PeakViewers is the
// larger of the chat's and the media's peaks.
func (r *room) statisticLocked() Statistic {
	b := r.baseLocked()
	var mediaTotal int64
	var mediaPeak int
	if r.s.audience != nil {
		mediaTotal, mediaPeak = r.s.audience(r.id)
	}
	return Statistic{TotalViewers: b.TotalViewers + len(r.audience.viewers) + r.audience.guestJoins + int(mediaTotal),
		TotalGiftsSent: b.TotalGiftsSent + r.audience.gifts, TotalGiftCoins: b.TotalGiftCoins + r.audience.giftCoins,
		TotalUniqueGiftSenders: b.TotalUniqueGiftSenders + len(r.audience.giftSenders),
		TotalLikesReceived:     b.TotalLikesReceived + r.likes.total,
		PeakViewers:            max(b.PeakViewers, r.stats.PeakOnline, mediaPeak),
		TotalComments:          b.TotalComments + r.audience.comments,
		TotalProductPushes:     b.TotalProductPushes + int64(r.stats.ProductPushes)}
}
