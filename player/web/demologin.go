package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"unicode"
)

// demoLoginRequest is the body of POST /web/demo-login.
type demoLoginRequest struct {
	UserID string `json:"userID"`
}

// serveDemoLogin issues a UserSig for the typed user ID when web.demo_login
// is on: a stand-in for the integrator's backend, so the demo page can chat.
func (h *Handler) serveDemoLogin(w http.ResponseWriter, r *http.Request) {
	if !h.cfg.DemoLogin || h.opts.IssueUserSig == nil {
		h.metrics.demoLogins.WithLabelValues("disabled").Inc()
		writeJSONError(w, http.StatusNotFound, "demo_login_off", "demo login is off (web.demo_login): get a UserSig from the site's backend")
		return
	}
	var req demoLoginRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil {
		h.metrics.demoLogins.WithLabelValues("bad_request").Inc()
		writeJSONError(w, http.StatusBadRequest, "bad_request", "body must be JSON {\"userID\":\"...\"}")
		return
	}
	if !validUserID(req.UserID) {
		h.metrics.demoLogins.WithLabelValues("bad_request").Inc()
		writeJSONError(w, http.StatusBadRequest, "bad_request", "userID: 1 to 32 bytes without spaces or control characters")
		return
	}
	sig, err := h.opts.IssueUserSig(req.UserID, h.cfg.DemoLoginTTL)
	if err != nil {
		h.metrics.demoLogins.WithLabelValues("error").Inc()
		h.log.Warn("demo login: cannot make a UserSig", "err", err)
		writeJSONError(w, http.StatusInternalServerError, "internal", "cannot make a UserSig")
		return
	}
	h.metrics.demoLogins.WithLabelValues("ok").Inc()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(map[string]any{"userID": req.UserID, "userSig": sig, "SDKAppID": h.opts.SDKAppID,
		"expiresIn": int(h.cfg.DemoLoginTTL.Seconds())})
}

// validUserID follows chat's rule: 1 to 32 bytes, no spaces or controls.
func validUserID(id string) bool {
	if id == "" || len(id) > 32 {
		return false
	}
	return !strings.ContainsFunc(id, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar })
}

func writeJSONError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": code, "message": msg})
}
