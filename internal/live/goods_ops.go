package live

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strings"
	"unicode/utf8"

	"livestudio/internal/store"
)

// GoodsInput is goods/add's and goods/update's goodsInfo (prices in yuan,
// at most two decimals). On update, absent fields keep their value.
type GoodsInput struct {
	GoodsID         *int64   `json:"goodsId,omitempty"`
	CoverImgURL     *string  `json:"coverImgUrl,omitempty"`
	Name            *string  `json:"name,omitempty"`
	PriceType       *int     `json:"priceType,omitempty"`
	Price           *float64 `json:"price,omitempty"`
	Price2          *float64 `json:"price2,omitempty"`
	URL             *string  `json:"url,omitempty"`
	ThirdPartyAppID *string  `json:"thirdPartyAppid,omitempty"`
}

// maxPriceFen bounds prices (10 million yuan).
const maxPriceFen = 1_000_000_000

// toFen converts yuan with at most two decimals.
func toFen(field string, v float64) (int64, *Error) {
	f := math.Round(v * 100)
	if math.IsNaN(v) || f <= 0 || f > maxPriceFen || math.Abs(v*100-f) > 1e-6 {
		return 0, apiErr(http.StatusBadRequest, ErrcodePrice, "%s must be a positive price in yuan with at most two decimals", field)
	}
	return int64(f), nil
}

func (in *GoodsInput) apply(g *store.Goods, create bool) *Error {
	if create {
		switch {
		case in.CoverImgURL == nil:
			return badField("coverImgUrl is required")
		case in.Name == nil:
			return badField("name is required")
		case in.PriceType == nil:
			return badField("priceType is required")
		case in.Price == nil:
			return badField("price is required")
		case in.URL == nil:
			return badField("url is required")
		}
	}
	if in.Name != nil {
		if e := checkText("name", *in.Name, goodsNameMin, goodsNameMax, ErrcodeGoodsName); e != nil {
			return e
		}
		g.Name = *in.Name
	}
	if in.CoverImgURL != nil {
		if e := checkImg("coverImgUrl", *in.CoverImgURL); e != nil {
			return e
		}
		g.CoverImgURL = *in.CoverImgURL
	}
	if in.URL != nil {
		u := *in.URL
		if u == "" || len(u) > maxURLBytes || !utf8.ValidString(u) || strings.ContainsAny(u, " \t\r\n") {
			return badField("url must be a page path or URL of 1 to %d bytes without spaces", maxURLBytes)
		}
		g.URL = u
	}
	if in.ThirdPartyAppID != nil {
		g.ThirdPartyAppID = *in.ThirdPartyAppID
	}
	if in.PriceType != nil {
		if *in.PriceType < 1 || *in.PriceType > 3 {
			return apiErr(http.StatusBadRequest, ErrcodePrice, "priceType must be 1 (price), 2 (range price..price2) or 3 (discount: price original, price2 discounted)")
		}
		g.PriceType = *in.PriceType
	}
	if in.Price != nil {
		p, e := toFen("price", *in.Price)
		if e != nil {
			return e
		}
		g.Price = p
	}
	if in.Price2 != nil && *in.Price2 != 0 {
		p, e := toFen("price2", *in.Price2)
		if e != nil {
			return e
		}
		g.Price2 = p
	}
	switch g.PriceType {
	case 1:
		g.Price2 = 0
	case 2:
		if g.Price2 <= g.Price {
			return apiErr(http.StatusBadRequest, ErrcodePrice, "priceType 2: price2 (the top of the range) must be above price")
		}
	case 3:
		if g.Price2 == 0 || g.Price2 >= g.Price {
			return apiErr(http.StatusBadRequest, ErrcodePrice, "priceType 3: price2 (the discounted price) must be below price (the original)")
		}
	}
	return nil
}

// AddGoods adds goods to the library and submits them for audit (pending,
// or approved at once with goods_auto_approve).
func (rs *Rooms) AddGoods(ctx context.Context, appID string, in GoodsInput) (store.Goods, error) {
	if _, e := rs.app(appID); e != nil {
		return store.Goods{}, e
	}
	now := rs.now()
	g := store.Goods{AppID: appID, CreatedAt: now.Unix(), UpdatedAt: now.Unix()}
	if e := in.apply(&g, true); e != nil {
		return g, e
	}
	if e := rs.useImages(ctx, appID, namedImage{"coverImgUrl", in.CoverImgURL}); e != nil {
		return g, e
	}
	rs.submit(&g)
	if err := rs.st.CreateGoods(ctx, &g); err != nil {
		return g, systemErr(err)
	}
	return g, nil
}

func (rs *Rooms) submit(g *store.Goods) {
	g.AuditID = rs.now().UnixMicro()
	g.AuditStatus = store.AuditPending
	if rs.cfg.GoodsAutoApprove {
		g.AuditStatus = store.AuditApproved
	}
}

// changeGoods loads goods, lets f change them, and saves them.
func (rs *Rooms) changeGoods(ctx context.Context, appID string, id int64, f func(g *store.Goods) *Error) (store.Goods, error) {
	if _, e := rs.app(appID); e != nil {
		return store.Goods{}, e
	}
	rs.mu.Lock() // one writer at a time: read-modify-write
	defer rs.mu.Unlock()
	g, err := rs.st.Goods(ctx, appID, id)
	if errors.Is(err, store.ErrNotFound) {
		return g, goodsNotFound(id)
	} else if err != nil {
		return g, systemErr(err)
	}
	if e := f(&g); e != nil {
		return g, e
	}
	g.UpdatedAt = rs.now().Unix()
	if err := rs.st.UpdateGoods(ctx, g); err != nil {
		return g, systemErr(err)
	}
	return g, nil
}

// UpdateGoods changes goods: pending goods cannot change; approved goods
// may change only their price and url (WeChat's rule).
func (rs *Rooms) UpdateGoods(ctx context.Context, appID string, id int64, in GoodsInput) (store.Goods, error) {
	return rs.changeGoods(ctx, appID, id, func(g *store.Goods) *Error {
		switch {
		case g.AuditStatus == store.AuditPending:
			return apiErr(http.StatusConflict, ErrcodeAuditing, "goods %d are pending audit: withdraw the audit (resetaudit) to change them", id)
		case g.AuditStatus == store.AuditApproved && (in.Name != nil && *in.Name != g.Name || in.CoverImgURL != nil && *in.CoverImgURL != g.CoverImgURL):
			return apiErr(http.StatusConflict, ErrcodeAuditState, "goods %d are approved: only priceType, price, price2 and url may change", id)
		}
		if e := in.apply(g, false); e != nil {
			return e
		}
		return rs.useImages(ctx, appID, namedImage{"coverImgUrl", in.CoverImgURL})
	})
}

// DeleteGoods deletes goods from the library and every room (not while
// pending audit).
func (rs *Rooms) DeleteGoods(ctx context.Context, appID string, id int64) error {
	_, err := rs.changeGoods(ctx, appID, id, func(g *store.Goods) *Error {
		if g.AuditStatus == store.AuditPending {
			return apiErr(http.StatusConflict, ErrcodeAuditing, "goods %d are pending audit: withdraw the audit (resetaudit) before deleting them", id)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := rs.st.DeleteGoods(ctx, appID, id); err != nil && !errors.Is(err, store.ErrNotFound) {
		return systemErr(err)
	}
	for _, key := range rs.keys() {
		if a, roomID, ok := parseKey(key); ok && a == appID {
			rs.takeDownCard(ctx, appID, roomID, id)
		}
	}
	return nil
}

// AuditGoods submits goods for audit; it returns the audit id.
func (rs *Rooms) AuditGoods(ctx context.Context, appID string, id int64) (int64, error) {
	g, err := rs.changeGoods(ctx, appID, id, func(g *store.Goods) *Error {
		if g.AuditStatus != store.AuditNone && g.AuditStatus != store.AuditRejected {
			return apiErr(http.StatusConflict, ErrcodeAuditState, "goods %d are already pending or approved (auditStatus %d)", id, g.AuditStatus)
		}
		rs.submit(g)
		return nil
	})
	return g.AuditID, err
}

// ResetAudit withdraws a pending audit (auditID 0: any).
func (rs *Rooms) ResetAudit(ctx context.Context, appID string, id, auditID int64) error {
	_, err := rs.changeGoods(ctx, appID, id, func(g *store.Goods) *Error {
		if g.AuditStatus != store.AuditPending {
			return apiErr(http.StatusConflict, ErrcodeNotSubmitted, "goods %d are not pending audit (auditStatus %d)", id, g.AuditStatus)
		}
		if auditID != 0 && auditID != g.AuditID {
			return badField("auditId %d is not goods %d's audit", auditID, id)
		}
		g.AuditStatus = store.AuditNone
		return nil
	})
	return err
}

// Approve decides a pending audit (the self-hosted reviewer).
func (rs *Rooms) Approve(ctx context.Context, appID string, id int64, ok bool) error {
	_, err := rs.changeGoods(ctx, appID, id, func(g *store.Goods) *Error {
		if g.AuditStatus != store.AuditPending {
			return apiErr(http.StatusConflict, ErrcodeNotSubmitted, "goods %d are not pending audit (auditStatus %d)", id, g.AuditStatus)
		}
		g.AuditStatus = store.AuditRejected
		if ok {
			g.AuditStatus = store.AuditApproved
		}
		return nil
	})
	return err
}

// Goods returns goods from the library.
func (rs *Rooms) Goods(ctx context.Context, appID string, id int64) (store.Goods, error) {
	if _, e := rs.app(appID); e != nil {
		return store.Goods{}, e
	}
	g, err := rs.st.Goods(ctx, appID, id)
	if errors.Is(err, store.ErrNotFound) {
		return g, goodsNotFound(id)
	} else if err != nil {
		return g, systemErr(err)
	}
	return g, nil
}

// GoodsList lists the library by audit status (-1: all).
func (rs *Rooms) GoodsList(ctx context.Context, appID string, status, offset, limit int) ([]store.Goods, int, error) {
	if _, e := rs.app(appID); e != nil {
		return nil, 0, e
	}
	if status < -1 || status > 3 {
		return nil, 0, badField("status must be 0 (not submitted), 1 (pending), 2 (approved) or 3 (rejected)")
	}
	list, total, err := rs.st.GoodsList(ctx, appID, status, offset, limit)
	if err != nil {
		return nil, 0, systemErr(err)
	}
	return list, total, nil
}
