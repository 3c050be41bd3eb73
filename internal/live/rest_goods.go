package live

import (
	"context"
	"net/http"
)

func restAddGoods(rs *Rooms, c *restCall) (map[string]any, error) {
	var in GoodsInput
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	g, err := rs.AddGoods(c.r.Context(), c.app, in)
	if err != nil {
		return nil, err
	}
	return map[string]any{"goods": rs.restGoodsItem(g)}, nil
}

// restListGoods: ?status= (0 to 3; absent: all)&offset=&limit=.
func restListGoods(rs *Rooms, c *restCall) (map[string]any, error) {
	offset, limit, e := paging(c)
	if e != nil {
		return nil, e
	}
	status, e := queryInt(c.r.URL.Query(), "status", -1, -1, 3)
	if e != nil {
		return nil, e
	}
	list, total, err := rs.GoodsList(c.r.Context(), c.app, status, offset, limit)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(list))
	for _, g := range list {
		out = append(out, rs.restGoodsItem(g))
	}
	return map[string]any{"goods": out, "total": total}, nil
}

func restGetGoods(rs *Rooms, c *restCall) (map[string]any, error) {
	gid, e := c.id("gid")
	if e != nil {
		return nil, e
	}
	g, err := rs.Goods(c.r.Context(), c.app, gid)
	if err != nil {
		return nil, err
	}
	return map[string]any{"goods": rs.restGoodsItem(g)}, nil
}

func restUpdateGoods(rs *Rooms, c *restCall) (map[string]any, error) {
	gid, e := c.id("gid")
	if e != nil {
		return nil, e
	}
	var in GoodsInput
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	g, err := rs.UpdateGoods(c.r.Context(), c.app, gid, in)
	if err != nil {
		return nil, err
	}
	return map[string]any{"goods": rs.restGoodsItem(g)}, nil
}

func restDeleteGoods(rs *Rooms, c *restCall) (map[string]any, error) {
	gid, e := c.id("gid")
	if e != nil {
		return nil, e
	}
	return nil, rs.DeleteGoods(c.r.Context(), c.app, gid)
}

// restGoodsAction: audit (submit), resetaudit (withdraw), approve, reject.
func restGoodsAction(rs *Rooms, c *restCall) (map[string]any, error) {
	gid, e := c.id("gid")
	if e != nil {
		return nil, e
	}
	ctx := c.r.Context()
	var err error
	switch c.r.PathValue("action") {
	case "audit":
		_, err = rs.AuditGoods(ctx, c.app, gid)
	case "resetaudit":
		err = rs.ResetAudit(ctx, c.app, gid, 0)
	case "approve":
		err = rs.Approve(ctx, c.app, gid, true)
	case "reject":
		err = rs.Approve(ctx, c.app, gid, false)
	default:
		return nil, apiErr(http.StatusNotFound, ErrcodeDataFormat, "goods action must be audit, resetaudit, approve or reject")
	}
	if err != nil {
		return nil, err
	}
	return restGetGoods(rs, c)
}

func restRoomGoods(rs *Rooms, c *restCall) (map[string]any, error) {
	v, err := restGetRoom(rs, c)
	if err != nil {
		return nil, err
	}
	return map[string]any{"goods": v["room"].(map[string]any)["goods"]}, nil
}

// restAddRoomGoods: {ids: [goodsId, ...]}.
func restAddRoomGoods(rs *Rooms, c *restCall) (map[string]any, error) {
	return restRoomGoodsIDs(rs, c, rs.AddRoomGoods)
}

// restSortRoomGoods: {ids: [goodsId, ...]} in the new order.
func restSortRoomGoods(rs *Rooms, c *restCall) (map[string]any, error) {
	return restRoomGoodsIDs(rs, c, rs.SortRoomGoods)
}

// restRoomGoodsIDs applies op to the room's goods list with the request's
// ids and answers the list.
func restRoomGoodsIDs(rs *Rooms, c *restCall,
	op func(ctx context.Context, app string, room int64, ids []int64) error) (map[string]any, error) {
	id, e := c.id("id")
	if e != nil {
		return nil, e
	}
	var in struct {
		IDs []ID `json:"ids"`
	}
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	ids := make([]int64, len(in.IDs))
	for i, x := range in.IDs {
		ids[i] = int64(x)
	}
	if err := op(c.r.Context(), c.app, id, ids); err != nil {
		return nil, err
	}
	return restRoomGoods(rs, c)
}

// restOnSale: {onSale: 0 or 1}.
func restOnSale(rs *Rooms, c *restCall) (map[string]any, error) {
	id, e := c.id("id")
	if e != nil {
		return nil, e
	}
	gid, e := c.id("gid")
	if e != nil {
		return nil, e
	}
	var in struct {
		OnSale *int `json:"onSale"`
	}
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	var on bool
	if in.OnSale == nil {
		return nil, badField("onSale (0 or 1) is required")
	}
	if e := flag("onSale", in.OnSale, &on); e != nil {
		return nil, e
	}
	return nil, rs.OnSale(c.r.Context(), c.app, id, gid, on)
}

func restPush(rs *Rooms, c *restCall) (map[string]any, error) {
	id, e := c.id("id")
	if e != nil {
		return nil, e
	}
	gid, e := c.id("gid")
	if e != nil {
		return nil, e
	}
	card, err := rs.PushGoods(c.r.Context(), c.app, id, gid)
	if err != nil {
		return nil, err
	}
	return map[string]any{"card": card}, nil
}

func restRemoveRoomGoods(rs *Rooms, c *restCall) (map[string]any, error) {
	id, e := c.id("id")
	if e != nil {
		return nil, e
	}
	gid, e := c.id("gid")
	if e != nil {
		return nil, e
	}
	return nil, rs.RemoveRoomGoods(c.r.Context(), c.app, id, gid)
}
