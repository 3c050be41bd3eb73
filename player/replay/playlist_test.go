package replay

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 22, 1, 2, 3, 456e6, time.UTC)

// playlistCases feed the round-trip test and the fuzz seeds.
var playlistCases = []struct {
	name string
	pl   playlist
	want []string // lines the rendering must contain
}{
	{"empty live", playlist{Target: 4 * time.Second},
		[]string{"#EXT-X-TARGETDURATION:4", "#EXT-X-PLAYLIST-TYPE:EVENT"}},
	{"live", playlist{Target: 4 * time.Second, Segments: []segment{
		{Name: "seg000000.ts", Duration: 4 * time.Second, Time: t0},
		{Name: "seg000001.ts", Duration: 3960 * time.Millisecond, Time: t0.Add(4 * time.Second)},
	}}, []string{"#EXT-X-PLAYLIST-TYPE:EVENT", "#EXTINF:3.960,", "#EXT-X-PROGRAM-DATE-TIME:2026-11-22T01:02:03.456Z"}},
	{"ended with a gap and a long GOP", playlist{Target: 2 * time.Second, Ended: true, Segments: []segment{
		{Name: "seg000000.ts", Duration: 2 * time.Second, Time: t0},
		{Name: "seg000001.ts", Duration: 6500 * time.Millisecond, Time: t0.Add(time.Minute), Discontinuity: true},
	}}, []string{"#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-DISCONTINUITY", "#EXT-X-ENDLIST", "#EXT-X-TARGETDURATION:7"}},
}

func TestPlaylistRoundTrip(t *testing.T) {
	for _, tc := range playlistCases {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.pl.Marshal()
			for _, w := range tc.want {
				if !bytes.Contains(b, []byte(w+"\n")) {
					t.Errorf("rendering lacks %q:\n%s", w, b)
				}
			}
			if tc.pl.Ended != bytes.HasSuffix(b, []byte("#EXT-X-ENDLIST\n")) {
				t.Errorf("ENDLIST present = %v, want %v", !tc.pl.Ended, tc.pl.Ended)
			}
			got, err := parsePlaylist(b)
			if err != nil {
				t.Fatal(err)
			}
			if !equalPlaylists(got, &tc.pl) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, tc.pl)
			}
		})
	}
}

func equalPlaylists(a, b *playlist) bool {
	if a.Ended != b.Ended || len(a.Segments) != len(b.Segments) || a.targetDuration() != b.targetDuration() {
		return false
	}
	for i := range a.Segments {
		x, y := a.Segments[i], b.Segments[i]
		if x.Name != y.Name || x.Duration != y.Duration || !x.Time.Equal(y.Time) || x.Discontinuity != y.Discontinuity {
			return false
		}
	}
	return true
}

func TestParsePlaylistRejects(t *testing.T) {
	for _, in := range []string{
		"",
		"#EXTM3U\n#EXTINF:2,\n../../etc/passwd\n",
		"#EXTM3U\nseg000000.ts\n",
		"#EXTM3U\n#EXTINF:abc,\nseg000000.ts\n",
		"#EXTM3U\n#EXTINF:-1,\nseg000000.ts\n",
		"#EXTM3U\n#EXTINF:NaN,\nseg000000.ts\n",
		"#EXTM3U\n#EXT-X-PROGRAM-DATE-TIME:yesterday\n#EXTINF:2,\nseg000000.ts\n",
		"#EXTM3U\n#EXT-X-TARGETDURATION:x\n",
		"#EXTM3U\n#EXTINF:2,\nhttp://evil/seg000000.ts\n",
		"#EXTM3U\n" + strings.Repeat("x", 70<<10) + "\n",
	} {
		if _, err := parsePlaylist([]byte(in)); !errors.Is(err, errPlaylist) {
			t.Errorf("parsePlaylist(%.40q) = %v, want errPlaylist", in, err)
		}
	}
}

// FuzzParsePlaylist: any input is refused or parsed into a playlist whose
// rendering parses back to the same playlist, and never names a file
// outside the recording.
func FuzzParsePlaylist(f *testing.F) {
	for _, tc := range playlistCases {
		f.Add(tc.pl.Marshal())
	}
	f.Add([]byte("#EXTM3U\n#EXTINF:2,\n../x.ts\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pl, err := parsePlaylist(data)
		if err != nil {
			return
		}
		for _, s := range pl.Segments {
			if !validSegmentName(s.Name) {
				t.Fatalf("parsed segment name %q", s.Name)
			}
		}
		again, err := parsePlaylist(pl.Marshal())
		if err != nil {
			t.Fatalf("rendering of a parsed playlist does not parse: %v", err)
		}
		// Durations are rendered to the millisecond, times too.
		for i := range pl.Segments {
			pl.Segments[i].Duration = pl.Segments[i].Duration.Round(time.Millisecond)
			pl.Segments[i].Time = pl.Segments[i].Time.Round(time.Millisecond)
		}
		if len(again.Segments) != len(pl.Segments) || again.Ended != pl.Ended {
			t.Fatalf("round trip changed the playlist: %+v -> %+v", pl, again)
		}
	})
}

func FuzzParseMeta(f *testing.F) {
	var buf bytes.Buffer
	buf.WriteString(`{"version":1,"key":"wxdemo-1","id":"20261122T010203Z-abcdef","live":false}`)
	f.Add(buf.Bytes())
	f.Add([]byte(`{"version":1,"key":"../..","id":"x"}`))
	f.Add([]byte(`{"version":1,"key":"k","id":"20261122T010203Z-abcdef","bytes":-1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := parseMeta(data)
		if err != nil {
			return
		}
		if !validKey(m.Key) || !validID(m.ID) {
			t.Fatalf("accepted key %q id %q", m.Key, m.ID)
		}
		rc := m.recording()
		if !strings.HasPrefix(rc.URL, "/replay/"+m.Key+"/"+m.ID+"/") || strings.Contains(rc.URL, "..") {
			t.Fatalf("URL %q", rc.URL)
		}
	})
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg Config
		ok  bool
	}{
		{DefaultConfig(), true},
		{Config{}, true},
		{Config{SegmentDuration: 100 * time.Millisecond}, false},
		{Config{SegmentDuration: 2 * time.Minute}, false},
		{Config{SegmentDuration: -time.Second}, false},
		{Config{MaxAge: -time.Hour}, false},
		{Config{MaxAge: time.Second}, false},
		{Config{MaxAge: 72 * time.Hour}, true},
	} {
		if err := tc.cfg.Validate(); (err == nil) != tc.ok {
			t.Errorf("Validate(%+v) = %v, want ok=%v", tc.cfg, err, tc.ok)
		}
	}
}
