/* page.js part: Configuration from the page's data- attributes and query, elements, the state tests read, and events to an embedding parent.
 * The files in static/page/ are parts of one function body, joined in order by assets.go
 * (setup, player, render, chat) inside one strict-mode IIFE: they share its scope. */
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
