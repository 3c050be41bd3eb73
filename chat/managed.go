package chat

import (
	"errors"
	"fmt"
	"maps"
	"time"
)

// Managed rooms: when the gateway manages live rooms (issue #6), a room
// exists because it was created (CreateRoom, REST create_room), not because
// someone joined it; it lives until it is destroyed (it is never dropped
// for being idle), and the live layer sets its policy: likes refused, the
// product shelf closed, per-room admins (a room's assistants).

// CodeLikesClosed: the room does not take likes (the live room's closeLike).
const CodeLikesClosed = "likes_closed"

// CodeGoodsClosed: the room's product shelf is closed (closeGoods); the
// product attribute cannot be set.
const CodeGoodsClosed = "goods_closed"

// ProductAttr is the room attribute that carries the product card
// (docs/protocol.md); setting it counts a product push.
const ProductAttr = "product"

// Managed-room errors.
var (
	ErrRoomExists   = errors.New("room already exists")
	ErrRoomNotFound = errors.New("room not found")
)

// AdminRoomExists is create_room's ErrorCode for a room id in use
// (Tencent IM's "group ID already used").
const AdminRoomExists = 10021

// RoomPolicy is what the live layer decides for a managed room.
type RoomPolicy struct {
	// LikesClosed refuses likes (likes_closed).
	LikesClosed bool
	// GoodsClosed refuses setting the product attribute (goods_closed).
	GoodsClosed bool
	// Admins may do in this room what chat.admins may do in every room:
	// notices, attributes (product cards), mutes, kicks, room mute; they
	// are never refused by moderation.
	Admins []string
	// Attrs are the room's attributes when CreateRoom creates it (a
	// restart restores the product card): no tip, not counted as a push.
	Attrs map[string]string
	// Base is the room's statistics before this process (kept by the live
	// layer across restarts); RoomStatistic and the destroy webhook add the
	// counts of this process to it.
	Base Statistic
}

// managedRoom is a managed room's policy, under the room's lock.
type managedRoom struct {
	likesClosed bool
	goodsClosed bool
	admins      map[string]bool
	base        Statistic
}

// mayCreateLocked tells whether a join or an admin write may create room id
// (s.mu is held).
func (s *Server) mayCreateLocked(id string) bool {
	return !s.cfg.ManagedRooms || (s.adHocRoom != nil && s.adHocRoom(id))
}

// RoomExists reports whether room id exists now.
func (s *Server) RoomExists(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rooms[id] != nil
}

// roomAllowed: an admin REST command may act on room id (it exists, or may
// be created).
func (s *Server) roomAllowed(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rooms[id] != nil || s.mayCreateLocked(id)
}

// CreateRoom creates managed room id with its saved moderation; an
// existing room (managed or made by a join) is ErrRoomExists.
func (s *Server) CreateRoom(id string, p RoomPolicy) error {
	if err := checkRoomID(id); err != nil {
		return err
	}
	var saved savedRoom
	var done func()
	for ok := false; !ok; {
		if s.RoomExists(id) {
			return fmt.Errorf("create room %q: %w", id, ErrRoomExists)
		}
		saved, done, ok = s.loadNewRoom(id) // no lock held while the store is read
	}
	defer done() // after the unlock below: waiters find the room
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return fmt.Errorf("create room %q: chat is shutting down", id)
	}
	if s.rooms[id] != nil {
		return fmt.Errorf("create room %q: %w", id, ErrRoomExists)
	}
	r := newRoom(id, s)
	saved.restore(r)
	r.mgd = newManaged(p)
	maps.Copy(r.attrs, p.Attrs)
	s.rooms[id] = r
	s.m.rooms.Inc()
	return nil
}

func newManaged(p RoomPolicy) *managedRoom {
	m := &managedRoom{likesClosed: p.LikesClosed, goodsClosed: p.GoodsClosed, base: p.Base, admins: map[string]bool{}}
	for _, a := range p.Admins {
		m.admins[a] = true
	}
	return m
}

// SetRoomPolicy replaces a room's policy; the room becomes managed if it
// was not. Base is kept from CreateRoom (a later one is ignored).
func (s *Server) SetRoomPolicy(id string, p RoomPolicy) error {
	r, err := s.existingRoom(id)
	if err != nil {
		return fmt.Errorf("room %q: %w", id, ErrRoomNotFound)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	base := p.Base
	if r.mgd != nil {
		base = r.mgd.base
	}
	r.mgd = newManaged(p)
	r.mgd.base = base
	return nil
}

// DestroyRoom closes room id for everyone, like the REST destroy_room, and
// queues Live.CallbackAfterDestroyRoom with the room's statistics:
// DestroyBySystem if bySystem, else DestroyByUser by the administrator. It
// returns how many connections were in the room, or false if none existed.
func (s *Server) DestroyRoom(id string, bySystem bool) (int, bool) {
	return s.destroyRoom(id, AdminIdentifier, bySystem)
}

// SetAttrs changes room id's attributes as the administrator (a nil value
// removes the key); the room must exist. The product shelf's closure does
// not apply: the live layer decides.
func (s *Server) SetAttrs(id string, changes map[string]*string) error {
	r, err := s.existingRoom(id)
	if err != nil {
		return fmt.Errorf("room %q: %w", id, ErrRoomNotFound)
	}
	if e := r.setAttrsAs(s.users.get(AdminIdentifier), changes, true); e != nil {
		return e
	}
	return nil
}

// SetRoomMuted tells room id the live layer's mute (a closed comment): when
// it differs from the last one it gave (or is the first), the room is
// muted or unmuted (only admins may send) with the usual tip, if that
// changes anything. Giving the same value again (the live layer re-applies
// its policy, at every start among others) leaves the room as it is, so
// an admin's mute_room since, or saved before a restart, stands: the last
// decision wins, whoever made it.
func (s *Server) SetRoomMuted(id string, muted bool) error {
	r, err := s.existingRoom(id)
	if err != nil {
		return fmt.Errorf("room %q: %w", id, ErrRoomNotFound)
	}
	r.mu.Lock()
	if p := r.mod.policyMuted; p != nil && *p == muted {
		r.mu.Unlock()
		return nil
	}
	r.mod.policyMuted = &muted
	same := r.mod.roomMuted == muted
	if same {
		r.saveStateLocked()
	}
	r.mu.Unlock()
	if !same {
		r.setMuted(AdminIdentifier, muted) // saves the state with the policy
	}
	return nil
}

// RoomStatistic returns room id's statistics (the policy's Base plus what
// this process counted), as in the destroy webhook.
func (s *Server) RoomStatistic(id string) (Statistic, bool) {
	r, err := s.existingRoom(id)
	if err != nil {
		return Statistic{}, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.statisticLocked(), true
}

// RoomAttrs returns a copy of room id's attributes.
func (s *Server) RoomAttrs(id string) (map[string]string, bool) {
	r, err := s.existingRoom(id)
	if err != nil {
		return nil, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.attrs), true
}

// isAdmin tells whether u may administer this room: a chat admin, or one of
// the managed room's admins.
func (r *room) isAdmin(u *user) bool {
	if u.admin {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.adminLocked(u)
}

func (r *room) adminLocked(u *user) bool {
	return u.admin || (r.mgd != nil && r.mgd.admins[u.id])
}

// likesClosedLocked refuses a like in a room that takes none.
func (r *room) likesClosedLocked() *reqError {
	if r.mgd != nil && r.mgd.likesClosed {
		r.s.m.modRefused.WithLabelValues(CodeLikesClosed).Inc()
		return errorf(CodeLikesClosed, "room %q does not take likes", r.id)
	}
	return nil
}

// checkAttrsLocked refuses a product card while the shelf is closed.
func (r *room) checkAttrsLocked(changes map[string]*string) *reqError {
	if v, ok := changes[ProductAttr]; ok && v != nil && r.mgd != nil && r.mgd.goodsClosed {
		r.s.m.modRefused.WithLabelValues(CodeGoodsClosed).Inc()
		return errorf(CodeGoodsClosed, "room %q has its product shelf closed", r.id)
	}
	return nil
}

// countAttrsLocked counts product pushes.
func (r *room) countAttrsLocked(changes map[string]*string) {
	if v, ok := changes[ProductAttr]; ok && v != nil && *v != "" && *v != "null" {
		r.stats.ProductPushes++
	}
}

// baseLocked is the statistics carried over from before this process.
func (r *room) baseLocked() Statistic {
	if r.mgd == nil {
		return Statistic{}
	}
	return r.mgd.base
}

// adminCreateRoom is the REST create_room command.
func adminCreateRoom(s *Server, _ *user, req *adminReq) (adminResp, error) {
	switch err := s.CreateRoom(req.RoomID, RoomPolicy{}); {
	case err == nil:
		return adminResp{}, nil
	case errors.Is(err, ErrRoomExists):
		return adminResp{}, adminFail(200, AdminRoomExists, "room %q already exists", req.RoomID)
	default:
		return adminResp{}, err
	}
}

// Mute mutes user in room id for d (0 unmutes), as the administrator.
func (s *Server) Mute(id, userID string, d time.Duration) error {
	r, err := s.existingRoom(id)
	if err != nil {
		return fmt.Errorf("room %q: %w", id, ErrRoomNotFound)
	}
	if e := s.checkTarget(userID); e != nil {
		return e
	}
	if d < 0 || d > maxModDuration {
		return errorf(CodeBadRequest, "a mute lasts 0 to %s", maxModDuration)
	}
	r.mute(AdminIdentifier, userID, d)
	return nil
}

// Unban lifts user's ban from room id, as the administrator; it reports
// whether there was a ban.
func (s *Server) Unban(id, userID string) (bool, error) {
	r, err := s.existingRoom(id)
	if err != nil {
		return false, fmt.Errorf("room %q: %w", id, ErrRoomNotFound)
	}
	if e := s.checkTarget(userID); e != nil {
		return false, e
	}
	return r.unban(userID), nil
}

// Kick removes user's connections from room id and bans the user for ban
// (0: no ban), as the administrator; it returns how many were removed.
func (s *Server) Kick(id, userID string, ban time.Duration, reason string) (int, error) {
	r, err := s.existingRoom(id)
	if err != nil {
		return 0, fmt.Errorf("room %q: %w", id, ErrRoomNotFound)
	}
	if e := s.checkTarget(userID); e != nil {
		return 0, e
	}
	if ban < 0 || ban > maxModDuration || len(reason) > maxReasonBytes {
		return 0, errorf(CodeBadRequest, "a ban lasts 0 to %s; a reason is at most %d bytes", maxModDuration, maxReasonBytes)
	}
	return r.kick(AdminIdentifier, userID, ban, reason), nil
}
