package store

import (
	"context"
	"database/sql"
	"fmt"
)

// PutMember implements Store.
func (s *SQLite) PutMember(ctx context.Context, m Member) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO members (app_id, room_id, kind, username, nickname, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET nickname = excluded.nickname`,
		m.AppID, m.RoomID, m.Kind, m.Username, m.Nickname, m.CreatedAt)
	if err != nil {
		return fmt.Errorf("put %s %q: %w", m.Kind, m.Username, err)
	}
	return nil
}

// DeleteMember implements Store.
func (s *SQLite) DeleteMember(ctx context.Context, appID string, roomID int64, kind, username string) error {
	return affected(s.db.ExecContext(ctx, `DELETE FROM members WHERE app_id = ? AND room_id = ? AND kind = ? AND username = ?`,
		appID, roomID, kind, username))
}

// Members implements Store.
func (s *SQLite) Members(ctx context.Context, appID string, roomID int64, kind string) ([]Member, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT app_id, room_id, kind, username, nickname, created_at FROM members
		WHERE app_id = ? AND room_id = ? AND (? = '' OR kind = ?) ORDER BY created_at, username`, appID, roomID, kind, kind)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Member
	for rows.Next() {
		var m Member
		if err := rows.Scan(&m.AppID, &m.RoomID, &m.Kind, &m.Username, &m.Nickname, &m.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// PutRole implements Store.
func (s *SQLite) PutRole(ctx context.Context, r Role) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO roles (app_id, username, role, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, r.AppID, r.Username, r.Role, r.UpdatedAt)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("role %d of %q: %w", r.Role, r.Username, ErrExists)
		}
		return nil
	})
}

// DeleteRole implements Store.
func (s *SQLite) DeleteRole(ctx context.Context, appID, username string, role int) error {
	return affected(s.db.ExecContext(ctx, `DELETE FROM roles WHERE app_id = ? AND username = ? AND role = ?`, appID, username, role))
}

// Roles implements Store.
func (s *SQLite) Roles(ctx context.Context, appID string, role int, keyword string, offset, limit int) ([]Role, int, error) {
	const where = `app_id = ? AND (? < 0 OR role = ?) AND (? = '' OR instr(username, ?) > 0)`
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM roles WHERE `+where,
		appID, role, role, keyword, keyword).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT app_id, username, role, updated_at FROM roles
		WHERE `+where+` ORDER BY username, role LIMIT ? OFFSET ?`, appID, role, role, keyword, keyword, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Role
	for rows.Next() {
		var r Role
		if err := rows.Scan(&r.AppID, &r.Username, &r.Role, &r.UpdatedAt); err != nil {
			return nil, 0, err
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}
