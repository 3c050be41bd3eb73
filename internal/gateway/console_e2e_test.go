package gateway

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"livestudio/internal/testpeer"
)

// TestConsoleE2E drives the admin console in Debian's Chromium: log in with
// the admin token, see the rooms (a room name with markup shows as text),
// create a room, add and approve goods, import them into the room and push
// the card, which the REST API then reports.
func TestConsoleE2E(t *testing.T) {
	testpeer.NeedChromium(t)
	tg, _ := roomsGateway(t, t.TempDir())
	resp, err := http.Get(tg.base + "/console/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("CSP %q", csp)
	}
	now := time.Now().Unix()
	evil := `<img src=x onerror=alert(1)>`
	if st, r := tg.rest(t, "POST", "/rooms", map[string]any{"name": evil, "coverImg": "https://img.example/c.jpg", "startTime": now,
		"endTime": now + 3600, "anchorName": "Anchor", "anchorWechat": "a_1", "shareImg": "https://img.example/s.jpg"}); st != 200 {
		t.Fatalf("create: %v", r)
	}

	ctx := testpeer.Browser(t)
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var title, firstRoom string
	var imgs int
	err = chromedp.Run(ctx,
		chromedp.Navigate(tg.base+"/console"),
		chromedp.SetValue("#login-token", roomsAdminToken, chromedp.ByQuery),
		chromedp.Click(`#login-form button`, chromedp.ByQuery),
		chromedp.WaitVisible(`#rooms tbody tr`, chromedp.ByQuery),
		chromedp.Text(`#rooms tbody tr td:nth-child(2)`, &firstRoom, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("#rooms img").length`, &imgs),
		chromedp.Title(&title),
	)
	if err != nil {
		t.Fatal(err)
	}
	if firstRoom != evil || imgs != 0 || title != "livestudio console" {
		t.Errorf("room name not shown as text: %q, %d img elements, title %q", firstRoom, imgs, title)
	}

	err = chromedp.Run(ctx,
		// Create a room.
		chromedp.Evaluate(`document.querySelector("#room-form").closest("details").open = true`, nil),
		chromedp.SetValue(`#room-form [name=name]`, "Console made room", chromedp.ByQuery),
		chromedp.SetValue(`#room-form [name=anchorName]`, "Anchor Wu", chromedp.ByQuery),
		chromedp.SetValue(`#room-form [name=anchorWechat]`, "anchor_wu", chromedp.ByQuery),
		chromedp.Click(`#room-form button`, chromedp.ByQuery),
		chromedp.WaitVisible(`//td[text()="Console made room"]`),
		// Add goods (pending: the test gateway does not auto-approve) and approve.
		chromedp.Evaluate(`document.querySelector("#goods-form").closest("details").open = true`, nil),
		chromedp.SetValue(`#goods-form [name=name]`, "Tea cup", chromedp.ByQuery),
		chromedp.SetValue(`#goods-form [name=price]`, "19.9", chromedp.ByQuery),
		chromedp.Click(`#goods-form button`, chromedp.ByQuery),
		chromedp.WaitVisible(`//td[text()="pending"]`),
		chromedp.Click(`//button[text()="Approve"]`),
		chromedp.WaitVisible(`//td[text()="approved"]`),
		// Open the new room (room 2), import goods 1, push its card.
		chromedp.Click(`//tr[td[text()="Console made room"]]//button[text()="Open"]`),
		chromedp.WaitVisible(`#room-panel`, chromedp.ByQuery),
		chromedp.SetValue(`#room-goods-form [name=gid]`, "1", chromedp.ByQuery),
		chromedp.Click(`#room-goods-form button`, chromedp.ByQuery),
		chromedp.Click(`//button[text()="Push card"]`),
		chromedp.WaitVisible(`//span[@id="room-card" and text()="Tea cup"]`),
	)
	if err != nil {
		testpeer.Screenshot(t, ctx, "console-failure")
		t.Fatal(err)
	}
	_, card := tg.rest(t, "GET", "/rooms/2/card", nil)
	if !strings.Contains(fmt.Sprint(card["product"]), `"name":"Tea cup"`) {
		t.Errorf("card after the console's push: %v", card)
	}
}
