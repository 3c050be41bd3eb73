package live

import (
	"net/http"
	"time"
)

// Chat moderation for the console: mute, kick and unban in a room's chat as
// the administrator (the room mute is closeComment, in /settings).

type modReq struct {
	Username   *string `json:"username"`
	Seconds    *int64  `json:"seconds"`
	BanSeconds int64   `json:"banSeconds"`
	Reason     string  `json:"reason"`
}

func (c *restCall) moderation(rs *Rooms) (string, modReq, *Error) {
	var in modReq
	id, e := c.id("id")
	if e != nil {
		return "", in, e
	}
	if rs.chat == nil {
		return "", in, apiErr(http.StatusNotFound, ErrcodeDataFormat, "chat is off (chat.sdk_app_id)")
	}
	if _, e := rs.app(c.app); e != nil {
		return "", in, e
	}
	key := StreamKey(c.app, id)
	if _, ok := rs.entry(key); !ok {
		return "", in, roomNotFound(id)
	}
	if e := c.decode(&in); e != nil {
		return "", in, e
	}
	if in.Username == nil {
		return "", in, badField("username is required")
	}
	return key, in, nil
}

// chatErr: the room exists (checked first), so a refusal is the input's.
func chatErr(err error) error { return badField("%v", err) }

// restMute: {username, seconds} (0 unmutes).
func restMute(rs *Rooms, c *restCall) (map[string]any, error) {
	key, in, e := c.moderation(rs)
	if e != nil {
		return nil, e
	}
	if in.Seconds == nil {
		return nil, badField("seconds (0 unmutes) is required")
	}
	if err := rs.chat.Mute(key, *in.Username, time.Duration(*in.Seconds)*time.Second); err != nil {
		return nil, chatErr(err)
	}
	return nil, nil
}

// restKick: {username, banSeconds, reason}.
func restKick(rs *Rooms, c *restCall) (map[string]any, error) {
	key, in, e := c.moderation(rs)
	if e != nil {
		return nil, e
	}
	n, err := rs.chat.Kick(key, *in.Username, time.Duration(in.BanSeconds)*time.Second, in.Reason)
	if err != nil {
		return nil, chatErr(err)
	}
	return map[string]any{"kicked": n}, nil
}

// restUnban: {username}; answers whether there was a ban.
func restUnban(rs *Rooms, c *restCall) (map[string]any, error) {
	key, in, e := c.moderation(rs)
	if e != nil {
		return nil, e
	}
	was, err := rs.chat.Unban(key, *in.Username)
	if err != nil {
		return nil, chatErr(err)
	}
	return map[string]any{"wasBanned": was}, nil
}
