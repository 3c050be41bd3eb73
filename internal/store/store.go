// Package store is the gateway's embedded database: live rooms, goods,
// room members and roles, behind the Store interface so that a scaled-out
// gateway can put the same data in PostgreSQL. The default implementation
// is SQLite (modernc.org/sqlite, pure Go) in the gateway's data_dir.
package store

import (
	"context"
	"errors"
)

// Sentinel errors for expected outcomes.
var (
	// ErrNotFound: no row with that key.
	ErrNotFound = errors.New("not found")
	// ErrExists: the row already exists (a duplicate member, role).
	ErrExists = errors.New("already exists")
)

// Store is what the live API keeps across restarts. Every method is safe
// for concurrent use. Apps are independent: every key includes the appid.
type Store interface {
	// ChatState: the live-room chat's saved moderation and profiles (chat.go).
	ChatState

	// CreateRoom stores r, assigning r.ID (the app's next room number) when
	// it is 0; a given ID that exists is ErrExists.
	CreateRoom(ctx context.Context, r *Room) error
	Room(ctx context.Context, appID string, id int64) (Room, error)
	// UpdateRoom replaces a room's fields (ErrNotFound if it is gone).
	UpdateRoom(ctx context.Context, r Room) error
	// DeleteRoom deletes a room with its goods list and members.
	DeleteRoom(ctx context.Context, appID string, id int64) error
	// Rooms lists an app's rooms by id, newest first, and counts them all.
	Rooms(ctx context.Context, appID string, offset, limit int) ([]Room, int, error)

	// CreateGoods stores g and assigns g.ID.
	CreateGoods(ctx context.Context, g *Goods) error
	Goods(ctx context.Context, appID string, id int64) (Goods, error)
	UpdateGoods(ctx context.Context, g Goods) error
	// DeleteGoods deletes goods from the library and from every room.
	DeleteGoods(ctx context.Context, appID string, id int64) error
	// GoodsList lists goods with audit status status (-1: any), by id.
	GoodsList(ctx context.Context, appID string, status, offset, limit int) ([]Goods, int, error)

	// AddRoomGoods adds goods to a room's list, after those already there;
	// goods already in the room keep their place.
	AddRoomGoods(ctx context.Context, appID string, roomID int64, goodsIDs []int64) error
	// RoomGoods returns a room's goods in display order.
	RoomGoods(ctx context.Context, appID string, roomID int64) ([]RoomGoods, error)
	// UpdateRoomGoods stores a room goods' sale flag and push count.
	UpdateRoomGoods(ctx context.Context, appID string, roomID int64, rg RoomGoods) error
	RemoveRoomGoods(ctx context.Context, appID string, roomID, goodsID int64) error
	// SortRoomGoods puts the listed goods first, in that order.
	SortRoomGoods(ctx context.Context, appID string, roomID int64, goodsIDs []int64) error

	// PutMember adds or replaces a room member (assistant, sub-anchor).
	PutMember(ctx context.Context, m Member) error
	DeleteMember(ctx context.Context, appID string, roomID int64, kind, username string) error
	// Members lists a room's members of a kind ("" for all), oldest first.
	Members(ctx context.Context, appID string, roomID int64, kind string) ([]Member, error)

	// PutRole gives a user a role in an app (ErrExists if it has it).
	PutRole(ctx context.Context, r Role) error
	DeleteRole(ctx context.Context, appID, username string, role int) error
	// Roles lists an app's role grants (role -1: any; keyword "": any
	// username, else those containing it), and counts them.
	Roles(ctx context.Context, appID string, role int, keyword string, offset, limit int) ([]Role, int, error)

	Close() error
}

// Room is a live room (WeChat's room fields; times are Unix seconds).
type Room struct {
	AppID           string
	ID              int64
	Name            string
	CoverImg        string
	ShareImg        string
	FeedsImg        string
	StartTime       int64
	EndTime         int64
	AnchorName      string
	AnchorWechat    string
	SubAnchorWechat string
	CreaterWechat   string
	FeedsPublic     bool
	// Type 0 is a push-stream room (the only kind served here);
	// ScreenType 0 portrait, 1 landscape.
	Type       int
	ScreenType int
	CloseLike  bool
	CloseGoods bool
	// CloseComment mutes the room's chat (updatecomment's banComment).
	CloseComment bool
	CloseReplay  bool
	CloseShare   bool
	CloseKf      bool
	// Banned is an admin's ban (104).
	Banned bool
	// EndedAt is when the room was ended by hand or past its end time
	// while live (0: not ended); LiveAt is when it first went live (0: never).
	EndedAt   int64
	LiveAt    int64
	CreatedAt int64
	UpdatedAt int64
	// Stats are the statistics saved so far (the live counters are added
	// by the caller while the room runs).
	Stats Stats
	// Product is the product card shown now (the chat attribute's JSON),
	// empty for none.
	Product string
}

// Stats are a room's statistics.
type Stats struct {
	TotalViewers  int64 `json:"totalViewers"`
	PeakViewers   int64 `json:"peakViewers"`
	Likes         int64 `json:"likes"`
	Gifts         int64 `json:"gifts"`
	GiftCoins     int64 `json:"giftCoins"`
	Comments      int64 `json:"comments"`
	ProductPushes int64 `json:"productPushes"`
}

// Goods is a product in an app's goods library. Prices are in fen (0.01
// yuan) so that they add up exactly.
type Goods struct {
	AppID           string
	ID              int64
	Name            string
	CoverImgURL     string
	URL             string
	ThirdPartyAppID string
	// PriceType 1 fixed price, 2 range Price..Price2, 3 discount: Price is
	// the original, Price2 the discounted price.
	PriceType int
	Price     int64
	Price2    int64
	// AuditStatus 0 not submitted, 1 pending, 2 approved, 3 rejected.
	AuditStatus int
	AuditID     int64
	CreatedAt   int64
	UpdatedAt   int64
}

// Audit statuses (WeChat's).
const (
	AuditNone     = 0
	AuditPending  = 1
	AuditApproved = 2
	AuditRejected = 3
)

// RoomGoods is goods in a room's list.
type RoomGoods struct {
	Goods
	OnSale bool
	Sort   int
	Pushes int64
}

// Member kinds.
const (
	KindAssistant = "assistant"
	KindSubAnchor = "subanchor"
)

// Member is a room's assistant or sub-anchor.
type Member struct {
	AppID     string
	RoomID    int64
	Kind      string
	Username  string
	Nickname  string
	CreatedAt int64
}

// Role is a user's role in an app: 1 admin, 2 anchor, 3 operator.
type Role struct {
	AppID     string
	Username  string
	Role      int
	UpdatedAt int64
}
