package stream

// Watching publishers: the live rooms (internal/live) follow whether a
// room's stream is published, and stop a publisher when a room ends.

// OnChange sets f to be called, outside the registry's locks, after a key
// gains a publisher or loses it (unpublish, drop, kick). Calls for one key
// may arrive out of order from different goroutines, so f should read
// Publishing(key) rather than assume a direction. Set it before the first
// Publish; nil disables it.
func (r *Registry) OnChange(f func(key string)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.onChange = f
}

func (r *Registry) changed(key string) {
	r.mu.Lock()
	f := r.onChange
	r.mu.Unlock()
	if f != nil {
		f(key)
	}
}

// Publishing reports whether key has a live publisher now.
func (r *Registry) Publishing(key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.streams[key]
	return e != nil && e.pub != nil
}

// Kick stops key's publisher, if any, as a takeover does: its connection is
// closed and the stream waits ReconnectGrace for a new one (which the
// caller's publish check may refuse). It reports whether there was one.
func (r *Registry) Kick(key string) bool {
	r.mu.Lock()
	e := r.streams[key]
	if e == nil || e.pub == nil {
		r.mu.Unlock()
		return false
	}
	p := e.pub
	r.mu.Unlock()
	p.kick()
	// The kicked publisher's Close finds itself closed already and does
	// not release: release it here, as a dropped publisher.
	if r.release(p, false) {
		r.changed(key)
	}
	return true
}
