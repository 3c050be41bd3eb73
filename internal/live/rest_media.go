package live

import (
	"encoding/json"
	"net/http"

	"livestudio/internal/media"
)

// The REST face of media: POST /api/v1/apps/{app}/media?type=image (the
// same multipart upload as WeChat's; its body is larger than other REST
// calls', so it is served outside restServe) and GET .../media/{id}.

func (rs *Rooms) registerRESTMedia(mux *http.ServeMux) {
	mux.HandleFunc("POST "+apiPrefix+"/media", rs.restUpload)
	mux.HandleFunc("GET "+apiPrefix+"/media/{id}", rs.restMediaGet)
}

func (rs *Rooms) restMediaError(w http.ResponseWriter, err error) *media.Error {
	e := mediaErr(err)
	status := http.StatusBadRequest
	switch e.Code {
	case ErrcodeInvalidCred:
		status = http.StatusUnauthorized
	case media.ErrcodeInvalidMediaID:
		status = http.StatusNotFound
	case media.ErrcodeImageSize, media.ErrcodeThumbSize:
		status = http.StatusRequestEntityTooLarge
	case ErrcodeInvalidAppID:
		status = http.StatusNotFound
	case media.ErrcodeSystem:
		status = http.StatusInternalServerError
		rs.log.Error("media REST API failed", "err", err)
	}
	restError(w, &Error{Code: e.Code, Msg: e.Msg, Status: status})
	return e
}

// restUpload: multipart field "media" → {type, mediaId, createdAt, expiresAt}.
func (rs *Rooms) restUpload(w http.ResponseWriter, r *http.Request) {
	fail := func(err error) { rs.media.CountUpload("rest", rs.restMediaError(w, err)) }
	if !rs.authorized(r) {
		fail(&media.Error{Code: ErrcodeInvalidCred, Msg: "missing or wrong bearer token (rooms.admin_token)"})
		return
	}
	appID := r.PathValue("app")
	if _, e := rs.app(appID); e != nil {
		fail(&media.Error{Code: e.Code, Msg: e.Msg})
		return
	}
	kind := r.URL.Query().Get("type")
	if kind == "" {
		kind = "image"
	}
	res, err := rs.upload(w, r, appID, kind)
	if err != nil {
		fail(err)
		return
	}
	rs.media.CountUpload("rest", nil)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(map[string]any{"errcode": 0, "type": res.Type, "mediaId": res.MediaID,
		"createdAt": res.CreatedAt, "expiresAt": res.CreatedAt + int64(rs.media.TTL().Seconds())})
}

// restMediaGet sends the app's media file (also before it is used).
func (rs *Rooms) restMediaGet(w http.ResponseWriter, r *http.Request) {
	fail := func(err error) { rs.media.CountDownload("rest", rs.restMediaError(w, err)) }
	if !rs.authorized(r) {
		fail(&media.Error{Code: ErrcodeInvalidCred, Msg: "missing or wrong bearer token (rooms.admin_token)"})
		return
	}
	rs.serveMedia(w, r, r.PathValue("app"), r.PathValue("id"), "rest", fail)
}
