package live

import (
	"net/http"
	"unicode"
	"unicode/utf8"

	"livestudio/internal/store"
)

// RoomInput is create and editroom's body (WeChat's field names; flags are
// 0 or 1). On edit, absent fields keep their value.
type RoomInput struct {
	ID              *int64  `json:"id,omitempty"`
	Name            *string `json:"name,omitempty"`
	CoverImg        *string `json:"coverImg,omitempty"`
	StartTime       *int64  `json:"startTime,omitempty"`
	EndTime         *int64  `json:"endTime,omitempty"`
	AnchorName      *string `json:"anchorName,omitempty"`
	AnchorWechat    *string `json:"anchorWechat,omitempty"`
	SubAnchorWechat *string `json:"subAnchorWechat,omitempty"`
	CreaterWechat   *string `json:"createrWechat,omitempty"`
	ShareImg        *string `json:"shareImg,omitempty"`
	FeedsImg        *string `json:"feedsImg,omitempty"`
	// IsFeedsPublic is WeChat's name; FeedsPublic is accepted too.
	IsFeedsPublic *int `json:"isFeedsPublic,omitempty"`
	FeedsPublic   *int `json:"feedsPublic,omitempty"`
	Type          *int `json:"type,omitempty"`
	ScreenType    *int `json:"screenType,omitempty"`
	CloseLike     *int `json:"closeLike,omitempty"`
	CloseGoods    *int `json:"closeGoods,omitempty"`
	CloseComment  *int `json:"closeComment,omitempty"`
	CloseReplay   *int `json:"closeReplay,omitempty"`
	CloseShare    *int `json:"closeShare,omitempty"`
	CloseKf       *int `json:"closeKf,omitempty"`
}

// Field bounds: WeChat counts a CJK character as two.
const (
	roomNameMin, roomNameMax     = 6, 34 // 3 to 17 CJK characters
	anchorNameMin, anchorNameMax = 4, 30 // 2 to 15 CJK characters
	goodsNameMin, goodsNameMax   = 1, 28 // up to 14 CJK characters
	maxImgBytes                  = 1024
	maxURLBytes                  = 1024
	maxWechatBytes               = 32
)

// width is a string's length as WeChat counts it: 2 per wide (CJK)
// character, 1 per other.
func width(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x1100 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hangul, r) ||
			unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) || (r >= 0xFF00 && r <= 0xFFEF) ||
			(r >= 0x3000 && r <= 0x303F)) {
			n += 2
		} else {
			n++
		}
	}
	return n
}

func checkText(field string, s string, min, max, code int) *Error {
	if !utf8.ValidString(s) {
		return apiErr(http.StatusBadRequest, code, "%s must be valid UTF-8", field)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return apiErr(http.StatusBadRequest, code, "%s has a control character", field)
		}
	}
	if w := width(s); w < min || w > max {
		return apiErr(http.StatusBadRequest, code, "%s must be %d to %d wide (a CJK character counts 2), is %d", field, min, max, w)
	}
	return nil
}

// checkWechat accepts a WeChat-ID-like username: 1 to 32 letters, digits,
// '_' or '-' (it is also the user's chat identity).
func checkWechat(field string, s string, code int) *Error {
	if s == "" || len(s) > maxWechatBytes {
		return apiErr(http.StatusBadRequest, code, "%s must be 1 to %d characters", field, maxWechatBytes)
	}
	for _, r := range s {
		if !(r == '_' || r == '-' || r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r))) {
			return apiErr(http.StatusBadRequest, code, "%s may hold only letters, digits, '_' and '-'", field)
		}
	}
	return nil
}

func checkImg(field, s string) *Error {
	if s == "" || len(s) > maxImgBytes || !utf8.ValidString(s) {
		return badField("%s must be a media id or URL of 1 to %d bytes", field, maxImgBytes)
	}
	return nil
}

func flag(field string, v *int, dst *bool) *Error {
	if v == nil {
		return nil
	}
	if *v != 0 && *v != 1 {
		return badField("%s must be 0 or 1", field)
	}
	*dst = *v == 1
	return nil
}

// apply validates in and writes it over r; create requires WeChat's
// mandatory fields.
func (in *RoomInput) apply(r *store.Room, create bool) *Error {
	if create {
		for _, f := range []struct {
			name string
			set  bool
		}{{"name", in.Name != nil}, {"coverImg", in.CoverImg != nil}, {"startTime", in.StartTime != nil},
			{"endTime", in.EndTime != nil}, {"anchorName", in.AnchorName != nil},
			{"anchorWechat", in.AnchorWechat != nil}, {"shareImg", in.ShareImg != nil}} {
			if !f.set {
				return badField("%s is required", f.name)
			}
		}
	}
	if in.Name != nil {
		if e := checkText("name", *in.Name, roomNameMin, roomNameMax, ErrcodeNameLength); e != nil {
			return e
		}
		r.Name = *in.Name
	}
	if in.AnchorName != nil {
		if e := checkText("anchorName", *in.AnchorName, anchorNameMin, anchorNameMax, ErrcodeAnchorName); e != nil {
			return e
		}
		r.AnchorName = *in.AnchorName
	}
	if in.AnchorWechat != nil {
		if e := checkWechat("anchorWechat", *in.AnchorWechat, ErrcodeAnchorWechat); e != nil {
			return e
		}
		r.AnchorWechat = *in.AnchorWechat
	}
	if in.SubAnchorWechat != nil && *in.SubAnchorWechat != "" {
		if e := checkWechat("subAnchorWechat", *in.SubAnchorWechat, ErrcodeSubAnchorWechat); e != nil {
			return e
		}
		if create { // on edit, EditRoom sets it as the sub-anchor APIs do
			r.SubAnchorWechat = *in.SubAnchorWechat
		}
	}
	if in.CreaterWechat != nil && *in.CreaterWechat != "" {
		if e := checkWechat("createrWechat", *in.CreaterWechat, ErrcodeAnchorWechat); e != nil {
			return e
		}
		r.CreaterWechat = *in.CreaterWechat
	}
	for _, img := range []struct {
		name string
		v    *string
		dst  *string
		opt  bool
	}{{"coverImg", in.CoverImg, &r.CoverImg, false}, {"shareImg", in.ShareImg, &r.ShareImg, false},
		{"feedsImg", in.FeedsImg, &r.FeedsImg, true}} {
		if img.v == nil || (img.opt && *img.v == "") {
			continue
		}
		if e := checkImg(img.name, *img.v); e != nil {
			return e
		}
		*img.dst = *img.v
	}
	if in.StartTime != nil {
		r.StartTime = *in.StartTime
	}
	if in.EndTime != nil {
		r.EndTime = *in.EndTime
	}
	if in.IsFeedsPublic == nil {
		in.IsFeedsPublic = in.FeedsPublic
	}
	for _, f := range []struct {
		name string
		v    *int
		dst  *bool
	}{{"isFeedsPublic", in.IsFeedsPublic, &r.FeedsPublic}, {"closeLike", in.CloseLike, &r.CloseLike},
		{"closeGoods", in.CloseGoods, &r.CloseGoods}, {"closeComment", in.CloseComment, &r.CloseComment},
		{"closeReplay", in.CloseReplay, &r.CloseReplay}, {"closeShare", in.CloseShare, &r.CloseShare},
		{"closeKf", in.CloseKf, &r.CloseKf}} {
		if e := flag(f.name, f.v, f.dst); e != nil {
			return e
		}
	}
	for _, f := range []struct {
		name string
		v    *int
		dst  *int
	}{{"type", in.Type, &r.Type}, {"screenType", in.ScreenType, &r.ScreenType}} {
		if f.v == nil {
			continue
		}
		if *f.v != 0 && *f.v != 1 {
			return badField("%s must be 0 or 1", f.name)
		}
		*f.dst = *f.v
	}
	return nil
}

// checkWindow applies the time rules to a room's planned window; now is
// Unix seconds. A room that has gone live keeps its start.
func (c RoomsConfig) checkWindow(start, end, now int64, started bool) *Error {
	lead := int64(c.MinStartLead.Seconds())
	earliest := now + lead
	if lead == 0 {
		earliest = now - 60 // "now", with a minute for clock skew
	}
	switch {
	case start <= 0 || end <= 0:
		return badField("startTime and endTime must be Unix times in seconds")
	case !started && start < earliest:
		return badField("startTime must be at least %s after now", c.MinStartLead)
	case start > now+int64(c.MaxStartAhead.Seconds()):
		return badField("startTime must be at most %s after now", c.MaxStartAhead)
	case end-start < int64(c.MinDuration.Seconds()):
		return badField("endTime must be at least %s after startTime", c.MinDuration)
	case end-start > int64(c.MaxDuration.Seconds()):
		return badField("endTime must be at most %s after startTime", c.MaxDuration)
	case end <= now:
		return badField("endTime must be in the future")
	}
	return nil
}
