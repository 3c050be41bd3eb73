package live

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"livestudio/internal/store"
)

const testAdminToken = "test-rooms-admin-token"

// fakeStreams is the stream registry as rooms see it.
type fakeStreams struct {
	mu   sync.Mutex
	live map[string]bool
}

func (f *fakeStreams) Publishing(key string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.live[key]
}

func (f *fakeStreams) Kick(key string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	was := f.live[key]
	f.live[key] = false
	return was
}

func (f *fakeStreams) set(key string, on bool) {
	f.mu.Lock()
	f.live[key] = on
	f.mu.Unlock()
}

// facesFixture: both faces over one Rooms (no chat), the clock at *now,
// room 1 (not started), goods 1 approved and in room 1, goods 2 pending.
type facesFixture struct {
	s       *Service
	rs      *Rooms
	srv     *httptest.Server
	streams *fakeStreams
	now     *time.Time
	token   string
	reg     *prometheus.Registry
}

func newFaces(t testing.TB) *facesFixture {
	t.Helper()
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	apps := []App{{AppID: "wxdemo", Secret: "demo-secret", PushKey: "demo-push-key", PushURLTTL: time.Hour, ManagedRooms: true}}
	st, err := store.OpenSQLite(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg := DefaultRoomsConfig()
	cfg.AdminToken = testAdminToken
	streams := &fakeStreams{live: map[string]bool{}}
	reg := prometheus.NewRegistry()
	rs, err := NewRooms(context.Background(), cfg, apps, RoomsOptions{Store: st, Streams: streams, Now: clock,
		PublicBase: "http://gw.example", Metrics: reg})
	if err != nil {
		t.Fatal(err)
	}
	s := NewService(apps, 2*time.Hour, "127.0.0.1:1935", slog.New(slog.DiscardHandler))
	s.now = clock
	s.AttachRooms(rs)
	mux := http.NewServeMux()
	s.Register(mux)
	mux.Handle("/api/v1/", rs.RESTHandler())
	mux.HandleFunc(ShareImagePath, rs.ServeShareImage)
	f := &facesFixture{s: s, rs: rs, srv: httptest.NewServer(mux), streams: streams, now: &now, reg: reg}
	t.Cleanup(f.srv.Close)
	f.token, _ = s.issueToken(apps[0], false)
	ctx := context.Background()
	start := now.Unix() + 3600
	in := RoomInput{Name: ptr("Room number one"), CoverImg: ptr("c"), StartTime: &start, EndTime: ptr(start + 7200),
		AnchorName: ptr("Anchor"), AnchorWechat: ptr("anchor1"), ShareImg: ptr("s")}
	if _, err := rs.CreateRoom(ctx, "wxdemo", in); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		g, err := rs.AddGoods(ctx, "wxdemo", GoodsInput{CoverImgURL: ptr("c"), Name: ptr(fmt.Sprint("Goods ", i+1)),
			PriceType: ptr(1), Price: ptr(9.9), URL: ptr("pages/g")})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			rs.Approve(ctx, "wxdemo", g.ID, true)
			if err := rs.AddRoomGoods(ctx, "wxdemo", 1, []int64{g.ID}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return f
}

func ptr[T any](v T) *T { return &v }

// call sends one request; it returns the HTTP status and the answer.
func (f *facesFixture) call(t testing.TB, method, path, auth, body string) (int, map[string]any) {
	t.Helper()
	var rd *strings.Reader
	if body != "" || method != "GET" {
		rd = strings.NewReader(body)
	}
	var req *http.Request
	if rd != nil {
		req, _ = http.NewRequest(method, f.srv.URL+path, rd)
	} else {
		req, _ = http.NewRequest(method, f.srv.URL+path, nil)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s %s: answer is not JSON: %v", method, path, err)
	}
	if _, ok := out["errcode"]; !ok {
		t.Fatalf("%s %s: no errcode in %v", method, path, out)
	}
	return resp.StatusCode, out
}

func (f *facesFixture) wx(t testing.TB, method, path, body string) map[string]any {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	_, out := f.call(t, method, path+sep+"access_token="+url.QueryEscape(f.token), "", body)
	return out
}

var wxPaths = []string{
	"/wxaapi/broadcast/room/create", "/wxa/business/getliveinfo", "/wxaapi/broadcast/room/deleteroom",
	"/wxaapi/broadcast/room/editroom", "/wxaapi/broadcast/room/getpushurl", "/wxaapi/broadcast/room/getsharedcode",
	"/wxaapi/broadcast/room/addassistant", "/wxaapi/broadcast/room/modifyassistant", "/wxaapi/broadcast/room/removeassistant",
	"/wxaapi/broadcast/room/getassistantlist", "/wxaapi/broadcast/room/addsubanchor", "/wxaapi/broadcast/room/modifysubanchor",
	"/wxaapi/broadcast/room/deletesubanchor", "/wxaapi/broadcast/room/getsubanchor", "/wxaapi/broadcast/room/updatefeedpublic",
	"/wxaapi/broadcast/room/updatereplay", "/wxaapi/broadcast/room/updatekf", "/wxaapi/broadcast/room/updatecomment",
	"/wxaapi/broadcast/room/addgoods", "/wxaapi/broadcast/goods/onsale", "/wxaapi/broadcast/goods/deleteInRoom",
	"/wxaapi/broadcast/goods/push", "/wxaapi/broadcast/goods/sort", "/wxaapi/broadcast/goods/getVideo",
	"/wxaapi/broadcast/goods/add", "/wxaapi/broadcast/goods/update", "/wxaapi/broadcast/goods/delete",
	"/wxaapi/broadcast/goods/audit", "/wxaapi/broadcast/goods/resetaudit", "/wxaapi/broadcast/goods/getapproved",
	"/wxa/business/getgoodswarehouse", "/wxaapi/broadcast/role/addrole", "/wxaapi/broadcast/role/deleterole",
	"/wxaapi/broadcast/role/getrolelist",
}

// getPaths take their parameters from the query.
var getPaths = map[string]bool{"/wxaapi/broadcast/room/getpushurl": true, "/wxaapi/broadcast/room/getsharedcode": true,
	"/wxaapi/broadcast/room/getassistantlist": true, "/wxaapi/broadcast/room/getsubanchor": true,
	"/wxaapi/broadcast/goods/getapproved": true, "/wxaapi/broadcast/role/getrolelist": true}

// TestWxTokensAndBodies: every WeChat-face path refuses a missing, forged
// or expired token, and every POST path an empty, malformed or mistyped
// body, with WeChat's codes.
func TestWxTokensAndBodies(t *testing.T) {
	f := newFaces(t)
	forged := f.token[:len(f.token)-3] + "abc"
	for _, p := range wxPaths {
		if _, r := f.call(t, "POST", p, "", "{}"); errcode(r) != ErrcodeMissingToken {
			t.Errorf("%s without token: %v", p, r)
		}
		if _, r := f.call(t, "POST", p+"?access_token="+url.QueryEscape(forged), "", "{}"); errcode(r) != ErrcodeInvalidCred {
			t.Errorf("%s with a forged token: %v", p, r)
		}
		if getPaths[p] {
			continue
		}
		for _, c := range []struct {
			body string
			want int
		}{{"", ErrcodeBadRequest}, {"{", ErrcodeDataFormat}, {"[1,2]", ErrcodeDataFormat}, {`{"roomId":"x1","goodsId":{},"start":"x","id":"x","username":7,"goodsInfo":7,"goods_ids":7}`, ErrcodeDataFormat},
			{`{"a":1} {"b":2}`, ErrcodeDataFormat}} {
			if r := f.wx(t, "POST", p, c.body); errcode(r) != c.want {
				t.Errorf("%s body %q: %v, want %d", p, c.body, r, c.want)
			}
		}
		if r := f.wx(t, "GET", p, ""); errcode(r) != ErrcodeMethodNotAllow {
			t.Errorf("GET %s: %v", p, r)
		}
	}
	big := `{"name":"` + strings.Repeat("x", maxBody) + `"}`
	if r := f.wx(t, "POST", "/wxaapi/broadcast/room/create", big); errcode(r) != ErrcodeDataFormat {
		t.Errorf("oversized body: %v", r)
	}
	*f.now = f.now.Add(3 * time.Hour)
	if r := f.wx(t, "POST", "/wxa/business/getliveinfo", "{}"); errcode(r) != ErrcodeTokenExpired {
		t.Errorf("expired token: %v", r)
	}
	// Every refusal is counted.
	if n := counterValue(f.rs.m.requests.WithLabelValues("wechat", "/wxaapi/broadcast/room/create", "41001")); n != 1 {
		t.Errorf("missing-token refusals of create counted %v, want 1", n)
	}
	if n := counterValue(f.rs.m.requests.WithLabelValues("wechat", "/wxaapi/broadcast/room/create", "47001")); n < 4 {
		t.Errorf("malformed bodies of create counted %v", n)
	}
}

func errcode(m map[string]any) int {
	f, _ := m["errcode"].(float64)
	return int(f)
}

// TestWxEndpoints: each operation's success and its refusals.
func TestWxEndpoints(t *testing.T) {
	f := newFaces(t)
	now := f.now.Unix()
	room := func(extra string) string {
		return fmt.Sprintf(`{"name":"Tea tasting live","coverImg":"c","startTime":%d,"endTime":%d,"anchorName":"Anchor Li","anchorWechat":"li_1","shareImg":"s"%s}`,
			now+900, now+900+3600, extra)
	}
	cases := []struct {
		name, method, path, body string
		want                     int
	}{
		{"create", "POST", "/wxaapi/broadcast/room/create", room(""), 0},
		{"create missing name", "POST", "/wxaapi/broadcast/room/create", strings.Replace(room(""), `"name"`, `"nam"`, 1), ErrcodeDataFormat},
		{"create short name", "POST", "/wxaapi/broadcast/room/create", strings.Replace(room(""), "Tea tasting live", "Tea", 1), ErrcodeNameLength},
		{"create CJK name counts double", "POST", "/wxaapi/broadcast/room/create", strings.Replace(room(""), "Tea tasting live", "品茶直播", 1), 0},
		{"create long anchor", "POST", "/wxaapi/broadcast/room/create", strings.Replace(room(""), "Anchor Li", strings.Repeat("A", 31), 1), ErrcodeAnchorName},
		{"create bad wechat", "POST", "/wxaapi/broadcast/room/create", strings.Replace(room(""), "li_1", "li 1", 1), ErrcodeAnchorWechat},
		{"create startTime a string", "POST", "/wxaapi/broadcast/room/create", strings.Replace(room(""), fmt.Sprintf(`"startTime":%d`, now+900), `"startTime":"soon"`, 1), ErrcodeDataFormat},
		{"create starts too soon", "POST", "/wxaapi/broadcast/room/create", strings.Replace(room(""), fmt.Sprint(now+900), fmt.Sprint(now+60), 1), ErrcodeDataFormat},
		{"create too short", "POST", "/wxaapi/broadcast/room/create", strings.Replace(room(""), fmt.Sprint(now+900+3600), fmt.Sprint(now+900+600), 1), ErrcodeDataFormat},
		{"create too long", "POST", "/wxaapi/broadcast/room/create", strings.Replace(room(""), fmt.Sprint(now+900+3600), fmt.Sprint(now+900+25*3600), 1), ErrcodeDataFormat},
		{"create flag 2", "POST", "/wxaapi/broadcast/room/create", room(`,"closeLike":2`), ErrcodeDataFormat},
		{"list", "POST", "/wxa/business/getliveinfo", `{"start":0,"limit":10}`, 0},
		{"list limit 0", "POST", "/wxa/business/getliveinfo", `{"start":0,"limit":0}`, ErrcodeDataFormat},
		{"list bad action", "POST", "/wxa/business/getliveinfo", `{"action":"x"}`, ErrcodeDataFormat},
		{"replay", "POST", "/wxa/business/getliveinfo", `{"action":"get_replay","room_id":1,"start":0,"limit":10}`, 0},
		{"replay unknown room", "POST", "/wxa/business/getliveinfo", `{"action":"get_replay","room_id":99}`, ErrcodeRoomNotFound},
		{"edit", "POST", "/wxaapi/broadcast/room/editroom", `{"id":1,"name":"A better room name"}`, 0},
		{"edit no id", "POST", "/wxaapi/broadcast/room/editroom", `{"name":"A better room name"}`, ErrcodeDataFormat},
		{"edit unknown", "POST", "/wxaapi/broadcast/room/editroom", `{"id":99,"name":"A better room name"}`, ErrcodeRoomNotFound},
		{"edit window", "POST", "/wxaapi/broadcast/room/editroom", fmt.Sprintf(`{"id":1,"endTime":%d}`, now+3600+60), ErrcodeDataFormat},
		{"pushurl", "GET", "/wxaapi/broadcast/room/getpushurl?roomId=1", "", 0},
		{"pushurl unknown", "GET", "/wxaapi/broadcast/room/getpushurl?roomId=99", "", ErrcodeRoomNotFound},
		{"sharedcode", "GET", "/wxaapi/broadcast/room/getsharedcode?roomId=1&params=a%3D1", "", 0},
		{"sharedcode bad id", "GET", "/wxaapi/broadcast/room/getsharedcode?roomId=x", "", ErrcodeDataFormat},
		{"sharedcode unknown", "GET", "/wxaapi/broadcast/room/getsharedcode?roomId=99", "", ErrcodeRoomNotFound},
		{"addassistant", "POST", "/wxaapi/broadcast/room/addassistant", `{"roomId":1,"users":[{"username":"helper1","nickname":"Helper"}]}`, 0},
		{"addassistant again", "POST", "/wxaapi/broadcast/room/addassistant", `{"roomId":1,"users":[{"username":"helper1","nickname":"Helper"}]}`, ErrcodeAssistantExists},
		{"addassistant none", "POST", "/wxaapi/broadcast/room/addassistant", `{"roomId":1,"users":[]}`, ErrcodeDataFormat},
		{"addassistant unknown room", "POST", "/wxaapi/broadcast/room/addassistant", `{"roomId":99,"users":[{"username":"h2","nickname":"H"}]}`, ErrcodeRoomNotFound},
		{"modifyassistant", "POST", "/wxaapi/broadcast/room/modifyassistant", `{"roomId":1,"username":"helper1","nickname":"Helper One"}`, 0},
		{"modifyassistant unknown", "POST", "/wxaapi/broadcast/room/modifyassistant", `{"roomId":1,"username":"nobody","nickname":"x"}`, ErrcodeUserNotFound},
		{"getassistantlist", "GET", "/wxaapi/broadcast/room/getassistantlist?roomId=1", "", 0},
		{"removeassistant", "POST", "/wxaapi/broadcast/room/removeassistant", `{"roomId":1,"username":"helper1"}`, 0},
		{"removeassistant again", "POST", "/wxaapi/broadcast/room/removeassistant", `{"roomId":1,"username":"helper1"}`, ErrcodeUserNotFound},
		{"getsubanchor none", "GET", "/wxaapi/broadcast/room/getsubanchor?roomId=1", "", ErrcodeNoSubAnchor},
		{"modifysubanchor none", "POST", "/wxaapi/broadcast/room/modifysubanchor", `{"roomId":1,"username":"sub1"}`, ErrcodeNoSubAnchor},
		{"addsubanchor", "POST", "/wxaapi/broadcast/room/addsubanchor", `{"roomId":1,"username":"sub1"}`, 0},
		{"addsubanchor again", "POST", "/wxaapi/broadcast/room/addsubanchor", `{"roomId":1,"username":"sub2"}`, ErrcodeSubAnchorExists},
		{"addsubanchor bad name", "POST", "/wxaapi/broadcast/room/addsubanchor", `{"roomId":1,"username":"a b"}`, ErrcodeSubAnchorWechat},
		{"modifysubanchor", "POST", "/wxaapi/broadcast/room/modifysubanchor", `{"roomId":1,"username":"sub2"}`, 0},
		{"getsubanchor", "GET", "/wxaapi/broadcast/room/getsubanchor?roomId=1", "", 0},
		{"deletesubanchor", "POST", "/wxaapi/broadcast/room/deletesubanchor", `{"roomId":1}`, 0},
		{"deletesubanchor again", "POST", "/wxaapi/broadcast/room/deletesubanchor", `{"roomId":1}`, ErrcodeNoSubAnchor},
		{"updatefeedpublic", "POST", "/wxaapi/broadcast/room/updatefeedpublic", `{"roomId":1,"isFeedsPublic":1}`, 0},
		{"updatereplay", "POST", "/wxaapi/broadcast/room/updatereplay", `{"roomId":1,"closeReplay":1}`, 0},
		{"updatekf", "POST", "/wxaapi/broadcast/room/updatekf", `{"roomId":1,"closeKf":1}`, 0},
		{"updatecomment", "POST", "/wxaapi/broadcast/room/updatecomment", `{"roomId":1,"banComment":1}`, 0},
		{"updatecomment 2", "POST", "/wxaapi/broadcast/room/updatecomment", `{"roomId":1,"banComment":2}`, ErrcodeDataFormat},
		{"updatecomment missing", "POST", "/wxaapi/broadcast/room/updatecomment", `{"roomId":1}`, ErrcodeDataFormat},
		{"updatekf unknown room", "POST", "/wxaapi/broadcast/room/updatekf", `{"roomId":99,"closeKf":1}`, ErrcodeRoomNotFound},
		{"goods add", "POST", "/wxaapi/broadcast/goods/add", `{"goodsInfo":{"coverImgUrl":"c","name":"Range","priceType":2,"price":1,"price2":2.5,"url":"p"}}`, 0},
		{"goods add no info", "POST", "/wxaapi/broadcast/goods/add", `{}`, ErrcodeDataFormat},
		{"goods add 3 decimals", "POST", "/wxaapi/broadcast/goods/add", `{"goodsInfo":{"coverImgUrl":"c","name":"X","priceType":1,"price":1.999,"url":"p"}}`, ErrcodePrice},
		{"goods add bad range", "POST", "/wxaapi/broadcast/goods/add", `{"goodsInfo":{"coverImgUrl":"c","name":"X","priceType":2,"price":3,"price2":2,"url":"p"}}`, ErrcodePrice},
		{"goods add bad discount", "POST", "/wxaapi/broadcast/goods/add", `{"goodsInfo":{"coverImgUrl":"c","name":"X","priceType":3,"price":3,"price2":4,"url":"p"}}`, ErrcodePrice},
		{"goods add priceType 4", "POST", "/wxaapi/broadcast/goods/add", `{"goodsInfo":{"coverImgUrl":"c","name":"X","priceType":4,"price":3,"url":"p"}}`, ErrcodePrice},
		{"goods add long name", "POST", "/wxaapi/broadcast/goods/add", `{"goodsInfo":{"coverImgUrl":"c","name":"` + strings.Repeat("x", 29) + `","priceType":1,"price":3,"url":"p"}}`, ErrcodeGoodsName},
		{"goods add price string", "POST", "/wxaapi/broadcast/goods/add", `{"goodsInfo":{"coverImgUrl":"c","name":"X","priceType":1,"price":"3","url":"p"}}`, ErrcodeDataFormat},
		{"goods update pending", "POST", "/wxaapi/broadcast/goods/update", `{"goodsInfo":{"goodsId":2,"price":5}}`, ErrcodeAuditing},
		{"goods update approved name", "POST", "/wxaapi/broadcast/goods/update", `{"goodsInfo":{"goodsId":1,"name":"Other"}}`, ErrcodeAuditState},
		{"goods update approved price", "POST", "/wxaapi/broadcast/goods/update", `{"goodsInfo":{"goodsId":1,"price":8.8}}`, 0},
		{"goods update unknown", "POST", "/wxaapi/broadcast/goods/update", `{"goodsInfo":{"goodsId":99,"price":8.8}}`, ErrcodeGoodsNotFound},
		{"goods delete pending", "POST", "/wxaapi/broadcast/goods/delete", `{"goodsId":2}`, ErrcodeAuditing},
		{"goods audit pending", "POST", "/wxaapi/broadcast/goods/audit", `{"goodsId":2}`, ErrcodeAuditState},
		{"goods resetaudit", "POST", "/wxaapi/broadcast/goods/resetaudit", `{"goodsId":2}`, 0},
		{"goods resetaudit again", "POST", "/wxaapi/broadcast/goods/resetaudit", `{"goodsId":2}`, ErrcodeNotSubmitted},
		{"goods audit", "POST", "/wxaapi/broadcast/goods/audit", `{"goodsId":2}`, 0},
		{"getapproved", "GET", "/wxaapi/broadcast/goods/getapproved?status=2&offset=0&limit=10", "", 0},
		{"getapproved no status", "GET", "/wxaapi/broadcast/goods/getapproved", "", ErrcodeDataFormat},
		{"warehouse", "POST", "/wxa/business/getgoodswarehouse", `{"goods_ids":[1,2]}`, 0},
		{"warehouse unknown", "POST", "/wxa/business/getgoodswarehouse", `{"goods_ids":[99]}`, ErrcodeGoodsNotFound},
		{"addgoods pending", "POST", "/wxaapi/broadcast/room/addgoods", `{"roomId":1,"ids":[2]}`, ErrcodeGoodsNotPassed},
		{"addgoods unknown", "POST", "/wxaapi/broadcast/room/addgoods", `{"roomId":1,"ids":[99]}`, ErrcodeGoodsNotFound},
		{"addgoods empty", "POST", "/wxaapi/broadcast/room/addgoods", `{"roomId":1,"ids":[]}`, ErrcodeDataFormat},
		{"addgoods again", "POST", "/wxaapi/broadcast/room/addgoods", `{"roomId":1,"ids":[1]}`, 0},
		{"push not in room", "POST", "/wxaapi/broadcast/goods/push", `{"roomId":1,"goodsId":2}`, ErrcodeGoodsNotInRoom},
		{"push", "POST", "/wxaapi/broadcast/goods/push", `{"roomId":1,"goodsId":1}`, 0},
		{"push unknown room", "POST", "/wxaapi/broadcast/goods/push", `{"roomId":99,"goodsId":1}`, ErrcodeRoomNotFound},
		{"offsale", "POST", "/wxaapi/broadcast/goods/onsale", `{"roomId":1,"goodsId":1,"onSale":0}`, 0},
		{"push off sale", "POST", "/wxaapi/broadcast/goods/push", `{"roomId":1,"goodsId":1}`, ErrcodeGoodsOffSale},
		{"onsale bad", "POST", "/wxaapi/broadcast/goods/onsale", `{"roomId":1,"goodsId":1,"onSale":3}`, ErrcodeDataFormat},
		{"onsale not in room", "POST", "/wxaapi/broadcast/goods/onsale", `{"roomId":1,"goodsId":2,"onSale":1}`, ErrcodeGoodsNotInRoom},
		{"sort strings", "POST", "/wxaapi/broadcast/goods/sort", `{"roomId":1,"goods":[{"goodsId":"1"}]}`, 0},
		{"sort empty", "POST", "/wxaapi/broadcast/goods/sort", `{"roomId":1,"goods":[]}`, ErrcodeSortEmpty},
		{"sort unknown", "POST", "/wxaapi/broadcast/goods/sort", `{"roomId":1,"goods":[{"goodsId":"9"}]}`, ErrcodeGoodsNotInRoom},
		{"getVideo", "POST", "/wxaapi/broadcast/goods/getVideo", `{"roomId":1,"goodsId":1}`, ErrcodeNoVideo},
		{"deleteInRoom", "POST", "/wxaapi/broadcast/goods/deleteInRoom", `{"roomId":1,"goodsId":1}`, 0},
		{"deleteInRoom again", "POST", "/wxaapi/broadcast/goods/deleteInRoom", `{"roomId":1,"goodsId":1}`, ErrcodeGoodsNotInRoom},
		{"addrole", "POST", "/wxaapi/broadcast/role/addrole", `{"username":"boss1","role":1}`, 0},
		{"addrole again", "POST", "/wxaapi/broadcast/role/addrole", `{"username":"boss1","role":1}`, ErrcodeAssistantExists},
		{"addrole 4", "POST", "/wxaapi/broadcast/role/addrole", `{"username":"boss1","role":4}`, ErrcodeDataFormat},
		{"getrolelist", "GET", "/wxaapi/broadcast/role/getrolelist?role=-1&keyword=boss", "", 0},
		{"getrolelist bad", "GET", "/wxaapi/broadcast/role/getrolelist?role=9", "", ErrcodeDataFormat},
		{"deleterole", "POST", "/wxaapi/broadcast/role/deleterole", `{"username":"boss1","role":1}`, 0},
		{"deleterole again", "POST", "/wxaapi/broadcast/role/deleterole", `{"username":"boss1","role":1}`, ErrcodeUserNotFound},
		{"goods delete", "POST", "/wxaapi/broadcast/goods/delete", `{"goodsId":1}`, 0},
		{"goods delete again", "POST", "/wxaapi/broadcast/goods/delete", `{"goodsId":1}`, ErrcodeGoodsNotFound},
		{"deleteroom", "POST", "/wxaapi/broadcast/room/deleteroom", `{"id":1}`, 0},
		{"deleteroom again", "POST", "/wxaapi/broadcast/room/deleteroom", `{"id":1}`, ErrcodeRoomNotFound},
		{"deleteroom no id", "POST", "/wxaapi/broadcast/room/deleteroom", `{}`, ErrcodeDataFormat},
	}
	for _, c := range cases {
		if r := f.wx(t, c.method, c.path, c.body); errcode(r) != c.want {
			t.Errorf("%s: %v, want errcode %d", c.name, r, c.want)
		}
	}
}

// TestRESTEndpoints: the REST face's auth, statuses and refusals.
func TestRESTEndpoints(t *testing.T) {
	f := newFaces(t)
	now := f.now.Unix()
	auth := "Bearer " + testAdminToken
	room := fmt.Sprintf(`{"name":"Tea tasting live","coverImg":"c","startTime":%d,"endTime":%d,"anchorName":"Anchor Li","anchorWechat":"li_1","shareImg":"s"}`,
		now+900, now+900+3600)
	base := "/api/v1/apps/wxdemo"
	cases := []struct {
		name, method, path, auth, body string
		status, want                   int
	}{
		{"no token", "GET", base + "/rooms", "", "", 401, ErrcodeInvalidCred},
		{"wrong token", "GET", base + "/rooms", "Bearer nope", "", 401, ErrcodeInvalidCred},
		{"unknown app", "GET", "/api/v1/apps/nope/rooms", auth, "", 404, ErrcodeInvalidAppID},
		{"unknown API", "GET", "/api/v1/whatever", auth, "", 404, ErrcodeDataFormat},
		{"create", "POST", base + "/rooms", auth, room, 200, 0},
		{"create bad json", "POST", base + "/rooms", auth, "{", 400, ErrcodeDataFormat},
		{"create empty", "POST", base + "/rooms", auth, "", 400, ErrcodeBadRequest},
		{"list", "GET", base + "/rooms?offset=0&limit=5", auth, "", 200, 0},
		{"list bad limit", "GET", base + "/rooms?limit=1000", auth, "", 400, ErrcodeDataFormat},
		{"get", "GET", base + "/rooms/1", auth, "", 200, 0},
		{"get bad id", "GET", base + "/rooms/x", auth, "", 404, ErrcodeDataFormat},
		{"get unknown", "GET", base + "/rooms/99", auth, "", 404, ErrcodeRoomNotFound},
		{"edit", "PATCH", base + "/rooms/1", auth, `{"closeLike":1}`, 200, 0},
		{"settings", "POST", base + "/rooms/1/settings", auth, `{"closeComment":1}`, 200, 0},
		{"settings bad", "POST", base + "/rooms/1/settings", auth, `{"closeComment":"yes"}`, 400, ErrcodeDataFormat},
		{"sharecode", "GET", base + "/rooms/1/sharecode", auth, "", 200, 0},
		{"pushurl", "GET", base + "/rooms/1/pushurl", auth, "", 200, 0},
		{"stats", "GET", base + "/rooms/1/stats", auth, "", 200, 0},
		{"assistants add", "POST", base + "/rooms/1/assistants", auth, `{"users":[{"username":"h1","nickname":"H"}]}`, 200, 0},
		{"assistants list", "GET", base + "/rooms/1/assistants", auth, "", 200, 0},
		{"assistant modify", "PATCH", base + "/rooms/1/assistants/h1", auth, `{"nickname":"H1"}`, 200, 0},
		{"assistant remove", "DELETE", base + "/rooms/1/assistants/h1", auth, "", 200, 0},
		{"assistant remove again", "DELETE", base + "/rooms/1/assistants/h1", auth, "", 404, ErrcodeUserNotFound},
		{"subanchor set", "PUT", base + "/rooms/1/subanchor", auth, `{"username":"sub1"}`, 200, 0},
		{"subanchor replace", "PUT", base + "/rooms/1/subanchor", auth, `{"username":"sub2"}`, 200, 0},
		{"subanchor get", "GET", base + "/rooms/1/subanchor", auth, "", 200, 0},
		{"subanchor delete", "DELETE", base + "/rooms/1/subanchor", auth, "", 200, 0},
		{"goods add", "POST", base + "/goods", auth, `{"coverImgUrl":"c","name":"Cup","priceType":3,"price":20,"price2":15,"url":"p"}`, 200, 0},
		{"goods list pending", "GET", base + "/goods?status=1", auth, "", 200, 0},
		{"goods list bad", "GET", base + "/goods?status=7", auth, "", 400, ErrcodeDataFormat},
		{"goods get", "GET", base + "/goods/3", auth, "", 200, 0},
		{"goods approve", "POST", base + "/goods/3/approve", auth, "", 200, 0},
		{"goods approve again", "POST", base + "/goods/3/approve", auth, "", 409, ErrcodeNotSubmitted},
		{"goods reject", "POST", base + "/goods/2/reject", auth, "", 200, 0},
		{"goods bad action", "POST", base + "/goods/2/frobnicate", auth, "", 404, ErrcodeDataFormat},
		{"room goods add", "POST", base + "/rooms/1/goods", auth, `{"ids":[3]}`, 200, 0},
		{"room goods add rejected", "POST", base + "/rooms/1/goods", auth, `{"ids":[2]}`, 409, ErrcodeGoodsNotPassed},
		{"room goods sort", "POST", base + "/rooms/1/goods/sort", auth, `{"ids":[3,1]}`, 200, 0},
		{"push", "POST", base + "/rooms/1/goods/3/push", auth, "", 200, 0},
		{"card", "GET", base + "/rooms/1/card", auth, "", 200, 0},
		{"card down", "DELETE", base + "/rooms/1/card", auth, "", 200, 0},
		{"offsale", "POST", base + "/rooms/1/goods/3/onsale", auth, `{"onSale":0}`, 200, 0},
		{"push offsale", "POST", base + "/rooms/1/goods/3/push", auth, "", 409, ErrcodeGoodsOffSale},
		{"room goods remove", "DELETE", base + "/rooms/1/goods/3", auth, "", 200, 0},
		{"roles add", "POST", base + "/roles", auth, `{"username":"op1","role":3}`, 200, 0},
		{"roles list", "GET", base + "/roles", auth, "", 200, 0},
		{"roles delete", "DELETE", base + "/roles/op1/3", auth, "", 200, 0},
		{"roles delete bad", "DELETE", base + "/roles/op1/x", auth, "", 400, ErrcodeDataFormat},
		{"replays", "GET", base + "/rooms/1/replays", auth, "", 200, 0},
		{"chat mute without chat", "POST", base + "/rooms/1/chat/mute", auth, `{"username":"u","seconds":5}`, 404, ErrcodeDataFormat},
		{"chat kick without chat", "POST", base + "/rooms/1/chat/kick", auth, `{"username":"u"}`, 404, ErrcodeDataFormat},
		{"ban", "POST", base + "/rooms/1/ban", auth, "", 200, 0},
		{"pushurl banned", "GET", base + "/rooms/1/pushurl", auth, "", 409, ErrcodeRoomState},
		{"unban", "POST", base + "/rooms/1/unban", auth, "", 200, 0},
		{"end", "POST", base + "/rooms/1/end", auth, "", 200, 0},
		{"end again", "POST", base + "/rooms/1/end", auth, "", 409, ErrcodeRoomState},
		{"edit ended", "PATCH", base + "/rooms/1", auth, `{"closeLike":0}`, 409, ErrcodeRoomState},
		{"push ended", "POST", base + "/rooms/1/goods/1/push", auth, "", 409, ErrcodeRoomState},
		{"delete", "DELETE", base + "/rooms/1", auth, "", 200, 0},
		{"delete again", "DELETE", base + "/rooms/1", auth, "", 404, ErrcodeRoomNotFound},
	}
	for _, c := range cases {
		st, r := f.call(t, c.method, c.path, c.auth, c.body)
		if st != c.status || errcode(r) != c.want {
			t.Errorf("%s: HTTP %d %v, want %d errcode %d", c.name, st, r, c.status, c.want)
		}
	}
}

func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	c.Write(&m)
	return m.GetCounter().GetValue()
}
