package store

import (
	"context"
	"database/sql"
)

// migrationMedia creates the media table: one row per uploaded file
// (WeChat's temporary media). expires_at 0 means kept while referenced by
// a room or goods (see SweepMedia).
const migrationMedia = `CREATE TABLE media (
		id TEXT NOT NULL PRIMARY KEY, app_id TEXT NOT NULL, type TEXT NOT NULL,
		content_type TEXT NOT NULL, size INTEGER NOT NULL,
		created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
	CREATE INDEX media_by_expiry ON media (expires_at);`

// Media is an uploaded file's record; the bytes are kept beside the
// database (the media library's directory), named by ID.
type Media struct {
	ID          string
	AppID       string
	Type        string // "image" or "thumb"
	ContentType string // sniffed: image/png, image/jpeg, image/gif
	Size        int64
	CreatedAt   int64
	// ExpiresAt is when the media expires (Unix seconds); 0 while a room
	// or goods uses it.
	ExpiresAt int64
}

// MediaStore keeps media records. *SQLite implements it; it is separate
// from Store so that a Store without media still builds.
type MediaStore interface {
	PutMedia(ctx context.Context, m Media) error
	// Media returns a record (ErrNotFound if there is none, expired or not).
	Media(ctx context.Context, id string) (Media, error)
	// PinMedia keeps an app's media while it is referenced (expires_at 0);
	// ErrNotFound if the app has no such media or it expired at now.
	PinMedia(ctx context.Context, appID, id string, now int64) error
	// SweepMedia brings media in line with what references them (a room's
	// cover_img, share_img, feeds_img; goods' cover_img_url): referenced
	// media are pinned, pinned media no longer referenced expire at
	// releaseAt, and unreferenced media expired at now are deleted; it
	// returns the deleted ids (their files are the caller's to remove).
	SweepMedia(ctx context.Context, now, releaseAt int64) ([]string, error)
}

var _ MediaStore = (*SQLite)(nil)

const mediaCols = `id, app_id, type, content_type, size, created_at, expires_at`

// referenced selects every image value a room or goods holds.
const referenced = `SELECT cover_img FROM rooms UNION SELECT share_img FROM rooms
	UNION SELECT feeds_img FROM rooms UNION SELECT cover_img_url FROM goods`

// PutMedia implements MediaStore.
func (s *SQLite) PutMedia(ctx context.Context, m Media) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO media (`+mediaCols+`) VALUES (`+placeholders(7)+`)`,
		m.ID, m.AppID, m.Type, m.ContentType, m.Size, m.CreatedAt, m.ExpiresAt)
	return err
}

// Media implements MediaStore.
func (s *SQLite) Media(ctx context.Context, id string) (Media, error) {
	var m Media
	err := s.db.QueryRowContext(ctx, `SELECT `+mediaCols+` FROM media WHERE id = ?`, id).Scan(
		&m.ID, &m.AppID, &m.Type, &m.ContentType, &m.Size, &m.CreatedAt, &m.ExpiresAt)
	return m, notFound(err)
}

// PinMedia implements MediaStore.
func (s *SQLite) PinMedia(ctx context.Context, appID, id string, now int64) error {
	return affected(s.db.ExecContext(ctx, `UPDATE media SET expires_at = 0
		WHERE id = ? AND app_id = ? AND (expires_at = 0 OR expires_at > ?)`, id, appID, now))
}

// SweepMedia implements MediaStore.
func (s *SQLite) SweepMedia(ctx context.Context, now, releaseAt int64) ([]string, error) {
	var gone []string
	err := s.tx(ctx, func(tx *sql.Tx) error {
		gone = gone[:0]
		// Pinning first: a room saved after its image was pinned by a
		// concurrent sweep's release is caught here.
		if _, err := tx.ExecContext(ctx, `UPDATE media SET expires_at = 0
			WHERE expires_at > 0 AND id IN (`+referenced+`)`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE media SET expires_at = ?
			WHERE expires_at = 0 AND id NOT IN (`+referenced+`)`, releaseAt); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `DELETE FROM media WHERE expires_at > 0 AND expires_at <= ?
			AND id NOT IN (`+referenced+`) RETURNING id`, now)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			gone = append(gone, id)
		}
		return rows.Err()
	})
	return gone, err
}
