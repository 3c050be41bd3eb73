package chat

// reloadWords loads the word list again; a file that cannot be read or
// parsed keeps the current list.
func (s *Server) reloadWords() {
	m, err := loadWordList(s.cfg.WordList)
	if err != nil {
		s.m.wordReloads.WithLabelValues("error").Inc()
		s.log.Warn("chat word list not reloaded: keeping the old list", "err", err)
		return
	}
	s.words.Store(m)
	s.m.wordReloads.WithLabelValues("ok").Inc()
	s.log.Info("chat word list reloaded", "path", s.cfg.WordList, "words", m.words)
}

// filterText applies the sensitive-word filter to text: the text to use,
// or a filtered error in reject mode. r (may be nil) counts it.
func (s *Server) filterText(text string, r *room) (string, *reqError) {
	m := s.words.Load()
	if s.cfg.FilterMode == FilterReject {
		if !m.contains(text) {
			return text, nil
		}
		s.countFiltered(r, false)
		return "", errorf(CodeFiltered, "the text contains a sensitive word")
	}
	out, found := m.mask(text)
	if found {
		s.countFiltered(r, true)
	}
	return out, nil
}

func (s *Server) countFiltered(r *room, masked bool) {
	action := "rejected"
	if masked {
		action = "masked"
	}
	s.m.filtered.WithLabelValues(action).Inc()
	if r == nil {
		return
	}
	r.mu.Lock()
	if masked {
		r.stats.FilteredMasked++
	} else {
		r.stats.FilteredRejected++
	}
	r.mu.Unlock()
}
