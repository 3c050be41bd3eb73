package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// chatMigration adds the chat's saved moderation and profiles (ChatState).
// It is appended to migrations (migrate.go); its version is its place in
// that list, so renumbering it is moving one line.
const chatMigration = `CREATE TABLE chat_restrictions (
		room TEXT NOT NULL, user_id TEXT NOT NULL, kind TEXT NOT NULL, until_ms INTEGER NOT NULL,
		PRIMARY KEY (room, user_id, kind));
	CREATE TABLE chat_rooms (
		room TEXT NOT NULL PRIMARY KEY, muted INTEGER NOT NULL, policy_muted INTEGER,
		updated_at INTEGER NOT NULL);
	CREATE TABLE chat_profiles (
		user_id TEXT NOT NULL PRIMARY KEY, nick TEXT NOT NULL, avatar TEXT NOT NULL, level INTEGER NOT NULL,
		updated_at INTEGER NOT NULL);`

// ChatState is what the live-room chat keeps across restarts: users'
// mutes and bans per chat room, a room's room-wide mute, and user
// profiles (Tencent IM's member shut-up times and profiles). Chat rooms
// are named by their chat room id (a stream key for a live room).
type ChatState interface {
	// SaveChatRestriction stores or replaces a user's mute or ban.
	SaveChatRestriction(ctx context.Context, r ChatRestriction) error
	// DeleteChatRestriction removes one; a missing one is not an error.
	DeleteChatRestriction(ctx context.Context, room, user, kind string) error
	// SaveChatRoomState stores a chat room's state.
	SaveChatRoomState(ctx context.Context, room string, st ChatRoomState) error
	// DeleteChatRoom forgets a chat room's state and restrictions.
	DeleteChatRoom(ctx context.Context, room string) error
	// ChatRoom returns a chat room's state and restrictions, expired ones
	// included (zero and none for a room never saved).
	ChatRoom(ctx context.Context, room string) (ChatRoomState, []ChatRestriction, error)
	// SaveChatProfile stores a user's whole profile.
	SaveChatProfile(ctx context.Context, user string, p ChatProfile) error
	// ChatProfile returns a user's profile, ErrNotFound if none was saved.
	ChatProfile(ctx context.Context, user string) (ChatProfile, error)
}

// ChatRestriction is a user's mute or ban ("mute", "ban") in a chat room.
type ChatRestriction struct {
	Room  string
	User  string
	Kind  string
	Until time.Time // stored to the millisecond
}

// ChatRoomState is a chat room's room-wide mute; PolicyMuted is the mute
// the live layer last gave (nil: never).
type ChatRoomState struct {
	Muted       bool
	PolicyMuted *bool
}

// ChatProfile is a chat user's nick, avatar and level.
type ChatProfile struct {
	Nick   string
	Avatar string
	Level  int
}

var _ ChatState = (*SQLite)(nil)

// SaveChatRestriction implements ChatState.
func (s *SQLite) SaveChatRestriction(ctx context.Context, r ChatRestriction) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO chat_restrictions (room, user_id, kind, until_ms) VALUES (?, ?, ?, ?)
		ON CONFLICT DO UPDATE SET until_ms = excluded.until_ms`, r.Room, r.User, r.Kind, r.Until.UnixMilli())
	if err != nil {
		return fmt.Errorf("save chat %s of %q in %q: %w", r.Kind, r.User, r.Room, err)
	}
	return nil
}

// DeleteChatRestriction implements ChatState.
func (s *SQLite) DeleteChatRestriction(ctx context.Context, room, user, kind string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM chat_restrictions WHERE room = ? AND user_id = ? AND kind = ?`, room, user, kind)
	if err != nil {
		return fmt.Errorf("delete chat %s of %q in %q: %w", kind, user, room, err)
	}
	return nil
}

// SaveChatRoomState implements ChatState.
func (s *SQLite) SaveChatRoomState(ctx context.Context, room string, st ChatRoomState) error {
	var policy sql.NullInt64
	if st.PolicyMuted != nil {
		policy = sql.NullInt64{Int64: int64(b2i(*st.PolicyMuted)), Valid: true}
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO chat_rooms (room, muted, policy_muted, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT DO UPDATE SET muted = excluded.muted, policy_muted = excluded.policy_muted, updated_at = excluded.updated_at`,
		room, b2i(st.Muted), policy, time.Now().Unix())
	if err != nil {
		return fmt.Errorf("save chat room %q: %w", room, err)
	}
	return nil
}

// DeleteChatRoom implements ChatState.
func (s *SQLite) DeleteChatRoom(ctx context.Context, room string) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM chat_restrictions WHERE room = ?`, room); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM chat_rooms WHERE room = ?`, room)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete chat room %q: %w", room, err)
	}
	return nil
}

// ChatRoom implements ChatState.
func (s *SQLite) ChatRoom(ctx context.Context, room string) (ChatRoomState, []ChatRestriction, error) {
	var st ChatRoomState
	var muted int
	var policy sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT muted, policy_muted FROM chat_rooms WHERE room = ?`, room).Scan(&muted, &policy)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return st, nil, fmt.Errorf("chat room %q: %w", room, err)
	}
	st.Muted = muted != 0
	if policy.Valid {
		v := policy.Int64 != 0
		st.PolicyMuted = &v
	}
	rows, err := s.db.QueryContext(ctx, `SELECT user_id, kind, until_ms FROM chat_restrictions WHERE room = ?
		ORDER BY kind, user_id`, room)
	if err != nil {
		return st, nil, fmt.Errorf("chat room %q restrictions: %w", room, err)
	}
	defer rows.Close()
	var out []ChatRestriction
	for rows.Next() {
		r := ChatRestriction{Room: room}
		var ms int64
		if err := rows.Scan(&r.User, &r.Kind, &ms); err != nil {
			return st, nil, fmt.Errorf("chat room %q restrictions: %w", room, err)
		}
		r.Until = time.UnixMilli(ms)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return st, nil, fmt.Errorf("chat room %q restrictions: %w", room, err)
	}
	return st, out, nil
}

// SaveChatProfile implements ChatState.
func (s *SQLite) SaveChatProfile(ctx context.Context, user string, p ChatProfile) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO chat_profiles (user_id, nick, avatar, level, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT DO UPDATE SET nick = excluded.nick, avatar = excluded.avatar, level = excluded.level,
		updated_at = excluded.updated_at`, user, p.Nick, p.Avatar, p.Level, time.Now().Unix())
	if err != nil {
		return fmt.Errorf("save chat profile of %q: %w", user, err)
	}
	return nil
}

// ChatProfile implements ChatState.
func (s *SQLite) ChatProfile(ctx context.Context, user string) (ChatProfile, error) {
	var p ChatProfile
	err := s.db.QueryRowContext(ctx, `SELECT nick, avatar, level FROM chat_profiles WHERE user_id = ?`, user).
		Scan(&p.Nick, &p.Avatar, &p.Level)
	if err != nil {
		return p, fmt.Errorf("chat profile of %q: %w", user, notFound(err))
	}
	return p, nil
}
