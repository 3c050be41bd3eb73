package chat

import (
	"errors"
	"unicode/utf8"
)

// Profile field bounds.
const (
	maxNickBytes   = 64
	maxAvatarBytes = 512
	maxIDBytes     = 64
	maxLikeCount   = 100
)

// handle runs one request on the read pump and sends its one reply: ready
// (login), joined (join), ack, or error.
func (c *client) handle(req *request) {
	if len(req.ID) > maxIDBytes {
		c.fail(nil, errorf(CodeBadRequest, "id longer than %d bytes", maxIDBytes))
		return
	}
	u := c.user.Load()
	if (u == nil || !u.admin) && req.Type != "leave" {
		if r := c.limiter.Reserve(); r.Delay() > 0 {
			r.Cancel()
			e := errorf(CodeRateLimited, "more than %g requests per second", c.s.cfg.ConnSendRate)
			e.retryAfterMS = max(r.Delay().Milliseconds(), 1)
			c.fail(req.ID, e)
			return
		}
	}
	var err *reqError
	switch req.Type {
	case "login":
		err = c.login(req)
	case "join":
		if e := checkRoomID(req.Room); e != nil {
			err = errorf(CodeBadRequest, "%v", e)
			break
		}
		err = c.join(req.Room, req.ID)
	case "leave":
		c.leave()
		c.ack(req, ackFrame{})
	case "send":
		err = c.send(req)
	case "notice":
		err = c.notice(req)
	case "like":
		err = c.like(req)
	case "set_profile":
		err = c.setProfile(req)
	case "set_attrs":
		err = c.setAttrs(req)
	case "mute", "unmute":
		err = c.mute(req)
	case "kick":
		err = c.kick(req)
	case "unban":
		err = c.unban(req)
	case "mute_room":
		err = c.muteRoom(req)
	default:
		err = errorf(CodeBadRequest, "unknown type %q", req.Type)
	}
	if err != nil {
		c.fail(req.ID, err)
	}
}

func (c *client) ack(req *request, a ackFrame) {
	a.Type, a.ID = "ack", req.ID
	if a.Time == 0 {
		a.Time = c.s.now().UnixMilli()
	}
	c.reply(a)
}

func (c *client) login(req *request) *reqError {
	if u := c.user.Load(); u != nil {
		return errorf(CodeAlreadyLogged, "already logged in as %q", u.id)
	}
	if err := checkUserID(req.UserID); err != nil {
		return errorf(CodeBadRequest, "user_id: %v", err)
	}
	switch err := c.s.verifier.verify(req.UserID, req.UserSig); {
	case errors.Is(err, ErrUserSigExpired):
		c.s.m.authFailures.WithLabelValues("expired").Inc()
		return errorf(CodeUserSigExpired, "%v", err)
	case err != nil:
		c.s.m.authFailures.WithLabelValues("bad_sig").Inc()
		return errorf(CodeBadUserSig, "%v", err)
	}
	u, _ := c.s.loadedUser(req.UserID) // a failed read: an empty profile, for now
	c.user.Store(u)
	c.reply(c.readyFrame(req.ID))
	return nil
}

// sender returns the logged-in user in a room, or the reason there is none.
func (c *client) sender() (*user, *reqError) {
	u := c.user.Load()
	if u == nil {
		return nil, errorf(CodeNotLoggedIn, "guests only receive; log in first")
	}
	if c.room == nil {
		return nil, errorf(CodeNotInRoom, "join a room first")
	}
	return u, nil
}

func (c *client) send(req *request) *reqError {
	u, e := c.sender()
	if e != nil {
		return e
	}
	m := &Message{Kind: req.Kind}
	switch req.Kind {
	case KindText:
		if req.Text == "" {
			return errorf(CodeBadRequest, "text is empty")
		}
		if len(req.Text) > c.s.cfg.MaxMessageBytes {
			return errorf(CodeTooLarge, "message content is %d bytes, limit %d", len(req.Text), c.s.cfg.MaxMessageBytes)
		}
		text, e := c.s.filterText(req.Text, c.room)
		if e != nil {
			return e
		}
		m.Text = text
	case KindCustom:
		m.Data, m.Description, m.Extension = req.Data, req.Description, req.Extension
	default:
		return errorf(CodeBadRequest, "kind must be text or custom")
	}
	return c.publish(req, u, m)
}

func (c *client) notice(req *request) *reqError {
	u, e := c.sender()
	if e != nil {
		return e
	}
	if !c.room.isAdmin(u) {
		return errorf(CodeForbidden, "only admins send notices")
	}
	if req.Text == "" && req.Data == "" {
		return errorf(CodeBadRequest, "a notice needs text or data")
	}
	high := PriorityHigh
	if req.Priority == nil {
		req.Priority = &high
	}
	return c.publish(req, u, &Message{Kind: KindNotice, Text: req.Text, Data: req.Data})
}

func (c *client) publish(req *request, u *user, m *Message) *reqError {
	size := len(m.Text) + len(m.Data) + len(m.Description) + len(m.Extension)
	if size > c.s.cfg.MaxMessageBytes {
		return errorf(CodeTooLarge, "message content is %d bytes, limit %d", size, c.s.cfg.MaxMessageBytes)
	}
	m.Priority = PriorityNormal
	if u.admin {
		m.Priority = PriorityHigh
	}
	if req.Priority != nil {
		m.Priority = *req.Priority
	}
	m.From = u.id
	p := u.profile.Load()
	m.Nick, m.Avatar, m.Level = p.Nick, p.Avatar, p.Level
	if req.Type == "send" && c.s.hooks != nil {
		// The room's own checks first, then the webhook, with no lock held:
		// only this connection waits for it.
		if e := c.room.canSend(c, u); e != nil {
			return e
		}
		switch e := c.s.hooks.beforeSend(c, c.room.id, m); {
		case e == errDropSilently:
			// Tencent's semantics: the sender is told it was sent.
			c.ack(req, ackFrame{})
			return nil
		case e != nil:
			return e
		}
		size := len(m.Text) + len(m.Data) + len(m.Description) + len(m.Extension)
		if size > c.s.cfg.MaxMessageBytes {
			return errorf(CodeTooLarge, "message content is %d bytes after the webhook's MsgBody, limit %d", size, c.s.cfg.MaxMessageBytes)
		}
	}
	if e := c.room.publish(c, u, m); e != nil {
		return e
	}
	c.ack(req, ackFrame{Seq: m.Seq, Time: m.Time, MediaTimeMS: m.MediaTimeMS})
	return nil
}

func (c *client) like(req *request) *reqError {
	u, e := c.sender()
	if e != nil {
		return e
	}
	n := req.Count
	if n == 0 {
		n = 1
	}
	if n < 0 || n > maxLikeCount {
		return errorf(CodeBadRequest, "count must be 1 to %d", maxLikeCount)
	}
	total, e := c.room.like(c, u, int64(n))
	if e != nil {
		return e
	}
	c.s.m.likes.Add(float64(n))
	c.ack(req, ackFrame{LikesTotal: &total})
	return nil
}

// setProfile sets the caller's nick and avatar; admins may also set levels
// and other users' profiles (user_id).
func (c *client) setProfile(req *request) *reqError {
	u := c.user.Load()
	if u == nil {
		return errorf(CodeNotLoggedIn, "guests have no profile; log in first")
	}
	target := u
	if req.UserID != "" && req.UserID != u.id {
		if !u.admin {
			return errorf(CodeForbidden, "only admins set another user's profile")
		}
		if err := checkUserID(req.UserID); err != nil {
			return errorf(CodeBadRequest, "user_id: %v", err)
		}
		target = c.s.users.get(req.UserID)
	}
	if t, ok := c.s.loadedUser(target.id); !ok {
		return errorf(CodeUnavailable, "the saved profile of %q could not be read; try again", t.id)
	}
	if req.Level != nil && !u.admin {
		return errorf(CodeForbidden, "only admins set levels")
	}
	switch {
	case req.Nick != nil && (len(*req.Nick) > maxNickBytes || !utf8.ValidString(*req.Nick)):
		return errorf(CodeTooLarge, "nick must be valid UTF-8 of at most %d bytes", maxNickBytes)
	case req.Avatar != nil && len(*req.Avatar) > maxAvatarBytes:
		return errorf(CodeTooLarge, "avatar must be at most %d bytes", maxAvatarBytes)
	case req.Level != nil && *req.Level < 0:
		return errorf(CodeBadRequest, "level must not be negative")
	}
	if req.Nick != nil {
		nick, e := c.s.filterText(*req.Nick, nil)
		if e != nil {
			return e
		}
		req.Nick = &nick
	}
	// Under the user's lock: the saved copies are queued in the order the
	// changes were made.
	target.mu.Lock()
	p := *target.profile.Load()
	if req.Nick != nil {
		p.Nick = *req.Nick
	}
	if req.Avatar != nil {
		p.Avatar = *req.Avatar
	}
	if req.Level != nil {
		p.Level = *req.Level
	}
	target.profile.Store(&p)
	c.s.persist.enqueue(persistOp{kind: opSaveProfile, user: target.id, p: p})
	target.mu.Unlock()
	c.ack(req, ackFrame{})
	return nil
}

func (c *client) setAttrs(req *request) *reqError {
	u, e := c.sender()
	if e != nil {
		return e
	}
	if !c.room.isAdmin(u) {
		return errorf(CodeForbidden, "only admins set room attributes")
	}
	if len(req.Attrs) == 0 {
		return errorf(CodeBadRequest, "attrs is empty")
	}
	if e := c.room.setAttrs(u, req.Attrs); e != nil {
		return e
	}
	c.ack(req, ackFrame{})
	return nil
}

// join moves the client into a room (leaving any other); the room replies
// with the joined snapshot, or the join fails (banned).
func (c *client) join(roomID string, id []byte) *reqError {
	if c.room != nil && c.room.id == roomID && c.room.sendSnapshot(c, id) {
		return nil
	}
	c.leave()
	for {
		r := c.s.room(roomID)
		if r == nil {
			return errorf(CodeRoomNotFound, "room %q does not exist", roomID)
		}
		err := r.join(c, id)
		if err == nil {
			c.room = r
			return nil
		}
		var e *reqError
		if errors.As(err, &e) {
			return e
		}
	}
}

func (c *client) leave() {
	if c.room != nil {
		c.room.leave(c)
		c.room = nil
	}
}
