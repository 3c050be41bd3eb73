package replay

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// repairAll closes the recordings a crash (or a kill) left unfinished: the
// playlist gets EXT-X-ENDLIST, meta.json is rebuilt from the playlist and
// marked not live. The segment that was being written is not listed in the
// playlist and is removed; a recording without any listed segment is
// removed. It runs before any recording starts.
func (r *Recorder) repairAll() error {
	keys, err := r.keys()
	if err != nil {
		return err
	}
	for _, key := range keys {
		ents, err := os.ReadDir(filepath.Join(r.cfg.Dir, key))
		if err != nil {
			return err
		}
		for _, e := range ents {
			if !e.IsDir() || !validID(e.Name()) {
				continue
			}
			dir := filepath.Join(r.cfg.Dir, key, e.Name())
			if m, err := readMeta(dir); err == nil && !m.Live {
				continue
			}
			r.m.Errors.WithLabelValues("repair").Inc()
			if err := repair(dir, key, e.Name()); err != nil {
				r.log.Warn("replay: unfinished recording could not be repaired: removed", "dir", dir, "err", err)
				if err := os.RemoveAll(dir); err != nil {
					return err
				}
				continue
			}
			r.log.Warn("replay: unfinished recording closed (the recorder stopped without finishing it)", "dir", dir)
		}
	}
	return nil
}

// repair closes one recording.
func repair(dir, key, id string) error {
	b, err := os.ReadFile(filepath.Join(dir, playlistName))
	if err != nil {
		return err
	}
	pl, err := parsePlaylist(b)
	if err != nil {
		return err
	}
	old, _ := readMeta(dir) // may be missing or stale: the playlist rules
	m := meta{Version: metaVersion, Key: key, ID: id, Repaired: true}
	if old != nil {
		m.Video, m.Audio, m.SampleRate, m.Channels = old.Video, old.Audio, old.SampleRate, old.Channels
	}
	listed := map[string]bool{}
	var keep []segment
	for _, s := range pl.Segments {
		st, err := os.Stat(filepath.Join(dir, s.Name))
		if err != nil {
			break // listed but gone: keep what plays without a hole
		}
		keep = append(keep, s)
		listed[s.Name] = true
		m.Bytes += st.Size()
		if s.Discontinuity {
			m.Gaps++
		}
	}
	// The segment being written when the process died follows the listed
	// ones (or is the first): keep what of it plays.
	if next := segmentName(len(keep)); len(keep) == len(pl.Segments) {
		if d, ok := salvage(filepath.Join(dir, next)); ok {
			s := segment{Name: next, Duration: d}
			if len(keep) > 0 {
				last := keep[len(keep)-1]
				s.Time = last.Time.Add(last.Duration)
			} else if old != nil {
				s.Time = old.Start
			}
			if st, err := os.Stat(filepath.Join(dir, next)); err == nil {
				m.Bytes += st.Size()
			}
			keep = append(keep, s)
			listed[next] = true
		}
	}
	if len(keep) == 0 {
		return errors.New("no segment")
	}
	pl.Segments, pl.Ended = keep, true
	m.Segments = len(keep)
	m.DurationMS = pl.Duration().Milliseconds()
	m.Start = keep[0].Time
	last := keep[len(keep)-1]
	m.End = last.Time.Add(last.Duration)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		n := e.Name()
		if (validSegmentName(n) && !listed[n]) || strings.HasPrefix(n, ".") {
			os.Remove(filepath.Join(dir, n)) // a partial segment, a temp file
		}
	}
	if err := writeAtomic(filepath.Join(dir, playlistName), pl.Marshal()); err != nil {
		return err
	}
	if err := writeMeta(dir, &m); err != nil {
		return fmt.Errorf("meta: %w", err)
	}
	return nil
}
