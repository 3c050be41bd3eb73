package chat

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/tencentyun/tls-sig-api-v2-golang/tencentyun"
)

// Sentinel login failures.
var (
	ErrBadUserSig     = errors.New("usersig is not valid for this user and app")
	ErrUserSigExpired = errors.New("usersig has expired")
)

// maxUserSigLen bounds what is handed to the decoder: a UserSig is zlib
// inside base64, and a bound on the input bounds the inflated size.
const maxUserSigLen = 2048

// verifier checks TLS-sig v2 UserSigs.
type verifier struct {
	appID uint64
	key   string
	now   func() time.Time
}

// verify returns nil, ErrBadUserSig or ErrUserSigExpired. The library checks
// expiry before the signature, so an expired answer is re-checked at the
// epoch: only a genuine sig that has expired reports ErrUserSigExpired.
func (v verifier) verify(userID, sig string) error {
	if len(sig) == 0 || len(sig) > maxUserSigLen {
		return ErrBadUserSig
	}
	err := tencentyun.VerifyUserSig(v.appID, v.key, userID, sig, v.now())
	switch {
	case err == nil:
		return nil
	case errors.Is(err, tencentyun.ErrExpired):
		if tencentyun.VerifyUserSig(v.appID, v.key, userID, sig, time.Unix(0, 0)) == nil {
			return ErrUserSigExpired
		}
	}
	return ErrBadUserSig
}

// checkUserID accepts Tencent IM's user IDs: 1 to 32 bytes of printable text.
func checkUserID(id string) error {
	if id == "" || len(id) > 32 {
		return fmt.Errorf("user id must be 1 to 32 bytes")
	}
	for _, r := range id {
		if r < 0x21 || r == 0x7f || r == utf8.RuneError {
			return fmt.Errorf("user id %q has a space or control character", id)
		}
	}
	return nil
}

// user is a logged-in identity, shared by all its connections.
type user struct {
	id      string
	admin   bool
	profile atomic.Pointer[Profile]
	// mu orders the profile's load and changes (and their saved copies);
	// loaded: the saved profile was read (or there is no store).
	mu     sync.Mutex
	loaded atomic.Bool
}

func (u *user) ref() UserRef {
	p := u.profile.Load()
	return UserRef{UserID: u.id, Nick: p.Nick, Avatar: p.Avatar}
}

// users keeps profiles by user ID for the life of the server, read from
// the persistence when first needed (persist_load.go). Only verified
// logins, admins and the users they act on add entries.
type users struct {
	mu     sync.Mutex
	byID   map[string]*user
	admins map[string]bool
}

func newUsers(admins []string) *users {
	u := &users{byID: map[string]*user{}, admins: map[string]bool{}}
	for _, a := range admins {
		u.admins[a] = true
	}
	return u
}

// get returns the user, creating it with an empty profile.
func (us *users) get(id string) *user {
	us.mu.Lock()
	defer us.mu.Unlock()
	u := us.byID[id]
	if u == nil {
		u = &user{id: id, admin: us.admins[id]}
		u.profile.Store(&Profile{})
		us.byID[id] = u
	}
	return u
}
