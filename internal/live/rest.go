package live

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// The REST face: JSON under /api/v1/apps/{appid}/..., authorised by
// "Authorization: Bearer <rooms.admin_token>". Bodies use the WeChat
// face's field names; answers are {"errcode": 0, ...} or {"errcode",
// "errmsg"} with an HTTP status that says the same (docs/api.md).

type restHandler func(rs *Rooms, c *restCall) (map[string]any, error)

// restCall is one REST request.
type restCall struct {
	r    *http.Request
	app  string
	body []byte
}

func (c *restCall) decode(v any) *Error { return decodeJSON(c.body, v) }

// id reads a positive integer path value.
func (c *restCall) id(name string) (int64, *Error) {
	n, err := strconv.ParseInt(c.r.PathValue(name), 10, 64)
	if err != nil || n <= 0 {
		return 0, apiErr(http.StatusNotFound, ErrcodeDataFormat, "%s in the path must be a positive integer", name)
	}
	return n, nil
}

// RESTHandler serves the REST API (mount it at /api/v1/); nil when
// rooms.admin_token is not set.
func (rs *Rooms) RESTHandler() http.Handler {
	if rs.cfg.AdminToken == "" {
		return nil
	}
	mux := http.NewServeMux()
	for pattern, h := range restRoutes() {
		mux.HandleFunc(pattern, rs.restServe(pattern, h))
	}
	if rs.media != nil {
		rs.registerRESTMedia(mux)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		rs.count("rest", "unknown", ErrcodeDataFormat)
		restError(w, apiErr(http.StatusNotFound, ErrcodeDataFormat, "no such API: %s %s", r.Method, r.URL.Path))
	})
	return mux
}

func restError(w http.ResponseWriter, e *Error) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(apiError{Errcode: e.Code, Errmsg: e.Msg})
}

// authorized checks the bearer token.
func (rs *Rooms) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(tok), []byte(rs.cfg.AdminToken)) == 1
}

func (rs *Rooms) restServe(pattern string, h restHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !rs.authorized(r) {
			rs.count("rest", pattern, ErrcodeInvalidCred)
			restError(w, apiErr(http.StatusUnauthorized, ErrcodeInvalidCred, "missing or wrong bearer token (rooms.admin_token)"))
			return
		}
		c := &restCall{r: r, app: r.PathValue("app")}
		if r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch {
			var e *Error
			if c.body, e = readBody(w, r); e != nil {
				rs.count("rest", pattern, e.Code)
				restError(w, e)
				return
			}
		}
		out, err := h(rs, c)
		if err != nil {
			e := asAPIError(err)
			rs.count("rest", pattern, e.Code)
			if e.Code == ErrcodeSystem {
				rs.log.Error("live REST API failed", "pattern", pattern, "err", err)
			}
			restError(w, e)
			return
		}
		rs.count("rest", pattern, 0)
		if out == nil {
			out = map[string]any{}
		}
		out["errcode"] = 0
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		json.NewEncoder(w).Encode(out)
	}
}
