package chat

// RoomStats are one room's counters since it was created. The per-priority
// arrays are indexed by Priority; for each priority Sent = Delivered + Shed.
type RoomStats struct {
	Online int
	Seq    uint64
	Likes  int64
	// Sent counts messages offered to the room, Delivered those accepted and
	// broadcast, Shed those refused by the room rate (the sender was told).
	Sent, Delivered, Shed [numPriorities]uint64
	Joins, Leaves         uint64
	SlowClosed            uint64
	// Moderation: actions taken, and messages (or joins, for bans) refused
	// because of them.
	Mutes, Unmutes, Kicks, RoomMutes              uint64
	Unbans                                        uint64
	RefusedMuted, RefusedBanned, RefusedRoomMuted uint64
	// Filtered counts texts and nicks with sensitive words: masked or
	// rejected (by filter_mode).
	FilteredMasked, FilteredRejected uint64
	// RoomMuted is whether the whole room is muted now.
	RoomMuted bool
	// PeakOnline is the most connections the room has had at once;
	// Comments counts delivered text messages; ProductPushes counts product
	// cards set (the product attribute).
	PeakOnline    int
	Comments      uint64
	ProductPushes uint64
}
