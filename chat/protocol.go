package chat

import (
	"encoding/json"
	"fmt"
)

// request is any client→server frame; Type says which fields matter.
type request struct {
	Type string `json:"type"`
	// ID is the client's correlation id, echoed verbatim in the reply.
	ID json.RawMessage `json:"id,omitempty"`

	UserID  string `json:"user_id,omitempty"`
	UserSig string `json:"user_sig,omitempty"`
	Room    string `json:"room,omitempty"`

	Kind        string    `json:"kind,omitempty"`
	Priority    *Priority `json:"priority,omitempty"`
	Text        string    `json:"text,omitempty"`
	Data        string    `json:"data,omitempty"`
	Description string    `json:"description,omitempty"`
	Extension   string    `json:"extension,omitempty"`

	Count int `json:"count,omitempty"`

	Nick   *string `json:"nick,omitempty"`
	Avatar *string `json:"avatar,omitempty"`
	Level  *int    `json:"level,omitempty"`

	Attrs map[string]*string `json:"attrs,omitempty"`

	// DurationS is a mute's or a kick's ban length in seconds.
	DurationS int64  `json:"duration_s,omitempty"`
	Reason    string `json:"reason,omitempty"`
	Muted     *bool  `json:"muted,omitempty"`
}

// Message kinds.
const (
	KindText   = "text"
	KindCustom = "custom"
	KindNotice = "notice"
)

// Message is a delivered room message, as broadcast and kept in history.
type Message struct {
	Type        string   `json:"type"` // always "message"
	Room        string   `json:"room"`
	Seq         uint64   `json:"seq"`
	Kind        string   `json:"kind"`
	Text        string   `json:"text,omitempty"`
	Data        string   `json:"data,omitempty"`
	Description string   `json:"description,omitempty"`
	Extension   string   `json:"extension,omitempty"`
	From        string   `json:"from"`
	Nick        string   `json:"nick"`
	Avatar      string   `json:"avatar"`
	Level       int      `json:"level"`
	Time        int64    `json:"time"`
	Priority    Priority `json:"priority"`
	MediaTimeMS *int64   `json:"media_time_ms,omitempty"`
}

// Profile is what messages and tips show about their sender.
type Profile struct {
	Nick   string `json:"nick"`
	Avatar string `json:"avatar"`
	Level  int    `json:"level"`
}

// Limits tells a client what the server enforces.
type Limits struct {
	MaxMessageBytes int     `json:"max_message_bytes"`
	SendRate        float64 `json:"send_rate"`
	SendBurst       int     `json:"send_burst"`
	RoomRate        float64 `json:"room_rate"`
}

type readyFrame struct {
	Type    string          `json:"type"` // "ready"
	ID      json.RawMessage `json:"id,omitempty"`
	UserID  string          `json:"user_id,omitempty"`
	Guest   bool            `json:"guest"`
	Admin   bool            `json:"admin"`
	Profile *Profile        `json:"profile,omitempty"`
	Time    int64           `json:"time"`
	Limits  Limits          `json:"limits"`
}

// UserRef names a user in tips and like frames.
type UserRef struct {
	UserID string `json:"user_id"`
	Nick   string `json:"nick"`
	Avatar string `json:"avatar"`
}

type likesInfo struct {
	Total  int64     `json:"total"`
	Recent []UserRef `json:"recent"`
}

type joinedFrame struct {
	Type    string            `json:"type"` // "joined"
	ID      json.RawMessage   `json:"id,omitempty"`
	Room    string            `json:"room"`
	Seq     uint64            `json:"seq"`
	Online  int               `json:"online"`
	Attrs   map[string]string `json:"attrs"`
	Likes   likesInfo         `json:"likes"`
	History []json.RawMessage `json:"history"`
	Time    int64             `json:"time"`
}

type likesFrame struct {
	Type        string    `json:"type"` // "likes"
	Room        string    `json:"room"`
	Total       int64     `json:"total"`
	Delta       int64     `json:"delta"`
	Recent      []UserRef `json:"recent"`
	Time        int64     `json:"time"`
	MediaTimeMS *int64    `json:"media_time_ms,omitempty"`
}

type onlineFrame struct {
	Type   string `json:"type"` // "online"
	Room   string `json:"room"`
	Online int    `json:"online"`
	Time   int64  `json:"time"`
}

// Tip kinds.
const (
	TipJoin  = "join"
	TipLeave = "leave"
	TipAttrs = "attrs"
)

type tipFrame struct {
	Type string `json:"type"` // "tip"
	Room string `json:"room"`
	Kind string `json:"kind"`
	// Users are the members who joined or left (a sample when aggregated);
	// Count is how many did.
	Users       []UserRef `json:"users"`
	Count       int       `json:"count"`
	Time        int64     `json:"time"`
	MediaTimeMS *int64    `json:"media_time_ms,omitempty"`
}

// attrsTipFrame is the tip for changed room attributes.
type attrsTipFrame struct {
	Type string `json:"type"` // "tip"
	Room string `json:"room"`
	Kind string `json:"kind"` // "attrs"
	// Attrs are all current attributes; Changed the keys set or removed.
	Attrs       map[string]string `json:"attrs"`
	Changed     []string          `json:"changed"`
	From        string            `json:"from"`
	Nick        string            `json:"nick"`
	Time        int64             `json:"time"`
	MediaTimeMS *int64            `json:"media_time_ms,omitempty"`
}

type errorFrame struct {
	Type         string          `json:"type"` // "error"
	ID           json.RawMessage `json:"id,omitempty"`
	Code         string          `json:"code"`
	Message      string          `json:"message"`
	RetryAfterMS int64           `json:"retry_after_ms,omitempty"`
	Priority     *Priority       `json:"priority,omitempty"`
	RemainingMS  int64           `json:"remaining_ms,omitempty"`
}

type ackFrame struct {
	Type        string          `json:"type"` // "ack"
	ID          json.RawMessage `json:"id,omitempty"`
	Seq         uint64          `json:"seq,omitempty"`
	Time        int64           `json:"time"`
	MediaTimeMS *int64          `json:"media_time_ms,omitempty"`
	LikesTotal  *int64          `json:"likes_total,omitempty"`
}

// encode marshals a frame the server built itself; a failure is a bug.
func encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("chat: encode %T: %v", v, err))
	}
	return b
}
