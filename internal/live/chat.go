package live

import (
	"time"

	"livestudio/internal/store"
)

// Chat is what rooms need of the live-room chat (chat.Server, adapted by
// the gateway: this package must not import the chat, whose dependencies
// do not build everywhere this package's users do). Room ids are stream
// keys.
type Chat interface {
	// CreateRoom creates a managed chat room with p; one that exists
	// already is not an error.
	CreateRoom(key string, p ChatPolicy) error
	// SetRoomPolicy replaces an existing room's policy (not its Base).
	SetRoomPolicy(key string, p ChatPolicy) error
	// SetRoomMuted mutes or unmutes the room.
	SetRoomMuted(key string, muted bool) error
	// SetAttrs changes attributes (nil removes) as the administrator.
	SetAttrs(key string, changes map[string]*string) error
	// RoomAttrs returns the room's attributes.
	RoomAttrs(key string) (map[string]string, bool)
	// RoomStats returns the room's statistics (Base included).
	RoomStats(key string) (store.Stats, bool)
	// DestroyRoom destroys the room (the destroy webhook with statistics).
	DestroyRoom(key string) bool
	// Mute (0 unmutes) and Kick (with a ban) a user, as the administrator.
	Mute(key, user string, d time.Duration) error
	Kick(key, user string, ban time.Duration, reason string) (int, error)
	// Unban lifts a user's ban, reporting whether there was one.
	Unban(key, user string) (bool, error)
}

// ChatPolicy is a room's chat policy, from its flags and members.
type ChatPolicy struct {
	LikesClosed bool
	GoodsClosed bool
	// Admins are the room's assistants, sub-anchor and the app's role holders.
	Admins []string
	// Attrs are set when the chat room is created (the card after a restart).
	Attrs map[string]string
	// Base is the statistics saved before this process.
	Base store.Stats
}

// ProductAttr is the chat attribute that carries the product card.
const ProductAttr = "product"
