package chat

// adminInRoom returns the admin sending a moderation request from a room.
func (c *client) adminInRoom() (*user, *reqError) {
	u, e := c.sender()
	if e != nil {
		return nil, e
	}
	if !c.room.isAdmin(u) {
		return nil, errorf(CodeForbidden, "only admins moderate")
	}
	return u, nil
}

// mute handles mute (user_id, duration_s > 0) and unmute (user_id) in the
// admin's room.
func (c *client) mute(req *request) *reqError {
	u, e := c.adminInRoom()
	if e != nil {
		return e
	}
	if e := c.s.checkTarget(req.UserID); e != nil {
		return e
	}
	d, e := checkDuration(req.DurationS)
	if e != nil {
		return e
	}
	if req.Type == "mute" && d == 0 {
		return errorf(CodeBadRequest, "mute needs duration_s > 0 (unmute to lift a mute)")
	}
	if req.Type == "unmute" {
		d = 0
	}
	c.room.mute(u.id, req.UserID, d)
	c.ack(req, ackFrame{})
	return nil
}

// kick removes user_id's connections from the admin's room and bans the
// user for duration_s (0: no ban).
func (c *client) kick(req *request) *reqError {
	u, e := c.adminInRoom()
	if e != nil {
		return e
	}
	if e := c.s.checkTarget(req.UserID); e != nil {
		return e
	}
	d, e := checkDuration(req.DurationS)
	if e != nil {
		return e
	}
	if len(req.Reason) > maxReasonBytes {
		return errorf(CodeTooLarge, "reason must be at most %d bytes", maxReasonBytes)
	}
	c.room.kick(u.id, req.UserID, d, req.Reason)
	c.ack(req, ackFrame{})
	return nil
}

// unban lifts user_id's ban from the admin's room.
func (c *client) unban(req *request) *reqError {
	if _, e := c.adminInRoom(); e != nil {
		return e
	}
	if e := c.s.checkTarget(req.UserID); e != nil {
		return e
	}
	c.room.unban(req.UserID)
	c.ack(req, ackFrame{})
	return nil
}

// maxReasonBytes bounds a kick's reason.
const maxReasonBytes = 256

// muteRoom mutes ("muted": true) or unmutes the whole room but admins.
func (c *client) muteRoom(req *request) *reqError {
	u, e := c.adminInRoom()
	if e != nil {
		return e
	}
	if req.Muted == nil {
		return errorf(CodeBadRequest, "muted (true or false) is required")
	}
	c.room.setMuted(u.id, *req.Muted)
	c.ack(req, ackFrame{})
	return nil
}
