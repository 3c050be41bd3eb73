package web

import (
	"strings"
	"testing"
)

// roomCases feed the unit test and the fuzz seeds.
var roomCases = []struct {
	room, app string
	ok        bool
}{
	{"wxdemo-1", "wxdemo", true},
	{"wx_App9-123456789012345678", "wx_App9", true},
	{"wxdemo-", "", false},
	{"-1", "", false},
	{"wxdemo", "", false},
	{"wx.demo-1", "", false},
	{"wxdemo-1-2", "", false},
	{"wxdemo-1234567890123456789", "", false},
	{strings.Repeat("a", 33) + "-1", "", false},
	{"wxdemo-１", "", false},
	{"<script>-1", "", false},
	{"", "", false},
}

func TestParseRoom(t *testing.T) {
	for _, tc := range roomCases {
		app, err := ParseRoom(tc.room)
		if (err == nil) != tc.ok || app != tc.app {
			t.Errorf("ParseRoom(%q) = %q, %v; want %q ok=%v", tc.room, app, err, tc.app, tc.ok)
		}
	}
}

func FuzzParseRoom(f *testing.F) {
	for _, tc := range roomCases {
		f.Add(tc.room)
	}
	f.Fuzz(func(t *testing.T, room string) {
		app, err := ParseRoom(room)
		if err != nil {
			return
		}
		// What passes is safe in a URL path, an attribute and a chat room id.
		if strings.ContainsAny(room, "<>\"'&/?#% ") || len(room) > 51 || !strings.HasPrefix(room, app+"-") {
			t.Fatalf("ParseRoom accepted %q (app %q)", room, app)
		}
	})
}

// FuzzCSP: whatever Host header a client sends, the page's policy keeps its
// directives: no ';', quote or space can smuggle one in.
func FuzzCSP(f *testing.F) {
	for _, h := range []string{"example.com", "127.0.0.1:8080", "[::1]:8080", "a.com; script-src *", "x'unsafe-inline'", ""} {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, host string) {
		p := csp(host, "*")
		if n := strings.Count(p, ";"); n != 10 || !strings.Contains(p, "script-src 'self';") || strings.ContainsAny(p, "\r\n") {
			t.Fatalf("host %q gave policy %q", host, p)
		}
		if strings.Count(p, "'unsafe") > 0 {
			t.Fatalf("host %q gave policy %q", host, p)
		}
	})
}
