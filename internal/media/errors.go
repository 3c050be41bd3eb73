package media

import "fmt"

// WeChat's error codes for media.
const (
	ErrcodeInvalidType    = 40004 // invalid media type
	ErrcodeInvalidFile    = 40005 // invalid file type (not an image of an accepted format)
	ErrcodeInvalidSize    = 40006 // invalid file size (empty)
	ErrcodeInvalidMediaID = 40007 // invalid media_id (unknown, expired, another app's)
	ErrcodeImageSize      = 40009 // invalid image size
	ErrcodeThumbSize      = 40011 // invalid thumb size
	ErrcodeNoMediaData    = 41005 // media data missing
	ErrcodeNoMediaID      = 41006 // media_id missing
	ErrcodeRequirePost    = 43002 // require POST method
	ErrcodeSystem         = -1
)

// Error is a refusal with WeChat's errcode; the faces answer it as is.
type Error struct {
	Code int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("errcode %d: %s", e.Code, e.Msg) }

func errorf(code int, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}
