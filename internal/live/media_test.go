package live

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"livestudio/internal/media"
	"livestudio/internal/store"
)

// mediaFixture: both faces with a media library, the clock at *now,
// nothing created yet.
type mediaFixture struct {
	*facesFixture
	lib *media.Library
}

func newMediaFaces(t *testing.T) *mediaFixture {
	t.Helper()
	dir := t.TempDir()
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	apps := []App{{AppID: "wxdemo", Secret: "demo-secret", PushKey: "demo-push-key", PushURLTTL: time.Hour, ManagedRooms: true}}
	st, err := store.OpenSQLite(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	reg := prometheus.NewRegistry()
	mcfg := media.DefaultConfig()
	mcfg.Dir = dir + "/media"
	lib, err := media.New(mcfg, media.Options{Store: st, Now: clock, Metrics: reg})
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultRoomsConfig()
	cfg.AdminToken, cfg.GoodsAutoApprove = testAdminToken, true
	rs, err := NewRooms(context.Background(), cfg, apps, RoomsOptions{Store: st, Streams: &fakeStreams{live: map[string]bool{}},
		Now: clock, PublicBase: "http://gw.example", Metrics: reg, Media: lib})
	if err != nil {
		t.Fatal(err)
	}
	s := NewService(apps, 2*time.Hour, "127.0.0.1:1935", slog.New(slog.DiscardHandler))
	s.now = clock
	s.AttachRooms(rs)
	mux := http.NewServeMux()
	s.Register(mux)
	mux.Handle("/api/v1/", rs.RESTHandler())
	mux.HandleFunc(media.PublicPath, lib.ServePublic)
	f := &facesFixture{s: s, rs: rs, srv: httptest.NewServer(mux), now: &now, reg: reg}
	t.Cleanup(f.srv.Close)
	f.token, _ = s.issueToken(apps[0], false)
	return &mediaFixture{facesFixture: f, lib: lib}
}

func testImage(t testing.TB, format string) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 16, 9))
	img.Set(3, 3, color.RGBA{G: 255, A: 255})
	var b bytes.Buffer
	var err error
	if format == "png" {
		err = png.Encode(&b, img)
	} else {
		err = jpeg.Encode(&b, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// upload posts data as WxJava's uploadMedia does: multipart/form-data,
// the file in field with a filename.
func (f *mediaFixture) upload(t testing.TB, path, auth, field string, data []byte) (int, map[string]any) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	w.WriteField("filelength", fmt.Sprint(len(data)))
	fw, _ := w.CreateFormFile(field, "cover.png")
	fw.Write(data)
	w.Close()
	req, _ := http.NewRequest("POST", f.srv.URL+path, &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatalf("upload %s: answer is not JSON: %v", path, err)
	}
	return res.StatusCode, out
}

func (f *mediaFixture) wxUpload(t testing.TB, kind string, data []byte) map[string]any {
	t.Helper()
	_, out := f.upload(t, "/cgi-bin/media/upload?type="+kind+"&access_token="+url.QueryEscape(f.token), "", "media", data)
	return out
}

// get fetches path; it returns the status, content type and body.
func (f *mediaFixture) get(t testing.TB, path string) (int, string, []byte) {
	t.Helper()
	res, err := http.Get(f.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Content-Type"), b
}

func (f *mediaFixture) counter(t testing.TB, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := f.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if labels[lp.GetName()] != lp.GetValue() {
					continue next
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

// TestMediaWx: WeChat's media/upload and media/get with multipart
// uploads made as WxJava makes them.
func TestMediaWx(t *testing.T) {
	f := newMediaFaces(t)
	pngData, jpegData := testImage(t, "png"), testImage(t, "jpeg")
	up := f.wxUpload(t, "image", pngData)
	id, _ := up["media_id"].(string)
	if up["type"] != "image" || !media.IsID(id) || up["created_at"] != float64(f.now.Unix()) {
		t.Fatalf("upload png: %v", up)
	}
	if _, ok := up["errcode"]; ok {
		t.Errorf("a successful upload answers without errcode, as WeChat: %v", up)
	}
	if r := f.wxUpload(t, "image", jpegData); r["type"] != "image" || r["media_id"] == id {
		t.Errorf("upload jpeg: %v", r)
	}
	if r := f.wxUpload(t, "thumb", jpegData); r["type"] != "thumb" || r["thumb_media_id"] != r["media_id"] {
		t.Errorf("upload thumb: %v", r)
	}
	big := append(append([]byte{}, pngData...), make([]byte, 2<<20)...)
	bigThumb := append(append([]byte{}, jpegData...), make([]byte, 64<<10)...)
	for _, c := range []struct {
		name, kind string
		data       []byte
		want       int
	}{
		{"text", "image", []byte("this is not an image at all"), media.ErrcodeInvalidFile},
		{"html", "image", []byte("<html><body><script>alert(1)</script>"), media.ErrcodeInvalidFile},
		{"png as thumb", "thumb", pngData, media.ErrcodeInvalidFile},
		{"oversized", "image", big, media.ErrcodeImageSize},
		{"oversized thumb", "thumb", bigThumb, media.ErrcodeThumbSize},
		{"voice", "voice", pngData, media.ErrcodeInvalidType},
		{"no type", "", pngData, media.ErrcodeInvalidType},
		{"empty", "image", nil, media.ErrcodeInvalidSize},
	} {
		if r := f.wxUpload(t, c.kind, c.data); errcode(r) != c.want || r["errmsg"] == "" {
			t.Errorf("%s: %v, want %d", c.name, r, c.want)
		}
	}
	tok := "&access_token=" + url.QueryEscape(f.token)
	if _, r := f.upload(t, "/cgi-bin/media/upload?type=image"+tok, "", "file", pngData); errcode(r) != media.ErrcodeNoMediaData {
		t.Errorf("file in the wrong field: %v", r)
	}
	if _, r := f.call(t, "POST", "/cgi-bin/media/upload?type=image"+tok, "", `{"media":"x"}`); errcode(r) != media.ErrcodeNoMediaData {
		t.Errorf("JSON body: %v", r)
	}
	if _, r := f.call(t, "GET", "/cgi-bin/media/upload?type=image"+tok, "", ""); errcode(r) != media.ErrcodeRequirePost {
		t.Errorf("GET upload: %v", r)
	}
	if _, r := f.upload(t, "/cgi-bin/media/upload?type=image", "", "media", pngData); errcode(r) != ErrcodeMissingToken {
		t.Errorf("no token: %v", r)
	}
	forged := f.token[:len(f.token)-3] + "abc"
	if _, r := f.upload(t, "/cgi-bin/media/upload?type=image&access_token="+url.QueryEscape(forged), "", "media", pngData); errcode(r) != ErrcodeInvalidCred {
		t.Errorf("forged token: %v", r)
	}

	// media/get: the bytes with their type; unknown, malformed, missing ids.
	st, ct, body := f.get(t, "/cgi-bin/media/get?media_id="+id+tok)
	if st != 200 || ct != "image/png" || !bytes.Equal(body, pngData) {
		t.Errorf("get: %d %s %d bytes", st, ct, len(body))
	}
	for q, want := range map[string]int{"media_id=" + strings.Repeat("A", len(id)): media.ErrcodeInvalidMediaID,
		"media_id=..%2F..%2Fgateway.db": media.ErrcodeInvalidMediaID, "": media.ErrcodeNoMediaID} {
		if _, r := f.call(t, "GET", "/cgi-bin/media/get?"+q+tok, "", ""); errcode(r) != want {
			t.Errorf("get %q: %v, want %d", q, r, want)
		}
	}
	// Unused media are not public.
	if st, _, _ := f.get(t, media.PublicPath+id); st != 404 {
		t.Errorf("unused media public: %d", st)
	}

	// Three days later the upload is gone; a token that old has expired.
	*f.now = f.now.Add(72 * time.Hour)
	if _, r := f.call(t, "GET", "/cgi-bin/media/get?media_id="+id+tok, "", ""); errcode(r) != ErrcodeTokenExpired {
		t.Errorf("expired token: %v", r)
	}
	f.token, _ = f.s.issueToken(f.s.apps["wxdemo"], false)
	if r := f.wx(t, "GET", "/cgi-bin/media/get?media_id="+id, ""); errcode(r) != media.ErrcodeInvalidMediaID {
		t.Errorf("expired media: %v", r)
	}
	if n, err := f.lib.Sweep(context.Background()); n != 3 || err != nil {
		t.Errorf("sweep: %d %v", n, err)
	}
	if v := f.counter(t, "livestudio_media_uploads_total", map[string]string{"face": "wechat", "errcode": "40005"}); v != 3 {
		t.Errorf("refusals 40005 counted %v", v)
	}
	if v := f.counter(t, "livestudio_media_uploads_total", map[string]string{"face": "wechat", "errcode": "0"}); v != 3 {
		t.Errorf("uploads counted %v", v)
	}
}

// TestMediaRoomsAndGoods: rooms and goods take media ids of the app (or
// URLs), keep them past the TTL while they use them, and pages see them as
// public URLs: getliveinfo, the product card.
func TestMediaRoomsAndGoods(t *testing.T) {
	f := newMediaFaces(t)
	pngData := testImage(t, "png")
	cover := f.wxUpload(t, "image", pngData)["media_id"].(string)
	goodsImg := f.wxUpload(t, "image", testImage(t, "jpeg"))["media_id"].(string)
	start := f.now.Unix() + 3600
	room := func(coverImg string) map[string]any {
		b, _ := json.Marshal(map[string]any{"name": "Media room one", "coverImg": coverImg, "shareImg": "https://img.example/s.jpg",
			"startTime": start, "endTime": start + 3600, "anchorName": "Anchor", "anchorWechat": "anchor1"})
		return f.wx(t, "POST", "/wxaapi/broadcast/room/create", string(b))
	}
	for _, bogus := range []string{"bogus-media-id", strings.Repeat("A", len(cover)), "ftp://img.example/c.jpg"} {
		if r := room(bogus); errcode(r) != media.ErrcodeInvalidMediaID || !strings.Contains(r["errmsg"].(string), "coverImg") {
			t.Errorf("create with coverImg %q: %v", bogus, r)
		}
	}
	if r := room("https://"); errcode(r) != ErrcodeDataFormat {
		t.Errorf("create with an empty URL: %v", r)
	}
	if r := room(cover); errcode(r) != 0 || r["roomId"] != float64(1) {
		t.Fatalf("create with a media id: %v", r)
	}
	coverURL := "http://gw.example" + media.PublicPath + cover
	info := f.wx(t, "POST", "/wxa/business/getliveinfo", `{"start":0,"limit":10}`)
	ri := info["room_info"].([]any)[0].(map[string]any)
	if ri["cover_img"] != coverURL || ri["share_img"] != "https://img.example/s.jpg" {
		t.Errorf("getliveinfo images: %v %v", ri["cover_img"], ri["share_img"])
	}
	_, rest := f.call(t, "GET", "/api/v1/apps/wxdemo/rooms/1", "Bearer "+testAdminToken, "")
	if rr := rest["room"].(map[string]any); rr["coverImg"] != cover || rr["coverImgSrc"] != coverURL {
		t.Errorf("REST room images: %v %v", rr["coverImg"], rr["coverImgSrc"])
	}

	g := f.wx(t, "POST", "/wxaapi/broadcast/goods/add", `{"goodsInfo":{"coverImgUrl":"`+goodsImg+`","name":"Tea cup","priceType":1,"price":19.9,"url":"pages/g"}}`)
	if errcode(g) != 0 {
		t.Fatalf("goods/add: %v", g)
	}
	if r := f.wx(t, "POST", "/wxaapi/broadcast/goods/add", `{"goodsInfo":{"coverImgUrl":"nope","name":"Tea pot","priceType":1,"price":9,"url":"pages/g"}}`); errcode(r) != media.ErrcodeInvalidMediaID {
		t.Errorf("goods/add with a bogus image: %v", r)
	}
	f.wx(t, "POST", "/wxaapi/broadcast/room/addgoods", `{"roomId":1,"ids":[1]}`)
	if r := f.wx(t, "POST", "/wxaapi/broadcast/goods/push", `{"roomId":1,"goodsId":1}`); errcode(r) != 0 {
		t.Fatalf("push: %v", r)
	}
	// Stored with the id; shown (REST, chat) with the URL of the moment.
	v, _ := f.rs.Room(context.Background(), "wxdemo", 1)
	if !strings.Contains(v.Product, `"coverImgUrl":"`+goodsImg+`"`) {
		t.Errorf("stored card %s", v.Product)
	}
	_, shown := f.call(t, "GET", "/api/v1/apps/wxdemo/rooms/1/card", "Bearer "+testAdminToken, "")
	var card Card
	json.Unmarshal([]byte(shown["product"].(string)), &card)
	goodsURL := "http://gw.example" + media.PublicPath + goodsImg
	if card.CoverImgURL != goodsURL || card.GoodsID != 1 || card.Name != "Tea cup" || card.Price != 19.9 {
		t.Errorf("card %+v, want image %q", card, goodsURL)
	}
	if r := f.wx(t, "GET", "/wxaapi/broadcast/goods/getapproved?status=2", ""); r["goods"].([]any)[0].(map[string]any)["coverImgUrl"] != goodsURL {
		t.Errorf("getapproved image: %v", r)
	}

	// The REST face uploads too; editroom swaps the cover, and the old
	// one is let go.
	st, up := f.upload(t, "/api/v1/apps/wxdemo/media?type=image", "Bearer "+testAdminToken, "media", pngData)
	newCover, _ := up["mediaId"].(string)
	if st != 200 || !media.IsID(newCover) {
		t.Fatalf("REST upload: %d %v", st, up)
	}
	if st, r := f.upload(t, "/api/v1/apps/wxdemo/media", "Bearer wrong-token-wrong-token", "media", pngData); st != 401 || errcode(r) != ErrcodeInvalidCred {
		t.Errorf("REST upload without the admin token: %d %v", st, r)
	}
	if st, r := f.upload(t, "/api/v1/apps/wxdemo/media", "Bearer "+testAdminToken, "media", []byte("GIF8 nope")); st != 400 || errcode(r) != media.ErrcodeInvalidFile {
		t.Errorf("REST upload of a non-image: %d %v", st, r)
	}
	if r := f.wx(t, "POST", "/wxaapi/broadcast/room/editroom", `{"id":1,"coverImg":"`+newCover+`"}`); errcode(r) != 0 {
		t.Fatalf("editroom: %v", r)
	}

	// Past the TTL: media in use are kept and public, the unused upload is
	// deleted, the old cover is no longer public and goes one TTL later.
	unused := f.wxUpload(t, "image", pngData)["media_id"].(string)
	*f.now = f.now.Add(73 * time.Hour)
	if n, _ := f.lib.Sweep(context.Background()); n != 1 {
		t.Errorf("swept %d, want the unused upload", n)
	}
	if _, err := f.lib.Get(context.Background(), "wxdemo", unused); media.Code(err) != media.ErrcodeInvalidMediaID {
		t.Errorf("unused upload kept: %v", err)
	}
	for id, want := range map[string][]byte{newCover: pngData, goodsImg: nil} {
		st, ct, body := f.get(t, media.PublicPath+id)
		if st != 200 || !strings.HasPrefix(ct, "image/") || want != nil && !bytes.Equal(body, want) {
			t.Errorf("public %s: %d %s", id, st, ct)
		}
	}
	if st, _, _ := f.get(t, media.PublicPath+cover); st != 404 {
		t.Errorf("old cover still public: %d", st)
	}
	*f.now = f.now.Add(73 * time.Hour)
	if n, _ := f.lib.Sweep(context.Background()); n != 1 {
		t.Errorf("swept %d, want the old cover", n)
	}
	if st, _, _ := f.get(t, media.PublicPath+newCover); st != 200 {
		t.Errorf("cover in use: %d", st)
	}
}
