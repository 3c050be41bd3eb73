package store

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are applied in order, each in its own transaction with the
// version bump, so a crash leaves the schema at a version boundary. Never
// edit one that has shipped: append a new one.
var migrations = []string{
	// 1: rooms, goods, room goods, members, roles, id sequences.
	`CREATE TABLE seq (
		app_id TEXT NOT NULL, name TEXT NOT NULL, next INTEGER NOT NULL,
		PRIMARY KEY (app_id, name));
	CREATE TABLE rooms (
		app_id TEXT NOT NULL, id INTEGER NOT NULL,
		name TEXT NOT NULL, cover_img TEXT NOT NULL, share_img TEXT NOT NULL, feeds_img TEXT NOT NULL,
		start_time INTEGER NOT NULL, end_time INTEGER NOT NULL,
		anchor_name TEXT NOT NULL, anchor_wechat TEXT NOT NULL, sub_anchor_wechat TEXT NOT NULL,
		creater_wechat TEXT NOT NULL,
		feeds_public INTEGER NOT NULL, type INTEGER NOT NULL, screen_type INTEGER NOT NULL,
		close_like INTEGER NOT NULL, close_goods INTEGER NOT NULL, close_comment INTEGER NOT NULL,
		close_replay INTEGER NOT NULL, close_share INTEGER NOT NULL, close_kf INTEGER NOT NULL,
		banned INTEGER NOT NULL, ended_at INTEGER NOT NULL, live_at INTEGER NOT NULL,
		created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, stats TEXT NOT NULL, product TEXT NOT NULL,
		PRIMARY KEY (app_id, id));
	CREATE TABLE goods (
		app_id TEXT NOT NULL, id INTEGER NOT NULL,
		name TEXT NOT NULL, cover_img_url TEXT NOT NULL, url TEXT NOT NULL, third_party_appid TEXT NOT NULL,
		price_type INTEGER NOT NULL, price INTEGER NOT NULL, price2 INTEGER NOT NULL,
		audit_status INTEGER NOT NULL, audit_id INTEGER NOT NULL,
		created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
		PRIMARY KEY (app_id, id));
	CREATE INDEX goods_by_status ON goods (app_id, audit_status, id);
	CREATE TABLE room_goods (
		app_id TEXT NOT NULL, room_id INTEGER NOT NULL, goods_id INTEGER NOT NULL,
		on_sale INTEGER NOT NULL, sort INTEGER NOT NULL, pushes INTEGER NOT NULL,
		PRIMARY KEY (app_id, room_id, goods_id),
		FOREIGN KEY (app_id, room_id) REFERENCES rooms (app_id, id) ON DELETE CASCADE,
		FOREIGN KEY (app_id, goods_id) REFERENCES goods (app_id, id) ON DELETE CASCADE);
	CREATE TABLE members (
		app_id TEXT NOT NULL, room_id INTEGER NOT NULL, kind TEXT NOT NULL,
		username TEXT NOT NULL, nickname TEXT NOT NULL, created_at INTEGER NOT NULL,
		PRIMARY KEY (app_id, room_id, kind, username),
		FOREIGN KEY (app_id, room_id) REFERENCES rooms (app_id, id) ON DELETE CASCADE);
	CREATE TABLE roles (
		app_id TEXT NOT NULL, username TEXT NOT NULL, role INTEGER NOT NULL, updated_at INTEGER NOT NULL,
		PRIMARY KEY (app_id, username, role));`,
	chatMigration, // 2: chat mutes, bans, room mutes, profiles (chat.go)
	// 3: temporary media (WeChat's media/upload; files in {data_dir}/media).
	migrationMedia,
}

// migrate applies the migrations newer than the database's user_version.
func migrate(ctx context.Context, db *sql.DB) error {
	for {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		var v int
		if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
			tx.Rollback()
			return err
		}
		if v > len(migrations) {
			tx.Rollback()
			return fmt.Errorf("database schema version %d is newer than this gateway's (%d)", v, len(migrations))
		}
		if v == len(migrations) {
			return tx.Rollback()
		}
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %d: %w", v+1, err)
		}
	}
}

// nextID returns the app's next id in sequence name (ids are never reused).
func nextID(ctx context.Context, tx *sql.Tx, appID, name string) (int64, error) {
	var next int64
	err := tx.QueryRowContext(ctx, `INSERT INTO seq (app_id, name, next) VALUES (?, ?, 1)
		ON CONFLICT (app_id, name) DO UPDATE SET next = next + 1 RETURNING next`, appID, name).Scan(&next)
	return next, err
}

// bumpID makes sure the sequence will not hand out id again.
func bumpID(ctx context.Context, tx *sql.Tx, appID, name string, id int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO seq (app_id, name, next) VALUES (?, ?, ?)
		ON CONFLICT (app_id, name) DO UPDATE SET next = max(next, excluded.next)`, appID, name, id)
	return err
}
