package live

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"livestudio/internal/media"
)

// WeChat's temporary-media API (WxJava's WxMaMediaService): upload an
// image, get its media_id, use it as a room's or goods' image.

// mediaBodySlack is what a multipart body may hold beyond the file
// (boundaries, headers, small fields).
const mediaBodySlack = 64 << 10

// Media paths of the WeChat face.
const (
	MediaUploadPath = "/cgi-bin/media/upload"
	MediaGetPath    = "/cgi-bin/media/get"
)

func (s *Service) registerMedia(mux *http.ServeMux) {
	mux.HandleFunc(MediaUploadPath, s.handleMediaUpload)
	mux.HandleFunc(MediaGetPath, s.handleMediaGet)
}

// wxToken checks ?access_token= and answers the error itself.
func (s *Service) wxToken(w http.ResponseWriter, r *http.Request) (App, *media.Error) {
	token := r.URL.Query().Get("access_token")
	if token == "" {
		return App{}, &media.Error{Code: ErrcodeMissingToken, Msg: "access_token missing"}
	}
	a, err := s.checkToken(token)
	switch err {
	case nil:
		return a, nil
	case errTokenExpired:
		return a, &media.Error{Code: ErrcodeTokenExpired, Msg: "access_token expired"}
	}
	return a, &media.Error{Code: ErrcodeInvalidCred, Msg: "invalid credential, access_token is invalid or not latest"}
}

// upload reads and stores the multipart upload of r for app a.
func (rs *Rooms) upload(w http.ResponseWriter, r *http.Request, appID, kind string) (m mediaResult, err error) {
	lib := rs.media
	if kind != "image" && kind != "thumb" {
		return m, &media.Error{Code: media.ErrcodeInvalidType, Msg: fmt.Sprintf("invalid media type %q: only image and thumb are served here", truncate(kind, 32))}
	}
	limit := lib.Limit(kind)
	body := http.MaxBytesReader(w, r.Body, limit+mediaBodySlack)
	data, err := media.ReadFile(body, r.Header.Get("Content-Type"), media.FormField, limit)
	if err != nil {
		var me *media.Error
		if !errors.As(err, &me) {
			return m, lib.TooLarge(kind)
		}
		return m, err
	}
	io.Copy(io.Discard, body) // the rest of a bounded body, so the connection can be reused
	rec, err := lib.Save(r.Context(), appID, kind, data)
	if err != nil {
		return m, err
	}
	m = mediaResult{Type: rec.Type, MediaID: rec.ID, CreatedAt: rec.CreatedAt}
	if kind == "thumb" {
		m.ThumbMediaID = rec.ID // WeChat names a thumb's id so (WxMediaUploadResult.thumbMediaId)
	}
	return m, nil
}

// mediaResult is media/upload's answer.
type mediaResult struct {
	Type         string `json:"type"`
	MediaID      string `json:"media_id"`
	ThumbMediaID string `json:"thumb_media_id,omitempty"`
	CreatedAt    int64  `json:"created_at"`
}

func mediaErr(err error) *media.Error {
	var me *media.Error
	if errors.As(err, &me) {
		return me
	}
	return &media.Error{Code: media.ErrcodeSystem, Msg: "system error: " + err.Error()}
}

// handleMediaUpload: POST ?access_token=&type=image|thumb, multipart field
// "media" → {type, media_id, created_at}.
func (s *Service) handleMediaUpload(w http.ResponseWriter, r *http.Request) {
	lib := s.rooms.media
	fail := func(err error) {
		e := mediaErr(err)
		lib.CountUpload("wechat", e)
		if e.Code == media.ErrcodeSystem {
			s.log.Error("media upload failed", "err", err)
		}
		writeErr(w, e.Code, e.Msg)
	}
	a, e := s.wxToken(w, r)
	if e != nil {
		fail(e)
		return
	}
	if r.Method != http.MethodPost {
		fail(&media.Error{Code: media.ErrcodeRequirePost, Msg: "require POST method"})
		return
	}
	res, err := s.rooms.upload(w, r, a.AppID, r.URL.Query().Get("type"))
	if err != nil {
		fail(err)
		return
	}
	lib.CountUpload("wechat", nil)
	writeJSON(w, res)
}

// handleMediaGet: GET ?access_token=&media_id= → the file, or errcode JSON.
func (s *Service) handleMediaGet(w http.ResponseWriter, r *http.Request) {
	lib := s.rooms.media
	fail := func(err error) {
		e := mediaErr(err)
		lib.CountDownload("wechat", e)
		writeErr(w, e.Code, e.Msg)
	}
	a, e := s.wxToken(w, r)
	if e != nil {
		fail(e)
		return
	}
	id := r.URL.Query().Get("media_id")
	if id == "" {
		fail(&media.Error{Code: media.ErrcodeNoMediaID, Msg: "media_id missing"})
		return
	}
	s.rooms.serveMedia(w, r, a.AppID, id, "wechat", fail)
}

// serveMedia sends an app's media file (private routes: media/get, REST).
func (rs *Rooms) serveMedia(w http.ResponseWriter, r *http.Request, appID, id, route string, fail func(error)) {
	lib := rs.media
	m, err := lib.Get(r.Context(), appID, id)
	if err != nil {
		fail(err)
		return
	}
	f, err := lib.Open(m)
	if err != nil {
		fail(&media.Error{Code: media.ErrcodeInvalidMediaID, Msg: "invalid media_id: its file is gone"})
		return
	}
	defer f.Close()
	lib.CountDownload(route, nil)
	h := w.Header()
	h.Set("Content-Type", m.ContentType)
	h.Set("Content-Length", strconv.FormatInt(m.Size, 10))
	h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", m.ID+ext(m.ContentType)))
	h.Set("Cache-Control", "private, no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	io.Copy(w, f)
}

func ext(contentType string) string {
	switch contentType {
	case "image/png":
		return ".png"
	case "image/gif":
		return ".gif"
	}
	return ".jpg"
}
