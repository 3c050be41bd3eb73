package chat

import "fmt"

// Error codes sent in error frames (docs/protocol.md lists them all).
const (
	CodeBadRequest     = "bad_request"
	CodeNotLoggedIn    = "not_logged_in"
	CodeBadUserSig     = "bad_usersig"
	CodeUserSigExpired = "usersig_expired"
	CodeAlreadyLogged  = "already_logged_in"
	CodeNotInRoom      = "not_in_room"
	CodeForbidden      = "forbidden"
	CodeRateLimited    = "rate_limited"
	CodeRoomRateShed   = "room_rate_shed"
	CodeTooLarge       = "too_large"
	CodeRoomNotFound   = "room_not_found"
	CodeMuted          = "muted"
	CodeBanned         = "banned"
	CodeRoomMuted      = "room_muted"
	CodeFiltered       = "filtered"
	// CodeRejectedByWebhook: the before-send webhook refused the message
	// (ErrorCode 1).
	CodeRejectedByWebhook = "rejected_by_webhook"
	// CodeWebhookUnavailable: the before-send webhook failed or timed out
	// and before_send_fail_open is false.
	CodeWebhookUnavailable = "webhook_unavailable"
	// CodeUnavailable: the saved state a request would change could not
	// be read (set_profile before the user's saved profile was loaded).
	CodeUnavailable = "unavailable"
)

// WebSocket close codes the server uses besides the standard ones
// (1000 normal, 1001 going away on shutdown, 1009 message too big).
const (
	// CloseSlowClient: the client's send queue filled up.
	CloseSlowClient = 4008
)

// reqError is a request's failure as the client sees it.
type reqError struct {
	code string
	msg  string
	// retryAfterMS is set for rate_limited.
	retryAfterMS int64
	// priority is set for room_rate_shed.
	priority *Priority
	// remainingMS is set for muted and banned: how long the mute or ban
	// still lasts.
	remainingMS int64
}

func (e *reqError) Error() string { return e.code + ": " + e.msg }

func errorf(code, format string, args ...any) *reqError {
	return &reqError{code: code, msg: fmt.Sprintf(format, args...)}
}
