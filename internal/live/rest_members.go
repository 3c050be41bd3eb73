package live

import (
	"strconv"
)

func restAssistants(rs *Rooms, c *restCall) (map[string]any, error) {
	id, e := c.id("id")
	if e != nil {
		return nil, e
	}
	list, err := rs.Assistants(c.r.Context(), c.app, id)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(list))
	for _, m := range list {
		out = append(out, map[string]any{"username": m.Username, "nickname": m.Nickname, "timestamp": m.CreatedAt})
	}
	return map[string]any{"assistants": out, "maxCount": maxAssistants}, nil
}

// restAddAssistants: {users: [{username, nickname}]}.
func restAddAssistants(rs *Rooms, c *restCall) (map[string]any, error) {
	id, e := c.id("id")
	if e != nil {
		return nil, e
	}
	var in struct {
		Users []Assistant `json:"users"`
	}
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	return nil, rs.AddAssistants(c.r.Context(), c.app, id, in.Users)
}

// restModifyAssistant: {nickname}.
func restModifyAssistant(rs *Rooms, c *restCall) (map[string]any, error) {
	id, e := c.id("id")
	if e != nil {
		return nil, e
	}
	var in struct {
		Nickname *string `json:"nickname"`
	}
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	if in.Nickname == nil {
		return nil, badField("nickname is required")
	}
	return nil, rs.ModifyAssistant(c.r.Context(), c.app, id, c.r.PathValue("user"), *in.Nickname)
}

func restRemoveAssistant(rs *Rooms, c *restCall) (map[string]any, error) {
	id, e := c.id("id")
	if e != nil {
		return nil, e
	}
	return nil, rs.RemoveAssistant(c.r.Context(), c.app, id, c.r.PathValue("user"))
}

func restGetSubAnchor(rs *Rooms, c *restCall) (map[string]any, error) {
	id, e := c.id("id")
	if e != nil {
		return nil, e
	}
	u, err := rs.SubAnchor(c.r.Context(), c.app, id)
	if err != nil {
		return nil, err
	}
	return map[string]any{"username": u}, nil
}

// restSetSubAnchor: {username}; sets or replaces the sub-anchor.
func restSetSubAnchor(rs *Rooms, c *restCall) (map[string]any, error) {
	id, e := c.id("id")
	if e != nil {
		return nil, e
	}
	var in struct {
		Username *string `json:"username"`
	}
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	if in.Username == nil {
		return nil, badField("username is required")
	}
	_, has := rs.SubAnchor(c.r.Context(), c.app, id)
	return nil, rs.SetSubAnchor(c.r.Context(), c.app, id, *in.Username, has == nil)
}

func restDeleteSubAnchor(rs *Rooms, c *restCall) (map[string]any, error) {
	id, e := c.id("id")
	if e != nil {
		return nil, e
	}
	return nil, rs.DeleteSubAnchor(c.r.Context(), c.app, id)
}

func restListRoles(rs *Rooms, c *restCall) (map[string]any, error) {
	offset, limit, e := paging(c)
	if e != nil {
		return nil, e
	}
	role, e := queryInt(c.r.URL.Query(), "role", -1, -1, 3)
	if e != nil {
		return nil, e
	}
	list, total, err := rs.Roles(c.r.Context(), c.app, role, c.r.URL.Query().Get("keyword"), offset, limit)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(list))
	for _, r := range list {
		out = append(out, map[string]any{"username": r.Username, "role": r.Role, "updateTimestamp": r.UpdatedAt})
	}
	return map[string]any{"roles": out, "total": total}, nil
}

// restAddRole: {username, role}.
func restAddRole(rs *Rooms, c *restCall) (map[string]any, error) {
	var in struct {
		Username *string `json:"username"`
		Role     *int    `json:"role"`
	}
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	if in.Username == nil || in.Role == nil {
		return nil, badField("username and role are required")
	}
	return nil, rs.AddRole(c.r.Context(), c.app, *in.Username, *in.Role)
}

func restDeleteRole(rs *Rooms, c *restCall) (map[string]any, error) {
	role, err := strconv.Atoi(c.r.PathValue("role"))
	if err != nil {
		return nil, badField("role in the path must be 1, 2 or 3")
	}
	return nil, rs.DeleteRole(c.r.Context(), c.app, c.r.PathValue("user"), role)
}
