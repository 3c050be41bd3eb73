package gateway

import (
	"context"
	"errors"

	"livestudio/chat"
	"livestudio/internal/store"
)

// chatPersist keeps the chat's mutes, bans, room mutes and profiles in the
// gateway's store (chat.Persistence over store.ChatState). The chat is
// built before setupRooms opens the store, so the adapter looks the store
// up at each call; the chat calls it only from then on (the live layer's
// rooms are created after the store is set, connections and Run later).
type chatPersist struct{ g *Gateway }

var _ chat.Persistence = chatPersist{}

// errNoStore: called before the store was opened (a wiring bug).
var errNoStore = errors.New("chat persistence: the store is not open")

func (p chatPersist) st() (store.ChatState, error) {
	if p.g.store == nil {
		return nil, errNoStore
	}
	return p.g.store, nil
}

func (p chatPersist) SaveRestriction(ctx context.Context, r chat.Restriction) error {
	st, err := p.st()
	if err != nil {
		return err
	}
	return st.SaveChatRestriction(ctx, store.ChatRestriction{Room: r.Room, User: r.User, Kind: r.Kind, Until: r.Until})
}

func (p chatPersist) DeleteRestriction(ctx context.Context, room, user, kind string) error {
	st, err := p.st()
	if err != nil {
		return err
	}
	return st.DeleteChatRestriction(ctx, room, user, kind)
}

func (p chatPersist) SaveRoomState(ctx context.Context, room string, s chat.RoomState) error {
	st, err := p.st()
	if err != nil {
		return err
	}
	return st.SaveChatRoomState(ctx, room, store.ChatRoomState{Muted: s.Muted, PolicyMuted: s.PolicyMuted})
}

func (p chatPersist) DeleteRoom(ctx context.Context, room string) error {
	st, err := p.st()
	if err != nil {
		return err
	}
	return st.DeleteChatRoom(ctx, room)
}

func (p chatPersist) LoadRoom(ctx context.Context, room string) (chat.RoomState, []chat.Restriction, error) {
	st, err := p.st()
	if err != nil {
		return chat.RoomState{}, nil, err
	}
	s, rs, err := st.ChatRoom(ctx, room)
	if err != nil {
		return chat.RoomState{}, nil, err
	}
	out := make([]chat.Restriction, len(rs))
	for i, r := range rs {
		out[i] = chat.Restriction{Room: r.Room, User: r.User, Kind: r.Kind, Until: r.Until}
	}
	return chat.RoomState{Muted: s.Muted, PolicyMuted: s.PolicyMuted}, out, nil
}

func (p chatPersist) SaveProfile(ctx context.Context, user string, pr chat.Profile) error {
	st, err := p.st()
	if err != nil {
		return err
	}
	return st.SaveChatProfile(ctx, user, store.ChatProfile{Nick: pr.Nick, Avatar: pr.Avatar, Level: pr.Level})
}

func (p chatPersist) Profile(ctx context.Context, user string) (chat.Profile, bool, error) {
	st, err := p.st()
	if err != nil {
		return chat.Profile{}, false, err
	}
	pr, err := st.ChatProfile(ctx, user)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return chat.Profile{}, false, nil
	case err != nil:
		return chat.Profile{}, false, err
	}
	return chat.Profile{Nick: pr.Nick, Avatar: pr.Avatar, Level: pr.Level}, true, nil
}
