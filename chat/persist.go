package chat

import (
	"context"
	"time"
)

// Persistence keeps what Tencent IM keeps for a livestreaming group across
// a restart of this process: users' mutes and bans per room, the room-wide
// mute, and user profiles (nick, avatar, level). Options.Persist nil keeps
// everything in memory only.
//
// The server never calls a write while it holds a lock: writes go through
// an ordered write-behind queue (persist_queue.go) drained by one
// goroutine. Reads happen when a room is created in this process (before
// anyone can act in it) and when a user logs in for the first time; they
// run on the caller's goroutine with no lock held. Methods must be safe for
// concurrent use.
type Persistence interface {
	// SaveRestriction stores (or replaces) a user's mute or ban in a room.
	SaveRestriction(ctx context.Context, r Restriction) error
	// DeleteRestriction removes it; a missing one is not an error.
	DeleteRestriction(ctx context.Context, room, user, kind string) error
	// SaveRoomState stores a room's own state (its room-wide mute).
	SaveRoomState(ctx context.Context, room string, st RoomState) error
	// DeleteRoom forgets a room's restrictions and state (it was destroyed).
	DeleteRoom(ctx context.Context, room string) error
	// LoadRoom returns a room's state and restrictions (expired ones
	// included: the server drops and deletes them); a room never saved is
	// the zero RoomState and no restrictions.
	LoadRoom(ctx context.Context, room string) (RoomState, []Restriction, error)
	// SaveProfile stores a user's whole profile.
	SaveProfile(ctx context.Context, user string, p Profile) error
	// Profile returns a user's profile, false if none was saved.
	Profile(ctx context.Context, user string) (Profile, bool, error)
}

// Restriction kinds.
const (
	RestrictMute = "mute"
	RestrictBan  = "ban"
)

// Restriction is a user's mute or ban in a room, until a time.
type Restriction struct {
	Room  string
	User  string
	Kind  string // RestrictMute or RestrictBan
	Until time.Time
}

// RoomState is what a room keeps besides its users' restrictions.
type RoomState struct {
	// Muted: only admins may send (mute_room, or SetRoomMuted).
	Muted bool
	// PolicyMuted is the mute the embedding layer last asked for through
	// SetRoomMuted (nil: never): a later SetRoomMuted with the same value
	// is a re-application, not a decision, and does not undo an admin's
	// mute_room (managed.go).
	PolicyMuted *bool
}

// persistTimeout bounds one read or write of the persistence.
const persistTimeout = 5 * time.Second
