package live

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"

	"livestudio/internal/store"
)

// maxRoomGoods is WeChat's limit of goods in one room.
const maxRoomGoods = 500

// Card is the product card of the chat's product attribute (the brief's
// contract, docs/protocol.md): WeChat's goods fields, prices in yuan.
type Card struct {
	GoodsID     int64   `json:"goodsId"`
	Name        string  `json:"name"`
	CoverImgURL string  `json:"coverImgUrl"`
	Price       float64 `json:"price"`
	Price2      float64 `json:"price2"`
	PriceType   int     `json:"priceType"`
	URL         string  `json:"url"`
}

func yuan(fen int64) float64 { return float64(fen) / 100 }

// cardOf is goods' card as stored: a media id stays an id (renderCard
// turns it into a URL under the public base of the moment).
func cardOf(g store.Goods) Card {
	return Card{GoodsID: g.ID, Name: g.Name, CoverImgURL: g.CoverImgURL, Price: yuan(g.Price), Price2: yuan(g.Price2),
		PriceType: g.PriceType, URL: g.URL}
}

// roomForGoods returns a room whose goods may change (not over).
func (rs *Rooms) roomForGoods(appID string, roomID int64) (store.Room, *Error) {
	if _, e := rs.app(appID); e != nil {
		return store.Room{}, e
	}
	key := StreamKey(appID, roomID)
	e, ok := rs.entry(key)
	if !ok {
		return store.Room{}, roomNotFound(roomID)
	}
	if st := rs.status(key, &e.r); final(st) {
		return e.r, apiErr(http.StatusConflict, ErrcodeRoomState, "room %d is over (live_status %d)", roomID, st)
	}
	return e.r, nil
}

// AddRoomGoods imports approved goods into a room, on sale, after those
// already there.
func (rs *Rooms) AddRoomGoods(ctx context.Context, appID string, roomID int64, ids []int64) error {
	if len(ids) == 0 {
		return badField("ids must list at least one goods id")
	}
	if _, e := rs.roomForGoods(appID, roomID); e != nil {
		return e
	}
	for _, id := range ids {
		g, err := rs.Goods(ctx, appID, id)
		if err != nil {
			return err
		}
		if g.AuditStatus != store.AuditApproved {
			return apiErr(http.StatusConflict, ErrcodeGoodsNotPassed, "goods %d are not approved (auditStatus %d)", id, g.AuditStatus)
		}
	}
	rs.mu.Lock() // the count and the insert together
	defer rs.mu.Unlock()
	have, err := rs.st.RoomGoods(ctx, appID, roomID)
	if err != nil {
		return systemErr(err)
	}
	n := len(have)
	for _, id := range ids {
		if !slices.ContainsFunc(have, func(rg store.RoomGoods) bool { return rg.ID == id }) {
			n++
		}
	}
	if n > maxRoomGoods {
		return apiErr(http.StatusConflict, ErrcodeRoomGoodsFull, "a room holds at most %d goods", maxRoomGoods)
	}
	if err := rs.st.AddRoomGoods(ctx, appID, roomID, ids); err != nil {
		return systemErr(err)
	}
	return nil
}

// roomGoods finds goods in a room's list.
func (rs *Rooms) roomGoods(ctx context.Context, appID string, roomID, goodsID int64) (store.RoomGoods, *Error) {
	list, err := rs.st.RoomGoods(ctx, appID, roomID)
	if err != nil {
		return store.RoomGoods{}, systemErr(err)
	}
	for _, rg := range list {
		if rg.ID == goodsID {
			return rg, nil
		}
	}
	return store.RoomGoods{}, apiErr(http.StatusNotFound, ErrcodeGoodsNotInRoom, "goods %d are not in room %d", goodsID, roomID)
}

// OnSale puts goods in a room on or off sale; taking the card's goods off
// sale takes the card down.
func (rs *Rooms) OnSale(ctx context.Context, appID string, roomID, goodsID int64, onSale bool) error {
	if _, e := rs.roomForGoods(appID, roomID); e != nil {
		return e
	}
	rg, e := rs.roomGoods(ctx, appID, roomID, goodsID)
	if e != nil {
		return e
	}
	rg.OnSale = onSale
	if err := rs.st.UpdateRoomGoods(ctx, appID, roomID, rg); err != nil {
		return systemErr(err)
	}
	if !onSale {
		rs.takeDownCard(ctx, appID, roomID, goodsID)
	}
	return nil
}

// RemoveRoomGoods deletes goods from a room's list (deleteInRoom).
func (rs *Rooms) RemoveRoomGoods(ctx context.Context, appID string, roomID, goodsID int64) error {
	if _, e := rs.roomForGoods(appID, roomID); e != nil {
		return e
	}
	if _, e := rs.roomGoods(ctx, appID, roomID, goodsID); e != nil {
		return e
	}
	if err := rs.st.RemoveRoomGoods(ctx, appID, roomID, goodsID); err != nil {
		return systemErr(err)
	}
	rs.takeDownCard(ctx, appID, roomID, goodsID)
	return nil
}

// SortRoomGoods puts the listed goods first, in that order.
func (rs *Rooms) SortRoomGoods(ctx context.Context, appID string, roomID int64, ids []int64) error {
	if len(ids) == 0 {
		return apiErr(http.StatusBadRequest, ErrcodeSortEmpty, "goods to sort is empty")
	}
	if _, e := rs.roomForGoods(appID, roomID); e != nil {
		return e
	}
	err := rs.st.SortRoomGoods(ctx, appID, roomID, ids)
	if errors.Is(err, store.ErrNotFound) {
		return apiErr(http.StatusNotFound, ErrcodeGoodsNotInRoom, "sort: %v (goods not in room %d)", err, roomID)
	} else if err != nil {
		return systemErr(err)
	}
	return nil
}

// PushGoods shows goods' card to every viewer (the room's product
// attribute). The goods must be in the room, on sale and approved, and the
// room's shelf open.
func (rs *Rooms) PushGoods(ctx context.Context, appID string, roomID, goodsID int64) (Card, error) {
	r, e := rs.roomForGoods(appID, roomID)
	if e != nil {
		return Card{}, e
	}
	if r.CloseGoods {
		return Card{}, apiErr(http.StatusConflict, ErrcodeRoomState, "room %d has its goods shelf closed (closeGoods)", roomID)
	}
	rg, e := rs.roomGoods(ctx, appID, roomID, goodsID)
	if e != nil {
		return Card{}, e
	}
	switch {
	case !rg.OnSale:
		return Card{}, apiErr(http.StatusConflict, ErrcodeGoodsOffSale, "goods %d are off sale in room %d", goodsID, roomID)
	case rg.AuditStatus != store.AuditApproved:
		return Card{}, apiErr(http.StatusConflict, ErrcodeGoodsNotPassed, "goods %d are not approved", goodsID)
	}
	card := cardOf(rg.Goods)
	b, _ := json.Marshal(card)
	if err := rs.setCard(ctx, appID, roomID, string(b)); err != nil {
		return Card{}, err
	}
	card.CoverImgURL = rs.imageSrc(card.CoverImgURL)
	rg.Pushes++
	if err := rs.st.UpdateRoomGoods(ctx, appID, roomID, rg); err != nil {
		return card, systemErr(err)
	}
	return card, nil
}

// setCard stores and shows the room's card ("" takes it down).
func (rs *Rooms) setCard(ctx context.Context, appID string, roomID int64, card string) error {
	key := StreamKey(appID, roomID)
	_, err := rs.update(ctx, appID, roomID, func(r *store.Room, _ int) *Error {
		r.Product = card
		return nil
	})
	if err != nil {
		return err
	}
	if rs.chat == nil {
		return nil
	}
	var v *string
	if card != "" {
		shown := rs.renderCard(card)
		v = &shown
	}
	if err := rs.chat.SetAttrs(key, map[string]*string{ProductAttr: v}); err != nil {
		return systemErr(err)
	}
	return nil
}

// takeDownCard removes the card if it shows goodsID.
func (rs *Rooms) takeDownCard(ctx context.Context, appID string, roomID, goodsID int64) {
	e, ok := rs.entry(StreamKey(appID, roomID))
	if !ok || e.r.Product == "" {
		return
	}
	var c Card
	if json.Unmarshal([]byte(e.r.Product), &c) == nil && c.GoodsID == goodsID {
		if err := rs.setCard(ctx, appID, roomID, ""); err != nil {
			rs.log.Warn("product card not taken down", "room", StreamKey(appID, roomID), "err", err)
		}
	}
}
