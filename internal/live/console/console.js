// livestudio console: the REST API (/api/v1) with the admin token. Every
// value from the server goes into the page as text (textContent), never
// as HTML.
"use strict";

const state = { app: "", token: "", room: null };
const $ = (id) => document.getElementById(id);
const statusNames = { 101: "live", 102: "not started", 103: "ended", 104: "banned", 105: "paused", 107: "expired" };
const auditNames = { 0: "not submitted", 1: "pending", 2: "approved", 3: "rejected" };

function say(msg, error) {
  const s = $("status");
  s.textContent = msg;
  s.className = error ? "error" : "";
}

async function api(method, path, body) {
  const opts = { method, headers: { Authorization: "Bearer " + state.token } };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const resp = await fetch("/api/v1/apps/" + encodeURIComponent(state.app) + path, opts);
  let data;
  try {
    data = await resp.json();
  } catch (e) {
    throw new Error("HTTP " + resp.status);
  }
  if (data.errcode !== 0) {
    if (resp.status === 401) logout();
    throw new Error(data.errcode + ": " + data.errmsg);
  }
  return data;
}

// el makes an element with text content and optional children.
function el(tag, text, ...children) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  for (const c of children) e.append(c);
  return e;
}

function button(label, onclick) {
  const b = el("button", label);
  b.type = "button";
  b.addEventListener("click", () => onclick().catch((e) => say(e.message, true)));
  return b;
}

function fmtTime(s) {
  return new Date(s * 1000).toLocaleString();
}

async function loadRooms() {
  const data = await api("GET", "/rooms?limit=100");
  const tbody = $("rooms").tBodies[0];
  tbody.replaceChildren();
  for (const r of data.rooms) {
    const st = el("td", (statusNames[r.liveStatus] || "?") + " (" + r.liveStatus + ")");
    st.className = "s" + r.liveStatus;
    const actions = el("td", null,
      button("Open", () => openRoom(r.roomId)),
      button("End", async () => { await api("POST", "/rooms/" + r.roomId + "/end"); say("Room " + r.roomId + " ended"); await loadRooms(); }));
    tbody.append(el("tr", null, el("td", r.roomId), el("td", r.name), el("td", r.anchorName), st,
      el("td", fmtTime(r.startTime) + " - " + fmtTime(r.endTime)), el("td", r.stats.totalViewers + " (peak " + r.stats.peakViewers + ")"),
      el("td", r.stats.likes), el("td", r.stats.productPushes), actions));
  }
}

function price(g) {
  if (g.priceType === 2) return g.price + " - " + g.price2;
  if (g.priceType === 3) return g.price2 + " (was " + g.price + ")";
  return String(g.price);
}

async function loadGoods() {
  const data = await api("GET", "/goods?limit=100");
  const tbody = $("goods").tBodies[0];
  tbody.replaceChildren();
  for (const g of data.goods) {
    const actions = el("td");
    if (g.auditStatus === 1) {
      actions.append(button("Approve", async () => { await api("POST", "/goods/" + g.goodsId + "/approve"); await loadGoods(); }),
        button("Reject", async () => { await api("POST", "/goods/" + g.goodsId + "/reject"); await loadGoods(); }));
    } else if (g.auditStatus === 0 || g.auditStatus === 3) {
      actions.append(button("Submit", async () => { await api("POST", "/goods/" + g.goodsId + "/audit"); await loadGoods(); }));
    }
    tbody.append(el("tr", null, el("td", g.goodsId), el("td", g.name), el("td", price(g)), el("td", auditNames[g.auditStatus]), actions));
  }
}

async function openRoom(id) {
  state.room = id;
  const { room } = await api("GET", "/rooms/" + id);
  $("room-panel").hidden = false;
  $("room-title").textContent = room.roomId + ": " + room.name + " (" + room.streamKey + ")";
  let card = "none";
  if (room.product) {
    try { card = JSON.parse(room.product).name; } catch (e) { card = room.product; }
  }
  $("room-card").textContent = card;
  $("mute-room").checked = room.closeComment === 1;
  const tbody = $("room-goods").tBodies[0];
  tbody.replaceChildren();
  for (const g of room.goods) {
    tbody.append(el("tr", null, el("td", g.goodsId), el("td", g.name), el("td", g.onSale ? "yes" : "no"), el("td", g.pushes),
      el("td", null,
        button("Push card", async () => { await api("POST", "/rooms/" + id + "/goods/" + g.goodsId + "/push"); say("Card pushed: " + g.name); await openRoom(id); }),
        button(g.onSale ? "Off sale" : "On sale", async () => { await api("POST", "/rooms/" + id + "/goods/" + g.goodsId + "/onsale", { onSale: g.onSale ? 0 : 1 }); await openRoom(id); }),
        button("Remove", async () => { await api("DELETE", "/rooms/" + id + "/goods/" + g.goodsId); await openRoom(id); }))));
  }
}

// uploadImage sends a picked file to the media API (POST .../media,
// multipart field "media") and puts its media id in the form's field:
// rooms and goods take it instead of a URL.
async function uploadImage(input) {
  const file = input.files[0];
  if (!file) return;
  const target = input.form.elements[input.dataset.target];
  const body = new FormData();
  body.append("media", file);
  say("Uploading " + file.name + "…");
  const resp = await fetch("/api/v1/apps/" + encodeURIComponent(state.app) + "/media?type=image",
    { method: "POST", headers: { Authorization: "Bearer " + state.token }, body });
  let data;
  try {
    data = await resp.json();
  } catch (e) {
    throw new Error("HTTP " + resp.status);
  }
  if (data.errcode !== 0) throw new Error(data.errcode + ": " + data.errmsg);
  target.value = data.mediaId;
  input.value = "";
  say("Uploaded " + file.name + " as media " + data.mediaId);
}

function formJSON(form) {
  return Object.fromEntries(new FormData(form).entries());
}

function handle(form, f) {
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    f(ev).catch((e) => say(e.message, true));
  });
}

function logout() {
  sessionStorage.removeItem("livestudio-console");
  state.token = "";
  $("main").hidden = true;
  $("login").hidden = false;
  $("logout").hidden = true;
  $("who").textContent = "";
}

async function start() {
  $("login").hidden = true;
  $("main").hidden = false;
  $("logout").hidden = false;
  $("who").textContent = state.app;
  await Promise.all([loadRooms(), loadGoods()]);
  say("Ready");
}

function init() {
  handle($("login-form"), async () => {
    state.app = $("login-app").value.trim();
    state.token = $("login-token").value;
    await api("GET", "/rooms?limit=1"); // checks the token
    sessionStorage.setItem("livestudio-console", JSON.stringify({ app: state.app, token: state.token }));
    await start();
  });
  $("logout").addEventListener("click", logout);
  for (const input of document.querySelectorAll("input[type=file][data-target]")) {
    input.addEventListener("change", () => uploadImage(input).catch((e) => say(e.message, true)));
  }
  handle($("room-form"), async (ev) => {
    const f = formJSON(ev.target);
    const now = Math.floor(Date.now() / 1000);
    const startTime = now + 60 * Number(f.startIn || 0);
    const body = { name: f.name, anchorName: f.anchorName, anchorWechat: f.anchorWechat, coverImg: f.coverImg,
      shareImg: f.shareImg, startTime, endTime: startTime + 60 * Number(f.duration || 0),
      closeLike: f.closeLike ? 1 : 0, closeComment: f.closeComment ? 1 : 0, closeReplay: f.closeReplay ? 1 : 0 };
    const { room } = await api("POST", "/rooms", body);
    say("Room " + room.roomId + " created");
    ev.target.reset();
    await loadRooms();
  });
  handle($("goods-form"), async (ev) => {
    const f = formJSON(ev.target);
    const body = { name: f.name, coverImgUrl: f.coverImgUrl, url: f.url, priceType: Number(f.priceType), price: Number(f.price) };
    if (f.price2) body.price2 = Number(f.price2);
    const { goods } = await api("POST", "/goods", body);
    say("Goods " + goods.goodsId + " added (" + auditNames[goods.auditStatus] + ")");
    ev.target.reset();
    await loadGoods();
  });
  handle($("room-goods-form"), async (ev) => {
    await api("POST", "/rooms/" + state.room + "/goods", { ids: [Number(formJSON(ev.target).gid)] });
    await openRoom(state.room);
  });
  handle($("mod-form"), async (ev) => {
    const f = formJSON(ev.target);
    const action = ev.submitter ? ev.submitter.value : "mute";
    const secs = 60 * Number(f.minutes || 0);
    if (action === "kick") {
      const r = await api("POST", "/rooms/" + state.room + "/chat/kick", { username: f.username, banSeconds: secs });
      say("Kicked " + f.username + " (" + r.kicked + " connections)");
    } else if (action === "unban") {
      const r = await api("POST", "/rooms/" + state.room + "/chat/unban", { username: f.username });
      say(r.wasBanned ? "Unbanned " + f.username : f.username + " was not banned");
    } else {
      await api("POST", "/rooms/" + state.room + "/chat/mute", { username: f.username, seconds: action === "unmute" ? 0 : secs });
      say((action === "unmute" ? "Unmuted " : "Muted ") + f.username);
    }
  });
  $("mute-room").addEventListener("change", (ev) => {
    api("POST", "/rooms/" + state.room + "/settings", { closeComment: ev.target.checked ? 1 : 0 })
      .then(() => say(ev.target.checked ? "Room muted" : "Room unmuted"))
      .catch((e) => say(e.message, true));
  });
  $("card-down").addEventListener("click", () => {
    api("DELETE", "/rooms/" + state.room + "/card").then(() => openRoom(state.room)).catch((e) => say(e.message, true));
  });
  const saved = sessionStorage.getItem("livestudio-console");
  if (saved) {
    const s = JSON.parse(saved);
    state.app = s.app;
    state.token = s.token;
    start().catch((e) => { say(e.message, true); logout(); });
  }
}

init();
