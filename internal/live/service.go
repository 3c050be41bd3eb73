package live

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"livestudio/internal/pushsign"
)

// WeChat error codes the API answers with.
const (
	ErrcodeOK             = 0
	ErrcodeInvalidCred    = 40001
	ErrcodeInvalidGrant   = 40002
	ErrcodeInvalidAppID   = 40013
	ErrcodeMissingToken   = 41001
	ErrcodeMissingAppID   = 41002
	ErrcodeMissingSecret  = 41004
	ErrcodeTokenExpired   = 42001
	ErrcodeBadRequest     = 44002 // empty or malformed POST body
	ErrcodeRoomNotFound   = 300022
	ErrcodeMethodNotAllow = 43001 // "require GET method" family
)

// Service answers the WeChat-shaped live API for the configured apps.
type Service struct {
	apps     map[string]App
	tokenTTL time.Duration
	rtmpHost string
	log      *slog.Logger
	now      func() time.Time
	// rooms, when attached, are the live rooms (AttachRooms).
	rooms *Rooms
}

// NewService returns the API over apps; pushes go to rtmp://{rtmpHost}/live/.
func NewService(apps []App, tokenTTL time.Duration, rtmpHost string, log *slog.Logger) *Service {
	m := make(map[string]App, len(apps))
	for _, a := range apps {
		m[a.AppID] = a
	}
	return &Service{apps: m, tokenTTL: tokenTTL, rtmpHost: rtmpHost, log: log, now: time.Now}
}

// Register mounts the API's routes on mux.
func (s *Service) Register(mux *http.ServeMux) {
	mux.HandleFunc("/cgi-bin/token", s.handleToken)
	mux.HandleFunc("/cgi-bin/stable_token", s.handleStableToken)
	mux.HandleFunc("/wxaapi/broadcast/room/getpushurl", s.handleGetPushURL)
	if s.rooms != nil {
		s.registerWx(mux)
		if s.rooms.media != nil {
			s.registerMedia(mux)
		}
	}
}

// AttachRooms makes the service check publishes and push URLs against the
// live rooms and serve their WeChat-shaped API (call before Register).
func (s *Service) AttachRooms(rs *Rooms) {
	s.rooms = rs
	rs.pushURL = s.PushURL
}

type apiError struct {
	Errcode int    `json:"errcode"`
	Errmsg  string `json:"errmsg"`
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(v)
}

// WeChat answers errors with HTTP 200 and an errcode; clients key on it.
func writeErr(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, apiError{Errcode: code, Errmsg: msg})
}

func (s *Service) credential(w http.ResponseWriter, grant, appID, secret string, force bool) {
	switch {
	case grant != "client_credential":
		writeErr(w, ErrcodeInvalidGrant, "invalid grant_type")
		return
	case appID == "":
		writeErr(w, ErrcodeMissingAppID, "appid missing")
		return
	case secret == "":
		writeErr(w, ErrcodeMissingSecret, "appsecret missing")
		return
	}
	a, ok := s.apps[appID]
	if !ok {
		writeErr(w, ErrcodeInvalidAppID, "invalid appid")
		return
	}
	if subtle.ConstantTimeCompare([]byte(a.Secret), []byte(secret)) != 1 {
		writeErr(w, ErrcodeInvalidCred, "invalid credential, access_token is invalid or not latest")
		return
	}
	token, ttl := s.issueToken(a, force)
	writeJSON(w, map[string]any{"access_token": token, "expires_in": int(ttl.Seconds())})
}

func (s *Service) handleToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.credential(w, q.Get("grant_type"), q.Get("appid"), q.Get("secret"), false)
}

func (s *Service) handleStableToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeErr(w, ErrcodeMethodNotAllow, "require POST method")
		return
	}
	var req struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil {
		writeErr(w, ErrcodeBadRequest, "invalid JSON body: "+err.Error())
		return
	}
	s.credential(w, req.GrantType, req.AppID, req.Secret, req.ForceRefresh)
}

func (s *Service) handleGetPushURL(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	token := q.Get("access_token")
	if token == "" {
		writeErr(w, ErrcodeMissingToken, "access_token missing")
		return
	}
	a, err := s.checkToken(token)
	switch err {
	case nil:
	case errTokenExpired:
		writeErr(w, ErrcodeTokenExpired, "access_token expired")
		return
	default:
		writeErr(w, ErrcodeInvalidCred, "invalid credential, access_token is invalid or not latest")
		return
	}
	roomID, err := strconv.ParseInt(q.Get("roomId"), 10, 64)
	if err != nil || roomID <= 0 {
		writeErr(w, ErrcodeRoomNotFound, "room not found: roomId must be a positive integer")
		return
	}
	if s.rooms != nil {
		if err := s.rooms.checkPublish(a, StreamKey(a.AppID, roomID)); err != nil {
			writeErr(w, pushURLErrcode(err), fmt.Sprintf("room %d: %v", roomID, err))
			return
		}
	}
	writeJSON(w, map[string]any{"errcode": 0, "pushAddr": s.PushURL(a, roomID)})
}

// PushURL returns the signed push URL of room roomID of app a.
func (s *Service) PushURL(a App, roomID int64) string {
	key := StreamKey(a.AppID, roomID)
	u := url.URL{Scheme: "rtmp", Host: s.rtmpHost, Path: "/live/" + key,
		RawQuery: pushsign.Query(a.PushKey, key, s.now().Add(a.PushURLTTL))}
	return u.String()
}

// String describes the service for logs.
func (s *Service) String() string { return fmt.Sprintf("live API (%d apps)", len(s.apps)) }
