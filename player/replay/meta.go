package replay

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Recording describes one recording: what List returns.
type Recording struct {
	ID  string
	Key string
	// Start and End are the wall clock of the first frame and of the end
	// of the last segment written.
	Start, End time.Time
	// Duration is the media duration (the sum of the segments).
	Duration time.Duration
	// URL is the path of the playlist, /replay/{key}/{id}/index.m3u8.
	URL string
	// Live: the recording is still being written (its playlist is an
	// EVENT playlist without EXT-X-ENDLIST).
	Live bool
	// Bytes is the size of the segments.
	Bytes int64
}

// meta is a recording's meta.json: a summary for listing without reading
// the playlist and the segments.
type meta struct {
	Version    int       `json:"version"`
	Key        string    `json:"key"`
	ID         string    `json:"id"`
	Live       bool      `json:"live"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	DurationMS int64     `json:"duration_ms"`
	Segments   int       `json:"segments"`
	Bytes      int64     `json:"bytes"`
	// Gaps counts the places where frames were skipped (the recorder fell
	// behind) or the tracks changed; each is an EXT-X-DISCONTINUITY.
	Gaps  int    `json:"gaps"`
	Video string `json:"video,omitempty"` // codec: H264, H265
	Audio string `json:"audio,omitempty"` // codec: AAC
	// Width and Height are not known without parsing the SPS; the codec
	// names are what clients need to choose a player.
	SampleRate int `json:"sample_rate,omitempty"`
	Channels   int `json:"channels,omitempty"`
	// Repaired: the recorder found it unfinished after a crash and closed it.
	Repaired bool `json:"repaired,omitempty"`
}

const metaVersion = 1

func (m *meta) recording() Recording {
	return Recording{
		ID: m.ID, Key: m.Key, Start: m.Start, End: m.End,
		Duration: time.Duration(m.DurationMS) * time.Millisecond,
		URL:      recordingURL(m.Key, m.ID), Live: m.Live, Bytes: m.Bytes,
	}
}

// readMeta loads dir's meta.json.
func readMeta(dir string) (*meta, error) {
	b, err := os.ReadFile(filepath.Join(dir, metaName))
	if err != nil {
		return nil, err
	}
	return parseMeta(b)
}

func parseMeta(b []byte) (*meta, error) {
	var m meta
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("meta.json: %w", err)
	}
	if m.Version != metaVersion || !validKey(m.Key) || !validID(m.ID) || m.DurationMS < 0 || m.Bytes < 0 {
		return nil, fmt.Errorf("meta.json: version %d key %q id %q: not a recording this version wrote", m.Version, m.Key, m.ID)
	}
	return &m, nil
}

// writeMeta replaces dir's meta.json atomically.
func writeMeta(dir string, m *meta) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, metaName), append(b, '\n'))
}

// writeAtomic replaces path with data: a reader (or a crash) sees the old
// file or the new one, never a partial one.
func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
