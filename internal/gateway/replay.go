package gateway

import (
	"path/filepath"

	"livestudio/player/replay"
)

// newReplay creates the recorder: its directory defaults to
// {data_dir}/replay. It records nothing until record_all is on or the
// rooms API starts a key.
func (g *Gateway) newReplay() error {
	cfg := g.cfg.Replay
	if cfg.Dir == "" {
		cfg.Dir = filepath.Join(g.cfg.DataDir, "replay")
	}
	var err error
	g.rec, err = replay.New(cfg, g.reg, g.log.With("component", "replay"), g.prom)
	return err
}

// Replay exposes the recorder (the rooms API starts and stops recordings,
// and lists them for getLiveReplay).
func (g *Gateway) Replay() *replay.Recorder { return g.rec }
