package live

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"livestudio/internal/media"
)

// A room's coverImg, shareImg, feedsImg and goods' coverImgUrl are, as in
// WeChat, media ids from /cgi-bin/media/upload; self-hosters may also give
// http(s) URLs. A media id must be one of the app's live uploads: using it
// keeps it for as long as something refers to it (media.Library.Use), and
// pages see it as its public URL (imageSrc).

// isURL tells whether an image value is an http(s) URL (kept as is).
func isURL(v string) bool {
	return strings.HasPrefix(v, "https://") || strings.HasPrefix(v, "http://")
}

// useImage checks an image value given to field and keeps its media.
// Without a media library any value is kept as is (as before media).
func (rs *Rooms) useImage(ctx context.Context, appID, field string, v *string) *Error {
	if v == nil || *v == "" || rs.media == nil {
		return nil
	}
	if isURL(*v) {
		u, err := url.Parse(*v)
		if err != nil || u.Host == "" || strings.ContainsAny(*v, " \t\r\n") {
			return badField("%s: %q is not a valid http(s) URL", field, truncate(*v, 64))
		}
		return nil
	}
	err := rs.media.Use(ctx, appID, *v)
	var me *media.Error
	if errors.As(err, &me) {
		return apiErr(http.StatusBadRequest, me.Code, "%s: %s; give a media_id from /cgi-bin/media/upload or an http(s) URL", field, me.Msg)
	}
	if err != nil {
		return systemErr(err)
	}
	return nil
}

// useImages checks and keeps each of a room's or goods' image values.
func (rs *Rooms) useImages(ctx context.Context, appID string, imgs ...namedImage) *Error {
	for _, img := range imgs {
		if e := rs.useImage(ctx, appID, img.field, img.v); e != nil {
			return e
		}
	}
	return nil
}

type namedImage struct {
	field string
	v     *string
}

func (in *RoomInput) images() []namedImage {
	return []namedImage{{"coverImg", in.CoverImg}, {"shareImg", in.ShareImg}, {"feedsImg", in.FeedsImg}}
}

// renderCard is a stored card (the product attribute's JSON) as viewers
// get it: its image's media id turned into a URL under the public base of
// the moment, so a changed rooms.public_base or port is followed after a
// restart. Cards that do not parse are shown as stored.
func (rs *Rooms) renderCard(product string) string {
	var c Card
	if product == "" || json.Unmarshal([]byte(product), &c) != nil {
		return product
	}
	src := rs.imageSrc(c.CoverImgURL)
	if src == c.CoverImgURL {
		return product
	}
	c.CoverImgURL = src
	b, _ := json.Marshal(c)
	return string(b)
}

// imageSrc is the URL pages load an image value from: a media id's public
// URL under the public base, a URL as is.
func (rs *Rooms) imageSrc(v string) string {
	if rs.media == nil || !media.IsID(v) {
		return v
	}
	return media.PublicURL(rs.base, v)
}
