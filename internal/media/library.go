package media

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"livestudio/internal/store"
)

// Options are the library's collaborators.
type Options struct {
	Store store.MediaStore
	Log   *slog.Logger
	// Metrics registers the counters; nil keeps them unregistered.
	Metrics prometheus.Registerer
	// Now is the clock (tests); nil: time.Now.
	Now func() time.Time
}

// Library stores and serves an app's uploaded images.
type Library struct {
	cfg Config
	st  store.MediaStore
	log *slog.Logger
	now func() time.Time
	m   *metrics
}

// idBytes of crypto/rand make an id: 192 bits, not guessable.
const idBytes = 24

// idLen is an id's length in base64url.
var idLen = base64.RawURLEncoding.EncodedLen(idBytes)

// New checks cfg and creates its directory.
func New(cfg Config, opts Options) (*Library, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Dir == "" {
		return nil, fmt.Errorf("media.dir: must be set")
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("media dir: %w", err)
	}
	l := &Library{cfg: cfg, st: opts.Store, log: opts.Log, now: opts.Now, m: newMetrics(opts.Metrics)}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	if l.now == nil {
		l.now = time.Now
	}
	return l, nil
}

// Limit is the size limit of an upload of kind.
func (l *Library) Limit(kind string) int64 {
	if kind == "thumb" {
		return MaxThumbBytes
	}
	return l.cfg.MaxImageBytes
}

// TooLarge is the refusal of an upload of kind over its limit.
func (l *Library) TooLarge(kind string) *Error {
	if kind == "thumb" {
		return errorf(ErrcodeThumbSize, "invalid thumb size: at most %d bytes", MaxThumbBytes)
	}
	return errorf(ErrcodeImageSize, "invalid image size: at most %d bytes", l.cfg.MaxImageBytes)
}

// IsID tells whether s has the shape of a media id (before any lookup).
func IsID(s string) bool {
	if len(s) != idLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func (l *Library) invalidID(id string) *Error {
	if len(id) > 64 {
		id = id[:64] + "..."
	}
	return errorf(ErrcodeInvalidMediaID, "invalid media_id %q: unknown, expired (unused uploads live %s) or another app's",
		id, l.cfg.TTL)
}

func (l *Library) path(id string) string { return filepath.Join(l.cfg.Dir, id) }

// Save checks data (type, size, format) and stores it as a new media of
// appID; it returns the record.
func (l *Library) Save(ctx context.Context, appID, kind string, data []byte) (store.Media, error) {
	if _, ok := formats[kind]; !ok {
		return store.Media{}, errorf(ErrcodeInvalidType, "invalid media type %q: only image and thumb are served here", kind)
	}
	if int64(len(data)) > l.Limit(kind) {
		return store.Media{}, l.TooLarge(kind)
	}
	ct, e := Sniff(kind, data)
	if e != nil {
		return store.Media{}, e
	}
	var raw [idBytes]byte
	rand.Read(raw[:]) // never fails (crypto/rand)
	now := l.now()
	m := store.Media{ID: base64.RawURLEncoding.EncodeToString(raw[:]), AppID: appID, Type: kind, ContentType: ct,
		Size: int64(len(data)), CreatedAt: now.Unix(), ExpiresAt: now.Add(l.cfg.TTL).Unix()}
	// Write then rename: a crash never leaves a record with a partial file.
	tmp, err := os.CreateTemp(l.cfg.Dir, ".upload-*")
	if err != nil {
		return m, fmt.Errorf("save media: %w", err)
	}
	_, werr := tmp.Write(data)
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), l.path(m.ID))
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return m, fmt.Errorf("save media: %w", werr)
	}
	if err := l.st.PutMedia(ctx, m); err != nil {
		os.Remove(l.path(m.ID))
		return m, fmt.Errorf("save media %s: %w", m.ID, err)
	}
	l.log.Debug("media saved", "app", appID, "id", m.ID, "type", ct, "size", m.Size)
	return m, nil
}

// Get returns appID's live (unexpired) media id; *Error 40007 otherwise.
func (l *Library) Get(ctx context.Context, appID, id string) (store.Media, error) {
	if !IsID(id) {
		return store.Media{}, l.invalidID(id)
	}
	m, err := l.st.Media(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return m, l.invalidID(id)
	case err != nil:
		return m, fmt.Errorf("media %s: %w", id, err)
	case m.AppID != appID, m.ExpiresAt != 0 && m.ExpiresAt <= l.now().Unix():
		return m, l.invalidID(id)
	}
	return m, nil
}

// Open opens a media's file.
func (l *Library) Open(m store.Media) (*os.File, error) { return os.Open(l.path(m.ID)) }

// Use keeps appID's media id while a room or goods refers to it; an
// unknown, expired or other app's id is *Error 40007.
func (l *Library) Use(ctx context.Context, appID, id string) error {
	if !IsID(id) {
		return l.invalidID(id)
	}
	err := l.st.PinMedia(ctx, appID, id, l.now().Unix())
	if errors.Is(err, store.ErrNotFound) {
		return l.invalidID(id)
	}
	if err != nil {
		return fmt.Errorf("use media %s: %w", id, err)
	}
	return nil
}

// Sweep pins the media rooms and goods use, lets the others expire one TTL
// after they were last used, and deletes the expired ones with their
// files; it returns how many it deleted.
func (l *Library) Sweep(ctx context.Context) (int, error) {
	now := l.now()
	gone, err := l.st.SweepMedia(ctx, now.Unix(), now.Add(l.cfg.TTL).Unix())
	if err != nil {
		return 0, fmt.Errorf("media sweep: %w", err)
	}
	for _, id := range gone {
		if err := os.Remove(l.path(id)); err != nil && !errors.Is(err, os.ErrNotExist) {
			l.log.Warn("expired media file not removed", "id", id, "err", err)
		}
	}
	l.removeStrays(ctx)
	l.m.swept.Add(float64(len(gone)))
	if len(gone) > 0 {
		l.log.Info("expired media deleted", "count", len(gone))
	}
	return len(gone), nil
}

// Run sweeps every cfg.SweepEvery until ctx ends.
func (l *Library) Run(ctx context.Context) error {
	t := time.NewTicker(l.cfg.SweepEvery)
	defer t.Stop()
	for {
		if _, err := l.Sweep(ctx); err != nil && ctx.Err() == nil {
			l.log.Warn("media sweep failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// TTL is how long an unused upload lives.
func (l *Library) TTL() time.Duration { return l.cfg.TTL }

// strayAge is how old a file without a record must be before the sweep
// removes it: older than any upload in progress.
const strayAge = time.Hour

// removeStrays removes files that have no record: temporary files of
// uploads cut short, and files whose record was never written (a crash
// between the rename and the insert).
func (l *Library) removeStrays(ctx context.Context) {
	entries, err := os.ReadDir(l.cfg.Dir)
	if err != nil {
		l.log.Warn("media dir not listed", "err", err)
		return
	}
	for _, e := range entries {
		info, err := e.Info()
		// Wall-clock time, not l.now: modification times are the file system's.
		if err != nil || e.IsDir() || time.Since(info.ModTime()) < strayAge {
			continue
		}
		name := e.Name()
		if IsID(name) {
			if _, err := l.st.Media(ctx, name); !errors.Is(err, store.ErrNotFound) {
				continue // recorded, or the store failed: keep it
			}
		} else if !strings.HasPrefix(name, ".upload-") {
			continue // not ours
		}
		if err := os.Remove(filepath.Join(l.cfg.Dir, name)); err == nil {
			l.log.Info("stray media file removed", "name", name)
		}
	}
}
