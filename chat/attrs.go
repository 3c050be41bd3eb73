package chat

import (
	"maps"
	"slices"
)

// setAttrs applies changes (a nil value removes the key) to the room's
// attributes, all or nothing, and broadcasts the result as an attrs tip.
func (r *room) setAttrs(by *user, changes map[string]*string) *reqError {
	return r.setAttrsAs(by, changes, false)
}

// setAttrsAs is setAttrs; the live layer (overrideShelf) may set the
// product card whatever the room's shelf.
func (r *room) setAttrsAs(by *user, changes map[string]*string, overrideShelf bool) *reqError {
	cfg := r.s.cfg
	for k, v := range changes {
		if k == "" || len(k) > cfg.MaxAttrKeyBytes {
			return errorf(CodeTooLarge, "attribute key %q must be 1 to %d bytes", k, cfg.MaxAttrKeyBytes)
		}
		if v != nil && len(*v) > cfg.MaxAttrValueBytes {
			return errorf(CodeTooLarge, "attribute %q value is %d bytes, limit %d", k, len(*v), cfg.MaxAttrValueBytes)
		}
	}
	mt := r.s.mediaTimeMS(r.id)
	r.mu.Lock()
	defer r.mu.Unlock()
	if !overrideShelf {
		if e := r.checkAttrsLocked(changes); e != nil {
			return e
		}
	}
	r.countAttrsLocked(changes)
	next := maps.Clone(r.attrs)
	for k, v := range changes {
		if v == nil {
			delete(next, k)
		} else {
			next[k] = *v
		}
	}
	if len(next) > cfg.MaxAttrs {
		return errorf(CodeTooLarge, "a room has at most %d attributes", cfg.MaxAttrs)
	}
	r.attrs = next
	changed := slices.Sorted(maps.Keys(changes))
	p := by.profile.Load()
	r.broadcastLocked(encode(attrsTipFrame{Type: "tip", Room: r.id, Kind: TipAttrs, Attrs: next,
		Changed: changed, From: by.id, Nick: p.Nick, Time: r.s.now().UnixMilli(), MediaTimeMS: mt}), nil)
	return nil
}
