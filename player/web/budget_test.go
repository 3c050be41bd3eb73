package web

import (
	"bytes"
	"compress/gzip"
	"os"
	"regexp"
	"testing"
)

// budgetBytes is what our own page and SDK may weigh, gzipped (issue #5):
// the vendored players are not counted.
const budgetBytes = 60 * 1024

// TestOwnCodeBudget: page, styles and SDK stay under 60 KB gzipped.
func TestOwnCodeBudget(t *testing.T) {
	sdk, err := SDK()
	if err != nil {
		t.Fatal(err)
	}
	page, err := Page()
	if err != nil {
		t.Fatal(err)
	}
	total := gz(t, sdk) + gz(t, page)
	for _, f := range []string{"static/page.html", "static/page.css", "static/livestudio.mjs"} {
		b, err := files.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		total += gz(t, b)
	}
	t.Logf("own page + SDK: %d bytes gzipped (budget %d)", total, budgetBytes)
	if total > budgetBytes {
		t.Errorf("own page + SDK are %d bytes gzipped, over the %d budget", total, budgetBytes)
	}
}

func gz(t *testing.T, b []byte) int {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Len()
}

// TestVendorPins: the SDK loads the vendored files this package pins, and
// the refresh script fetches the same versions.
func TestVendorPins(t *testing.T) {
	sdk, _ := SDK()
	script, err := os.ReadFile("../../scripts/web-vendor.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct {
		in   []byte
		expr string
	}{
		{sdk, `'vendor/mpegts-` + MpegtsVersion + `\.min\.js'`},
		{sdk, `'vendor/hls\.light-` + HLSVersion + `\.min\.js'`},
		{script, `MPEGTS_VERSION=` + MpegtsVersion + `\n`},
		{script, `HLS_VERSION=` + HLSVersion + `\n`},
	} {
		if !regexp.MustCompile(want.expr).Match(want.in) {
			t.Errorf("%s not found", want.expr)
		}
	}
	for _, f := range []string{"vendor/mpegts-" + MpegtsVersion + ".min.js", "vendor/hls.light-" + HLSVersion + ".min.js",
		"vendor/mpegts-" + MpegtsVersion + ".LICENSE", "vendor/hls-" + HLSVersion + ".LICENSE"} {
		if _, err := files.ReadFile(f); err != nil {
			t.Errorf("vendored file missing: %v", err)
		}
	}
}
