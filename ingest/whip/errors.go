package whip

import (
	"errors"
	"net/http"
)

// Errors a publisher gets back, each with its HTTP status and the reason
// label of livestudio_agent_whip_refused_total.
var (
	ErrMalformedSDP = errors.New("malformed SDP offer")
	ErrNoCodec      = errors.New("no codec that can be relayed to RTMP")
	ErrContentType  = errors.New("the offer must be sent as application/sdp")
	ErrTooLarge     = errors.New("offer too large")
	ErrUnauthorized = errors.New("missing or wrong bearer token for this channel")
	ErrNoChannel    = errors.New("no WHIP channel of that name")
	ErrNoSession    = errors.New("no such WHIP session")
	ErrBusy         = errors.New("a publisher is already live on this channel")
	ErrNotReady     = errors.New("channel is not accepting a publisher now")
	ErrNegotiation  = errors.New("WebRTC negotiation failed")
	ErrNoTrickle    = errors.New("trickle ICE and ICE restarts are not supported: the answer carries every candidate")
	// ErrSessionEnded: the session was closed (DELETE, or the peer left).
	ErrSessionEnded = errors.New("WHIP session ended")
)

// refusal maps an error to its HTTP status and metric reason.
func refusal(err error) (status int, reason string) {
	switch {
	case errors.Is(err, ErrMalformedSDP):
		return http.StatusBadRequest, "malformed_sdp"
	case errors.Is(err, ErrNoCodec):
		return http.StatusUnprocessableEntity, "unsupported_codec"
	case errors.Is(err, ErrContentType):
		return http.StatusUnsupportedMediaType, "content_type"
	case errors.Is(err, ErrTooLarge):
		return http.StatusRequestEntityTooLarge, "too_large"
	case errors.Is(err, ErrUnauthorized):
		return http.StatusUnauthorized, "bad_token"
	case errors.Is(err, ErrNoChannel):
		return http.StatusNotFound, "unknown_channel"
	case errors.Is(err, ErrNoSession):
		return http.StatusNotFound, "unknown_session"
	case errors.Is(err, ErrBusy):
		return http.StatusConflict, "busy"
	case errors.Is(err, ErrNotReady):
		return http.StatusServiceUnavailable, "not_ready"
	case errors.Is(err, ErrNoTrickle):
		return http.StatusMethodNotAllowed, "trickle"
	case errors.Is(err, ErrNegotiation):
		return http.StatusBadRequest, "negotiation"
	}
	return http.StatusInternalServerError, "internal"
}
