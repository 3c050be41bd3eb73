package chat

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Filter modes (config filter_mode).
const (
	FilterMask   = "mask"
	FilterReject = "reject"
)

// maxWordRunes bounds one sensitive word; longer lines are refused.
const maxWordRunes = 64

// matcher finds sensitive words in text, ignoring case: an Aho-Corasick
// automaton over lower-cased runes, so a message is scanned once whatever
// the number of words. It is immutable once built and shared by pointer;
// a reload builds a new one.
type matcher struct {
	nodes []acNode
	words int
}

type acNode struct {
	next map[rune]int32
	fail int32
	// out is the length in runes of the longest word that ends here (this
	// node's word or one reached through fail links); 0 for none. The
	// longest covers every shorter word ending at the same place.
	out int32
}

// fold maps every rune of a case-folding orbit (K, k and the Kelvin sign;
// Σ, σ and ς) to one representative: the ASCII lower-case letter if the
// orbit has one, else the smallest rune. ASCII takes the fast path.
func fold(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}
	best := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < utf8.RuneSelf {
			return fold(f)
		}
		best = min(best, f)
	}
	return best
}

// newMatcher builds the automaton. Empty words are ignored.
func newMatcher(words []string) *matcher {
	m := &matcher{nodes: []acNode{{}}}
	for _, w := range words {
		n, depth := int32(0), int32(0)
		for _, r := range w {
			r = fold(r)
			nx, ok := m.nodes[n].next[r]
			if !ok {
				nx = int32(len(m.nodes))
				m.nodes = append(m.nodes, acNode{})
				if m.nodes[n].next == nil {
					m.nodes[n].next = map[rune]int32{}
				}
				m.nodes[n].next[r] = nx
			}
			n = nx
			depth++
		}
		if depth > 0 {
			if m.nodes[n].out == 0 {
				m.words++
			}
			m.nodes[n].out = depth
		}
	}
	// Breadth first: fail links point to shallower nodes, already done.
	queue := make([]int32, 0, len(m.nodes))
	for _, c := range m.nodes[0].next {
		queue = append(queue, c)
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for r, c := range m.nodes[n].next {
			f := m.nodes[n].fail
			for {
				if t, ok := m.nodes[f].next[r]; ok {
					m.nodes[c].fail = t
					break
				}
				if f == 0 {
					break
				}
				f = m.nodes[f].fail
			}
			m.nodes[c].out = max(m.nodes[c].out, m.nodes[m.nodes[c].fail].out)
			queue = append(queue, c)
		}
	}
	return m
}

// step follows rune r from state n.
func (m *matcher) step(n int32, r rune) int32 {
	for {
		if t, ok := m.nodes[n].next[r]; ok {
			return t
		}
		if n == 0 {
			return 0
		}
		n = m.nodes[n].fail
	}
}

// contains reports whether s holds a word. It does not allocate.
func (m *matcher) contains(s string) bool {
	if m == nil || m.words == 0 {
		return false
	}
	n := int32(0)
	for _, r := range s {
		n = m.step(n, fold(r))
		if m.nodes[n].out > 0 {
			return true
		}
	}
	return false
}

// mask replaces each rune of every word found in s with '*' and reports
// whether it found any. Bytes outside matches (invalid UTF-8 included) are
// kept as they were. Text without words is returned as is, unallocated.
func (m *matcher) mask(s string) (string, bool) {
	if !m.contains(s) {
		return s, false
	}
	var starts []int // byte offset of each rune
	for i := range s {
		starts = append(starts, i)
	}
	masked := make([]bool, len(starts))
	n, i := int32(0), 0
	for _, r := range s {
		n = m.step(n, fold(r))
		if k := int(m.nodes[n].out); k > 0 {
			for j := i - k + 1; j <= i; j++ {
				masked[j] = true
			}
		}
		i++
	}
	var b strings.Builder
	b.Grow(len(s))
	for j, st := range starts {
		if masked[j] {
			b.WriteByte('*')
			continue
		}
		end := len(s)
		if j+1 < len(starts) {
			end = starts[j+1]
		}
		b.WriteString(s[st:end])
	}
	return b.String(), true
}

// parseWordList reads one word per line; blank lines and lines starting
// with '#' are skipped, surrounding space is trimmed.
func parseWordList(data []byte) ([]string, error) {
	var words []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; sc.Scan(); line++ {
		w := strings.TrimSpace(sc.Text())
		if w == "" || strings.HasPrefix(w, "#") {
			continue
		}
		switch {
		case !utf8.ValidString(w):
			return nil, fmt.Errorf("line %d: not valid UTF-8", line)
		case utf8.RuneCountInString(w) > maxWordRunes:
			return nil, fmt.Errorf("line %d: word longer than %d characters", line, maxWordRunes)
		case strings.ContainsRune(w, '*'):
			return nil, fmt.Errorf("line %d: a word may not contain '*' (the mask character)", line)
		}
		words = append(words, w)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return words, nil
}

// loadWordList reads and compiles the word list at path.
func loadWordList(path string) (*matcher, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("word list: %w", err)
	}
	words, err := parseWordList(data)
	if err != nil {
		return nil, fmt.Errorf("word list %s: %w", path, err)
	}
	return newMatcher(words), nil
}
