package live

import (
	"context"
	"errors"
	"net/http"

	"livestudio/internal/store"
)

// Roles: 1 admin, 2 anchor, 3 operator. Any role makes the user an admin
// of every room's chat in the app.

func checkRole(role int) *Error {
	if role < 1 || role > 3 {
		return badField("role must be 1 (admin), 2 (anchor) or 3 (operator)")
	}
	return nil
}

func (rs *Rooms) rolesChanged(ctx context.Context, appID string) {
	roles, _, err := rs.st.Roles(ctx, appID, -1, "", 0, 1<<30)
	if err != nil {
		rs.log.Warn("roles not reloaded", "app", appID, "err", err)
		return
	}
	rs.mu.Lock()
	rs.roles[appID] = roleUsers(roles)
	rs.mu.Unlock()
	rs.applyChatApp(appID)
}

// AddRole gives a user a role.
func (rs *Rooms) AddRole(ctx context.Context, appID, username string, role int) error {
	if _, e := rs.app(appID); e != nil {
		return e
	}
	if e := checkWechat("username", username, ErrcodeDataFormat); e != nil {
		return e
	}
	if e := checkRole(role); e != nil {
		return e
	}
	err := rs.st.PutRole(ctx, store.Role{AppID: appID, Username: username, Role: role, UpdatedAt: rs.now().Unix()})
	if errors.Is(err, store.ErrExists) {
		return apiErr(http.StatusConflict, ErrcodeAssistantExists, "%q already has role %d", username, role)
	} else if err != nil {
		return systemErr(err)
	}
	rs.rolesChanged(ctx, appID)
	return nil
}

// DeleteRole takes a role away.
func (rs *Rooms) DeleteRole(ctx context.Context, appID, username string, role int) error {
	if _, e := rs.app(appID); e != nil {
		return e
	}
	if e := checkRole(role); e != nil {
		return e
	}
	err := rs.st.DeleteRole(ctx, appID, username, role)
	if errors.Is(err, store.ErrNotFound) {
		return apiErr(http.StatusNotFound, ErrcodeUserNotFound, "%q does not have role %d", username, role)
	} else if err != nil {
		return systemErr(err)
	}
	rs.rolesChanged(ctx, appID)
	return nil
}

// Roles lists role grants (role -1: all; keyword: usernames containing it).
func (rs *Rooms) Roles(ctx context.Context, appID string, role int, keyword string, offset, limit int) ([]store.Role, int, error) {
	if _, e := rs.app(appID); e != nil {
		return nil, 0, e
	}
	if role != -1 {
		if e := checkRole(role); e != nil {
			return nil, 0, e
		}
	}
	if len(keyword) > 64 {
		return nil, 0, badField("keyword must be at most 64 bytes")
	}
	list, total, err := rs.st.Roles(ctx, appID, role, keyword, offset, limit)
	if err != nil {
		return nil, 0, systemErr(err)
	}
	return list, total, nil
}
