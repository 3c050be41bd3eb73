package live

import (
	"context"
	"net/http"

	"livestudio/internal/store"
)

// goodsReq is {goodsInfo: {...}}, add's and update's body.
type goodsReq struct {
	GoodsInfo *GoodsInput `json:"goodsInfo"`
}

func wxAddGoods(s *Service, c *wxCall) (map[string]any, error) {
	if e := requirePost(c); e != nil {
		return nil, e
	}
	var in goodsReq
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	if in.GoodsInfo == nil {
		return nil, badField("goodsInfo is required")
	}
	g, err := s.rooms.AddGoods(context.Background(), c.app.AppID, *in.GoodsInfo)
	if err != nil {
		return nil, err
	}
	return map[string]any{"goodsId": g.ID, "auditId": g.AuditID}, nil
}

func wxUpdateGoods(s *Service, c *wxCall) (map[string]any, error) {
	if e := requirePost(c); e != nil {
		return nil, e
	}
	var in goodsReq
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	if in.GoodsInfo == nil || in.GoodsInfo.GoodsID == nil {
		return nil, badField("goodsInfo.goodsId is required")
	}
	_, err := s.rooms.UpdateGoods(context.Background(), c.app.AppID, *in.GoodsInfo.GoodsID, *in.GoodsInfo)
	return nil, err
}

// goodsIDReq is {goodsId, auditId}.
type goodsIDReq struct {
	GoodsID *ID  `json:"goodsId"`
	AuditID *ID  `json:"auditId"`
	RoomID  *ID  `json:"roomId"`
	OnSale  *int `json:"onSale"`
}

func (c *wxCall) goodsID(needRoom bool) (goodsIDReq, *Error) {
	var in goodsIDReq
	if e := requirePost(c); e != nil {
		return in, e
	}
	if e := c.decode(&in); e != nil {
		return in, e
	}
	if in.GoodsID == nil {
		return in, badField("goodsId is required")
	}
	if needRoom && in.RoomID == nil {
		return in, badField("roomId is required")
	}
	return in, nil
}

func wxDeleteGoods(s *Service, c *wxCall) (map[string]any, error) {
	in, e := c.goodsID(false)
	if e != nil {
		return nil, e
	}
	return nil, s.rooms.DeleteGoods(context.Background(), c.app.AppID, int64(*in.GoodsID))
}

func wxAuditGoods(s *Service, c *wxCall) (map[string]any, error) {
	in, e := c.goodsID(false)
	if e != nil {
		return nil, e
	}
	id, err := s.rooms.AuditGoods(context.Background(), c.app.AppID, int64(*in.GoodsID))
	if err != nil {
		return nil, err
	}
	return map[string]any{"auditId": id}, nil
}

func wxResetAudit(s *Service, c *wxCall) (map[string]any, error) {
	in, e := c.goodsID(false)
	if e != nil {
		return nil, e
	}
	var audit int64
	if in.AuditID != nil {
		audit = int64(*in.AuditID)
	}
	return nil, s.rooms.ResetAudit(context.Background(), c.app.AppID, int64(*in.GoodsID), audit)
}

func (rs *Rooms) wxGoodsItem(g store.Goods) map[string]any {
	return map[string]any{"goodsId": g.ID, "coverImgUrl": rs.imageSrc(g.CoverImgURL), "name": g.Name, "price": yuan(g.Price),
		"price2": yuan(g.Price2), "priceType": g.PriceType, "url": g.URL, "thirdPartyTag": 2,
		"thirdPartyAppid": g.ThirdPartyAppID, "auditStatus": g.AuditStatus}
}

// wxGetApproved: GET ?offset=&limit=&status= (0 not submitted, 1 pending,
// 2 approved, 3 rejected).
func wxGetApproved(s *Service, c *wxCall) (map[string]any, error) {
	status, e := queryInt(c.query, "status", -2, 0, 3)
	if e != nil || status == -2 {
		return nil, badField("status (0 to 3) is required")
	}
	offset, e := queryInt(c.query, "offset", 0, 0, 1<<30)
	if e != nil {
		return nil, e
	}
	limit, e := queryInt(c.query, "limit", 30, 1, 100)
	if e != nil {
		return nil, e
	}
	list, total, err := s.rooms.GoodsList(context.Background(), c.app.AppID, status, offset, limit)
	if err != nil {
		return nil, err
	}
	goods := make([]map[string]any, 0, len(list))
	for _, g := range list {
		goods = append(goods, s.rooms.wxGoodsItem(g))
	}
	return map[string]any{"goods": goods, "total": total}, nil
}

// wxGetGoodsWarehouse: POST {goods_ids: [...]}, at most 20.
func wxGetGoodsWarehouse(s *Service, c *wxCall) (map[string]any, error) {
	if e := requirePost(c); e != nil {
		return nil, e
	}
	var in struct {
		GoodsIDs []ID `json:"goods_ids"`
	}
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	if len(in.GoodsIDs) == 0 || len(in.GoodsIDs) > 20 {
		return nil, badField("goods_ids must list 1 to 20 goods ids")
	}
	var goods []map[string]any
	for _, id := range in.GoodsIDs {
		g, err := s.rooms.Goods(context.Background(), c.app.AppID, int64(id))
		if err != nil {
			return nil, err
		}
		goods = append(goods, map[string]any{"goods_id": g.ID, "cover_img_url": s.rooms.imageSrc(g.CoverImgURL), "name": g.Name,
			"audit_status": g.AuditStatus, "url": g.URL, "price": yuan(g.Price), "price2": yuan(g.Price2),
			"price_type": g.PriceType, "third_party_tag": 2, "third_party_appid": g.ThirdPartyAppID})
	}
	return map[string]any{"goods": goods, "total": len(goods)}, nil
}

func wxAddRoomGoods(s *Service, c *wxCall) (map[string]any, error) {
	if e := requirePost(c); e != nil {
		return nil, e
	}
	var in struct {
		IDs    []ID `json:"ids"`
		RoomID *ID  `json:"roomId"`
	}
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	if in.RoomID == nil {
		return nil, badField("roomId is required")
	}
	ids := make([]int64, len(in.IDs))
	for i, id := range in.IDs {
		ids[i] = int64(id)
	}
	return nil, s.rooms.AddRoomGoods(context.Background(), c.app.AppID, int64(*in.RoomID), ids)
}

func wxOnSale(s *Service, c *wxCall) (map[string]any, error) {
	in, e := c.goodsID(true)
	if e != nil {
		return nil, e
	}
	if in.OnSale == nil || (*in.OnSale != 0 && *in.OnSale != 1) {
		return nil, badField("onSale must be 0 (off sale) or 1 (on sale)")
	}
	return nil, s.rooms.OnSale(context.Background(), c.app.AppID, int64(*in.RoomID), int64(*in.GoodsID), *in.OnSale == 1)
}

func wxDeleteInRoom(s *Service, c *wxCall) (map[string]any, error) {
	in, e := c.goodsID(true)
	if e != nil {
		return nil, e
	}
	return nil, s.rooms.RemoveRoomGoods(context.Background(), c.app.AppID, int64(*in.RoomID), int64(*in.GoodsID))
}

func wxPush(s *Service, c *wxCall) (map[string]any, error) {
	in, e := c.goodsID(true)
	if e != nil {
		return nil, e
	}
	_, err := s.rooms.PushGoods(context.Background(), c.app.AppID, int64(*in.RoomID), int64(*in.GoodsID))
	return nil, err
}

// wxSort: {roomId, goods: [{goodsId}, ...]} in the new order.
func wxSort(s *Service, c *wxCall) (map[string]any, error) {
	if e := requirePost(c); e != nil {
		return nil, e
	}
	var in struct {
		RoomID *ID `json:"roomId"`
		Goods  []struct {
			GoodsID *ID `json:"goodsId"`
		} `json:"goods"`
	}
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	if in.RoomID == nil {
		return nil, badField("roomId is required")
	}
	ids := make([]int64, 0, len(in.Goods))
	for _, g := range in.Goods {
		if g.GoodsID == nil {
			return nil, badField("each goods entry needs goodsId")
		}
		ids = append(ids, int64(*g.GoodsID))
	}
	return nil, s.rooms.SortRoomGoods(context.Background(), c.app.AppID, int64(*in.RoomID), ids)
}

// wxGetVideo: the gateway records no per-goods explanation video; it
// answers WeChat's "no explanation video" for goods in the room.
func wxGetVideo(s *Service, c *wxCall) (map[string]any, error) {
	in, e := c.goodsID(true)
	if e != nil {
		return nil, e
	}
	ctx := context.Background()
	if _, err := s.rooms.Room(ctx, c.app.AppID, int64(*in.RoomID)); err != nil {
		return nil, err
	}
	if _, e := s.rooms.roomGoods(ctx, c.app.AppID, int64(*in.RoomID), int64(*in.GoodsID)); e != nil {
		return nil, e
	}
	return nil, apiErr(http.StatusNotFound, ErrcodeNoVideo, "goods %d have no explanation video (the gateway records none per goods)", *in.GoodsID)
}
