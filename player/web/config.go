package web

import (
	"fmt"
	"strings"
	"time"
)

// Config is the `web` section of the gateway config: the viewer page, the
// embed and the SDK.
type Config struct {
	// DemoLogin lets anyone get a UserSig for any user ID they type, from
	// POST /web/demo-login. DEMO ONLY: it makes chat identities worthless.
	// Integrators issue UserSigs from their own backend and pass them to
	// the SDK (or to the embed by query or postMessage).
	DemoLogin bool `yaml:"demo_login"`
	// DemoLoginTTL is the lifetime of a demo UserSig.
	DemoLoginTTL time.Duration `yaml:"demo_login_ttl"`
	// FrameAncestors is the CSP frame-ancestors list of /embed pages: who
	// may put the embed in an iframe ("*" anyone, or origins separated by
	// spaces). /play pages may only be framed by the gateway itself.
	FrameAncestors string `yaml:"frame_ancestors"`
}

// DefaultConfig: demo login off, embeds allowed everywhere.
func DefaultConfig() Config {
	return Config{DemoLoginTTL: 24 * time.Hour, FrameAncestors: "*"}
}

// Validate reports the first invalid field by its config name.
func (c Config) Validate() error {
	if c.DemoLogin && c.DemoLoginTTL < time.Minute {
		return fmt.Errorf("web.demo_login_ttl: must be at least 1m")
	}
	if strings.TrimSpace(c.FrameAncestors) == "" {
		return fmt.Errorf("web.frame_ancestors: must be set (\"*\", \"'self'\" or origins)")
	}
	if strings.ContainsAny(c.FrameAncestors, ";,\r\n") {
		return fmt.Errorf("web.frame_ancestors: origins are separated by spaces, without ';' or ','")
	}
	return nil
}
