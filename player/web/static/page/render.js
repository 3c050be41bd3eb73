/* page.js part: Rendering: chat lines, custom messages (gifts, follows, purchases), the product card, hearts and gifts, notices and errors. Every user-typed field goes through textContent.
 * The files in static/page/ are parts of one function body, joined in order by assets.go
 * (setup, player, render, chat) inside one strict-mode IIFE: they share its scope. */
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
