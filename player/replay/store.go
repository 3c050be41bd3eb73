package replay

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// List returns the recordings of key, oldest first, from disk. A key
// without recordings has an empty list.
func (r *Recorder) List(key string) ([]Recording, error) {
	if !validKey(key) {
		return nil, fmt.Errorf("list %q: %w", key, ErrInvalidName)
	}
	metas, err := r.metas(key)
	if err != nil {
		return nil, fmt.Errorf("list %q: %w", key, err)
	}
	out := make([]Recording, 0, len(metas))
	for _, m := range metas {
		out = append(out, m.recording())
	}
	return out, nil
}

// metas reads the meta.json of every recording of key, oldest first.
func (r *Recorder) metas(key string) ([]*meta, error) {
	ents, err := os.ReadDir(filepath.Join(r.cfg.Dir, key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []*meta
	for _, e := range ents {
		if !e.IsDir() || !validID(e.Name()) {
			continue
		}
		m, err := readMeta(filepath.Join(r.cfg.Dir, key, e.Name()))
		if err != nil || m.Key != key || m.ID != e.Name() {
			continue // being created (no segment yet), or not ours
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b *meta) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Delete removes a finished recording.
func (r *Recorder) Delete(key, id string) error {
	if !validKey(key) || !validID(id) {
		return fmt.Errorf("delete %q/%q: %w", key, id, ErrInvalidName)
	}
	dir := filepath.Join(r.cfg.Dir, key, id)
	m, err := readMeta(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete %s/%s: %w", key, id, ErrNotFound)
	}
	if err == nil && m.Live {
		return fmt.Errorf("delete %s/%s: %w", key, id, ErrLive)
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("delete %s/%s: %w", key, id, err)
	}
	os.Remove(filepath.Join(r.cfg.Dir, key)) // only when empty
	r.m.Deleted.Inc()
	return nil
}

// expire deletes the finished recordings that ended more than MaxAge ago.
func (r *Recorder) expire(now time.Time) {
	keys, err := r.keys()
	if err != nil {
		r.log.Warn("replay: retention: list keys", "err", err)
		return
	}
	for _, key := range keys {
		metas, _ := r.metas(key)
		for _, m := range metas {
			if m.Live || now.Sub(m.End) <= r.cfg.MaxAge {
				continue
			}
			if err := r.Delete(key, m.ID); err != nil {
				r.log.Warn("replay: retention: delete", "key", key, "id", m.ID, "err", err)
				continue
			}
			r.log.Info("replay: recording expired", "key", key, "id", m.ID, "end", m.End)
		}
	}
}

// keys lists the key directories.
func (r *Recorder) keys() ([]string, error) {
	ents, err := os.ReadDir(r.cfg.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, e := range ents {
		if e.IsDir() && validKey(e.Name()) {
			keys = append(keys, e.Name())
		}
	}
	return keys, nil
}
