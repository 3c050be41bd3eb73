package chat

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// fakeStore is an in-memory Persistence whose writes can be held (block)
// or made to fail (failWrites), and which logs the writes it applied.
type fakeStore struct {
	mu       sync.Mutex
	rooms    map[string]RoomState
	restr    map[[3]string]time.Time // room, user, kind
	profiles map[string]Profile
	log      []string
	// block, when set, holds every write until it is closed (or the
	// write's context ends).
	block chan struct{}
	// failWrites fails that many writes; failLoads fails every read.
	failWrites int
	failLoads  bool
	writes     int // attempts, applied or not
	// loads counts LoadRoom calls; loadGate, when set, holds them until
	// it is closed.
	loads    int
	loadGate chan struct{}
}

var errFake = errors.New("fake store failure")

func newFakeStore() *fakeStore {
	return &fakeStore{rooms: map[string]RoomState{}, restr: map[[3]string]time.Time{}, profiles: map[string]Profile{}}
}

func (f *fakeStore) write(ctx context.Context, what string, apply func()) error {
	f.mu.Lock()
	f.writes++
	block := f.block
	f.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failWrites > 0 {
		f.failWrites--
		return errFake
	}
	apply()
	f.log = append(f.log, what)
	return nil
}

func (f *fakeStore) SaveRestriction(ctx context.Context, r Restriction) error {
	return f.write(ctx, "save "+r.Kind+" "+r.Room+" "+r.User, func() { f.restr[[3]string{r.Room, r.User, r.Kind}] = r.Until })
}

func (f *fakeStore) DeleteRestriction(ctx context.Context, room, user, kind string) error {
	return f.write(ctx, "delete "+kind+" "+room+" "+user, func() { delete(f.restr, [3]string{room, user, kind}) })
}

func (f *fakeStore) SaveRoomState(ctx context.Context, room string, st RoomState) error {
	return f.write(ctx, fmt.Sprintf("state %s %v", room, st.Muted), func() { f.rooms[room] = st })
}

func (f *fakeStore) DeleteRoom(ctx context.Context, room string) error {
	return f.write(ctx, "delete room "+room, func() {
		delete(f.rooms, room)
		for k := range f.restr {
			if k[0] == room {
				delete(f.restr, k)
			}
		}
	})
}

func (f *fakeStore) SaveProfile(ctx context.Context, user string, p Profile) error {
	return f.write(ctx, "profile "+user, func() { f.profiles[user] = p })
}

func (f *fakeStore) LoadRoom(_ context.Context, room string) (RoomState, []Restriction, error) {
	f.mu.Lock()
	f.loads++
	gate := f.loadGate
	f.mu.Unlock()
	if gate != nil {
		<-gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failLoads {
		return RoomState{}, nil, errFake
	}
	var rs []Restriction
	for k, until := range f.restr {
		if k[0] == room {
			rs = append(rs, Restriction{Room: k[0], User: k[1], Kind: k[2], Until: until})
		}
	}
	return f.rooms[room], rs, nil
}

func (f *fakeStore) Profile(_ context.Context, user string) (Profile, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failLoads {
		return Profile{}, false, errFake
	}
	p, ok := f.profiles[user]
	return p, ok, nil
}

// restriction returns a saved restriction's end (zero if none).
func (f *fakeStore) restriction(room, user, kind string) time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.restr[[3]string{room, user, kind}]
}

func (f *fakeStore) ops() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.log...)
}

// withStore makes a harness use f.
func withStore(f *fakeStore) func(*Options) {
	return func(o *Options) { o.Persist = f }
}
