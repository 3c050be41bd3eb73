package live

import (
	"context"
	"net/http"

	"livestudio/internal/store"
)

const apiPrefix = "/api/v1/apps/{app}"

func restRoutes() map[string]restHandler {
	return map[string]restHandler{
		"POST " + apiPrefix + "/rooms":                          restCreateRoom,
		"GET " + apiPrefix + "/rooms":                           restListRooms,
		"GET " + apiPrefix + "/rooms/{id}":                      restGetRoom,
		"PATCH " + apiPrefix + "/rooms/{id}":                    restEditRoom,
		"DELETE " + apiPrefix + "/rooms/{id}":                   restDeleteRoom,
		"POST " + apiPrefix + "/rooms/{id}/end":                 restRoomAction("end"),
		"POST " + apiPrefix + "/rooms/{id}/ban":                 restRoomAction("ban"),
		"POST " + apiPrefix + "/rooms/{id}/unban":               restRoomAction("unban"),
		"GET " + apiPrefix + "/rooms/{id}/sharecode":            restShareCode,
		"GET " + apiPrefix + "/rooms/{id}/replays":              restReplays,
		"GET " + apiPrefix + "/rooms/{id}/assistants":           restAssistants,
		"POST " + apiPrefix + "/rooms/{id}/assistants":          restAddAssistants,
		"PATCH " + apiPrefix + "/rooms/{id}/assistants/{user}":  restModifyAssistant,
		"DELETE " + apiPrefix + "/rooms/{id}/assistants/{user}": restRemoveAssistant,
		"GET " + apiPrefix + "/rooms/{id}/subanchor":            restGetSubAnchor,
		"PUT " + apiPrefix + "/rooms/{id}/subanchor":            restSetSubAnchor,
		"DELETE " + apiPrefix + "/rooms/{id}/subanchor":         restDeleteSubAnchor,
		"GET " + apiPrefix + "/rooms/{id}/goods":                restRoomGoods,
		"POST " + apiPrefix + "/rooms/{id}/goods":               restAddRoomGoods,
		"POST " + apiPrefix + "/rooms/{id}/goods/sort":          restSortRoomGoods,
		"POST " + apiPrefix + "/rooms/{id}/goods/{gid}/onsale":  restOnSale,
		"POST " + apiPrefix + "/rooms/{id}/goods/{gid}/push":    restPush,
		"DELETE " + apiPrefix + "/rooms/{id}/goods/{gid}":       restRemoveRoomGoods,
		"POST " + apiPrefix + "/goods":                          restAddGoods,
		"GET " + apiPrefix + "/goods":                           restListGoods,
		"GET " + apiPrefix + "/goods/{gid}":                     restGetGoods,
		"PATCH " + apiPrefix + "/goods/{gid}":                   restUpdateGoods,
		"DELETE " + apiPrefix + "/goods/{gid}":                  restDeleteGoods,
		"POST " + apiPrefix + "/goods/{gid}/{action}":           restGoodsAction,
		"GET " + apiPrefix + "/roles":                           restListRoles,
		"POST " + apiPrefix + "/roles":                          restAddRole,
		"DELETE " + apiPrefix + "/roles/{user}/{role}":          restDeleteRole,
		"POST " + apiPrefix + "/rooms/{id}/settings":            restSettings,
		"GET " + apiPrefix + "/rooms/{id}/pushurl":              restPushURL,
		"GET " + apiPrefix + "/rooms/{id}/stats":                restStats,
		"GET " + apiPrefix + "/rooms/{id}/card":                 restCard,
		"DELETE " + apiPrefix + "/rooms/{id}/card":              restTakeDownCard,
		"POST " + apiPrefix + "/rooms/{id}/chat/mute":           restMute,
		"POST " + apiPrefix + "/rooms/{id}/chat/kick":           restKick,
		"POST " + apiPrefix + "/rooms/{id}/chat/unban":          restUnban,
	}
}

// restRoom is a room in the REST face.
func (rs *Rooms) restRoom(v RoomView) map[string]any {
	goods := make([]map[string]any, 0, len(v.Goods))
	for _, g := range v.Goods {
		m := rs.restGoodsItem(g.Goods)
		m["onSale"], m["sort"], m["pushes"] = g.OnSale, g.Sort, g.Pushes
		goods = append(goods, m)
	}
	return map[string]any{"roomId": v.ID, "streamKey": StreamKey(v.AppID, v.ID), "name": v.Name,
		"coverImg": v.CoverImg, "shareImg": v.ShareImg, "feedsImg": v.FeedsImg, "coverImgSrc": rs.imageSrc(v.CoverImg),
		"shareImgSrc": rs.imageSrc(v.ShareImg), "feedsImgSrc": rs.imageSrc(v.FeedsImg), "startTime": v.StartTime,
		"endTime": v.EndTime, "anchorName": v.AnchorName, "anchorWechat": v.AnchorWechat,
		"subAnchorWechat": v.SubAnchorWechat, "createrWechat": v.CreaterWechat, "isFeedsPublic": b01(v.FeedsPublic),
		"type": v.Type, "screenType": v.ScreenType, "closeLike": b01(v.CloseLike), "closeGoods": b01(v.CloseGoods),
		"closeComment": b01(v.CloseComment), "closeReplay": b01(v.CloseReplay), "closeShare": b01(v.CloseShare),
		"closeKf": b01(v.CloseKf), "banned": v.Banned, "liveStatus": v.Status, "endedAt": v.EndedAt,
		"liveAt": v.LiveAt, "createdAt": v.CreatedAt, "product": rs.renderCard(v.Product), "goods": goods, "stats": v.Stats}
}

func (rs *Rooms) restGoodsItem(g store.Goods) map[string]any {
	return map[string]any{"goodsId": g.ID, "name": g.Name, "coverImgUrl": g.CoverImgURL,
		"coverImgSrc": rs.imageSrc(g.CoverImgURL), "url": g.URL,
		"priceType": g.PriceType, "price": yuan(g.Price), "price2": yuan(g.Price2), "auditStatus": g.AuditStatus,
		"auditId": g.AuditID, "thirdPartyAppid": g.ThirdPartyAppID}
}

func paging(c *restCall) (int, int, *Error) {
	q := c.r.URL.Query()
	offset, e := queryInt(q, "offset", 0, 0, 1<<30)
	if e != nil {
		return 0, 0, e
	}
	limit, e := queryInt(q, "limit", 20, 1, 100)
	return offset, limit, e
}

func restCreateRoom(rs *Rooms, c *restCall) (map[string]any, error) {
	var in RoomInput
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	r, err := rs.CreateRoom(c.r.Context(), c.app, in)
	if err != nil {
		return nil, err
	}
	v, err := rs.Room(c.r.Context(), c.app, r.ID)
	if err != nil {
		return nil, err
	}
	return map[string]any{"room": rs.restRoom(v)}, nil
}

func restListRooms(rs *Rooms, c *restCall) (map[string]any, error) {
	offset, limit, e := paging(c)
	if e != nil {
		return nil, e
	}
	list, total, err := rs.ListRooms(c.r.Context(), c.app, offset, limit)
	if err != nil {
		return nil, err
	}
	rooms := make([]map[string]any, 0, len(list))
	for _, v := range list {
		rooms = append(rooms, rs.restRoom(v))
	}
	return map[string]any{"rooms": rooms, "total": total}, nil
}

func restGetRoom(rs *Rooms, c *restCall) (map[string]any, error) {
	id, e := c.id("id")
	if e != nil {
		return nil, e
	}
	v, err := rs.Room(c.r.Context(), c.app, id)
	if err != nil {
		return nil, err
	}
	return map[string]any{"room": rs.restRoom(v)}, nil
}

func restEditRoom(rs *Rooms, c *restCall) (map[string]any, error) {
	id, e := c.id("id")
	if e != nil {
		return nil, e
	}
	var in RoomInput
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	if err := rs.EditRoom(c.r.Context(), c.app, id, in); err != nil {
		return nil, err
	}
	return restGetRoom(rs, c)
}

func restDeleteRoom(rs *Rooms, c *restCall) (map[string]any, error) {
	id, e := c.id("id")
	if e != nil {
		return nil, e
	}
	return nil, rs.DeleteRoom(c.r.Context(), c.app, id)
}

func restRoomAction(action string) restHandler {
	return func(rs *Rooms, c *restCall) (map[string]any, error) {
		id, e := c.id("id")
		if e != nil {
			return nil, e
		}
		var err error
		switch action {
		case "end":
			err = rs.EndRoom(c.r.Context(), c.app, id)
		case "ban":
			err = rs.BanRoom(c.r.Context(), c.app, id, true)
		case "unban":
			err = rs.BanRoom(c.r.Context(), c.app, id, false)
		}
		if err != nil {
			return nil, err
		}
		return restGetRoom(rs, c)
	}
}

// restSettings: {isFeedsPublic, closeReplay, closeKf, closeComment}, each
// optional, 0 or 1.
func restSettings(rs *Rooms, c *restCall) (map[string]any, error) {
	id, e := c.id("id")
	if e != nil {
		return nil, e
	}
	var in struct {
		IsFeedsPublic, CloseReplay, CloseKf, CloseComment *int
	}
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	var out [4]*bool
	for i, f := range []struct {
		name string
		v    *int
	}{{"isFeedsPublic", in.IsFeedsPublic}, {"closeReplay", in.CloseReplay}, {"closeKf", in.CloseKf}, {"closeComment", in.CloseComment}} {
		if f.v == nil {
			continue
		}
		var b bool
		if e := flag(f.name, f.v, &b); e != nil {
			return nil, e
		}
		out[i] = &b
	}
	if err := rs.SetFlags(c.r.Context(), c.app, id, out[0], out[1], out[2], out[3]); err != nil {
		return nil, err
	}
	return restGetRoom(rs, c)
}

func restShareCode(rs *Rooms, c *restCall) (map[string]any, error) {
	id, e := c.id("id")
	if e != nil {
		return nil, e
	}
	code, err := rs.SharedCode(c.app, id, c.r.URL.Query().Get("params"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"pageUrl": code.PageURL, "imageUrl": code.ImageURL}, nil
}

func restReplays(rs *Rooms, c *restCall) (map[string]any, error) {
	id, e := c.id("id")
	if e != nil {
		return nil, e
	}
	offset, limit, e := paging(c)
	if e != nil {
		return nil, e
	}
	list, total, err := rs.Replays(c.r.Context(), c.app, id, offset, limit)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(list))
	for _, r := range list {
		out = append(out, map[string]any{"createTime": r.CreateTime, "expireTime": r.ExpireTime, "mediaUrl": r.MediaURL})
	}
	return map[string]any{"replays": out, "total": total}, nil
}

func restStats(rs *Rooms, c *restCall) (map[string]any, error) {
	id, e := c.id("id")
	if e != nil {
		return nil, e
	}
	v, err := rs.Room(c.r.Context(), c.app, id)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"liveStatus": v.Status, "stats": v.Stats}
	if rs.online != nil {
		// Viewers now (the statistics are cumulative): FLV connections
		// and HLS sessions of the room's stream (docs/api.md, "Viewers").
		flv, hls := rs.online(StreamKey(c.app, id))
		out["online"] = map[string]int{"flv": flv, "hls": hls, "total": flv + hls}
	}
	return out, nil
}

func restPushURL(rs *Rooms, c *restCall) (map[string]any, error) {
	id, e := c.id("id")
	if e != nil {
		return nil, e
	}
	a, ae := rs.app(c.app)
	if ae != nil {
		return nil, ae
	}
	if rs.pushURL == nil {
		return nil, apiErr(http.StatusNotFound, ErrcodeDataFormat, "push URLs are not served here")
	}
	if err := rs.checkPublish(a, StreamKey(c.app, id)); err != nil {
		return nil, apiErr(http.StatusConflict, pushURLErrcode(err), "room %d: %v", id, err)
	}
	return map[string]any{"pushAddr": rs.pushURL(a, id)}, nil
}

func restCard(rs *Rooms, c *restCall) (map[string]any, error) {
	id, e := c.id("id")
	if e != nil {
		return nil, e
	}
	v, err := rs.Room(c.r.Context(), c.app, id)
	if err != nil {
		return nil, err
	}
	return map[string]any{"product": rs.renderCard(v.Product)}, nil
}

func restTakeDownCard(rs *Rooms, c *restCall) (map[string]any, error) {
	id, e := c.id("id")
	if e != nil {
		return nil, e
	}
	if _, e := rs.roomForGoods(c.app, id); e != nil {
		return nil, e
	}
	return nil, rs.setCard(context.Background(), c.app, id, "")
}
