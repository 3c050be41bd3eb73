package live

import (
	"net/http"
	"net/url"
)

// The WeChat-compatible face: the paths WxJava's WxMaLiveService,
// WxMaLiveGoodsService and WxMaLiveMemberService call (docs/api.md lists
// them), with ?access_token=, WeChat's field names, and errcode/errmsg
// answers (HTTP 200, as WeChat). Parameters of GET calls are read from the
// query; POST bodies are JSON objects.

// wxCall is one WeChat-face request, after the access token is checked.
type wxCall struct {
	app   App
	query url.Values
	body  []byte
}

// decode decodes the JSON body into v.
func (c *wxCall) decode(v any) *Error { return decodeJSON(c.body, v) }

type wxHandler func(s *Service, c *wxCall) (map[string]any, error)

func (s *Service) registerWx(mux *http.ServeMux) {
	routes := map[string]wxHandler{
		"/wxaapi/broadcast/room/create":           wxCreateRoom,
		"/wxa/business/getliveinfo":               wxGetLiveInfo,
		"/wxaapi/broadcast/room/deleteroom":       wxDeleteRoom,
		"/wxaapi/broadcast/room/editroom":         wxEditRoom,
		"/wxaapi/broadcast/room/getsharedcode":    wxGetSharedCode,
		"/wxaapi/broadcast/room/addassistant":     wxAddAssistant,
		"/wxaapi/broadcast/room/modifyassistant":  wxModifyAssistant,
		"/wxaapi/broadcast/room/removeassistant":  wxRemoveAssistant,
		"/wxaapi/broadcast/room/getassistantlist": wxGetAssistantList,
		"/wxaapi/broadcast/room/addsubanchor":     wxAddSubAnchor,
		"/wxaapi/broadcast/room/modifysubanchor":  wxModifySubAnchor,
		"/wxaapi/broadcast/room/deletesubanchor":  wxDeleteSubAnchor,
		"/wxaapi/broadcast/room/getsubanchor":     wxGetSubAnchor,
		"/wxaapi/broadcast/room/updatefeedpublic": wxUpdateFlag("isFeedsPublic"),
		"/wxaapi/broadcast/room/updatereplay":     wxUpdateFlag("closeReplay"),
		"/wxaapi/broadcast/room/updatekf":         wxUpdateFlag("closeKf"),
		"/wxaapi/broadcast/room/updatecomment":    wxUpdateFlag("banComment"),
		"/wxaapi/broadcast/room/addgoods":         wxAddRoomGoods,
		"/wxaapi/broadcast/goods/onsale":          wxOnSale,
		"/wxaapi/broadcast/goods/deleteInRoom":    wxDeleteInRoom,
		"/wxaapi/broadcast/goods/push":            wxPush,
		"/wxaapi/broadcast/goods/sort":            wxSort,
		"/wxaapi/broadcast/goods/getVideo":        wxGetVideo,
		"/wxaapi/broadcast/goods/add":             wxAddGoods,
		"/wxaapi/broadcast/goods/update":          wxUpdateGoods,
		"/wxaapi/broadcast/goods/delete":          wxDeleteGoods,
		"/wxaapi/broadcast/goods/audit":           wxAuditGoods,
		"/wxaapi/broadcast/goods/resetaudit":      wxResetAudit,
		"/wxaapi/broadcast/goods/getapproved":     wxGetApproved,
		"/wxa/business/getgoodswarehouse":         wxGetGoodsWarehouse,
		"/wxaapi/broadcast/role/addrole":          wxAddRole,
		"/wxaapi/broadcast/role/deleterole":       wxDeleteRole,
		"/wxaapi/broadcast/role/getrolelist":      wxGetRoleList,
	}
	for path, h := range routes {
		mux.HandleFunc(path, s.wxServe(path, h))
	}
}

// wxServe checks the access token, reads the body and answers h's result
// (errcode 0 added) or its error.
func (s *Service) wxServe(path string, h wxHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		token := q.Get("access_token")
		if token == "" {
			s.rooms.count("wechat", path, ErrcodeMissingToken)
			writeErr(w, ErrcodeMissingToken, "access_token missing")
			return
		}
		a, err := s.checkToken(token)
		switch err {
		case nil:
		case errTokenExpired:
			s.rooms.count("wechat", path, ErrcodeTokenExpired)
			writeErr(w, ErrcodeTokenExpired, "access_token expired")
			return
		default:
			s.rooms.count("wechat", path, ErrcodeInvalidCred)
			writeErr(w, ErrcodeInvalidCred, "invalid credential, access_token is invalid or not latest")
			return
		}
		c := &wxCall{app: a, query: q}
		if r.Method == http.MethodPost {
			var e *Error
			if c.body, e = readBody(w, r); e != nil {
				s.rooms.count("wechat", path, e.Code)
				writeErr(w, e.Code, e.Msg)
				return
			}
		}
		out, err := h(s, c)
		if err != nil {
			e := asAPIError(err)
			s.rooms.count("wechat", path, e.Code)
			if e.Code == ErrcodeSystem {
				s.log.Error("live API failed", "path", path, "err", err)
			}
			writeErr(w, e.Code, e.Msg)
			return
		}
		s.rooms.count("wechat", path, 0)
		if out == nil {
			out = map[string]any{}
		}
		out["errcode"], out["errmsg"] = 0, "ok"
		writeJSON(w, out)
	}
}

// requirePost refuses a call that needs a JSON body without one.
func requirePost(c *wxCall) *Error {
	if c.body == nil {
		return apiErr(http.StatusMethodNotAllowed, ErrcodeMethodNotAllow, "require POST method")
	}
	return nil
}
