package live

import (
	"context"

	"livestudio/internal/store"
)

func b01(b bool) int {
	if b {
		return 1
	}
	return 0
}

// wxGoods is a room's goods in getliveinfo.
func (rs *Rooms) wxGoods(list []store.RoomGoods) []map[string]any {
	out := make([]map[string]any, 0, len(list))
	for _, g := range list {
		out = append(out, map[string]any{"goods_id": g.ID, "cover_img": rs.imageSrc(g.CoverImgURL), "url": g.URL, "name": g.Name,
			"price": g.Price, "price2": g.Price2, "price_type": g.PriceType, "third_party_appid": g.ThirdPartyAppID,
			"on_sale": b01(g.OnSale)})
	}
	return out
}

// wxRoomInfo is a room in getliveinfo's room_info (prices in fen, as
// WeChat's getliveinfo has them), plus livestudio's statistics.
func (rs *Rooms) wxRoomInfo(v RoomView) map[string]any {
	return map[string]any{"name": v.Name, "roomid": v.ID, "cover_img": rs.imageSrc(v.CoverImg), "share_img": rs.imageSrc(v.ShareImg),
		"feeds_img": rs.imageSrc(v.FeedsImg), "live_status": v.Status, "start_time": v.StartTime, "end_time": v.EndTime,
		"anchor_name": v.AnchorName, "goods": rs.wxGoods(v.Goods), "live_type": v.Type, "screen_type": v.ScreenType,
		"close_like": b01(v.CloseLike), "close_goods": b01(v.CloseGoods), "close_comment": b01(v.CloseComment),
		"close_kf": b01(v.CloseKf), "close_replay": b01(v.CloseReplay), "close_share": b01(v.CloseShare),
		"is_feeds_public": b01(v.FeedsPublic), "creater_openid": v.CreaterWechat, "stats": v.Stats}
}

func wxCreateRoom(s *Service, c *wxCall) (map[string]any, error) {
	if e := requirePost(c); e != nil {
		return nil, e
	}
	var in RoomInput
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	r, err := s.rooms.CreateRoom(context.Background(), c.app.AppID, in)
	if err != nil {
		return nil, err
	}
	return map[string]any{"roomId": r.ID, "qrcode_url": s.rooms.shareImageURL(c.app.AppID, r.ID)}, nil
}

func wxEditRoom(s *Service, c *wxCall) (map[string]any, error) {
	if e := requirePost(c); e != nil {
		return nil, e
	}
	var in RoomInput
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	if in.ID == nil || *in.ID <= 0 {
		return nil, badField("id (the room id) is required")
	}
	return nil, s.rooms.EditRoom(context.Background(), c.app.AppID, *in.ID, in)
}

func wxDeleteRoom(s *Service, c *wxCall) (map[string]any, error) {
	if e := requirePost(c); e != nil {
		return nil, e
	}
	var in struct {
		ID *ID `json:"id"`
	}
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	if in.ID == nil {
		return nil, badField("id (the room id) is required")
	}
	return nil, s.rooms.DeleteRoom(context.Background(), c.app.AppID, int64(*in.ID))
}

// wxGetLiveInfo lists rooms ({start, limit}) or, with action get_replay,
// a room's replays ({room_id, start, limit}).
func wxGetLiveInfo(s *Service, c *wxCall) (map[string]any, error) {
	if e := requirePost(c); e != nil {
		return nil, e
	}
	var in struct {
		Action string `json:"action"`
		RoomID *ID    `json:"room_id"`
		Start  *int   `json:"start"`
		Limit  *int   `json:"limit"`
	}
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	start, limit := 0, 10
	if in.Start != nil {
		start = *in.Start
	}
	if in.Limit != nil {
		limit = *in.Limit
	}
	if start < 0 || limit < 1 || limit > 100 {
		return nil, badField("start must be >= 0 and limit 1 to 100")
	}
	ctx := context.Background()
	switch in.Action {
	case "":
		list, total, err := s.rooms.ListRooms(ctx, c.app.AppID, start, limit)
		if err != nil {
			return nil, err
		}
		info := make([]map[string]any, 0, len(list))
		for _, v := range list {
			info = append(info, s.rooms.wxRoomInfo(v))
		}
		return map[string]any{"room_info": info, "total": total}, nil
	case "get_replay":
		if in.RoomID == nil {
			return nil, badField("room_id is required with action get_replay")
		}
		reps, total, err := s.rooms.Replays(ctx, c.app.AppID, int64(*in.RoomID), start, limit)
		if err != nil {
			return nil, err
		}
		out := make([]map[string]any, 0, len(reps))
		for _, r := range reps {
			out = append(out, map[string]any{"create_time": r.CreateTime, "expire_time": r.ExpireTime, "media_url": r.MediaURL})
		}
		return map[string]any{"live_replay": out, "total": total}, nil
	}
	return nil, badField("action must be absent (list rooms) or get_replay")
}

// roomParam reads roomId from the query (GET) or the body (POST).
func (c *wxCall) roomParam() (int64, *Error) {
	if c.body == nil {
		return queryID(c.query, "roomId")
	}
	var in struct {
		RoomID *ID `json:"roomId"`
	}
	if e := c.decode(&in); e != nil {
		return 0, e
	}
	if in.RoomID == nil {
		return 0, badField("roomId is required")
	}
	return int64(*in.RoomID), nil
}

func wxGetSharedCode(s *Service, c *wxCall) (map[string]any, error) {
	id, e := c.roomParam()
	if e != nil {
		return nil, e
	}
	code, err := s.rooms.SharedCode(c.app.AppID, id, c.query.Get("params"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"cdnUrl": code.ImageURL, "pagePath": code.PageURL, "posterUrl": code.ImageURL}, nil
}

// wxUpdateFlag serves updatefeedpublic, updatereplay, updatekf and
// updatecomment: {roomId, <field>: 0 or 1}.
func wxUpdateFlag(field string) wxHandler {
	return func(s *Service, c *wxCall) (map[string]any, error) {
		if e := requirePost(c); e != nil {
			return nil, e
		}
		var in map[string]any
		if e := c.decode(&in); e != nil {
			return nil, e
		}
		var roomID struct {
			RoomID *ID `json:"roomId"`
		}
		if e := c.decode(&roomID); e != nil {
			return nil, e
		}
		if roomID.RoomID == nil {
			return nil, badField("roomId is required")
		}
		v, ok := in[field]
		n, isNum := v.(interface{ String() string })
		if !ok || !isNum || (n.String() != "0" && n.String() != "1") {
			return nil, badField("%s must be 0 or 1", field)
		}
		on := n.String() == "1"
		var feeds, replay, kf, comment *bool
		switch field {
		case "isFeedsPublic":
			feeds = &on
		case "closeReplay":
			replay = &on
		case "closeKf":
			kf = &on
		case "banComment":
			comment = &on
		}
		return nil, s.rooms.SetFlags(context.Background(), c.app.AppID, int64(*roomID.RoomID), feeds, replay, kf, comment)
	}
}
