package live

import "livestudio/internal/store"

// WeChat's live_status codes.
const (
	StatusLive       = 101
	StatusNotStarted = 102
	StatusEnded      = 103
	StatusBanned     = 104
	StatusPaused     = 105
	StatusExpired    = 107
)

// liveStatus is a room's status at now (Unix seconds), given whether its
// stream is published: reality first (a ban, an end), then the window.
// Publishing before startTime is going live early: 101.
func liveStatus(r *store.Room, publishing bool, now int64) int {
	switch {
	case r.Banned:
		return StatusBanned
	case r.EndedAt != 0:
		return StatusEnded
	case now >= r.EndTime && r.LiveAt != 0:
		return StatusEnded
	case now >= r.EndTime:
		return StatusExpired
	case publishing:
		return StatusLive
	case r.LiveAt != 0:
		return StatusPaused
	}
	return StatusNotStarted
}

// final tells whether a status never changes again (but by an admin's
// unban).
func final(status int) bool {
	return status == StatusEnded || status == StatusExpired || status == StatusBanned
}
