package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"livestudio/internal/live"
	"livestudio/internal/media"
	"livestudio/internal/testpeer"
)

// e2ePNG is a 40x30 PNG: the card image the browser must load.
func e2ePNG(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := range 40 {
		img.Set(x, 15, color.RGBA{B: 255, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// wxUpload uploads data as WxJava's WxMaMediaService.uploadMedia does:
// POST /cgi-bin/media/upload?type=image, multipart field "media".
func (tg *testGateway) wxUpload(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	getJSON(t, "GET", tg.base+"/cgi-bin/token?grant_type=client_credential&appid=wxdemo&secret=demo-secret", nil, &tok)
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	fw, _ := w.CreateFormFile("media", "cover.png")
	fw.Write(data)
	w.Close()
	res, err := http.Post(tg.base+"/cgi-bin/media/upload?type=image&access_token="+tok.AccessToken, w.FormDataContentType(), &b)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// fetchImage GETs url and checks it serves want as image/png, cached.
func fetchImage(t *testing.T, url string, want []byte) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/png" || !bytes.Equal(body, want) ||
		!strings.Contains(res.Header.Get("Cache-Control"), "max-age") {
		t.Errorf("GET %s: %d %v (%d bytes)", url, res.StatusCode, res.Header, len(body))
	}
}

// TestMediaUploadE2E: a backend uploads a cover and a goods image through
// the WeChat face, creates a room and goods with the media ids, pushes the
// goods: a chat viewer's product attribute carries a URL that serves the
// image, Chromium's player page loads it in the card, getliveinfo shows
// the cover's URL, and a restart keeps the media.
func TestMediaUploadE2E(t *testing.T) {
	dir := t.TempDir()
	tg, stop := roomsGateway(t, dir)
	coverPNG, goodsPNG := e2ePNG(t), e2ePNG(t)
	cover := tg.wxUpload(t, coverPNG)
	goodsImg := tg.wxUpload(t, goodsPNG)
	coverID, _ := cover["media_id"].(string)
	goodsID, _ := goodsImg["media_id"].(string)
	if cover["type"] != "image" || !media.IsID(coverID) || !media.IsID(goodsID) {
		t.Fatalf("upload: %v %v", cover, goodsImg)
	}
	if r := tg.wxUpload(t, []byte("<html>not an image</html>")); errcode(r) != media.ErrcodeInvalidFile {
		t.Errorf("non-image upload: %v", r)
	}

	now := time.Now().Unix()
	room := map[string]any{"name": "Media upload live", "coverImg": "bogus-id", "shareImg": "https://img.example/s.jpg",
		"startTime": now, "endTime": now + 3600, "anchorName": "Anchor", "anchorWechat": "anchor_1"}
	if r := tg.wx(t, "/wxaapi/broadcast/room/create", room); errcode(r) != media.ErrcodeInvalidMediaID {
		t.Errorf("create with a bogus cover: %v", r)
	}
	room["coverImg"] = coverID
	cr := tg.wx(t, "/wxaapi/broadcast/room/create", room)
	if errcode(cr) != 0 {
		t.Fatalf("create: %v", cr)
	}
	id := cr["roomId"].(float64)
	key := live.StreamKey("wxdemo", int64(id))
	coverURL := tg.base + media.PublicPath + coverID
	if got := tg.roomInfo(t, id)["cover_img"]; got != coverURL {
		t.Errorf("getliveinfo cover_img %v, want %s", got, coverURL)
	}
	fetchImage(t, coverURL, coverPNG)

	g := tg.wx(t, "/wxaapi/broadcast/goods/add", map[string]any{"goodsInfo": map[string]any{"coverImgUrl": goodsID,
		"name": "Tea cup", "priceType": 1, "price": 19.9, "url": "https://shop.example/7"}})
	if errcode(g) != 0 {
		t.Fatalf("goods/add: %v", g)
	}
	gid := g["goodsId"].(float64)
	if st, r := tg.rest(t, "POST", fmt.Sprintf("/goods/%d/approve", int(gid)), nil); st != 200 {
		t.Fatalf("approve: %d %v", st, r)
	}
	if r := tg.wx(t, "/wxaapi/broadcast/room/addgoods", map[string]any{"roomId": id, "ids": []any{gid}}); errcode(r) != 0 {
		t.Fatalf("addgoods: %v", r)
	}
	viewer := chatViewer(t, tg, "viewer1", key)
	waitFrame(t, viewer, "joined", func(f map[string]any) bool { return f["type"] == "joined" })
	if r := tg.wx(t, "/wxaapi/broadcast/goods/push", map[string]any{"roomId": id, "goodsId": gid}); errcode(r) != 0 {
		t.Fatalf("push: %v", r)
	}
	tip := waitFrame(t, viewer, "product card", func(f map[string]any) bool { return f["kind"] == "attrs" && attr(f, "product") != "" })
	var card live.Card
	json.Unmarshal([]byte(attr(tip, "product")), &card)
	if card.CoverImgURL != tg.base+media.PublicPath+goodsID {
		t.Fatalf("card image %q", card.CoverImgURL)
	}
	fetchImage(t, card.CoverImgURL, goodsPNG)
	if v := metric(t, tg, `livestudio_media_uploads_total{errcode="0",face="wechat"}`); v != 2 {
		t.Errorf("uploads metric %v", v)
	}

	// The player page shows the card with the image loaded (its CSP
	// allows same-origin images).
	{
		browser := testpeer.Browser(t, testpeer.WindowSize(390, 844))
		tab := testpeer.NewTab(t, browser)
		con := watchConsole(tab)
		run(t, tab, con, 20*time.Second, chromedp.Navigate(tg.base+"/play/"+key))
		waitJS(t, tab, con, 30*time.Second, "card image loaded", `(() => { const i = document.getElementById('cardimg');
			return !document.getElementById('card').hidden && i.complete && i.naturalWidth === 40 && i.naturalHeight === 30; })()`)
		var src string
		eval(t, tab, con, `document.getElementById('cardimg').src`, &src)
		if src != card.CoverImgURL {
			t.Errorf("card img src %q", src)
		}
		testpeer.Screenshot(t, tab, "page-card-uploaded-image")
	}

	// Restart on the same data directory: the media are still there.
	stop()
	tg, _ = roomsGateway(t, dir)
	fetchImage(t, tg.base+media.PublicPath+coverID, coverPNG)
	fetchImage(t, tg.base+media.PublicPath+goodsID, goodsPNG)
	if got := tg.roomInfo(t, id)["cover_img"]; got != tg.base+media.PublicPath+coverID {
		t.Errorf("after restart, cover_img %v", got)
	}
	// The card a late joiner gets follows the new address (the port
	// changed: no rooms.public_base here).
	viewer = chatViewer(t, tg, "viewer2", key)
	j := waitFrame(t, viewer, "joined", func(f map[string]any) bool { return f["type"] == "joined" })
	card = live.Card{}
	json.Unmarshal([]byte(attr(j, "product")), &card)
	if card.CoverImgURL != tg.base+media.PublicPath+goodsID {
		t.Fatalf("card after restart %q", attr(j, "product"))
	}
	fetchImage(t, card.CoverImgURL, goodsPNG)
}

// TestConsoleUploadE2E: in the console (Chromium), picking a file next to
// the room form's cover uploads it and fills in its media id; the room
// created with it shows the image at its public URL.
func TestConsoleUploadE2E(t *testing.T) {
	tg, _ := roomsGateway(t, t.TempDir())
	pic := e2ePNG(t)
	file := filepath.Join(t.TempDir(), "cover.png")
	if err := os.WriteFile(file, pic, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := testpeer.Browser(t)
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var coverID string
	err := chromedp.Run(ctx,
		chromedp.Navigate(tg.base+"/console/"),
		chromedp.SetValue("#login-token", roomsAdminToken, chromedp.ByQuery),
		chromedp.Click(`#login-form button`, chromedp.ByQuery),
		chromedp.WaitVisible(`#rooms`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector("#room-form").closest("details").open = true`, nil),
		chromedp.SetUploadFiles(`#room-form input[data-target=coverImg]`, []string{file}, chromedp.ByQuery),
		chromedp.Poll(`/^[A-Za-z0-9_-]{32}$/.test(document.querySelector("#room-form [name=coverImg]").value)`, nil,
			chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Value(`#room-form [name=coverImg]`, &coverID, chromedp.ByQuery),
		chromedp.SetValue(`#room-form [name=name]`, "Uploaded cover room", chromedp.ByQuery),
		chromedp.SetValue(`#room-form [name=anchorName]`, "Anchor Wu", chromedp.ByQuery),
		chromedp.SetValue(`#room-form [name=anchorWechat]`, "anchor_wu", chromedp.ByQuery),
		chromedp.Click(`#room-form button`, chromedp.ByQuery),
		chromedp.WaitVisible(`//td[text()="Uploaded cover room"]`),
	)
	if err != nil {
		t.Fatal(err)
	}
	st, r := tg.rest(t, "GET", "/rooms/1", nil)
	room, _ := r["room"].(map[string]any)
	if st != 200 || room["coverImg"] != coverID || room["coverImgSrc"] != tg.base+media.PublicPath+coverID {
		t.Fatalf("room: %d %v", st, r)
	}
	fetchImage(t, tg.base+media.PublicPath+coverID, pic)
	if v := metric(t, tg, `livestudio_media_uploads_total{errcode="0",face="rest"}`); v != 1 {
		t.Errorf("REST uploads metric %v", v)
	}
}
