package stream

// Totals returns the registry's counters summed over every stream it has
// held, live or ended: what metrics export.
func (r *Registry) Totals() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.retired
	for _, e := range r.streams {
		st := e.s.Stats()
		t.Units += st.Units
		t.Bytes += st.Bytes
		t.Readers += st.Readers
		t.SkippedUnits += st.SkippedUnits
		t.SlowClosed += st.SlowClosed
	}
	return t
}

// retireLocked folds an ending stream's counters into the totals. Readers
// still draining it are no longer counted as attached.
func (r *Registry) retireLocked(s *Stream) {
	st := s.Stats()
	r.retired.Units += st.Units
	r.retired.Bytes += st.Bytes
	r.retired.SkippedUnits += st.SkippedUnits
	r.retired.SlowClosed += st.SlowClosed
}
