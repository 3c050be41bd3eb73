package live

import (
	"encoding/json"
	"testing"
	"time"

	"livestudio/internal/store"
)

// FuzzRoomInput: any body either decodes into a room that passes the
// checks' invariants or is refused with an *Error; never a panic.
func FuzzRoomInput(f *testing.F) {
	f.Add([]byte(`{"name":"Tea tasting live","coverImg":"c","startTime":1800000600,"endTime":1800004200,"anchorName":"Anchor","anchorWechat":"a_1","shareImg":"s","closeLike":1}`))
	f.Add([]byte(`{"name":"品茶直播","startTime":"1"}`))
	f.Add([]byte(`{"id":"12","isFeedsPublic":1}`))
	f.Add([]byte(``))
	cfg := DefaultRoomsConfig()
	f.Fuzz(func(t *testing.T, body []byte) {
		var in RoomInput
		if e := decodeJSON(body, &in); e != nil {
			if e.Code != ErrcodeDataFormat && e.Code != ErrcodeBadRequest {
				t.Fatalf("decode error code %d", e.Code)
			}
			return
		}
		var r store.Room
		if e := in.apply(&r, true); e != nil {
			return
		}
		if w := width(r.Name); w < roomNameMin || w > roomNameMax {
			t.Fatalf("name %q accepted (width %d)", r.Name, w)
		}
		now := time.Unix(1_800_000_000, 0).Unix()
		if cfg.checkWindow(r.StartTime, r.EndTime, now, false) == nil {
			if r.StartTime < now+600 || r.EndTime-r.StartTime < 1800 || r.EndTime-r.StartTime > 86400 {
				t.Fatalf("window %d..%d accepted", r.StartTime, r.EndTime)
			}
		}
	})
}

// FuzzID: ids decode from integers or digit strings, positive, and round
// trip.
func FuzzID(f *testing.F) {
	for _, s := range []string{`1`, `"42"`, `-3`, `"x"`, `1.5`, `"9223372036854775807"`, `null`, `"+1"`, `"01"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var id ID
		if err := json.Unmarshal(b, &id); err != nil {
			return
		}
		if id <= 0 {
			t.Fatalf("%q decoded to %d", b, id)
		}
		out, _ := json.Marshal(int64(id))
		var back ID
		if json.Unmarshal(out, &back) != nil || back != id {
			t.Fatalf("%d does not round trip", id)
		}
	})
}

// FuzzGoodsInput: prices are whole fen, types consistent, or refused.
func FuzzGoodsInput(f *testing.F) {
	f.Add([]byte(`{"coverImgUrl":"c","name":"Cup","priceType":2,"price":1,"price2":2.5,"url":"p"}`))
	f.Add([]byte(`{"coverImgUrl":"c","name":"Cup","priceType":3,"price":1e308,"price2":-1,"url":"p"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var in GoodsInput
		if decodeJSON(body, &in) != nil {
			return
		}
		var g store.Goods
		if in.apply(&g, true) != nil {
			return
		}
		if g.Price <= 0 || g.Price > maxPriceFen || (g.PriceType == 2 && g.Price2 <= g.Price) ||
			(g.PriceType == 3 && (g.Price2 <= 0 || g.Price2 >= g.Price)) || g.PriceType < 1 || g.PriceType > 3 {
			t.Fatalf("accepted %+v", g)
		}
	})
}
