/*! livestudio SDK: a TWebLive-shaped player and live-room chat for the livestudio gateway.
 * Classic script: defines window.LiveStudio. ES module: import LiveStudio from '/sdk/livestudio.mjs'.
 * Docs: docs/embedding.md. Chat protocol: docs/protocol.md. */
(function (root) {
  'use strict';
  var VERSION = '1.0.0';
  // Vendored players, served by the gateway (pinned in player/web/assets.go).
  var MPEGTS_JS = 'vendor/mpegts-1.8.2.min.js';
  var HLS_JS = 'vendor/hls.light-1.7.4.min.js';

  // TWebLive's event names and values (tweblive 1.3.1), then ours (ls_*).
  var EVENT = {
    IM_READY: 't_im_ready',
    IM_NOT_READY: 't_im_not_ready',
    IM_TEXT_MESSAGE_RECEIVED: 't_text_message_received',
    IM_CUSTOM_MESSAGE_RECEIVED: 't_custom_message_received',
    IM_REMOTE_USER_JOIN: 't_remote_user_join',
    IM_REMOTE_USER_LEAVE: 't_remote_user_leave',
    IM_KICKED_OUT: 't_kicked_out',
    IM_NET_STATE_CHANGED: 't_net_state_change',
    IM_PUSH_STOPPED: 't_push_stopped',
    PLAYER_PLAYING: 't_playing',
    PLAYER_PAUSE: 't_pause',
    PLAYER_WAITING: 't_waiting',
    PLAYER_TIMEUPDATE: 't_timeupdate',
    PLAYER_ERROR: 't_error',
    PLAYER_AUTOPLAY_NOT_ALLOWED: 't_autoplay_not_allowed',
    // livestudio's own
    IM_ERROR: 'ls_im_error', // a request failed: {code, message, request}
    IM_ROOM_ENTERED: 'ls_room_entered', // the join snapshot: {roomID, online, attrs, likes, history, seq}
    IM_NOTICE_RECEIVED: 'ls_notice_received', // admin notices (messages of kind notice)
    IM_LIKES: 'ls_likes', // {roomID, total, delta, recent}
    IM_ONLINE: 'ls_online', // {roomID, online}
    IM_ROOM_ATTRS: 'ls_room_attrs', // {roomID, attrs, changed, mediaTimeMs}
    IM_PRODUCT_CHANGED: 'ls_product_changed', // {roomID, product (object or null), mediaTimeMs}
    IM_LIVE_STATUS: 'ls_live_status', // {roomID, status: '101'.. or null}
    IM_ROOM_TIP: 'ls_room_tip', // moderation tips: muted, unmuted, kicked, room_muted, room_unmuted, room_destroyed
    PLAYER_RECONNECTING: 'ls_player_reconnecting', // {attempt, delayMs, reason}
    PLAYER_MODE: 'ls_player_mode' // {mode: 'flv'|'hls'|'native-hls'}
  };
  var TYPES = {
    MSG_PRIORITY_HIGH: 'High', MSG_PRIORITY_NORMAL: 'Normal', MSG_PRIORITY_LOW: 'Low', MSG_PRIORITY_LOWEST: 'Lowest',
    KICKED_OUT_MULT_ACCOUNT: 'multipleAccount', KICKED_OUT_MULT_DEVICE: 'multipleDevice',
    KICKED_OUT_USERSIG_EXPIRED: 'userSigExpired', KICKED_OUT_BY_ADMIN: 'kickedByAdmin',
    NET_STATE_CONNECTED: 'connected', NET_STATE_CONNECTING: 'connecting', NET_STATE_DISCONNECTED: 'disconnected',
    ENTER_ROOM_SUCCESS: 'JoinedSuccess', ALREADY_IN_ROOM: 'AlreadyInGroup',
    MSG_TEXT: 'TIMTextElem', MSG_CUSTOM: 'TIMCustomElem', MSG_GRP_TIP: 'TIMGroupTipElem',
    LIVE_STATUS: { LIVE: '101', NOT_STARTED: '102', ENDED: '103', BANNED: '104', PAUSED: '105', EXPIRED: '107' }
  };
  var LIVE_STATUS_TEXT = { '101': 'Live', '102': 'Not started', '103': 'Ended', '104': 'Banned', '105': 'Paused', '107': 'Expired' };

  // The gateway this script came from: default for room:// URLs and chat.
  var scriptBase = (function () {
    try {
      var s = root.document && root.document.currentScript;
      if (s && s.src) return s.src.replace(/[^/]*$/, '');
    } catch (e) { /* not a browser */ }
    return '';
  })();
  function gatewayOrigin(server) {
    if (server) return String(server).replace(/\/+$/, '');
    if (scriptBase) return scriptBase.replace(/\/sdk\/$/, '');
    return root.location ? root.location.origin : '';
  }

  // ---- small helpers ------------------------------------------------------
  function Emitter() { this._h = {}; }
  Emitter.prototype.on = function (name, fn, ctx) {
    (this._h[name] = this._h[name] || []).push({ fn: fn, ctx: ctx });
  };
  Emitter.prototype.off = function (name, fn) {
    var l = this._h[name];
    if (!l) return;
    this._h[name] = fn ? l.filter(function (x) { return x.fn !== fn; }) : [];
  };
  Emitter.prototype.emit = function (name, data) {
    var l = (this._h[name] || []).slice();
    for (var i = 0; i < l.length; i++) {
      try { l[i].fn.call(l[i].ctx, { name: name, data: data }); } catch (e) { log('listener of ' + name + ' threw', e); }
    }
  };
  function log() {
    if (root.console && LiveStudio.debug) root.console.log.apply(root.console, ['[livestudio]'].concat([].slice.call(arguments)));
  }
  function SDKError(code, message, extra) {
    var e = new Error(message || code);
    e.code = code;
    if (extra) for (var k in extra) e[k] = extra[k];
    return e;
  }
  // backoff: jittered exponential delay for attempt n (0-based).
  function backoff(n, min, max) {
    var d = Math.min(max, min * Math.pow(2, n));
    return Math.round(d / 2 + Math.random() * d / 2);
  }
  var loading = {};
  // loadScript adds a vendored player script once (same origin as this SDK).
  function loadScript(rel) {
    var url = (scriptBase || (gatewayOrigin() + '/sdk/')) + rel;
    if (!loading[url]) {
      loading[url] = new Promise(function (resolve, reject) {
        var s = root.document.createElement('script');
        s.src = url;
        s.async = true;
        s.onload = resolve;
        s.onerror = function () { delete loading[url]; reject(SDKError('load_failed', 'cannot load ' + url)); };
        root.document.head.appendChild(s);
      });
    }
    return loading[url];
  }
  function parseJSON(s) {
    if (typeof s !== 'string' || s === '') return null;
    try { return JSON.parse(s); } catch (e) { return null; }
  }

  var LiveStudio = {
    VERSION: VERSION, EVENT: EVENT, TYPES: TYPES, LIVE_STATUS_TEXT: LIVE_STATUS_TEXT, debug: false,
    gatewayOrigin: gatewayOrigin,
    /** setBaseURL(url): where /sdk/ is (set by livestudio.mjs from import.meta.url). */
    setBaseURL: function (u) { scriptBase = String(u).replace(/[^/]*$/, ''); },
    // _i: shared by the SDK's parts (player, IM, sync); not an API.
    _i: { Emitter: Emitter, backoff: backoff, loadScript: loadScript, parseJSON: parseJSON, SDKError: SDKError, log: log,
      MPEGTS_JS: MPEGTS_JS, HLS_JS: HLS_JS }
  };
  root.LiveStudio = LiveStudio;
})(typeof globalThis !== 'undefined' ? globalThis : window);
