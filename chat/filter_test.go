package chat

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// filterWords is the list the case table is written against.
var filterWords = []string{"foo", "Bar", "oba", "日本", "he", "hers", "his", "she", "ΣΊΣΥΦΟΣ"}

// filterCases feed the unit test, the fuzz seeds and the benchmark.
var filterCases = []struct{ in, want string }{
	{"", ""},
	{"nothing to see", "nothing to see"},
	{"nothing here", "nothing **re"},
	{"foo", "***"},
	{"FoO bar", "*** ***"},
	{"foobar", "******"}, // overlapping: foo, oba, bar
	{"ushers", "u*****"}, // she, he, hers
	{"this is it", "t*** is it"},
	{"我爱日本料理", "我爱**料理"},
	{"σίσυφος", "*******"},
	{"f\xffoo", "f\xffoo"}, // invalid bytes are kept
	{"\xfffoo\xff", "\xff***\xff"},
	{"\u212aelvin ſhe", "\u212aelvin ***"}, // Kelvin sign, long s fold to k, s
	{"fo o", "fo o"},
}

func TestMatcherCases(t *testing.T) {
	m := newMatcher(filterWords)
	for _, c := range filterCases {
		got, found := m.mask(c.in)
		if got != c.want || found != (c.in != c.want) || m.contains(c.in) != found {
			t.Errorf("mask(%q) = %q, %v; want %q", c.in, got, found, c.want)
		}
		if got != naiveMask(filterWords, c.in) {
			t.Errorf("naive mask(%q) = %q, want %q", c.in, naiveMask(filterWords, c.in), got)
		}
	}
	var nilM *matcher
	if s, found := nilM.mask("foo"); s != "foo" || found {
		t.Errorf("nil matcher masked")
	}
}

// naiveMask is the obvious quadratic masker the automaton must agree with.
func naiveMask(words []string, s string) string {
	type piece struct {
		b string
		r rune
	}
	var ps []piece
	for i, r := range s {
		_, n := utf8.DecodeRuneInString(s[i:])
		ps = append(ps, piece{s[i : i+n], fold(r)})
	}
	masked := make([]bool, len(ps))
	for _, w := range words {
		wr := []rune(w)
		for i := range wr {
			wr[i] = fold(wr[i])
		}
		if len(wr) == 0 {
			continue
		}
	next:
		for i := 0; i+len(wr) <= len(ps); i++ {
			for j := range wr {
				if ps[i+j].r != wr[j] {
					continue next
				}
			}
			for j := range wr {
				masked[i+j] = true
			}
		}
	}
	var b strings.Builder
	for i, p := range ps {
		if masked[i] {
			b.WriteByte('*')
		} else {
			b.WriteString(p.b)
		}
	}
	return b.String()
}

// FuzzMask: the automaton agrees with the naive masker, keeps the rune
// count, and leaves no word behind. The words come from the input too.
func FuzzMask(f *testing.F) {
	for _, c := range filterCases {
		f.Add(strings.Join(filterWords, "\n"), c.in)
	}
	f.Fuzz(func(t *testing.T, list, text string) {
		words, err := parseWordList([]byte(list))
		if err != nil {
			return
		}
		m := newMatcher(words)
		got, found := m.mask(text)
		if want := naiveMask(words, text); got != want {
			t.Fatalf("mask(%q) with %q = %q, naive %q", text, words, got, want)
		}
		if found != (got != text) && !strings.Contains(text, "*") {
			t.Fatalf("found=%v but mask changed=%v", found, got != text)
		}
		if found != m.contains(text) {
			t.Fatalf("contains disagrees with mask")
		}
		if utf8.RuneCountInString(got) != utf8.RuneCountInString(text) {
			t.Fatalf("rune count changed: %q → %q", text, got)
		}
		if m.contains(got) {
			t.Fatalf("masked text %q still holds a word", got)
		}
	})
}

func BenchmarkMask(b *testing.B) {
	words := append([]string{}, filterWords...)
	for i := range 1000 {
		words = append(words, "word"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+string(rune('a'+i/26%26)))
	}
	m := newMatcher(words)
	text := strings.Repeat("a normal chat message without anything bad in it ", 4)
	b.ReportAllocs()
	for b.Loop() {
		m.mask(text)
	}
}

func TestParseWordList(t *testing.T) {
	words, err := parseWordList([]byte("# comment\n\n  foo  \r\nbar\n#baz\n"))
	if err != nil || strings.Join(words, ",") != "foo,bar" {
		t.Errorf("got %q, %v", words, err)
	}
	for _, bad := range []string{"a*b\n", "\xff\n", strings.Repeat("x", maxWordRunes+1)} {
		if _, err := parseWordList([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestFilterHotReload: text and nicks are masked, the list reloads when the
// file changes, a bad file keeps the old list, reject mode refuses.
func TestFilterHotReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "words.txt")
	if err := os.WriteFile(path, []byte("# test words\nbanana\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(c *Config) { c.WordList = path })
	alice := h.user("alice", "r")
	bob := h.user("bob", "r")
	alice.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "I like BANANA pie"})
	if f := bob.waitType("message"); f.Text != "I like ****** pie" {
		t.Errorf("masked text %q", f.Text)
	}
	alice.mustDo("ack", map[string]any{"type": "set_profile", "nick": "banana man"})
	alice.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "hi"})
	if f := bob.waitType("message"); f.Nick != "****** man" {
		t.Errorf("masked nick %q", f.Nick)
	}

	// Replace the list (by rename, as editors do) and wait for the reload.
	replace := func(content string) {
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	waitLoads := func(result string, n float64) {
		t.Helper()
		// Polls for the watcher's reload; the deadline only stops a hang.
		for deadline := time.Now().Add(waitLimit); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if h.metric("livestudio_chat_word_list_loads_total", "result", result) >= n {
				return
			}
		}
		t.Fatalf("no %s reload", result)
	}
	replace("cherry\n")
	waitLoads("ok", 2)
	alice.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "banana cherry"})
	if f := bob.waitType("message"); f.Text != "banana ******" {
		t.Errorf("after reload %q", f.Text)
	}
	replace("bad*word\n")
	waitLoads("error", 1)
	alice.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "banana cherry"})
	if f := bob.waitType("message"); f.Text != "banana ******" {
		t.Errorf("after bad reload %q", f.Text)
	}
	st, _ := h.s.RoomStats("r")
	if st.FilteredMasked != 3 {
		t.Errorf("stats %+v", st)
	}
}

func TestFilterReject(t *testing.T) {
	path := filepath.Join(t.TempDir(), "words.txt")
	if err := os.WriteFile(path, []byte("banana\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(c *Config) { c.WordList, c.FilterMode = path, FilterReject })
	alice := h.user("alice", "r")
	if f := alice.do(map[string]any{"type": "send", "kind": "text", "text": "Banana!"}); f.Code != CodeFiltered {
		t.Errorf("send: %+v", f)
	}
	if f := alice.do(map[string]any{"type": "set_profile", "nick": "bananas"}); f.Code != CodeFiltered {
		t.Errorf("nick: %+v", f)
	}
	alice.mustDo("ack", map[string]any{"type": "send", "kind": "text", "text": "apple"})
	if st, _ := h.s.RoomStats("r"); st.FilteredRejected != 1 || st.Delivered[PriorityNormal] != 1 {
		t.Errorf("stats %+v", st)
	}
	if v := h.metric("livestudio_chat_filtered_total", "action", "rejected"); v != 2 {
		t.Errorf("metric %v", v)
	}
}

func TestWordListMissing(t *testing.T) {
	cfg := DefaultConfig()
	cfg.SDKAppID, cfg.SecretKey, cfg.WordList = testAppID, testKey, filepath.Join(t.TempDir(), "nope.txt")
	if _, err := New(cfg, Options{}); err == nil {
		t.Fatal("New with a missing word list: no error")
	}
}
