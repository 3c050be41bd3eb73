package live

import (
	"net/http"
	"net/url"
	"strings"

	qrcode "github.com/skip2/go-qrcode"
)

// SharedCode is a room's share: the player page and a QR code of it.
type SharedCode struct {
	// PageURL is {public base}/play/{appid}-{roomId}, with the caller's
	// params as its query.
	PageURL string
	// ImageURL is the QR-code PNG of PageURL, served by ServeShareImage.
	ImageURL string
}

// ShareImagePath is where QR-code PNGs are served: {path}{appid}-{roomId}.png
// (?params= carries the page's query).
const ShareImagePath = "/share/"

func (rs *Rooms) pageURL(key, params string) string {
	u := rs.base + "/play/" + key
	if params != "" {
		u += "?" + params
	}
	return u
}

func (rs *Rooms) shareImageURL(appID string, id int64) string {
	return rs.base + ShareImagePath + StreamKey(appID, id) + ".png"
}

// SharedCode returns a room's share URLs. params (WeChat's custom page
// parameters) must be a URL query of at most 512 bytes.
func (rs *Rooms) SharedCode(appID string, id int64, params string) (SharedCode, error) {
	if _, e := rs.app(appID); e != nil {
		return SharedCode{}, e
	}
	e, ok := rs.entry(StreamKey(appID, id))
	if !ok {
		return SharedCode{}, roomNotFound(id)
	}
	if e.r.CloseShare {
		return SharedCode{}, apiErr(http.StatusConflict, ErrcodeRoomState, "room %d does not allow sharing (closeShare)", id)
	}
	if len(params) > 512 {
		return SharedCode{}, badField("params must be at most 512 bytes")
	}
	if _, err := url.ParseQuery(params); err != nil {
		return SharedCode{}, badField("params must be a URL query (a=1&b=2): %v", err)
	}
	img := rs.shareImageURL(appID, id)
	if params != "" {
		img += "?params=" + url.QueryEscape(params)
	}
	return SharedCode{PageURL: rs.pageURL(StreamKey(appID, id), params), ImageURL: img}, nil
}

// ServeShareImage serves the QR-code PNG of a room's page (public: it only
// encodes the page URL). Unknown rooms are 404.
func (rs *Rooms) ServeShareImage(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, ShareImagePath), ".png")
	appID, id, valid := parseKey(name)
	if !ok || !valid {
		http.Error(w, "not a share code", http.StatusNotFound)
		return
	}
	code, err := rs.SharedCode(appID, id, r.URL.Query().Get("params"))
	if err != nil {
		http.Error(w, asAPIError(err).Msg, http.StatusNotFound)
		return
	}
	png, err := qrcode.Encode(code.PageURL, qrcode.Medium, 512)
	if err != nil {
		http.Error(w, "QR code: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(png)
}
