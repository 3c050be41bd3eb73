package live

import (
	"fmt"
	"net/url"
	"time"
)

// RoomsConfig is the gateway's `rooms:` block: how live rooms and goods
// are managed (issue #6).
type RoomsConfig struct {
	// MinStartLead is how far in the future a new room's startTime must be
	// (WeChat: 10m). 0 lets rooms start now (demos, tests); a start up to a
	// minute in the past is then accepted as "now".
	MinStartLead time.Duration `yaml:"min_start_lead"`
	// MaxStartAhead bounds how far ahead a room may be planned (WeChat: 6
	// months).
	MaxStartAhead time.Duration `yaml:"max_start_ahead"`
	// MinDuration and MaxDuration bound endTime - startTime (WeChat: 30m
	// and 24h).
	MinDuration time.Duration `yaml:"min_duration"`
	MaxDuration time.Duration `yaml:"max_duration"`
	// GoodsAutoApprove approves goods as soon as they are submitted for
	// audit; otherwise they stay pending until an admin approves them
	// (REST /api/v1/.../approve or the console).
	GoodsAutoApprove bool `yaml:"goods_auto_approve"`
	// AdminToken authorises the REST API (/api/v1) and the console:
	// "Authorization: Bearer <token>". Empty: the REST API is off.
	AdminToken string `yaml:"admin_token"`
	// PublicBase is the gateway's public http(s) base URL, for share codes
	// ({base}/play/{appid}-{roomId}); empty: the bound HTTP address.
	PublicBase string `yaml:"public_base"`
	// Tick is how often live statuses follow the clock (start and end
	// times); publishes and unpublishes are followed at once.
	Tick time.Duration `yaml:"tick"`
	// StatsSave is how often room statistics are saved to the database
	// (also at shutdown and when a room ends).
	StatsSave time.Duration `yaml:"stats_save"`
}

// DefaultRoomsConfig returns WeChat's rules, goods pending until approved,
// a 1 s tick and statistics saved every 30 s.
func DefaultRoomsConfig() RoomsConfig {
	return RoomsConfig{
		MinStartLead:  10 * time.Minute,
		MaxStartAhead: 180 * 24 * time.Hour,
		MinDuration:   30 * time.Minute,
		MaxDuration:   24 * time.Hour,
		Tick:          time.Second,
		StatsSave:     30 * time.Second,
	}
}

// Validate reports the first invalid field by its config name.
func (c RoomsConfig) Validate() error {
	switch {
	case c.MinStartLead < 0:
		return fmt.Errorf("rooms.min_start_lead: must not be negative")
	case c.MaxStartAhead < c.MinStartLead:
		return fmt.Errorf("rooms.max_start_ahead: must be at least min_start_lead")
	case c.MinDuration < 0 || c.MaxDuration < c.MinDuration || c.MaxDuration <= 0:
		return fmt.Errorf("rooms.min_duration, max_duration: need 0 <= min <= max, max > 0")
	case c.AdminToken != "" && len(c.AdminToken) < 16:
		return fmt.Errorf("rooms.admin_token: must be at least 16 characters")
	case c.Tick < 10*time.Millisecond || c.Tick > time.Minute:
		return fmt.Errorf("rooms.tick: must be between 10ms and 1m")
	case c.StatsSave < time.Second:
		return fmt.Errorf("rooms.stats_save: must be at least 1s")
	}
	if c.PublicBase != "" {
		u, err := url.Parse(c.PublicBase)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("rooms.public_base: must be an http:// or https:// URL")
		}
	}
	return nil
}

// SeedRoom is a room an app's config asks for: created at startup when
// missing (its id kept), open from then for a year. The demo's room 1.
type SeedRoom struct {
	ID   int64  `yaml:"id"`
	Name string `yaml:"name"`
	// Anchor is the anchor's name (default "Anchor").
	Anchor string `yaml:"anchor"`
}
