/* page.js part: The room: IM events, login (demo login, query, postMessage), sending text, likes and gifts.
 * The files in static/page/ are parts of one function body, joined in order by assets.go
 * (setup, player, render, chat) inside one strict-mode IIFE: they share its scope. */
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
