package live

import (
	"errors"
	"fmt"
	"net/http"
)

// WeChat's live API error codes (docs/api.md lists them with their
// meaning). Where WeChat's documentation gives no code for a case the
// gateway has, the nearest one is used and the errmsg says exactly what is
// wrong.
const (
	ErrcodeSystem          = -1    // system error (a database failure)
	ErrcodeDataFormat      = 47001 // a field is missing, of the wrong type or out of range
	ErrcodeForbidden       = 300001
	ErrcodeNameLength      = 300002
	ErrcodePrice           = 300003
	ErrcodeGoodsName       = 300004 // goods name length
	ErrcodeAuditState      = 300010 // goods audit state does not allow this
	ErrcodeAuditing        = 300014 // goods pending audit cannot be deleted/updated
	ErrcodeNotSubmitted    = 300017 // goods not submitted for audit
	ErrcodeRoomState       = 300023 // the room's state does not allow this
	ErrcodeGoodsNotFound   = 300024
	ErrcodeGoodsNotPassed  = 300025 // goods not approved
	ErrcodeRoomGoodsFull   = 300033
	ErrcodeAnchorName      = 300034
	ErrcodeAnchorWechat    = 300030
	ErrcodeSubAnchorWechat = 300039
	ErrcodeEditWhileLive   = 300042
	ErrcodeSortEmpty       = 300050
	ErrcodeBadJSON         = 300051
	ErrcodeNoVideo         = 300044 // goods have no explanation video
	ErrcodeGoodsOffSale    = 300052
	ErrcodeGoodsNotInRoom  = 300053
	ErrcodeSubAnchorExists = 500003
	ErrcodeNoSubAnchor     = 500006 // livestudio: the room has no sub-anchor
	ErrcodeAssistantExists = 600001
	ErrcodeUserNotFound    = 600002 // an assistant, role holder not found
	ErrcodeTooManyAssist   = 600003 // livestudio: more than maxAssistants
	ErrcodeRoomListEmpty   = 9410000
	ErrcodeReplayNotFound  = 9410003
)

// Error is an API failure as both faces answer it: WeChat's errcode and
// errmsg; the REST face also uses Status as the HTTP status.
type Error struct {
	Code   int
	Msg    string
	Status int
}

func (e *Error) Error() string { return fmt.Sprintf("errcode %d: %s", e.Code, e.Msg) }

func apiErr(status, code int, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...), Status: status}
}

func badField(format string, args ...any) *Error {
	return apiErr(http.StatusBadRequest, ErrcodeDataFormat, format, args...)
}

func roomNotFound(id int64) *Error {
	return apiErr(http.StatusNotFound, ErrcodeRoomNotFound, "room %d does not exist", id)
}

func goodsNotFound(id int64) *Error {
	return apiErr(http.StatusNotFound, ErrcodeGoodsNotFound, "goods %d does not exist", id)
}

func systemErr(err error) *Error {
	return apiErr(http.StatusInternalServerError, ErrcodeSystem, "system error: %v", err)
}

// asAPIError turns any error into the *Error a face answers with.
func asAPIError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return systemErr(err)
}

// Publish refusals for rooms (AuthorizePublish), mapped by Reason.
var (
	ErrRoomNotFound = errors.New("no such live room")
	ErrRoomEnded    = errors.New("live room has ended")
	ErrRoomBanned   = errors.New("live room is banned")
	ErrRoomExpired  = errors.New("live room expired without going live")
)

// pushURLErrcode is getpushurl's errcode for a room that takes no publish.
func pushURLErrcode(err error) int {
	if errors.Is(err, ErrRoomNotFound) {
		return ErrcodeRoomNotFound
	}
	return ErrcodeRoomState
}
