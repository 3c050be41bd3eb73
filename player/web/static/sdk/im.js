/* livestudio SDK, part 2: createIM, the live-room chat over the gateway's WebSocket (docs/protocol.md). */
(function (root) {
  'use strict';
  var L = root.LiveStudio, I = L._i, EVENT = L.EVENT, TYPES = L.TYPES;
  var PRIORITY = { High: 'high', Normal: 'normal', Low: 'low', Lowest: 'lowest' };
  var PRIORITY_OUT = { high: 'High', normal: 'Normal', low: 'Low', lowest: 'Lowest' };
  var REQUEST_TIMEOUT = 15000;

  // IM is one chat connection: one WebSocket, at most one room, reconnecting
  // with backoff and logging in and entering its room again by itself.
  function IM(opts) {
    opts = opts || {};
    this.SDKAppID = opts.SDKAppID || 0;
    this._url = wsURL(L.gatewayOrigin(opts.server));
    this._em = new I.Emitter();
    this._ws = null;
    this._nextID = 1;
    this._pending = {};
    this._queue = []; // requests waiting for the socket
    this._attempt = 0;
    this._timer = null;
    this._closed = true;
    this._login = null; // {userID, userSig} to restore
    this._room = null; // room to re-enter
    this._profile = null; // profile to restore
    this._me = null; // ready reply
    this._netState = TYPES.NET_STATE_DISCONNECTED;
  }
  function wsURL(origin) {
    return origin.replace(/^http/, 'ws') + '/ws';
  }
  IM.prototype.on = function (n, fn, ctx) { this._em.on(n, fn, ctx); };
  IM.prototype.off = function (n, fn) { this._em.off(n, fn); };

  IM.prototype._connect = function () {
    var self = this;
    if (this._ws || this._closed) return;
    this._setNet(TYPES.NET_STATE_CONNECTING);
    var ws;
    try { ws = new root.WebSocket(this._url); } catch (e) { this._scheduleReconnect(); return; }
    this._ws = ws;
    ws.onmessage = function (ev) {
      var frames = I.parseJSON(ev.data);
      if (!Array.isArray(frames)) return;
      for (var i = 0; i < frames.length; i++) self._handle(frames[i]);
    };
    ws.onclose = function () {
      if (self._ws !== ws) return;
      self._ws = null;
      self._ready = false;
      self._failPending(I.SDKError('disconnected', 'connection lost'));
      if (self._closed) { self._setNet(TYPES.NET_STATE_DISCONNECTED); return; }
      self._setNet(TYPES.NET_STATE_CONNECTING);
      self._scheduleReconnect();
    };
  };
  IM.prototype._scheduleReconnect = function () {
    var self = this;
    clearTimeout(this._timer);
    var d = I.backoff(this._attempt++, 500, 10000);
    this._timer = setTimeout(function () { self._connect(); }, d);
  };
  IM.prototype._setNet = function (s) {
    if (s === this._netState) return;
    this._netState = s;
    this._em.emit(EVENT.IM_NET_STATE_CHANGED, s);
  };
  IM.prototype._failPending = function (err) {
    var p = this._pending;
    this._pending = {};
    this._queue = [];
    for (var id in p) { clearTimeout(p[id].timer); p[id].reject(err); }
  };

  // _request sends one request and resolves with its reply (ready, joined
  // or ack), or rejects with the server's error {code, message}.
  IM.prototype._request = function (req) {
    var self = this;
    return new Promise(function (resolve, reject) {
      req.id = self._nextID++;
      var p = { resolve: resolve, reject: reject, req: req };
      p.timer = setTimeout(function () {
        delete self._pending[req.id];
        reject(I.SDKError('timeout', req.type + ': no answer'));
      }, REQUEST_TIMEOUT);
      self._pending[req.id] = p;
      self._send(req);
    });
  };
  IM.prototype._send = function (req) {
    if (this._ws && this._ws.readyState === 1 && this._ready) this._ws.send(JSON.stringify(req));
    else this._queue.push(req);
  };
  IM.prototype._flush = function () {
    var q = this._queue;
    this._queue = [];
    for (var i = 0; i < q.length; i++) this._ws.send(JSON.stringify(q[i]));
  };

  IM.prototype._handle = function (m) {
    var p = m.id != null ? this._pending[m.id] : null;
    if (p) {
      delete this._pending[m.id];
      clearTimeout(p.timer);
      if (m.type === 'error') {
        var err = I.SDKError(m.code, m.message, { remainingMs: m.remaining_ms, request: p.req.type });
        this._em.emit(EVENT.IM_ERROR, { code: m.code, message: m.message, request: p.req.type, remainingMs: m.remaining_ms });
        p.reject(err);
      } else {
        p.resolve(m);
      }
      if (m.type === 'joined') this._onJoined(m);
      return;
    }
    switch (m.type) {
      case 'ready': return this._onSocketReady(m);
      case 'joined': return this._onJoined(m);
      case 'message': return this._onMessages([m]);
      case 'likes':
        return this._em.emit(EVENT.IM_LIKES, { roomID: m.room, total: m.total, delta: m.delta, recent: m.recent || [], mediaTimeMs: m.media_time_ms });
      case 'online': return this._em.emit(EVENT.IM_ONLINE, { roomID: m.room, online: m.online });
      case 'tip': return this._onTip(m);
      case 'kicked':
        this._room = null;
        return this._em.emit(EVENT.IM_KICKED_OUT, TYPES.KICKED_OUT_BY_ADMIN);
      case 'error':
        return this._em.emit(EVENT.IM_ERROR, { code: m.code, message: m.message });
    }
  };

  // _onSocketReady: the unsolicited ready after connecting. Log in and
  // re-enter the room again (after a reconnect), then send what waited.
  IM.prototype._onSocketReady = function () {
    var self = this, ws = this._ws;
    this._attempt = 0;
    this._setNet(TYPES.NET_STATE_CONNECTED);
    var steps = [];
    if (this._login) steps.push({ type: 'login', user_id: this._login.userID, user_sig: this._login.userSig });
    if (this._profile && this._login) steps.push({ type: 'set_profile', nick: this._profile.nick || '', avatar: this._profile.avatar || '' });
    if (this._room) steps.push({ type: 'join', room: this._room });
    var chain = Promise.resolve();
    steps.forEach(function (req) {
      chain = chain.then(function () {
        if (self._ws !== ws || steps.indexOf(req) < 0) return;
        return new Promise(function (resolve) {
          req.id = self._nextID++;
          self._pending[req.id] = { resolve: resolve, req: req, timer: 0, reject: function (err) {
            // The UserSig no longer works (expired, or the key changed): the
            // session is over, as TIM reports it; the room is re-entered as a guest.
            if (req.type === 'login' && (err.code === 'usersig_expired' || err.code === 'bad_usersig')) {
              self._login = null;
              self._me = null;
              steps = steps.filter(function (r) { return r.type !== 'set_profile'; });
              self._em.emit(EVENT.IM_KICKED_OUT, TYPES.KICKED_OUT_USERSIG_EXPIRED);
              self._em.emit(EVENT.IM_NOT_READY, {});
            } else if (req.type === 'join' && err.code === 'banned') {
              self._room = null;
              self._em.emit(EVENT.IM_KICKED_OUT, TYPES.KICKED_OUT_BY_ADMIN);
            }
            resolve();
          } };
          ws.send(JSON.stringify(req));
        });
      });
    });
    chain.then(function (last) {
      if (self._ws !== ws) return;
      self._ready = true;
      self._flush();
    });
  };

  IM.prototype._onJoined = function (m) {
    var attrs = m.attrs || {};
    this._attrs = attrs;
    this._em.emit(EVENT.IM_ROOM_ENTERED, { roomID: m.room, online: m.online, attrs: attrs, seq: m.seq,
      likes: m.likes || { total: 0, recent: [] }, history: (m.history || []).map(toMessage) });
    this._em.emit(EVENT.IM_ROOM_ATTRS, { roomID: m.room, attrs: attrs, changed: Object.keys(attrs), snapshot: true });
    this._em.emit(EVENT.IM_PRODUCT_CHANGED, { roomID: m.room, product: parseProduct(attrs.product), snapshot: true });
    this._em.emit(EVENT.IM_LIVE_STATUS, { roomID: m.room, status: attrs.status || null, snapshot: true });
  };

  // toMessage turns a server message into TWebLive's (TIM's) Message shape,
  // with the media time the gateway stamped.
  function toMessage(m) {
    var custom = m.kind === 'custom';
    return {
      ID: m.room + '-' + m.seq, type: custom ? TYPES.MSG_CUSTOM : TYPES.MSG_TEXT, kind: m.kind,
      to: m.room, conversationType: 'GROUP', from: m.from || '', nick: m.nick || '', avatar: m.avatar || '',
      level: m.level || 0, time: Math.floor((m.time || 0) / 1000), timeMs: m.time || 0, sequence: m.seq,
      priority: PRIORITY_OUT[m.priority] || 'Normal', flow: 'in', mediaTimeMs: m.media_time_ms,
      payload: custom ? { data: m.data || '', description: m.description || '', extension: m.extension || '' }
        : { text: m.text || '', data: m.data }
    };
  }
  L._i.toMessage = toMessage;

  IM.prototype._onMessages = function (list) {
    var text = [], custom = [], notice = [];
    for (var i = 0; i < list.length; i++) {
      var msg = toMessage(list[i]);
      if (msg.kind === 'notice') notice.push(msg);
      else if (msg.type === TYPES.MSG_CUSTOM) custom.push(msg);
      else text.push(msg);
    }
    if (text.length) this._em.emit(EVENT.IM_TEXT_MESSAGE_RECEIVED, text);
    if (custom.length) this._em.emit(EVENT.IM_CUSTOM_MESSAGE_RECEIVED, custom);
    if (notice.length) this._em.emit(EVENT.IM_NOTICE_RECEIVED, notice);
  };

  IM.prototype._onTip = function (m) {
    var users = m.users || [];
    if (m.kind === 'join' || m.kind === 'leave') {
      var tips = [{ type: TYPES.MSG_GRP_TIP, to: m.room, nick: users[0] ? users[0].nick : '', count: m.count || users.length,
        payload: { operationType: m.kind === 'join' ? 1 : 2, userIDList: users.map(function (u) { return u.user_id; }), users: users } }];
      this._em.emit(m.kind === 'join' ? EVENT.IM_REMOTE_USER_JOIN : EVENT.IM_REMOTE_USER_LEAVE, tips);
      return;
    }
    if (m.kind === 'attrs') {
      var attrs = m.attrs || {}, changed = m.changed || [];
      this._attrs = attrs;
      this._em.emit(EVENT.IM_ROOM_ATTRS, { roomID: m.room, attrs: attrs, changed: changed, mediaTimeMs: m.media_time_ms });
      if (changed.indexOf('product') >= 0) {
        this._em.emit(EVENT.IM_PRODUCT_CHANGED, { roomID: m.room, product: parseProduct(attrs.product), mediaTimeMs: m.media_time_ms });
      }
      if (changed.indexOf('status') >= 0) {
        this._em.emit(EVENT.IM_LIVE_STATUS, { roomID: m.room, status: attrs.status || null, mediaTimeMs: m.media_time_ms });
      }
      return;
    }
    if (m.kind === 'room_destroyed') this._room = null;
    this._em.emit(EVENT.IM_ROOM_TIP, { roomID: m.room, kind: m.kind, users: users, by: m.by, durationMs: m.duration_ms,
      until: m.until, reason: m.reason });
  };

  // parseProduct reads the `product` attribute (WeChat goods field names);
  // anything but an object with a name is "no card".
  function parseProduct(v) {
    var p = I.parseJSON(v);
    if (!p || typeof p !== 'object' || Array.isArray(p) || typeof p.name !== 'string') return null;
    return p;
  }
  L.parseProduct = parseProduct;

  function ok(data) { return { code: 0, data: data || {} }; }
  IM.prototype._open = function () {
    if (this._closed) { this._closed = false; this._connect(); }
  };

  /** login({userID, userSig}): resolves {code:0, data:{repeatLogin}} after the gateway checked the UserSig. */
  IM.prototype.login = function (o) {
    var self = this;
    o = o || {};
    if (this._login && this._login.userID === o.userID && this._me) {
      return Promise.resolve(ok({ repeatLogin: true, errorInfo: 'already logged in' }));
    }
    if (this._login) return Promise.reject(I.SDKError('already_logged_in', 'log out first'));
    this._open();
    return this._request({ type: 'login', user_id: o.userID, user_sig: o.userSig }).then(function (r) {
      self._login = { userID: o.userID, userSig: o.userSig };
      self._me = r;
      if (r.profile) self._profile = { nick: r.profile.nick, avatar: r.profile.avatar };
      self._em.emit(EVENT.IM_READY, { userID: o.userID, admin: !!r.admin });
      return ok({ repeatLogin: false, admin: !!r.admin, profile: r.profile });
    });
  };

  /** logout(): closes the connection (a connection logs in once); guests may enterRoom again. */
  IM.prototype.logout = function () {
    this._login = null;
    this._me = null;
    this._profile = null;
    this._reset();
    this._em.emit(EVENT.IM_NOT_READY, {});
    if (this._room) this._open();
    return Promise.resolve(ok());
  };
  IM.prototype._reset = function () {
    var ws = this._ws;
    this._ws = null;
    this._ready = false;
    this._failPending(I.SDKError('closed', 'connection closed'));
    if (ws) ws.close(1000);
    this._closed = true;
    clearTimeout(this._timer);
  };

  /** enterRoom(roomID): guests may enter and read. Resolves {data:{status: ENTER_ROOM_SUCCESS|ALREADY_IN_ROOM}}. */
  IM.prototype.enterRoom = function (roomID) {
    var self = this, already = this._room === roomID;
    this._open();
    return this._request({ type: 'join', room: roomID }).then(function () {
      self._room = roomID;
      return ok({ status: already ? TYPES.ALREADY_IN_ROOM : TYPES.ENTER_ROOM_SUCCESS, roomID: roomID });
    });
  };

  /** exitRoom(roomID) */
  IM.prototype.exitRoom = function () {
    var self = this;
    if (!this._room) return Promise.resolve(ok());
    return this._request({ type: 'leave' }).then(function () { self._room = null; return ok(); });
  };

  function priority(p, def) { return PRIORITY[p] || (p && PRIORITY_OUT[p] ? p : def); }

  // _sent resolves a send with the message as others receive it (TIM's
  // shape), so the page can show its own message at once.
  IM.prototype._sent = function (roomID, kind, fields, prio) {
    var self = this;
    var req = { type: 'send', kind: kind, priority: prio };
    for (var k in fields) req[k] = fields[k];
    return this._request(req).then(function (ack) {
      var p = self._profile || {};
      var m = { room: roomID || self._room, seq: ack.seq, kind: kind, from: self._login ? self._login.userID : '',
        nick: p.nick || '', avatar: p.avatar || '', time: ack.time, priority: prio, media_time_ms: ack.media_time_ms };
      for (var k2 in fields) m[k2] = fields[k2];
      var msg = toMessage(m);
      msg.flow = 'out';
      msg.dropped = ack.seq == null; // the before-send webhook dropped it silently
      return ok({ message: msg });
    });
  };

  /** sendTextMessage({roomID, text, priority}) */
  IM.prototype.sendTextMessage = function (o) {
    return this._sent(o.roomID, 'text', { text: String(o.text == null ? '' : o.text) }, priority(o.priority, 'normal'));
  };

  /** sendCustomMessage({roomID, data, description, extension, priority}) */
  IM.prototype.sendCustomMessage = function (o) {
    return this._sent(o.roomID, 'custom', { data: String(o.data || ''), description: String(o.description || ''),
      extension: String(o.extension || '') }, priority(o.priority, 'normal'));
  };

  /** sendLike({roomID, count}): likes are counted by the room and broadcast aggregated (IM_LIKES). */
  IM.prototype.sendLike = function (o) {
    return this._request({ type: 'like', count: (o && o.count) || 1 }).then(function (ack) { return ok({ total: ack.likes_total }); });
  };

  /** setMyProfile({nick, avatar}) */
  IM.prototype.setMyProfile = function (o) {
    var self = this;
    var p = { nick: o.nick != null ? String(o.nick) : (this._profile || {}).nick || '',
      avatar: o.avatar != null ? String(o.avatar) : (this._profile || {}).avatar || '' };
    return this._request({ type: 'set_profile', nick: p.nick, avatar: p.avatar }).then(function () {
      self._profile = p;
      return ok({ profile: p });
    });
  };

  /** getMyProfile() */
  IM.prototype.getMyProfile = function () {
    var p = this._profile || {};
    return Promise.resolve(ok({ userID: this._login ? this._login.userID : '', nick: p.nick || '', avatar: p.avatar || '' }));
  };

  /** getRoomAttrs(): the attributes of the current room as last received. */
  IM.prototype.getRoomAttrs = function () { return this._attrs || {}; };
  IM.prototype.isLoggedIn = function () { return !!this._me; };
  IM.prototype.getRoomID = function () { return this._room; };

  /** destroy(): closes the connection for good. */
  IM.prototype.destroy = function () { this._login = null; this._room = null; this._reset(); };

  L.createIM = function (opts) { return new IM(opts); };
})(typeof globalThis !== 'undefined' ? globalThis : window);
