/* livestudio SDK, part 3: createPlayer, HTTP-FLV through mpegts.js where MSE (or
 * ManagedMediaSource) exists, HLS through hls.js or the browser otherwise; latency
 * chasing, stall and restart recovery, muted autoplay, and the media time of the
 * picture on screen (for showing chat and product cards in step with it). */
(function (root) {
  'use strict';
  var L = root.LiveStudio, I = L._i, EVENT = L.EVENT;
  var doc = root.document;

  // Latency targets (docs/embedding.md). mpegts.js measures latency as the
  // buffered media ahead of the playhead: liveSync plays at 1.15x while more
  // than 1.2 s is buffered, down to 0.8 s; beyond 4 s it jumps to 1 s from
  // the end. A viewer joins at the cached GOP's keyframe, up to a GOP (2 s
  // for most encoders) behind: the chase brings everyone to about 1 s. hls.js: 3 s behind the live edge, 1.2x to catch up, seek past 8 s.
  var FLV_CONFIG = {
    enableWorker: false, enableStashBuffer: false, lazyLoad: false,
    liveSync: true, liveSyncTargetLatency: 0.8, liveSyncMaxLatency: 1.2, liveSyncPlaybackRate: 1.15,
    liveBufferLatencyChasing: true, liveBufferLatencyMaxLatency: 4.0, liveBufferLatencyMinRemain: 1.0,
    autoCleanupSourceBuffer: true, autoCleanupMaxBackwardDuration: 30, autoCleanupMinBackwardDuration: 15
  };
  var HLS_CONFIG = {
    enableWorker: false, lowLatencyMode: false, liveSyncDuration: 3, liveMaxLatencyDuration: 8,
    maxLiveSyncPlaybackRate: 1.2, backBufferLength: 30
  };
  var STALL_MS = 6000; // no progress this long while playing: reload
  var START_MS = 15000; // no first frame this long: reload
  var STEADY_MS = 10000; // playing this long resets the reload backoff

  function hasMSE() {
    return !!(root.ManagedMediaSource || root.MediaSource || root.WebKitMediaSource);
  }

  // parseURL reads TWebLive's play URLs: `https://flv=<url>&hls=<url>` (each
  // URL plain or percent-encoded) or `room://room=<stream key>[&server=<origin>]`.
  // SESSION names this page's HLS playback to the gateway, which counts HLS
  // viewers by session (docs/api.md, "Viewers"); it carries it on to the
  // playlists the top playlist names. Random per page load, not stored.
  var SESSION = (function () {
    var a = new Uint8Array(12), s = '';
    if (root.crypto && root.crypto.getRandomValues) root.crypto.getRandomValues(a);
    else for (var i = 0; i < a.length; i++) a[i] = Math.floor(Math.random() * 256);
    for (var j = 0; j < a.length; j++) s += (a[j] < 16 ? '0' : '') + a[j].toString(16);
    return s;
  })();

  function parseURL(url) {
    url = String(url || '');
    var m;
    if ((m = /^room:\/\/(.*)$/.exec(url))) {
      var q = {};
      m[1].split('&').forEach(function (kv) {
        var i = kv.indexOf('=');
        if (i > 0) q[kv.slice(0, i).toLowerCase()] = decodeURIComponent(kv.slice(i + 1));
      });
      var room = q.room || q.roomid;
      if (!room || !/^[A-Za-z0-9_]+-[0-9]+$/.test(room)) throw I.SDKError('bad_url', 'room:// needs room=<appid>-<roomId>');
      var origin = L.gatewayOrigin(q.server);
      return { room: room, flv: origin + '/live/' + room + '.flv', hls: origin + '/live/' + room + '.m3u8?session=' + SESSION };
    }
    if ((m = /^https?:\/\/(flv=|hls=)(.*)$/.exec(url))) {
      var rest = m[1] + m[2], out = {};
      var parts = rest.split(/&(?=(?:flv|hls)=)/);
      parts.forEach(function (p) {
        var k = p.slice(0, 3), v = p.slice(4);
        if (/^https?%3A/i.test(v)) v = decodeURIComponent(v);
        if (/^https?:\/\//.test(v)) out[k] = v;
      });
      if (!out.flv && !out.hls) throw I.SDKError('bad_url', 'no flv= or hls= URL');
      return out;
    }
    if (/^https?:\/\/.*\.flv(\?|$)/.test(url)) return { flv: url };
    if (/^https?:\/\/.*\.m3u8(\?|$)/.test(url)) return { hls: url };
    throw I.SDKError('bad_url', 'play URL must be https://flv=..&hls=.. or room://room=..');
  }

  function Player(opts) {
    this._opts = opts || {};
    this._em = new I.Emitter();
    this._video = null;
    this._muted = this._opts.muted !== false;
    this._engine = null;
    this._attempt = 0;
    this._queue = [];
  }
  Player.prototype.on = function (n, fn, ctx) { this._em.on(n, fn, ctx); };
  Player.prototype.off = function (n, fn) { this._em.off(n, fn); };

  /** setRenderView({elementID, muted}): puts a <video> in the element. */
  Player.prototype.setRenderView = function (o) {
    var self = this, el = doc.getElementById(o && o.elementID);
    if (!el) return Promise.reject(I.SDKError('bad_view', 'no element #' + (o && o.elementID)));
    if (o.muted != null) this._muted = !!o.muted;
    var v = doc.createElement('video');
    // Inline playback everywhere, WeChat's X5 webview included.
    v.setAttribute('playsinline', '');
    v.setAttribute('webkit-playsinline', '');
    v.setAttribute('x5-playsinline', '');
    v.setAttribute('x5-video-player-type', 'h5');
    v.setAttribute('x5-video-player-fullscreen', 'false');
    v.muted = this._muted;
    v.autoplay = false;
    v.preload = 'auto';
    v.className = 'ls-video';
    el.appendChild(v);
    this._video = v;
    v.addEventListener('playing', function () { self._em.emit(EVENT.PLAYER_PLAYING, {}); });
    v.addEventListener('pause', function () { self._em.emit(EVENT.PLAYER_PAUSE, {}); });
    v.addEventListener('waiting', function () { self._em.emit(EVENT.PLAYER_WAITING, {}); });
    v.addEventListener('timeupdate', function () { self._em.emit(EVENT.PLAYER_TIMEUPDATE, { currentTime: v.currentTime }); });
    v.addEventListener('volumechange', function () { self._muted = v.muted; });
    this._startTicks();
    return Promise.resolve();
  };

  /** startPlay(url, {mode: 'auto'|'flv'|'hls'}) */
  Player.prototype.startPlay = function (url, o) {
    if (!this._video) return Promise.reject(I.SDKError('no_view', 'call setRenderView first'));
    var src;
    try { src = parseURL(url); } catch (e) { return Promise.reject(e); }
    this.stopPlay();
    this._src = src;
    this._mode = (o && o.mode) || this._opts.mode || 'auto';
    this._userPaused = false;
    this._attempt = 0;
    return this._start();
  };

  Player.prototype._pickMode = function () {
    var s = this._src, m = this._mode;
    if (m === 'flv' && s.flv) return 'flv';
    if (m === 'hls' && s.hls) return 'hls';
    if (s.flv && hasMSE()) return 'flv';
    if (s.hls) return 'hls';
    return 'flv';
  };

  Player.prototype._start = function () {
    var self = this, mode = this._pickMode(), gen = ++this._gen;
    this._startedAt = Date.now();
    this._progressAt = Date.now();
    this._lastTime = -1;
    this._everPlayed = false;
    this._base = null;
    this._epoch = null;
    this._mapping = 'pending';
    var p = mode === 'flv' ? this._startFLV(gen) : this._startHLS(gen);
    return p.then(function () {
      if (gen !== self._gen) return;
      self._em.emit(EVENT.PLAYER_MODE, { mode: self._kind });
      return self._play();
    }).catch(function (e) {
      if (gen !== self._gen) return;
      self._em.emit(EVENT.PLAYER_ERROR, { code: e.code || 'start_failed', message: e.message });
      self._recover('start_failed');
    });
  };
  Player.prototype._gen = 0;

  Player.prototype._startFLV = function (gen) {
    var self = this, v = this._video, url = this._src.flv;
    return I.loadScript(I.MPEGTS_JS).then(function () {
      var mpegts = root.mpegts;
      if (gen !== self._gen) return;
      if (!mpegts || !mpegts.getFeatureList().mseLivePlayback) {
        if (self._src.hls) return self._startHLS(gen);
        throw I.SDKError('unsupported', 'this browser cannot play HTTP-FLV (no MSE)');
      }
      var p = mpegts.createPlayer({ type: 'flv', isLive: true, url: url }, FLV_CONFIG);
      self._engine = { kind: 'flv', destroy: function () { p.pause(); p.unload(); p.detachMediaElement(); p.destroy(); } };
      self._kind = 'flv';
      p.on(mpegts.Events.METADATA_ARRIVED, function (md) {
        // The gateway names the media time of the response's first tag:
        // mpegts.js counts currentTime from there.
        if (md && typeof md.livestudioTimeBase === 'number') { self._base = md.livestudioTimeBase; self._mapping = 'ok'; }
        else self._mapping = 'none';
      });
      p.on(mpegts.Events.ERROR, function (type, detail, info) {
        if (gen !== self._gen) return;
        self._em.emit(EVENT.PLAYER_ERROR, { code: type, message: detail + (info && info.msg ? ': ' + info.msg : ''), mode: 'flv' });
        self._recover('error');
      });
      p.on(mpegts.Events.LOADING_COMPLETE, function () {
        if (gen === self._gen) self._recover('ended'); // the stream ended or restarted
      });
      p.attachMediaElement(v);
      p.load();
    });
  };

  Player.prototype._startHLS = function (gen) {
    var self = this, v = this._video, url = this._src.hls;
    if (!url) return Promise.reject(I.SDKError('unsupported', 'no HLS URL'));
    this._fetchEpoch(url, gen);
    var viaJS = hasMSE() ? I.loadScript(I.HLS_JS).then(function () { return root.Hls && root.Hls.isSupported(); }) : Promise.resolve(false);
    return viaJS.catch(function () { return false; }).then(function (useJS) {
      if (gen !== self._gen) return;
      if (!useJS) {
        if (!v.canPlayType('application/vnd.apple.mpegurl')) throw I.SDKError('unsupported', 'this browser cannot play HLS');
        self._kind = 'native-hls';
        v.src = url;
        self._engine = { kind: 'native-hls', destroy: function () { v.removeAttribute('src'); v.load(); } };
        return;
      }
      var Hls = root.Hls, h = new Hls(HLS_CONFIG), recovered = false;
      self._kind = 'hls';
      self._hls = h;
      self._engine = { kind: 'hls', destroy: function () { h.destroy(); self._hls = null; } };
      h.on(Hls.Events.ERROR, function (ev, d) {
        if (!d.fatal || gen !== self._gen) return;
        if (d.type === Hls.ErrorTypes.MEDIA_ERROR && !recovered) { recovered = true; h.recoverMediaError(); return; }
        self._em.emit(EVENT.PLAYER_ERROR, { code: d.type, message: d.details, mode: 'hls' });
        self._recover('error');
      });
      h.loadSource(url);
      h.attachMedia(v);
    });
  };

  // _fetchEpoch asks the gateway for the wall clock its HLS playlists'
  // PROGRAM-DATE-TIME counts media time from (X-Livestudio-Media-Epoch).
  Player.prototype._fetchEpoch = function (url, gen) {
    var self = this;
    if (!root.fetch) { this._mapping = 'none'; return; }
    root.fetch(url, { cache: 'no-store' }).then(function (r) {
      if (gen !== self._gen) return;
      var e = Number(r.headers.get('X-Livestudio-Media-Epoch'));
      if (e > 0) { self._epoch = e; self._mapping = 'ok'; } else self._mapping = r.ok ? 'none' : 'pending';
    }).catch(function () {});
  };

  Player.prototype._play = function () {
    var self = this, v = this._video;
    if (this._userPaused) return Promise.resolve();
    v.muted = this._muted;
    var p = v.play();
    if (!p || !p.then) return Promise.resolve();
    return p.catch(function (e) {
      if (e && e.name === 'NotAllowedError') {
        if (!v.muted) { // browsers allow muted autoplay: retry muted, offer tap-to-unmute
          self._muted = true;
          v.muted = true;
          return v.play().catch(function () { self._em.emit(EVENT.PLAYER_AUTOPLAY_NOT_ALLOWED, {}); });
        }
        self._em.emit(EVENT.PLAYER_AUTOPLAY_NOT_ALLOWED, {});
      }
    });
  };

  // _recover tears the engine down and starts again after a jittered
  // backoff (1 s doubling to 15 s): stalls, errors, a stream that ended or
  // restarted, a stream not live yet.
  Player.prototype._recover = function (reason) {
    var self = this, gen = ++this._gen;
    this._teardown();
    clearTimeout(this._retry);
    var d = I.backoff(this._attempt++, 1000, 15000);
    this._em.emit(EVENT.PLAYER_WAITING, { reason: reason });
    this._em.emit(EVENT.PLAYER_RECONNECTING, { attempt: this._attempt, delayMs: d, reason: reason });
    this._retry = setTimeout(function () { if (gen === self._gen && self._src) self._start(); }, d);
  };
  Player.prototype._teardown = function () {
    var e = this._engine;
    this._engine = null;
    this._hls = null;
    if (e) { try { e.destroy(); } catch (err) { I.log('teardown', err); } }
  };

  // _startTicks watches progress (stall and startup timeouts) and runs the
  // media-time queue. requestVideoFrameCallback, where it exists, runs the
  // queue on the frame that is presented.
  Player.prototype._startTicks = function () {
    var self = this, v = this._video;
    this._tick = setInterval(function () { self._watch(); self._drain(); }, 100);
    if (v.requestVideoFrameCallback) {
      var onFrame = function () { self._drain(); if (self._video === v) v.requestVideoFrameCallback(onFrame); };
      v.requestVideoFrameCallback(onFrame);
    }
  };
  Player.prototype._watch = function () {
    var v = this._video, now = Date.now();
    // Browsers suspend media in hidden tabs: that is not a stall.
    if (!this._engine || this._userPaused || doc.hidden) { this._progressAt = now; return; }
    if (v.currentTime !== this._lastTime && !v.paused) {
      this._lastTime = v.currentTime;
      this._progressAt = now;
      if (v.readyState >= 3) {
        if (!this._everPlayed) this._everPlayed = now;
        if (now - this._everPlayed > STEADY_MS) this._attempt = 0;
      }
    }
    if (this._everPlayed && now - this._progressAt > STALL_MS) this._recover('stall');
    else if (!this._everPlayed && now - this._startedAt > START_MS) this._recover('startup_timeout');
  };

  /** getMediaTime(): the stream time (ms, the gateway's DTS clock) of the picture on screen, or null. */
  Player.prototype.getMediaTime = function () {
    var v = this._video;
    if (!v || !this._engine || v.readyState < 2) return null;
    if (this._kind === 'flv' && this._base != null) return Math.round(this._base + v.currentTime * 1000);
    if (this._epoch) {
      var d = null;
      if (this._kind === 'hls' && this._hls && this._hls.playingDate) d = this._hls.playingDate.getTime();
      else if (this._kind === 'native-hls' && v.getStartDate) {
        var s = v.getStartDate().getTime();
        if (!isNaN(s)) d = s + v.currentTime * 1000;
      }
      if (d != null) return Math.round(d - this._epoch);
    }
    return null;
  };

  /** atMediaTime(ms, fn, capMs): runs fn when the picture on screen reaches media time ms
   * (chat and product cards in step with the picture), at the latest after capMs (10 s). */
  Player.prototype.atMediaTime = function (ms, fn, capMs) {
    var now = Date.now();
    if (typeof ms !== 'number' || this._mapping === 'none' || !this._src) { fn(); return; }
    this._queue.push({ t: ms, fn: fn, deadline: now + (capMs == null ? 10000 : capMs), seq: this._qseq = (this._qseq || 0) + 1 });
    this._queue.sort(function (a, b) { return a.t - b.t || a.seq - b.seq; });
    this._drain();
  };
  Player.prototype._drain = function () {
    if (!this._queue.length) return;
    var now = Date.now(), mt = this.getMediaTime(), due = [], rest = [];
    for (var i = 0; i < this._queue.length; i++) {
      var it = this._queue[i];
      if ((mt != null && mt >= it.t) || now >= it.deadline || this._mapping === 'none') due.push(it);
      else rest.push(it);
    }
    this._queue = rest;
    for (var j = 0; j < due.length; j++) {
      try { due[j].fn(mt); } catch (e) { I.log('atMediaTime callback threw', e); }
    }
  };

  /** stopPlay() */
  Player.prototype.stopPlay = function () {
    this._gen++;
    clearTimeout(this._retry);
    this._teardown();
    this._src = null;
    this._queue.forEach(function (it) { try { it.fn(null); } catch (e) { /* listener */ } });
    this._queue = [];
    return Promise.resolve();
  };
  /** pauseVideo() / resumeVideo(): pause and resume the picture (and sound). */
  Player.prototype.pauseVideo = function () { this._userPaused = true; if (this._video) this._video.pause(); return Promise.resolve(); };
  Player.prototype.resumeVideo = function () {
    this._userPaused = false;
    this._progressAt = Date.now();
    // Back to the live edge: a live page resumes live, not where it paused.
    if (this._engine && this._kind === 'flv' && this._video.buffered.length) {
      var end = this._video.buffered.end(this._video.buffered.length - 1);
      if (end - this._video.currentTime > 3) this._video.currentTime = end - 1;
    }
    return this._play();
  };
  /** resumePlay(): after PLAYER_AUTOPLAY_NOT_ALLOWED, from a user gesture. */
  Player.prototype.resumePlay = function () { return this.resumeVideo(); };
  /** pauseAudio() / resumeAudio(): mute and unmute. resumeAudio must run in a user gesture on mobile. */
  Player.prototype.pauseAudio = function () { this._muted = true; if (this._video) this._video.muted = true; return Promise.resolve(); };
  Player.prototype.resumeAudio = function () {
    this._muted = false;
    if (this._video) { this._video.muted = false; if (this._video.paused && !this._userPaused) return this._play(); }
    return Promise.resolve();
  };
  Player.prototype.isMuted = function () { return this._video ? this._video.muted : this._muted; };
  Player.prototype.isPlaying = function () { var v = this._video; return !!(v && !v.paused && v.readyState >= 3); };
  /** getMode(): 'flv', 'hls' or 'native-hls' (what plays now). */
  Player.prototype.getMode = function () { return this._engine ? this._kind : null; };
  Player.prototype.getVideoElement = function () { return this._video; };
  /** destroy(): stops and removes the video element. */
  Player.prototype.destroy = function () {
    this.stopPlay();
    clearInterval(this._tick);
    if (this._video && this._video.parentNode) this._video.parentNode.removeChild(this._video);
    this._video = null;
  };

  L.createPlayer = function (opts) { return new Player(opts); };
  L.parsePlayURL = parseURL;
})(typeof globalThis !== 'undefined' ? globalThis : window);
