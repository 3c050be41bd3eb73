/* The live page (/play/{room}) and the embed (/embed/{room}), built on the SDK.
 * Everything users typed goes to the DOM through textContent, never innerHTML. */
(function () {
  'use strict';
  var L = window.LiveStudio, EVENT = L.EVENT, TYPES = L.TYPES;
  var body = document.body, ds = body.dataset;
  var room = ds.room, embed = ds.embed === 'true', chatOn = ds.chat === 'true', demo = ds.demo === 'true';
  var q = new URLSearchParams(location.search);
  var showChat = q.get('chat') !== '0';
  var autoplay = q.get('autoplay') !== '0';
  var muted = q.get('muted') !== '0';
  var mode = q.get('mode') === 'flv' || q.get('mode') === 'hls' ? q.get('mode') : 'auto';
  var CARD_CAP_MS = 10000, CHAT_CAP_MS = 5000, MAX_LINES = 60;
  function $(id) { return document.getElementById(id); }
  var el = {
    status: $('status'), online: $('online'), likes: $('likes'), chat: $('chat'), text: $('text'), send: $('sendbtn'),
    form: $('sendform'), like: $('likebtn'), gift: $('giftbtn'), panel: $('giftpanel'), hearts: $('hearts'),
    card: $('card'), cardimg: $('cardimg'), cardname: $('cardname'), cardprice: $('cardprice'), cardbuy: $('cardbuy'),
    notice: $('notice'), unmute: $('unmute'), tapplay: $('tapplay'), loginbtn: $('loginbtn'), me: $('me'),
    loginform: $('loginform'), loginid: $('loginid'), loginnick: $('loginnick'), gifts: $('gifts')
  };
  if (!showChat) document.documentElement.classList.add('nochat');

  // State the tests and the benchmark read (window.livestudioPage).
  var state = { playing: false, mode: null, likes: 0, online: 0, status: null, product: null, cards: [], messages: 0, errors: [] };
  window.livestudioPage = state;

  // ---- embed: events to the parent ---------------------------------------
  function post(type, data) {
    if (!embed || window.parent === window) return;
    var m = { source: 'livestudio', type: type, room: room };
    for (var k in data) m[k] = data[k];
    try { window.parent.postMessage(m, '*'); } catch (e) { /* detached */ }
  }

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

  // ---- chat lines --------------------------------------------------------
  function line(cls, who, text) {
    var li = document.createElement('li');
    li.className = cls;
    if (who) {
      var b = document.createElement('b');
      b.textContent = who;
      li.appendChild(b);
    }
    li.appendChild(document.createTextNode(text));
    el.chat.appendChild(li);
    while (el.chat.children.length > MAX_LINES) el.chat.removeChild(el.chat.firstChild);
    el.chat.scrollTop = el.chat.scrollHeight;
    return li;
  }
  function nameOf(m) { return (m.nick || m.from || 'someone') + ': '; }
  function showMessage(m) {
    state.messages++;
    if (m.type === TYPES.MSG_CUSTOM) return showCustom(m);
    line(m.flow === 'out' ? 'msg mine' : 'msg', nameOf(m), m.payload.text);
    post('message', { from: m.from, nick: m.nick, text: m.payload.text, mediaTimeMs: m.mediaTimeMs });
  }
  // Custom messages (docs/protocol.md, "Live-room custom messages").
  function showCustom(m) {
    var p = m.payload, ext = L._i.parseJSON(p.extension) || {}, who = m.nick || m.from || 'someone';
    var count = Math.max(1, Math.min(9999, Number(ext.count) || 1));
    if (p.data === 'gift') {
      line('gift', who, ' sent ' + (p.description || ext.giftId || 'a gift') + ' ×' + count);
      flyGift(String(ext.giftId || ''));
    } else if (p.data === 'follow') {
      line('tip', who, ' followed the host');
    } else if (p.data === 'purchase') {
      line('tip', who, ' bought ' + (p.description || 'an item') + (count > 1 ? ' ×' + count : ''));
    }
    post('custom', { from: m.from, nick: m.nick, data: p.data, description: p.description, extension: p.extension });
  }
  function inStep(m, fn, cap) {
    if (m.flow === 'out' || typeof m.mediaTimeMs !== 'number') return fn();
    player.atMediaTime(m.mediaTimeMs, fn, cap);
  }

  // ---- product card ------------------------------------------------------
  function yuan(v) { var n = Number(v); return isFinite(n) ? '¥' + n.toFixed(2) : ''; }
  function safeURL(u) {
    try { var x = new URL(String(u), location.href); return x.protocol === 'https:' || x.protocol === 'http:' ? x.href : ''; } catch (e) { return ''; }
  }
  function renderCard(p, info) {
    state.product = p;
    state.cards.push({ goodsId: p ? p.goodsId : null, mediaTimeMs: info.mediaTimeMs, shownAt: Date.now(),
      playerMediaTime: player.getMediaTime() });
    if (!p) { el.card.hidden = true; post('product', { product: null }); return; }
    el.cardname.textContent = p.name;
    var price = '';
    if (p.priceType === 2) price = yuan(p.price) + ' – ' + yuan(p.price2);
    else if (p.priceType === 3) price = yuan(p.price2) + '  (was ' + yuan(p.price) + ')';
    else price = yuan(p.price);
    el.cardprice.textContent = price;
    var img = safeURL(p.coverImgUrl);
    el.cardimg.hidden = !img;
    if (img) el.cardimg.src = img;
    var buy = safeURL(p.url);
    el.cardbuy.hidden = !buy;
    if (buy) el.cardbuy.href = buy;
    el.card.hidden = false;
    el.card.classList.remove('pop');
    void el.card.offsetWidth;
    el.card.classList.add('pop');
    post('product', { product: p, mediaTimeMs: info.mediaTimeMs });
  }

  // ---- likes, hearts, gifts ----------------------------------------------
  var HEART_COLORS = ['#ff4d6d', '#ff8fab', '#ffb703', '#8ecae6', '#c77dff'];
  function hearts(n) {
    n = Math.min(n, 8);
    for (var i = 0; i < n; i++) {
      var h = document.createElement('span');
      h.className = 'heart';
      h.textContent = '❤';
      h.style.color = HEART_COLORS[(Math.random() * HEART_COLORS.length) | 0];
      h.style.left = (Math.random() * 40) + 'px';
      h.style.animationDelay = (i * 120) + 'ms';
      el.hearts.appendChild(h);
      setTimeout(function (x) { x.remove(); }.bind(null, h), 2200 + i * 120);
    }
  }
  var GIFT_ICON = { rose: '🌹', heart: '💖', rocket: '🚀' };
  function flyGift(id) {
    var g = document.createElement('span');
    g.className = 'giftfly';
    g.textContent = GIFT_ICON[id] || '🎁';
    el.gifts.appendChild(g);
    setTimeout(function () { g.remove(); }, 2500);
  }
  function setLikes(n) {
    if (typeof n !== 'number' || n < state.likes) return;
    state.likes = n;
    el.likes.textContent = n > 9999 ? (n / 10000).toFixed(1) + 'w' : String(n);
  }

  // ---- notices -------------------------------------------------------------
  var noticeTimer;
  function notice(text) {
    el.notice.textContent = text;
    el.notice.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(function () { el.notice.hidden = true; }, 5000);
  }
  var ERRORS = {
    muted: 'You are muted in this room', room_muted: 'The room is muted: only the host can speak',
    banned: 'You were removed from this room', not_logged_in: 'Log in to chat', rate_limited: 'Slow down a little',
    room_rate_shed: 'The room is busy: your message was not delivered, try again', filtered: 'Your message contains a blocked word',
    too_large: 'Message too long', rejected_by_webhook: 'Your message was refused', disconnected: 'Connection lost, reconnecting…',
    bad_usersig: 'Login refused: bad UserSig', usersig_expired: 'Login expired: log in again'
  };
  function showError(e) {
    var t = ERRORS[e.code] || ('Error: ' + (e.message || e.code));
    if (e.code === 'muted' && e.remainingMs) t += ' for ' + Math.ceil(e.remainingMs / 60000) + ' more min';
    if (e.code === 'rejected_by_webhook' && e.message) t += ': ' + e.message;
    state.errors.push(e.code);
    notice(t);
  }

  // ---- chat ----------------------------------------------------------------
  if (!chatOn) {
    el.text.placeholder = 'Chat is off on this gateway';
    el.like.disabled = el.gift.disabled = true;
    return;
  }
  var im = L.createIM({ SDKAppID: Number(ds.sdkappid) || 0 });
  state.im = im;
  im.on(EVENT.IM_ROOM_ENTERED, function (e) {
    var d = e.data;
    el.chat.textContent = '';
    state.online = d.online;
    el.online.textContent = String(d.online);
    setLikes(d.likes.total || 0);
    d.history.forEach(function (m) { if (m.kind === 'notice') line('notice', '', m.payload.text || ''); else showMessage(m); });
    line('tip', '', 'Welcome! Be kind in the chat.');
  });
  im.on(EVENT.IM_TEXT_MESSAGE_RECEIVED, function (e) {
    e.data.forEach(function (m) { inStep(m, function () { showMessage(m); }, CHAT_CAP_MS); });
  });
  im.on(EVENT.IM_CUSTOM_MESSAGE_RECEIVED, function (e) {
    e.data.forEach(function (m) { inStep(m, function () { showMessage(m); }, CHAT_CAP_MS); });
  });
  im.on(EVENT.IM_NOTICE_RECEIVED, function (e) {
    e.data.forEach(function (m) { if (m.payload.text) line('notice', '', m.payload.text); });
  });
  im.on(EVENT.IM_REMOTE_USER_JOIN, function (e) {
    e.data.forEach(function (t) {
      var n = t.count > 1 ? t.count + ' people' : (t.nick || t.payload.userIDList[0] || 'someone');
      line('tip', n, ' joined');
    });
  });
  im.on(EVENT.IM_LIKES, function (e) { setLikes(e.data.total); hearts(Math.max(1, e.data.delta || 1)); post('likes', { total: e.data.total }); });
  im.on(EVENT.IM_ONLINE, function (e) { state.online = e.data.online; el.online.textContent = String(e.data.online); });
  im.on(EVENT.IM_PRODUCT_CHANGED, function (e) {
    var d = e.data;
    if (d.snapshot || typeof d.mediaTimeMs !== 'number') return renderCard(d.product, d);
    player.atMediaTime(d.mediaTimeMs, function () { renderCard(d.product, d); }, CARD_CAP_MS);
  });
  im.on(EVENT.IM_LIVE_STATUS, function (e) {
    state.status = e.data.status;
    renderStatus();
    post('status', { status: e.data.status });
  });
  im.on(EVENT.IM_ROOM_TIP, function (e) {
    var d = e.data, who = d.users && d.users[0] ? (d.users[0].nick || d.users[0].user_id) : '';
    var texts = { muted: ' was muted', unmuted: ' was unmuted', kicked: ' was removed', room_muted: 'The room is muted',
      room_unmuted: 'The room is open again', room_destroyed: 'The room was closed' };
    if (texts[d.kind]) line('tip', who, texts[d.kind]);
  });
  im.on(EVENT.IM_KICKED_OUT, function () { notice('You were removed from this room'); setLoggedIn(false); });
  var wasConnected = false;
  im.on(EVENT.IM_NET_STATE_CHANGED, function (e) {
    if (e.data === TYPES.NET_STATE_CONNECTED) wasConnected = true;
    else if (e.data === TYPES.NET_STATE_CONNECTING && wasConnected) notice('Reconnecting…');
  });
  im.enterRoom(room).catch(showError);

  // ---- login ---------------------------------------------------------------
  function setLoggedIn(on, id, nick) {
    el.text.disabled = el.send.disabled = !on;
    el.text.placeholder = on ? 'Say something…' : 'Log in to chat';
    el.loginbtn.hidden = on || !demo;
    el.me.hidden = !on;
    if (on) el.me.textContent = nick || id;
  }
  function login(userID, userSig, nick) {
    return im.login({ userID: userID, userSig: userSig }).then(function (r) {
      var p = r.data.profile || {};
      if (nick && nick !== p.nick) return im.setMyProfile({ nick: nick }).then(function () { return nick; });
      return p.nick || '';
    }).then(function (n) {
      setLoggedIn(true, userID, n);
      post('login', { userID: userID });
    }).catch(showError);
  }
  setLoggedIn(false);
  el.loginbtn.addEventListener('click', function () { el.loginform.hidden = false; el.loginid.focus(); });
  $('logincancel').addEventListener('click', function () { el.loginform.hidden = true; });
  el.loginform.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var id = el.loginid.value.trim(), nick = el.loginnick.value.trim();
    fetch('/web/demo-login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ userID: id }) })
      .then(function (r) { return r.json(); })
      .then(function (r) {
        if (!r.userSig) throw { code: r.error, message: r.message };
        el.loginform.hidden = true;
        return login(r.userID, r.userSig, nick);
      }).catch(showError);
  });
  // Integrators: ?userID=&userSig=&nick= (or postMessage, below) log the viewer in.
  if (q.get('userID') && q.get('userSig')) login(q.get('userID'), q.get('userSig'), q.get('nick') || '');
  window.addEventListener('message', function (ev) {
    if (ev.source !== window.parent || window.parent === window) return;
    var d = ev.data || {};
    if (d.type === 'livestudio:login' && d.userID && d.userSig) login(String(d.userID), String(d.userSig), d.nick ? String(d.nick) : '');
    else if (d.type === 'livestudio:mute') player.pauseAudio();
    else if (d.type === 'livestudio:unmute') player.resumeAudio();
    else if (d.type === 'livestudio:pause') player.pauseVideo();
    else if (d.type === 'livestudio:play') player.resumeVideo();
  });

  // ---- sending ---------------------------------------------------------------
  el.form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var text = el.text.value.trim();
    if (!text) return;
    im.sendTextMessage({ roomID: room, text: text, priority: TYPES.MSG_PRIORITY_NORMAL }).then(function (r) {
      el.text.value = '';
      showMessage(r.data.message);
    }).catch(showError);
  });
  var pendingLikes = 0, likeTimer = null;
  el.like.addEventListener('click', function () {
    hearts(1);
    if (!im.isLoggedIn()) { notice('Log in to like'); return; }
    // Taps are batched (one request per 300 ms) as like counts, not messages.
    pendingLikes++;
    setLikes(state.likes + 1);
    if (likeTimer) return;
    likeTimer = setTimeout(function () {
      var n = Math.min(pendingLikes, 100);
      pendingLikes = 0;
      likeTimer = null;
      im.sendLike({ roomID: room, count: n }).then(function (r) { setLikes(r.data.total); }).catch(showError);
    }, 300);
  });
  el.gift.addEventListener('click', function () {
    if (!im.isLoggedIn()) { notice('Log in to send gifts'); return; }
    el.panel.hidden = !el.panel.hidden;
  });
  el.panel.addEventListener('click', function (ev) {
    var b = ev.target.closest('button');
    if (!b) return;
    el.panel.hidden = true;
    var ext = JSON.stringify({ giftId: b.dataset.gift, count: 1, coins: Number(b.dataset.coins) });
    im.sendCustomMessage({ roomID: room, data: 'gift', description: b.dataset.name, extension: ext, priority: TYPES.MSG_PRIORITY_HIGH })
      .then(function (r) { showMessage(r.data.message); }).catch(showError);
  });
  post('ready', {});
})();
