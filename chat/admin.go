package chat

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path"
	"strconv"
	"strings"
)

// AdminIdentifier is who acts for a bearer-token request (Tencent REST's
// usual admin account name); it appears as "by" and "from" in tips.
const AdminIdentifier = "administrator"

// Admin REST error codes (ErrorCode), Tencent IM's where one fits.
const (
	AdminOK            = 0
	AdminNoAuth        = 60001 // no credentials, or a wrong bearer token
	AdminBadAppID      = 60002 // sdkappid is not this server's
	AdminSigExpired    = 70001
	AdminBadSig        = 70003
	AdminNotAdmin      = 10007 // identifier is not in chat.admins
	AdminBadRequest    = 10004
	AdminNoCommand     = 10008 // unknown command or not POST
	AdminRoomNotFound  = 10010
	AdminMuted         = 10017
	AdminBanned        = 10018
	AdminRoomMuted     = 10019
	AdminRoomRateShed  = 10024
	AdminFiltered      = 80001
	AdminTooLarge      = 80002
	maxAdminBody       = 256 * 1024
	maxAdminAccounts   = 500
	maxAdminHistory    = 1000
	adminTokenScheme   = "Bearer "
	adminContentJSON   = "application/json; charset=utf-8"
	adminCommandLabels = "send_notice send_msg set_attrs get_attrs mute unmute kick mute_room online history set_room_rate destroy_room create_room unban"
)

// adminCodes maps request error codes to ErrorCode.
var adminCodes = map[string]int{
	CodeBadRequest: AdminBadRequest, CodeForbidden: AdminNotAdmin, CodeRoomNotFound: AdminRoomNotFound,
	CodeMuted: AdminMuted, CodeBanned: AdminBanned, CodeRoomMuted: AdminRoomMuted,
	CodeRoomRateShed: AdminRoomRateShed, CodeFiltered: AdminFiltered, CodeTooLarge: AdminTooLarge,
}

// adminReq is every command's body; each command reads its fields.
type adminReq struct {
	RoomID   string   `json:"RoomId"`
	Accounts []string `json:"Members_Account"`
	// MuteTime and BanTime are seconds.
	MuteTime    *int64             `json:"MuteTime"`
	BanTime     int64              `json:"BanTime"`
	Reason      string             `json:"Reason"`
	Muted       *bool              `json:"Muted"`
	From        string             `json:"From_Account"`
	Kind        string             `json:"Kind"`
	Text        string             `json:"Text"`
	Data        string             `json:"Data"`
	Description string             `json:"Description"`
	Extension   string             `json:"Extension"`
	Priority    *Priority          `json:"Priority"`
	Attrs       map[string]*string `json:"Attrs"`
	Limit       int                `json:"Limit"`
	Rate        *float64           `json:"Rate"`
}

// adminResp is every reply; only the command's own fields are set.
type adminResp struct {
	ActionStatus string            `json:"ActionStatus"`
	ErrorCode    int               `json:"ErrorCode"`
	ErrorInfo    string            `json:"ErrorInfo"`
	Seq          uint64            `json:"Seq,omitempty"`
	Time         int64             `json:"Time,omitempty"`
	Attrs        map[string]string `json:"Attrs,omitempty"`
	Online       *int              `json:"Online,omitempty"`
	Kicked       *int              `json:"Kicked,omitempty"`
	Messages     []json.RawMessage `json:"Messages,omitempty"`
	Rate         float64           `json:"Rate,omitempty"`
}

type adminFailure struct {
	status int
	code   int
	info   string
}

func (e *adminFailure) Error() string { return e.info }

func adminFail(status, code int, format string, args ...any) *adminFailure {
	return &adminFailure{status: status, code: code, info: fmt.Sprintf(format, args...)}
}

// AdminHandler serves the admin REST API (docs/protocol.md, "Admin REST"):
// POST <prefix>/<command> with a JSON body; the command is the last path
// element, so it can be mounted under any prefix (the gateway uses
// /v4/livestudio/).
func (s *Server) AdminHandler() http.Handler {
	return http.HandlerFunc(s.serveAdmin)
}

func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	cmd := path.Base(r.URL.Path)
	label := cmd
	if !strings.Contains(" "+adminCommandLabels+" ", " "+cmd+" ") {
		label = "unknown"
	}
	resp, fail := s.adminDo(w, r, cmd)
	status := http.StatusOK
	if fail != nil {
		resp = adminResp{ActionStatus: "FAIL", ErrorCode: fail.code, ErrorInfo: fail.info}
		status = fail.status
	} else {
		resp.ActionStatus = "OK"
	}
	s.m.adminRequests.WithLabelValues(label, resp.ActionStatus).Inc()
	w.Header().Set("Content-Type", adminContentJSON)
	w.WriteHeader(status)
	w.Write(encode(resp))
}

func (s *Server) adminDo(w http.ResponseWriter, r *http.Request, cmd string) (adminResp, *adminFailure) {
	if r.Method != http.MethodPost {
		return adminResp{}, adminFail(http.StatusMethodNotAllowed, AdminNoCommand, "use POST")
	}
	by, fail := s.adminAuth(r)
	if fail != nil {
		return adminResp{}, fail
	}
	var req adminReq
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAdminBody))
	if err := dec.Decode(&req); err != nil {
		return adminResp{}, adminFail(http.StatusOK, AdminBadRequest, "invalid JSON body: %v", err)
	}
	if err := checkRoomID(req.RoomID); err != nil {
		return adminResp{}, adminFail(http.StatusOK, AdminBadRequest, "RoomId: %v", err)
	}
	h, ok := adminCommands[cmd]
	if !ok {
		return adminResp{}, adminFail(http.StatusNotFound, AdminNoCommand, "unknown command %q", cmd)
	}
	if cmd != "create_room" && !s.roomAllowed(req.RoomID) {
		return adminResp{}, adminFail(http.StatusOK, AdminRoomNotFound, "room %q does not exist (rooms are managed: create it first)", req.RoomID)
	}
	resp, err := h(s, by, &req)
	if err != nil {
		var e *reqError
		if errors.As(err, &e) {
			return adminResp{}, adminFail(http.StatusOK, adminCodes[e.code], "%s", e.msg)
		}
		var f *adminFailure
		if errors.As(err, &f) {
			return adminResp{}, f
		}
		return adminResp{}, adminFail(http.StatusOK, AdminBadRequest, "%v", err)
	}
	return resp, nil
}

// adminAuth accepts "Authorization: Bearer <admin_token>" or Tencent REST's
// query: sdkappid, identifier (an admin) and usersig (the admin's UserSig).
// It returns who acts.
func (s *Server) adminAuth(r *http.Request) (*user, *adminFailure) {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, adminTokenScheme)
		if !ok || s.cfg.AdminToken == "" ||
			subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.AdminToken)) != 1 {
			s.m.authFailures.WithLabelValues("admin_token").Inc()
			return nil, adminFail(http.StatusUnauthorized, AdminNoAuth, "bad bearer token")
		}
		u, _ := s.loadedUser(AdminIdentifier)
		return u, nil
	}
	q := r.URL.Query()
	id, sig, app := q.Get("identifier"), q.Get("usersig"), q.Get("sdkappid")
	if id == "" || sig == "" || app == "" {
		return nil, adminFail(http.StatusUnauthorized, AdminNoAuth,
			"authorise with sdkappid, identifier and usersig in the query, or a bearer token")
	}
	if n, err := strconv.ParseUint(app, 10, 64); err != nil || n != s.cfg.SDKAppID {
		s.m.authFailures.WithLabelValues("admin_app").Inc()
		return nil, adminFail(http.StatusUnauthorized, AdminBadAppID, "sdkappid %q is not this server's", app)
	}
	if checkUserID(id) != nil {
		return nil, adminFail(http.StatusUnauthorized, AdminBadSig, "identifier is not a valid user id")
	}
	switch err := s.verifier.verify(id, sig); {
	case errors.Is(err, ErrUserSigExpired):
		s.m.authFailures.WithLabelValues("expired").Inc()
		return nil, adminFail(http.StatusUnauthorized, AdminSigExpired, "%v", err)
	case err != nil:
		s.m.authFailures.WithLabelValues("bad_sig").Inc()
		return nil, adminFail(http.StatusUnauthorized, AdminBadSig, "%v", err)
	}
	if !s.users.admins[id] {
		return nil, adminFail(http.StatusForbidden, AdminNotAdmin, "%q is not an admin", id)
	}
	u, _ := s.loadedUser(id)
	return u, nil
}

// existingRoom returns a room that exists, for read commands.
func (s *Server) existingRoom(id string) (*room, error) {
	s.mu.Lock()
	r := s.rooms[id]
	s.mu.Unlock()
	if r == nil {
		return nil, errorf(CodeRoomNotFound, "room %q not found", id)
	}
	return r, nil
}

// accounts validates Members_Account for mute and kick, all or nothing.
func (s *Server) accounts(req *adminReq) error {
	if len(req.Accounts) == 0 || len(req.Accounts) > maxAdminAccounts {
		return errorf(CodeBadRequest, "Members_Account must list 1 to %d users", maxAdminAccounts)
	}
	for _, a := range req.Accounts {
		if e := s.checkTarget(a); e != nil {
			return e
		}
	}
	return nil
}

var adminCommands = map[string]func(*Server, *user, *adminReq) (adminResp, error){
	"send_notice": func(s *Server, by *user, req *adminReq) (adminResp, error) {
		if req.Text == "" && req.Data == "" {
			return adminResp{}, errorf(CodeBadRequest, "a notice needs Text or Data")
		}
		p := by.profile.Load()
		m := &Message{Kind: KindNotice, Text: req.Text, Data: req.Data, From: by.id, Nick: p.Nick,
			Avatar: p.Avatar, Level: p.Level, Priority: PriorityHigh}
		return s.adminPublish(req, m)
	},
	"send_msg": func(s *Server, _ *user, req *adminReq) (adminResp, error) {
		if err := checkUserID(req.From); err != nil {
			return adminResp{}, errorf(CodeBadRequest, "From_Account: %v", err)
		}
		m := &Message{Kind: req.Kind, Priority: PriorityNormal}
		switch req.Kind {
		case "", KindText:
			if req.Text == "" {
				return adminResp{}, errorf(CodeBadRequest, "Text is empty")
			}
			m.Kind = KindText
			text, e := s.filterText(req.Text, nil)
			if e != nil {
				return adminResp{}, e
			}
			m.Text = text
		case KindCustom:
			m.Data, m.Description, m.Extension = req.Data, req.Description, req.Extension
		default:
			return adminResp{}, errorf(CodeBadRequest, "Kind must be text or custom")
		}
		u, _ := s.loadedUser(req.From)
		p := u.profile.Load()
		m.From, m.Nick, m.Avatar, m.Level = u.id, p.Nick, p.Avatar, p.Level
		return s.adminPublish(req, m)
	},
	"set_attrs": func(s *Server, by *user, req *adminReq) (adminResp, error) {
		if len(req.Attrs) == 0 {
			return adminResp{}, errorf(CodeBadRequest, "Attrs is empty")
		}
		if e := s.adminRoom(req.RoomID).setAttrs(by, req.Attrs); e != nil {
			return adminResp{}, e
		}
		return adminResp{}, nil
	},
	"get_attrs": func(s *Server, _ *user, req *adminReq) (adminResp, error) {
		r, err := s.existingRoom(req.RoomID)
		if err != nil {
			return adminResp{}, err
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		attrs := make(map[string]string, len(r.attrs))
		for k, v := range r.attrs {
			attrs[k] = v
		}
		return adminResp{Attrs: attrs}, nil
	},
	"mute": func(s *Server, by *user, req *adminReq) (adminResp, error) {
		if req.MuteTime == nil {
			return adminResp{}, errorf(CodeBadRequest, "MuteTime (seconds, 0 to unmute) is required")
		}
		return adminMute(s, by, req, *req.MuteTime)
	},
	"unmute": func(s *Server, by *user, req *adminReq) (adminResp, error) {
		return adminMute(s, by, req, 0)
	},
	"kick": func(s *Server, by *user, req *adminReq) (adminResp, error) {
		if err := s.accounts(req); err != nil {
			return adminResp{}, err
		}
		d, e := checkDuration(req.BanTime)
		if e != nil {
			return adminResp{}, e
		}
		if len(req.Reason) > maxReasonBytes {
			return adminResp{}, errorf(CodeTooLarge, "Reason must be at most %d bytes", maxReasonBytes)
		}
		r := s.adminRoom(req.RoomID)
		n := 0
		for _, a := range req.Accounts {
			n += r.kick(by.id, a, d, req.Reason)
		}
		return adminResp{Kicked: &n}, nil
	},
	"unban": func(s *Server, _ *user, req *adminReq) (adminResp, error) {
		if err := s.accounts(req); err != nil {
			return adminResp{}, err
		}
		r := s.adminRoom(req.RoomID)
		for _, a := range req.Accounts {
			r.unban(a)
		}
		return adminResp{}, nil
	},
	"mute_room": func(s *Server, by *user, req *adminReq) (adminResp, error) {
		if req.Muted == nil {
			return adminResp{}, errorf(CodeBadRequest, "Muted (true or false) is required")
		}
		s.adminRoom(req.RoomID).setMuted(by.id, *req.Muted)
		return adminResp{}, nil
	},
	"online": func(s *Server, _ *user, req *adminReq) (adminResp, error) {
		r, err := s.existingRoom(req.RoomID)
		if err != nil {
			return adminResp{}, err
		}
		r.mu.Lock()
		n := len(r.members)
		r.mu.Unlock()
		return adminResp{Online: &n}, nil
	},
	"history": func(s *Server, _ *user, req *adminReq) (adminResp, error) {
		if req.Limit < 0 || req.Limit > maxAdminHistory {
			return adminResp{}, errorf(CodeBadRequest, "Limit must be 0 (all kept) to %d", maxAdminHistory)
		}
		r, err := s.existingRoom(req.RoomID)
		if err != nil {
			return adminResp{}, err
		}
		r.mu.Lock()
		msgs, seq := r.history.list(), r.seq
		r.mu.Unlock()
		if req.Limit > 0 && len(msgs) > req.Limit {
			msgs = msgs[len(msgs)-req.Limit:]
		}
		if msgs == nil {
			msgs = []json.RawMessage{}
		}
		return adminResp{Messages: msgs, Seq: seq}, nil
	},
	"create_room": adminCreateRoom,
	"destroy_room": func(s *Server, by *user, req *adminReq) (adminResp, error) {
		n, ok := s.destroyRoom(req.RoomID, by.id, false)
		if !ok {
			return adminResp{}, errorf(CodeRoomNotFound, "room %q not found", req.RoomID)
		}
		return adminResp{Online: &n}, nil
	},
	"set_room_rate": func(s *Server, _ *user, req *adminReq) (adminResp, error) {
		if req.Rate == nil || *req.Rate < 0 || *req.Rate > 1e6 {
			return adminResp{}, errorf(CodeBadRequest, "Rate must be 0 (back to chat.room_rate) to 1e6 messages per second")
		}
		rate := *req.Rate
		if rate == 0 {
			rate = s.cfg.RoomRate
		}
		r := s.adminRoom(req.RoomID)
		r.mu.Lock()
		r.lanes.setRate(rate, s.now())
		r.mu.Unlock()
		return adminResp{Rate: rate}, nil
	},
}

func adminMute(s *Server, by *user, req *adminReq, secs int64) (adminResp, error) {
	if err := s.accounts(req); err != nil {
		return adminResp{}, err
	}
	d, e := checkDuration(secs)
	if e != nil {
		return adminResp{}, e
	}
	r := s.adminRoom(req.RoomID)
	for _, a := range req.Accounts {
		r.mute(by.id, a, d)
	}
	return adminResp{}, nil
}

// adminPublish sends m into the room (created if need be) through the room
// rate, without mute checks: an admin acts.
func (s *Server) adminPublish(req *adminReq, m *Message) (adminResp, error) {
	if req.Priority != nil {
		m.Priority = *req.Priority
	}
	size := len(m.Text) + len(m.Data) + len(m.Description) + len(m.Extension)
	if size > s.cfg.MaxMessageBytes {
		return adminResp{}, errorf(CodeTooLarge, "message content is %d bytes, limit %d", size, s.cfg.MaxMessageBytes)
	}
	if e := s.adminRoom(req.RoomID).publish(nil, nil, m); e != nil {
		return adminResp{}, e
	}
	return adminResp{Seq: m.Seq, Time: m.Time}, nil
}

// adminRoom returns the room for a write command, creating it, and restarts
// its idle time if it is empty: under the server's lock, so the room cannot
// be dropped (and the change lost) before the command is applied.
func (s *Server) adminRoom(id string) *room {
	for {
		s.mu.Lock()
		if r := s.rooms[id]; r != nil {
			r.mu.Lock()
			if !r.emptySince.IsZero() {
				r.emptySince = s.now()
			}
			r.mu.Unlock()
			s.mu.Unlock()
			return r
		}
		s.mu.Unlock()
		saved, done, ok := s.loadNewRoom(id) // no lock held while the store is read
		if !ok {
			continue // loaded by another: look again
		}
		s.mu.Lock()
		if s.rooms[id] != nil {
			s.mu.Unlock()
			done()
			continue // created meanwhile: use it
		}
		r := newRoom(id, s)
		saved.restore(r)
		if !s.mayCreateLocked(id) {
			// Destroyed since the command's check: the change is lost
			// with the room, like any change just before a destroy.
			r.dead = true
		} else {
			s.rooms[id] = r
			s.m.rooms.Inc()
		}
		s.mu.Unlock()
		done()
		return r
	}
}
