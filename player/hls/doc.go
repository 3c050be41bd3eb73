// Package hls serves the live streams of a stream.Registry over HLS, with
// gohlslib doing the segmenting. It only translates units into HLS: one
// stream.Reader per (stream, variant) feeds one gohlslib muxer, and every
// viewer of that variant is served from the muxer's segments.
//
// URL scheme ({key} is a stream key of letters, digits, '-' and '_'):
//
//	/live/{key}.m3u8           MPEG-TS HLS (H.264 + AAC), for old players
//	/live/{key}/ts/{file}      its media playlist and .ts segments
//	/live/{key}/ll.m3u8        Low-Latency HLS with fMP4 (H.264 or H.265 + AAC)
//	/live/{key}/ll/{file}      its media playlists, init file, segments, parts
//
// The two top-level playlists are gohlslib's multivariant playlists with
// their URIs rewritten to point into the variant's directory; everything in
// the directories is served as gohlslib names it, so relative URIs resolve
// against the URL the client fetched. /live/{key}/ts/index.m3u8 and
// /live/{key}/ll/index.m3u8 are the same multivariant playlists unrewritten.
//
// Muxers start on demand: the first playlist request of a variant starts its
// muxer and waits (up to Config.StartTimeout, else 503 with Retry-After)
// until the first segment exists. Segment and part requests never start a
// muxer; a name that is unknown or expired (or from a restarted muxer) is 404.
// A muxer is closed when its stream ends, when no request came for
// Config.IdleTimeout, or when Run's context is cancelled; it is recreated in
// place when the stream's track parameters change.
//
// The MPEG-TS variant carries H.264 only: for an H.265 stream the TS URLs
// answer 415 Unsupported Media Type with a body naming the fMP4 URL. Streams
// without video are not served (the muxer waits for a video keyframe).
//
// The Low-Latency playlists begin with EXT-X-GAP segments (gohlslib adds them
// for iOS); players that know the tag skip them, ffmpeg 5.1 tries them, logs
// a 404 for gap.mp4 and goes on.
//
// Every response carries Access-Control-Allow-Origin: *, and OPTIONS
// preflights are answered.
package hls
