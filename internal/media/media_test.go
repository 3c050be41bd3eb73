package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"livestudio/internal/store"
)

func picture() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 8, 6))
	for x := range 8 {
		img.Set(x, x%6, color.RGBA{R: 200, A: 255})
	}
	return img
}

// PNG, JPEG and GIF return small valid images.
func PNG(t testing.TB) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, picture()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func JPEG(t testing.TB) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, picture(), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func GIF(t testing.TB) []byte {
	var b bytes.Buffer
	if err := gif.Encode(&b, picture(), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// sniffCases is the table of TestSniff and FuzzSniff's seeds.
func sniffCases(t testing.TB) []struct {
	name, kind string
	data       []byte
	ct         string
	code       int
} {
	p := PNG(t)
	return []struct {
		name, kind string
		data       []byte
		ct         string
		code       int
	}{
		{"png", "image", p, "image/png", 0},
		{"jpeg", "image", JPEG(t), "image/jpeg", 0},
		{"gif", "image", GIF(t), "image/gif", 0},
		{"thumb jpeg", "thumb", JPEG(t), "image/jpeg", 0},
		{"thumb png", "thumb", p, "", ErrcodeInvalidFile},
		{"text", "image", []byte("hello, not an image"), "", ErrcodeInvalidFile},
		{"html", "image", []byte("<html><script>alert(1)</script>"), "", ErrcodeInvalidFile},
		{"svg", "image", []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`), "", ErrcodeInvalidFile},
		{"png signature only", "image", p[:16], "", ErrcodeInvalidFile},
		{"empty", "image", nil, "", ErrcodeInvalidSize},
		{"voice", "voice", p, "", ErrcodeInvalidType},
		{"video", "video", p, "", ErrcodeInvalidType},
	}
}

func TestSniff(t *testing.T) {
	for _, c := range sniffCases(t) {
		ct, e := Sniff(c.kind, c.data)
		code := 0
		if e != nil {
			code = e.Code
		}
		if ct != c.ct || code != c.code {
			t.Errorf("%s: %q %v, want %q %d", c.name, ct, e, c.ct, c.code)
		}
	}
}

// multipartBody is a request body as WxJava sends it: the file in field
// with a filename and application/octet-stream, plus other fields.
func multipartBody(t testing.TB, field string, data []byte, extra map[string]string) (string, []byte) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range extra {
		w.WriteField(k, v)
	}
	if field != "" {
		fw, err := w.CreateFormFile(field, "cover.png")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	w.Close()
	return w.FormDataContentType(), b.Bytes()
}

func TestReadFile(t *testing.T) {
	p := PNG(t)
	ct, body := multipartBody(t, FormField, p, map[string]string{"filelength": "12", "type": "image"})
	got, err := ReadFile(bytes.NewReader(body), ct, FormField, 1<<20)
	if err != nil || !bytes.Equal(got, p) {
		t.Fatalf("read: %v", err)
	}
	if _, err := ReadFile(bytes.NewReader(body), ct, FormField, int64(len(p)-1)); !errors.Is(err, errTooLarge) {
		t.Errorf("over the limit: %v", err)
	}
	noFieldCT, noField := multipartBody(t, "", nil, map[string]string{"a": "b"})
	for name, c := range map[string]struct{ ct, body string }{
		"json":          {"application/json", `{"media":"x"}`},
		"no boundary":   {"multipart/form-data", "x"},
		"bad multipart": {"multipart/form-data; boundary=XX", "garbage"},
		"no field":      {noFieldCT, string(noField)},
	} {
		_, err := ReadFile(strings.NewReader(c.body), c.ct, FormField, 1<<20)
		var e *Error
		if !errors.As(err, &e) || e.Code != ErrcodeNoMediaData {
			t.Errorf("%s: %v, want 41005", name, err)
		}
	}
}

// fixture is a library over a fresh store with the clock at *now.
type fixture struct {
	lib *Library
	st  *store.SQLite
	dir string
	now *time.Time
}

func newFixture(t *testing.T, dir string) *fixture {
	t.Helper()
	st, err := store.OpenSQLite(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Unix(1_800_000_000, 0)
	f := &fixture{st: st, dir: filepath.Join(dir, "media"), now: &now}
	cfg := DefaultConfig()
	cfg.Dir = f.dir
	f.lib, err = New(cfg, Options{Store: st, Now: func() time.Time { return *f.now }})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func code(err error) int { return Code(err) }

// TestLifecycle: uploads expire after the TTL unless used; used ones stay
// while a room or goods refers to them, then expire one TTL later; the
// sweep deletes records and files; a restart keeps everything.
func TestLifecycle(t *testing.T) {
	dir := t.TempDir()
	f := newFixture(t, dir)
	ctx := context.Background()
	used, err := f.lib.Save(ctx, "wxdemo", "image", PNG(t))
	if err != nil || !IsID(used.ID) || used.ContentType != "image/png" || used.ExpiresAt != f.now.Add(72*time.Hour).Unix() {
		t.Fatalf("save: %+v %v", used, err)
	}
	unused, _ := f.lib.Save(ctx, "wxdemo", "image", JPEG(t))
	if used.ID == unused.ID {
		t.Fatal("same id twice")
	}
	if _, err := f.lib.Get(ctx, "other", used.ID); code(err) != ErrcodeInvalidMediaID {
		t.Errorf("another app's media: %v", err)
	}
	if err := f.lib.Use(ctx, "other", used.ID); code(err) != ErrcodeInvalidMediaID {
		t.Errorf("another app used it: %v", err)
	}
	if err := f.lib.Use(ctx, "wxdemo", used.ID); err != nil {
		t.Fatal(err)
	}
	r := store.Room{AppID: "wxdemo", Name: "Room", CoverImg: used.ID, ShareImg: "https://x.example/s.png"}
	if err := f.st.CreateRoom(ctx, &r); err != nil {
		t.Fatal(err)
	}

	// Restart: the same records and files.
	f.st.Close()
	f = newFixture(t, dir)
	*f.now = f.now.Add(72*time.Hour - time.Second)
	if n, err := f.lib.Sweep(ctx); n != 0 || err != nil {
		t.Fatalf("sweep before expiry: %d %v", n, err)
	}
	for _, id := range []string{used.ID, unused.ID} {
		if _, err := f.lib.Get(ctx, "wxdemo", id); err != nil {
			t.Errorf("%s before expiry: %v", id, err)
		}
	}
	*f.now = f.now.Add(time.Second)
	if _, err := f.lib.Get(ctx, "wxdemo", unused.ID); code(err) != ErrcodeInvalidMediaID {
		t.Errorf("expired media served: %v", err)
	}
	if err := f.lib.Use(ctx, "wxdemo", unused.ID); code(err) != ErrcodeInvalidMediaID {
		t.Errorf("expired media used: %v", err)
	}
	if n, err := f.lib.Sweep(ctx); n != 1 || err != nil {
		t.Fatalf("sweep: %d %v", n, err)
	}
	if _, err := os.Stat(filepath.Join(f.dir, unused.ID)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("expired file kept: %v", err)
	}
	if _, err := f.lib.Get(ctx, "wxdemo", used.ID); err != nil {
		t.Errorf("used media expired: %v", err)
	}

	// The room lets go of it: it lives one more TTL, then goes.
	r.CoverImg = "https://x.example/c.png"
	if err := f.st.UpdateRoom(ctx, r); err != nil {
		t.Fatal(err)
	}
	f.lib.Sweep(ctx)
	if m, err := f.lib.Get(ctx, "wxdemo", used.ID); err != nil || m.ExpiresAt != f.now.Add(72*time.Hour).Unix() {
		t.Errorf("released media: %+v %v", m, err)
	}
	*f.now = f.now.Add(72 * time.Hour)
	if n, _ := f.lib.Sweep(ctx); n != 1 {
		t.Errorf("released media not swept: %d", n)
	}
}

func TestServePublic(t *testing.T) {
	f := newFixture(t, t.TempDir())
	ctx := context.Background()
	p := PNG(t)
	used, _ := f.lib.Save(ctx, "wxdemo", "image", p)
	private, _ := f.lib.Save(ctx, "wxdemo", "image", GIF(t))
	f.lib.Use(ctx, "wxdemo", used.ID)
	srv := httptest.NewServer(http.HandlerFunc(f.lib.ServePublic))
	defer srv.Close()
	res, err := http.Get(srv.URL + PublicPath + used.ID)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Equal(body, p) || res.Header.Get("Content-Type") != "image/png" ||
		!strings.Contains(res.Header.Get("Cache-Control"), "max-age=31536000") || res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("public: %d %v %d bytes", res.StatusCode, res.Header, len(body))
	}
	for _, path := range []string{PublicPath + private.ID, PublicPath + "../gateway.db", PublicPath + "..%2fgateway.db",
		PublicPath + strings.Repeat("A", idLen), PublicPath, PublicPath + used.ID + "/x"} {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 404 {
			t.Errorf("%s: %d", path, res.StatusCode)
		}
	}
}

// FuzzReadFile: any body under any boundary yields the file, a 41005
// *Error or errTooLarge, never a panic, and never more than the limit.
func FuzzReadFile(f *testing.F) {
	ct, body := multipartBody(f, FormField, []byte("\x89PNG\r\n\x1a\n"), map[string]string{"type": "image"})
	_, boundary, _ := strings.Cut(ct, "boundary=")
	f.Add(boundary, body)
	f.Add("XX", []byte("--XX\r\nContent-Disposition: form-data; name=\"media\"; filename=\"a\"\r\n\r\nabc\r\n--XX--\r\n"))
	f.Add("XX", []byte("--XX\r\n\r\n--XX--"))
	f.Fuzz(func(t *testing.T, boundary string, body []byte) {
		data, err := ReadFile(bytes.NewReader(body), "multipart/form-data; boundary="+boundary, FormField, 64)
		var e *Error
		switch {
		case err == nil:
			if len(data) > 64 {
				t.Fatalf("%d bytes over the limit", len(data))
			}
		case errors.Is(err, errTooLarge):
		case errors.As(err, &e) && e.Code == ErrcodeNoMediaData:
		default:
			t.Fatalf("unexpected error %v", err)
		}
	})
}

// FuzzSniff: whatever the bytes, an accepted file decodes as its type.
func FuzzSniff(f *testing.F) {
	for _, c := range sniffCases(f) {
		f.Add(c.kind, c.data)
	}
	f.Fuzz(func(t *testing.T, kind string, data []byte) {
		ct, e := Sniff(kind, data)
		if e != nil {
			if ct != "" {
				t.Fatalf("refused with a type %q", ct)
			}
			return
		}
		if _, format, err := image.DecodeConfig(bytes.NewReader(data)); err != nil || "image/"+format != ct {
			t.Fatalf("accepted %q as %s: %v", format, ct, err)
		}
	})
}

// TestSweepRemovesStrays: files without a record (an upload cut short, a
// crash before the record) go once they are an hour old; others stay.
func TestSweepRemovesStrays(t *testing.T) {
	f := newFixture(t, t.TempDir())
	ctx := context.Background()
	kept, _ := f.lib.Save(ctx, "wxdemo", "image", PNG(t))
	stray := strings.Repeat("B", idLen)
	for _, name := range []string{stray, ".upload-123", "README"} {
		os.WriteFile(filepath.Join(f.dir, name), []byte("x"), 0o644)
	}
	old := time.Now().Add(-2 * time.Hour)
	for _, name := range []string{kept.ID, stray, ".upload-123", "README"} {
		os.Chtimes(filepath.Join(f.dir, name), old, old)
	}
	f.lib.Sweep(ctx)
	for name, want := range map[string]bool{kept.ID: true, stray: false, ".upload-123": false, "README": true} {
		_, err := os.Stat(filepath.Join(f.dir, name))
		if (err == nil) != want {
			t.Errorf("%s: exists %v, want %v", name, err == nil, want)
		}
	}
}

// bigPNG is a w×h PNG of noise (it does not compress): the size of a real
// cover photo.
func bigPNG(b testing.TB, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	x := uint32(1)
	for i := range img.Pix {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		img.Pix[i] = byte(x)
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}

// BenchmarkSave: checking and storing a 1.9 MB PNG (sniff, header decode,
// temp file, rename, insert).
func BenchmarkSave(b *testing.B) {
	st, err := store.OpenSQLite(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	cfg := DefaultConfig()
	cfg.Dir = b.TempDir()
	lib, _ := New(cfg, Options{Store: st})
	data := bigPNG(b, 700, 700)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		m, err := lib.Save(context.Background(), "wxdemo", "image", data)
		if err != nil {
			b.Fatal(err)
		}
		os.Remove(filepath.Join(cfg.Dir, m.ID)) // keep the disk small: thousands of 2 MB files otherwise
	}
}

// BenchmarkReadFile: reading the file out of a multipart body.
func BenchmarkReadFile(b *testing.B) {
	data := bigPNG(b, 700, 700)
	ct, body := multipartBody(b, FormField, data, nil)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := ReadFile(bytes.NewReader(body), ct, FormField, 2<<20); err != nil {
			b.Fatal(err)
		}
	}
}

// TestConcurrentUse: uploads, uses and sweeps at once (run with -race):
// every used media is kept, every file has its record.
func TestConcurrentUse(t *testing.T) {
	f := newFixture(t, t.TempDir())
	ctx := context.Background()
	p := PNG(t)
	// A sweep after each item a worker finishes (a sweep loop without
	// pause would starve the writers on SQLite's busy timeout; the real
	// one runs every 10 minutes).
	stop := make(chan struct{})
	kick := make(chan struct{}, 1)
	swept := make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				swept <- nil
				return
			case <-kick:
			}
			if _, err := f.lib.Sweep(ctx); err != nil {
				swept <- err
				return
			}
		}
	}()
	const workers, each = 4, 10
	ids := make(chan string, workers*each)
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			for i := range each {
				m, err := f.lib.Save(ctx, "wxdemo", "image", p)
				if err == nil {
					err = f.lib.Use(ctx, "wxdemo", m.ID)
				}
				if err == nil {
					r := store.Room{AppID: "wxdemo", Name: fmt.Sprint("room ", w, i), CoverImg: m.ID}
					err = f.st.CreateRoom(ctx, &r)
				}
				if err != nil {
					errs <- err
					return
				}
				ids <- m.ID
				select {
				case kick <- struct{}{}:
				default:
				}
			}
			errs <- nil
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	if err := <-swept; err != nil {
		t.Fatal(err)
	}
	close(ids)
	*f.now = f.now.Add(10 * 24 * time.Hour) // long past any expiry: only use keeps them
	f.lib.Sweep(ctx)
	n := 0
	for id := range ids {
		n++
		if _, err := f.lib.Get(ctx, "wxdemo", id); err != nil {
			t.Errorf("used media %s: %v", id, err)
		}
		if _, err := os.Stat(filepath.Join(f.dir, id)); err != nil {
			t.Errorf("file of %s: %v", id, err)
		}
	}
	if n != workers*each {
		t.Errorf("%d media, want %d", n, workers*each)
	}
}
