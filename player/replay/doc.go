// Package replay records live streams for replay: one recording per publish
// session of a key (a reconnect inside the stream's reconnect grace continues
// it), written as MPEG-TS segments and an HLS playlist that is an EVENT
// playlist while live and a VOD playlist once finished, with a meta.json
// beside them. Recordings live on disk ({dir}/{key}/{id}/) and are listed,
// served and deleted from there, so they survive restarts; a recording left
// unfinished by a crash is closed when the recorder starts.
package replay
