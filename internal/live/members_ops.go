package live

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"livestudio/internal/store"
)

// maxAssistants is how many assistants a room may have.
const maxAssistants = 20

// Assistant is a room assistant (addassistant's users).
type Assistant struct {
	Username string `json:"username"`
	Nickname string `json:"nickname"`
}

// roomMembers changes a room's members under the cache lock, then refreshes
// the room's chat admins.
func (rs *Rooms) roomMembers(ctx context.Context, appID string, roomID int64, f func() *Error) error {
	if _, e := rs.app(appID); e != nil {
		return e
	}
	key := StreamKey(appID, roomID)
	rs.mu.Lock()
	e := rs.rooms[key]
	if e == nil {
		rs.mu.Unlock()
		return roomNotFound(roomID)
	}
	if ae := f(); ae != nil {
		rs.mu.Unlock()
		return ae
	}
	names, err := rs.memberNames(ctx, appID, roomID)
	if err == nil {
		e.members = names
	}
	rs.mu.Unlock()
	rs.applyChat(key)
	return nil
}

// AddAssistants adds assistants (all or none): they moderate the room's
// chat and push product cards.
func (rs *Rooms) AddAssistants(ctx context.Context, appID string, roomID int64, users []Assistant) error {
	if len(users) == 0 {
		return badField("users must list at least one assistant")
	}
	for _, u := range users {
		if e := checkWechat("username", u.Username, ErrcodeDataFormat); e != nil {
			return e
		}
		if e := checkText("nickname", u.Nickname, 0, 64, ErrcodeDataFormat); e != nil {
			return e
		}
	}
	return rs.roomMembers(ctx, appID, roomID, func() *Error {
		have, err := rs.st.Members(ctx, appID, roomID, store.KindAssistant)
		if err != nil {
			return systemErr(err)
		}
		for _, u := range users {
			if slices.ContainsFunc(have, func(m store.Member) bool { return m.Username == u.Username }) {
				return apiErr(http.StatusConflict, ErrcodeAssistantExists, "%q is already an assistant of room %d", u.Username, roomID)
			}
		}
		if len(have)+len(users) > maxAssistants {
			return apiErr(http.StatusConflict, ErrcodeTooManyAssist, "a room has at most %d assistants", maxAssistants)
		}
		for _, u := range users {
			if err := rs.st.PutMember(ctx, store.Member{AppID: appID, RoomID: roomID, Kind: store.KindAssistant,
				Username: u.Username, Nickname: u.Nickname, CreatedAt: rs.now().Unix()}); err != nil {
				return systemErr(err)
			}
		}
		return nil
	})
}

// ModifyAssistant changes an assistant's nickname.
func (rs *Rooms) ModifyAssistant(ctx context.Context, appID string, roomID int64, username, nickname string) error {
	if e := checkText("nickname", nickname, 0, 64, ErrcodeDataFormat); e != nil {
		return e
	}
	return rs.roomMembers(ctx, appID, roomID, func() *Error {
		have, err := rs.st.Members(ctx, appID, roomID, store.KindAssistant)
		if err != nil {
			return systemErr(err)
		}
		i := slices.IndexFunc(have, func(m store.Member) bool { return m.Username == username })
		if i < 0 {
			return apiErr(http.StatusNotFound, ErrcodeUserNotFound, "%q is not an assistant of room %d", username, roomID)
		}
		m := have[i]
		m.Nickname = nickname
		if err := rs.st.PutMember(ctx, m); err != nil {
			return systemErr(err)
		}
		return nil
	})
}

// RemoveAssistant removes an assistant.
func (rs *Rooms) RemoveAssistant(ctx context.Context, appID string, roomID int64, username string) error {
	return rs.roomMembers(ctx, appID, roomID, func() *Error {
		err := rs.st.DeleteMember(ctx, appID, roomID, store.KindAssistant, username)
		if errors.Is(err, store.ErrNotFound) {
			return apiErr(http.StatusNotFound, ErrcodeUserNotFound, "%q is not an assistant of room %d", username, roomID)
		} else if err != nil {
			return systemErr(err)
		}
		return nil
	})
}

// Assistants lists a room's assistants.
func (rs *Rooms) Assistants(ctx context.Context, appID string, roomID int64) ([]store.Member, error) {
	var out []store.Member
	err := rs.roomMembers(ctx, appID, roomID, func() *Error {
		var err error
		if out, err = rs.st.Members(ctx, appID, roomID, store.KindAssistant); err != nil {
			return systemErr(err)
		}
		return nil
	})
	return out, err
}

// SetSubAnchor sets the room's sub-anchor: add refuses when there is one,
// modify when there is none.
func (rs *Rooms) SetSubAnchor(ctx context.Context, appID string, roomID int64, username string, modify bool) error {
	if e := checkWechat("username", username, ErrcodeSubAnchorWechat); e != nil {
		return e
	}
	return rs.roomMembers(ctx, appID, roomID, func() *Error {
		have, err := rs.st.Members(ctx, appID, roomID, store.KindSubAnchor)
		if err != nil {
			return systemErr(err)
		}
		switch {
		case !modify && len(have) > 0:
			return apiErr(http.StatusConflict, ErrcodeSubAnchorExists, "room %d already has a sub-anchor", roomID)
		case modify && len(have) == 0:
			return apiErr(http.StatusNotFound, ErrcodeNoSubAnchor, "room %d has no sub-anchor", roomID)
		}
		for _, m := range have {
			rs.st.DeleteMember(ctx, appID, roomID, store.KindSubAnchor, m.Username)
		}
		return rs.saveSubAnchor(ctx, appID, roomID, username)
	})
}

func (rs *Rooms) saveSubAnchor(ctx context.Context, appID string, roomID int64, username string) *Error {
	if username != "" {
		if err := rs.st.PutMember(ctx, store.Member{AppID: appID, RoomID: roomID, Kind: store.KindSubAnchor,
			Username: username, CreatedAt: rs.now().Unix()}); err != nil {
			return systemErr(err)
		}
	}
	e := rs.rooms[StreamKey(appID, roomID)]
	r := e.r
	r.SubAnchorWechat = username
	if err := rs.st.UpdateRoom(ctx, r); err != nil {
		return systemErr(err)
	}
	e.r = r
	return nil
}

// DeleteSubAnchor removes the room's sub-anchor.
func (rs *Rooms) DeleteSubAnchor(ctx context.Context, appID string, roomID int64) error {
	return rs.roomMembers(ctx, appID, roomID, func() *Error {
		have, err := rs.st.Members(ctx, appID, roomID, store.KindSubAnchor)
		if err != nil {
			return systemErr(err)
		}
		if len(have) == 0 {
			return apiErr(http.StatusNotFound, ErrcodeNoSubAnchor, "room %d has no sub-anchor", roomID)
		}
		for _, m := range have {
			rs.st.DeleteMember(ctx, appID, roomID, store.KindSubAnchor, m.Username)
		}
		return rs.saveSubAnchor(ctx, appID, roomID, "")
	})
}

// SubAnchor returns the room's sub-anchor ("" for none).
func (rs *Rooms) SubAnchor(ctx context.Context, appID string, roomID int64) (string, error) {
	if _, e := rs.app(appID); e != nil {
		return "", e
	}
	e, ok := rs.entry(StreamKey(appID, roomID))
	if !ok {
		return "", roomNotFound(roomID)
	}
	if e.r.SubAnchorWechat == "" {
		return "", apiErr(http.StatusNotFound, ErrcodeNoSubAnchor, "room %d has no sub-anchor", roomID)
	}
	return e.r.SubAnchorWechat, nil
}
