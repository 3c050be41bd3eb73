package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
)

const roomCols = `app_id, id, name, cover_img, share_img, feeds_img, start_time, end_time,
	anchor_name, anchor_wechat, sub_anchor_wechat, creater_wechat, feeds_public, type, screen_type,
	close_like, close_goods, close_comment, close_replay, close_share, close_kf,
	banned, ended_at, live_at, created_at, updated_at, stats, product`

func roomArgs(r *Room) []any {
	st, _ := json.Marshal(r.Stats)
	return []any{r.AppID, r.ID, r.Name, r.CoverImg, r.ShareImg, r.FeedsImg, r.StartTime, r.EndTime,
		r.AnchorName, r.AnchorWechat, r.SubAnchorWechat, r.CreaterWechat, b2i(r.FeedsPublic), r.Type, r.ScreenType,
		b2i(r.CloseLike), b2i(r.CloseGoods), b2i(r.CloseComment), b2i(r.CloseReplay), b2i(r.CloseShare), b2i(r.CloseKf),
		b2i(r.Banned), r.EndedAt, r.LiveAt, r.CreatedAt, r.UpdatedAt, string(st), r.Product}
}

type scanner interface{ Scan(...any) error }

func scanRoom(sc scanner) (Room, error) {
	var r Room
	var st string
	err := sc.Scan(&r.AppID, &r.ID, &r.Name, &r.CoverImg, &r.ShareImg, &r.FeedsImg, &r.StartTime, &r.EndTime,
		&r.AnchorName, &r.AnchorWechat, &r.SubAnchorWechat, &r.CreaterWechat, &r.FeedsPublic, &r.Type, &r.ScreenType,
		&r.CloseLike, &r.CloseGoods, &r.CloseComment, &r.CloseReplay, &r.CloseShare, &r.CloseKf,
		&r.Banned, &r.EndedAt, &r.LiveAt, &r.CreatedAt, &r.UpdatedAt, &st, &r.Product)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(st), &r.Stats); err != nil {
		return r, fmt.Errorf("room %s/%d stats: %w", r.AppID, r.ID, err)
	}
	return r, nil
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

// CreateRoom implements Store.
func (s *SQLite) CreateRoom(ctx context.Context, r *Room) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if r.ID == 0 {
			id, err := nextID(ctx, tx, r.AppID, "room")
			if err != nil {
				return fmt.Errorf("create room: %w", err)
			}
			r.ID = id
		} else {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM rooms WHERE app_id = ? AND id = ?`, r.AppID, r.ID).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return fmt.Errorf("create room %d: %w", r.ID, ErrExists)
			}
			if err := bumpID(ctx, tx, r.AppID, "room", r.ID); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO rooms (`+roomCols+`) VALUES (`+placeholders(28)+`)`, roomArgs(r)...)
		if err != nil {
			return fmt.Errorf("create room: %w", err)
		}
		return nil
	})
}

// Room implements Store.
func (s *SQLite) Room(ctx context.Context, appID string, id int64) (Room, error) {
	r, err := scanRoom(s.db.QueryRowContext(ctx, `SELECT `+roomCols+` FROM rooms WHERE app_id = ? AND id = ?`, appID, id))
	return r, notFound(err)
}

// UpdateRoom implements Store.
func (s *SQLite) UpdateRoom(ctx context.Context, r Room) error {
	args := roomArgs(&r)
	return affected(s.db.ExecContext(ctx, `UPDATE rooms SET (`+roomCols+`) = (`+placeholders(28)+`)
		WHERE app_id = ? AND id = ?`, append(args, r.AppID, r.ID)...))
}

// DeleteRoom implements Store.
func (s *SQLite) DeleteRoom(ctx context.Context, appID string, id int64) error {
	return affected(s.db.ExecContext(ctx, `DELETE FROM rooms WHERE app_id = ? AND id = ?`, appID, id))
}

// Rooms implements Store.
func (s *SQLite) Rooms(ctx context.Context, appID string, offset, limit int) ([]Room, int, error) {
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM rooms WHERE app_id = ?`, appID).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+roomCols+` FROM rooms WHERE app_id = ?
		ORDER BY id DESC LIMIT ? OFFSET ?`, appID, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Room
	for rows.Next() {
		r, err := scanRoom(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}
