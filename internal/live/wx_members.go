package live

import (
	"context"
)

func wxAddAssistant(s *Service, c *wxCall) (map[string]any, error) {
	if e := requirePost(c); e != nil {
		return nil, e
	}
	var in struct {
		RoomID *ID          `json:"roomId"`
		Users  []*Assistant `json:"users"`
	}
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	if in.RoomID == nil {
		return nil, badField("roomId is required")
	}
	users := make([]Assistant, 0, len(in.Users))
	for _, u := range in.Users {
		if u == nil {
			return nil, badField("users must be objects {username, nickname}")
		}
		users = append(users, *u)
	}
	return nil, s.rooms.AddAssistants(context.Background(), c.app.AppID, int64(*in.RoomID), users)
}

// memberReq is {roomId, username, nickname}.
type memberReq struct {
	RoomID   *ID     `json:"roomId"`
	Username *string `json:"username"`
	Nickname *string `json:"nickname"`
}

func (c *wxCall) member(needUser bool) (memberReq, *Error) {
	var in memberReq
	if e := requirePost(c); e != nil {
		return in, e
	}
	if e := c.decode(&in); e != nil {
		return in, e
	}
	if in.RoomID == nil {
		return in, badField("roomId is required")
	}
	if needUser && (in.Username == nil || *in.Username == "") {
		return in, badField("username is required")
	}
	return in, nil
}

func wxModifyAssistant(s *Service, c *wxCall) (map[string]any, error) {
	in, e := c.member(true)
	if e != nil {
		return nil, e
	}
	if in.Nickname == nil {
		return nil, badField("nickname is required")
	}
	return nil, s.rooms.ModifyAssistant(context.Background(), c.app.AppID, int64(*in.RoomID), *in.Username, *in.Nickname)
}

func wxRemoveAssistant(s *Service, c *wxCall) (map[string]any, error) {
	in, e := c.member(true)
	if e != nil {
		return nil, e
	}
	return nil, s.rooms.RemoveAssistant(context.Background(), c.app.AppID, int64(*in.RoomID), *in.Username)
}

func wxGetAssistantList(s *Service, c *wxCall) (map[string]any, error) {
	id, e := c.roomParam()
	if e != nil {
		return nil, e
	}
	list, err := s.rooms.Assistants(context.Background(), c.app.AppID, id)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(list))
	for _, m := range list {
		out = append(out, map[string]any{"timestamp": m.CreatedAt, "headimg": "", "nickname": m.Nickname,
			"alias": m.Username, "openid": m.Username, "username": m.Username})
	}
	return map[string]any{"list": out, "count": len(out), "maxCount": maxAssistants}, nil
}

func wxAddSubAnchor(s *Service, c *wxCall) (map[string]any, error) {
	in, e := c.member(true)
	if e != nil {
		return nil, e
	}
	return nil, s.rooms.SetSubAnchor(context.Background(), c.app.AppID, int64(*in.RoomID), *in.Username, false)
}

func wxModifySubAnchor(s *Service, c *wxCall) (map[string]any, error) {
	in, e := c.member(true)
	if e != nil {
		return nil, e
	}
	return nil, s.rooms.SetSubAnchor(context.Background(), c.app.AppID, int64(*in.RoomID), *in.Username, true)
}

func wxDeleteSubAnchor(s *Service, c *wxCall) (map[string]any, error) {
	in, e := c.member(false)
	if e != nil {
		return nil, e
	}
	return nil, s.rooms.DeleteSubAnchor(context.Background(), c.app.AppID, int64(*in.RoomID))
}

func wxGetSubAnchor(s *Service, c *wxCall) (map[string]any, error) {
	id, e := c.roomParam()
	if e != nil {
		return nil, e
	}
	u, err := s.rooms.SubAnchor(context.Background(), c.app.AppID, id)
	if err != nil {
		return nil, err
	}
	return map[string]any{"username": u}, nil
}

// roleReq is addrole and deleterole's {username, role}.
type roleReq struct {
	Username *string `json:"username"`
	Role     *int    `json:"role"`
}

func (c *wxCall) role() (roleReq, *Error) {
	var in roleReq
	if e := requirePost(c); e != nil {
		return in, e
	}
	if e := c.decode(&in); e != nil {
		return in, e
	}
	if in.Username == nil || in.Role == nil {
		return in, badField("username and role are required")
	}
	return in, nil
}

func wxAddRole(s *Service, c *wxCall) (map[string]any, error) {
	in, e := c.role()
	if e != nil {
		return nil, e
	}
	return nil, s.rooms.AddRole(context.Background(), c.app.AppID, *in.Username, *in.Role)
}

func wxDeleteRole(s *Service, c *wxCall) (map[string]any, error) {
	in, e := c.role()
	if e != nil {
		return nil, e
	}
	return nil, s.rooms.DeleteRole(context.Background(), c.app.AppID, *in.Username, *in.Role)
}

// wxGetRoleList: GET ?role=&offset=&limit=&keyword= (role -1: all); one
// entry per user with its roleList.
func wxGetRoleList(s *Service, c *wxCall) (map[string]any, error) {
	role, e := queryInt(c.query, "role", -1, -1, 3)
	if e != nil {
		return nil, e
	}
	offset, e := queryInt(c.query, "offset", 0, 0, 1<<30)
	if e != nil {
		return nil, e
	}
	limit, e := queryInt(c.query, "limit", 30, 1, 100)
	if e != nil {
		return nil, e
	}
	list, total, err := s.rooms.Roles(context.Background(), c.app.AppID, role, c.query.Get("keyword"), offset, limit)
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	byUser := map[string]map[string]any{}
	for _, r := range list {
		u := byUser[r.Username]
		if u == nil {
			u = map[string]any{"username": r.Username, "openid": r.Username, "nickname": r.Username, "headingimg": "",
				"roleList": []int{}, "updateTimestamp": r.UpdatedAt}
			byUser[r.Username] = u
			out = append(out, u)
		}
		u["roleList"] = append(u["roleList"].([]int), r.Role)
	}
	if out == nil {
		out = []map[string]any{}
	}
	return map[string]any{"list": out, "total": total}, nil
}
