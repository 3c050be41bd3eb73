package store

import (
	"context"
	"database/sql"
	"fmt"
)

const goodsCols = `app_id, id, name, cover_img_url, url, third_party_appid, price_type, price, price2,
	audit_status, audit_id, created_at, updated_at`

func goodsArgs(g *Goods) []any {
	return []any{g.AppID, g.ID, g.Name, g.CoverImgURL, g.URL, g.ThirdPartyAppID, g.PriceType, g.Price, g.Price2,
		g.AuditStatus, g.AuditID, g.CreatedAt, g.UpdatedAt}
}

func goodsDest(g *Goods) []any {
	return []any{&g.AppID, &g.ID, &g.Name, &g.CoverImgURL, &g.URL, &g.ThirdPartyAppID, &g.PriceType, &g.Price, &g.Price2,
		&g.AuditStatus, &g.AuditID, &g.CreatedAt, &g.UpdatedAt}
}

// CreateGoods implements Store.
func (s *SQLite) CreateGoods(ctx context.Context, g *Goods) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		id, err := nextID(ctx, tx, g.AppID, "goods")
		if err != nil {
			return fmt.Errorf("create goods: %w", err)
		}
		g.ID = id
		if _, err := tx.ExecContext(ctx, `INSERT INTO goods (`+goodsCols+`) VALUES (`+placeholders(13)+`)`, goodsArgs(g)...); err != nil {
			return fmt.Errorf("create goods: %w", err)
		}
		return nil
	})
}

// Goods implements Store.
func (s *SQLite) Goods(ctx context.Context, appID string, id int64) (Goods, error) {
	var g Goods
	err := s.db.QueryRowContext(ctx, `SELECT `+goodsCols+` FROM goods WHERE app_id = ? AND id = ?`, appID, id).Scan(goodsDest(&g)...)
	return g, notFound(err)
}

// UpdateGoods implements Store.
func (s *SQLite) UpdateGoods(ctx context.Context, g Goods) error {
	return affected(s.db.ExecContext(ctx, `UPDATE goods SET (`+goodsCols+`) = (`+placeholders(13)+`)
		WHERE app_id = ? AND id = ?`, append(goodsArgs(&g), g.AppID, g.ID)...))
}

// DeleteGoods implements Store.
func (s *SQLite) DeleteGoods(ctx context.Context, appID string, id int64) error {
	return affected(s.db.ExecContext(ctx, `DELETE FROM goods WHERE app_id = ? AND id = ?`, appID, id))
}

// GoodsList implements Store.
func (s *SQLite) GoodsList(ctx context.Context, appID string, status, offset, limit int) ([]Goods, int, error) {
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM goods WHERE app_id = ? AND (? < 0 OR audit_status = ?)`,
		appID, status, status).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+goodsCols+` FROM goods WHERE app_id = ? AND (? < 0 OR audit_status = ?)
		ORDER BY id LIMIT ? OFFSET ?`, appID, status, status, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Goods
	for rows.Next() {
		var g Goods
		if err := rows.Scan(goodsDest(&g)...); err != nil {
			return nil, 0, err
		}
		out = append(out, g)
	}
	return out, total, rows.Err()
}

// AddRoomGoods implements Store.
func (s *SQLite) AddRoomGoods(ctx context.Context, appID string, roomID int64, goodsIDs []int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var sort int
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(sort), 0) FROM room_goods WHERE app_id = ? AND room_id = ?`,
			appID, roomID).Scan(&sort); err != nil {
			return err
		}
		for _, id := range goodsIDs {
			sort++
			if _, err := tx.ExecContext(ctx, `INSERT INTO room_goods (app_id, room_id, goods_id, on_sale, sort, pushes)
				VALUES (?, ?, ?, 1, ?, 0) ON CONFLICT DO NOTHING`, appID, roomID, id, sort); err != nil {
				return fmt.Errorf("add goods %d to room %d: %w", id, roomID, err)
			}
		}
		return nil
	})
}

// RoomGoods implements Store.
func (s *SQLite) RoomGoods(ctx context.Context, appID string, roomID int64) ([]RoomGoods, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT g.app_id, g.id, g.name, g.cover_img_url, g.url, g.third_party_appid,
		g.price_type, g.price, g.price2, g.audit_status, g.audit_id, g.created_at, g.updated_at, rg.on_sale, rg.sort, rg.pushes
		FROM room_goods rg JOIN goods g ON g.app_id = rg.app_id AND g.id = rg.goods_id
		WHERE rg.app_id = ? AND rg.room_id = ? ORDER BY rg.sort, g.id`, appID, roomID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RoomGoods
	for rows.Next() {
		var rg RoomGoods
		if err := rows.Scan(append(goodsDest(&rg.Goods), &rg.OnSale, &rg.Sort, &rg.Pushes)...); err != nil {
			return nil, err
		}
		out = append(out, rg)
	}
	return out, rows.Err()
}

// UpdateRoomGoods implements Store.
func (s *SQLite) UpdateRoomGoods(ctx context.Context, appID string, roomID int64, rg RoomGoods) error {
	return affected(s.db.ExecContext(ctx, `UPDATE room_goods SET on_sale = ?, pushes = ?
		WHERE app_id = ? AND room_id = ? AND goods_id = ?`, b2i(rg.OnSale), rg.Pushes, appID, roomID, rg.ID))
}

// RemoveRoomGoods implements Store.
func (s *SQLite) RemoveRoomGoods(ctx context.Context, appID string, roomID, goodsID int64) error {
	return affected(s.db.ExecContext(ctx, `DELETE FROM room_goods WHERE app_id = ? AND room_id = ? AND goods_id = ?`,
		appID, roomID, goodsID))
}

// SortRoomGoods implements Store.
func (s *SQLite) SortRoomGoods(ctx context.Context, appID string, roomID int64, goodsIDs []int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		// Listed goods take 1..n; the others keep their order after them.
		if _, err := tx.ExecContext(ctx, `UPDATE room_goods SET sort = sort + 1000000 WHERE app_id = ? AND room_id = ?`,
			appID, roomID); err != nil {
			return err
		}
		for i, id := range goodsIDs {
			if err := affected(tx.ExecContext(ctx, `UPDATE room_goods SET sort = ? WHERE app_id = ? AND room_id = ? AND goods_id = ?`,
				i+1, appID, roomID, id)); err != nil {
				return fmt.Errorf("sort goods %d: %w", id, err)
			}
		}
		return nil
	})
}
