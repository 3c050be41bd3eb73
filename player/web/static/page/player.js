/* page.js part: The player and the live status badge.
 * The files in static/page/ are parts of one function body, joined in order by assets.go
 * (setup, player, render, chat) inside one strict-mode IIFE: they share its scope. */
  // ---- player ------------------------------------------------------------
  var player = L.createPlayer({ muted: muted });
  state.player = player;
  player.setRenderView({ elementID: 'view', muted: muted });
  player.on(EVENT.PLAYER_PLAYING, function () {
    // Navigation start to the first frame playing (benchmarks read it).
    if (state.firstFrameMs == null) state.firstFrameMs = Math.round(performance.now());
    state.playing = true;
    el.tapplay.hidden = true;
    el.unmute.hidden = !player.isMuted();
    renderStatus();
    post('playing', { mode: player.getMode() });
  });
  player.on(EVENT.PLAYER_MODE, function (e) { state.mode = e.data.mode; });
  player.on(EVENT.PLAYER_PAUSE, function () { post('pause', {}); });
  player.on(EVENT.PLAYER_RECONNECTING, function (e) { state.playing = false; renderStatus(); post('reconnecting', e.data); });
  player.on(EVENT.PLAYER_ERROR, function (e) { state.errors.push('player: ' + e.data.message); post('error', { scope: 'player', code: e.data.code }); });
  player.on(EVENT.PLAYER_AUTOPLAY_NOT_ALLOWED, function () { el.tapplay.hidden = false; post('autoplay_blocked', {}); });
  el.unmute.addEventListener('click', function () { player.resumeAudio(); el.unmute.hidden = true; });
  el.tapplay.addEventListener('click', function () { el.tapplay.hidden = true; player.resumePlay(); });
  if (autoplay) {
    player.startPlay('room://room=' + room, { mode: mode });
  } else {
    el.tapplay.hidden = false;
    el.tapplay.addEventListener('click', function once() {
      el.tapplay.removeEventListener('click', once);
      player.startPlay('room://room=' + room, { mode: mode });
    });
  }

  // ---- live status ---------------------------------------------------------
  function renderStatus() {
    var code = state.status, text;
    if (code && L.LIVE_STATUS_TEXT[code]) text = L.LIVE_STATUS_TEXT[code];
    else text = state.playing ? 'Live' : 'Offline'; // no status attribute: whether the stream plays
    if (code === '101' && !state.playing) text = 'Live · connecting';
    el.status.textContent = text;
    el.status.dataset.code = code || (state.playing ? '101' : '');
  }
  renderStatus();
  post('ready', {});
