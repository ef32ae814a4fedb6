// The sandbox page: one person's Slack at a time. It shows only what the server says this
// person sees (/sandbox/api/screen), waits for the next change there (long polling), and turns
// clicks and typing into Slack's interactions (/sandbox/api/...), which the server sends to the
// bot as Slack would.
"use strict";

(() => {
  const { el, blocks, plainText } = BlockKit;
  const token = document.querySelector('meta[name="sandbox-token"]').content;
  const $ = (id) => document.getElementById(id);
  const page = { me: "", channel: "", tab: "channels", version: -1, screen: null, people: [], shortcuts: [], thread: "", drawn: new Map(), modalKey: "", modalState: {}, polling: null };

  // --- talking to the server -------------------------------------------------------------------

  async function post(path, body) {
    const answer = await fetch("/sandbox/api/" + path, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Sandbox-Token": token },
      body: JSON.stringify(Object.assign({ as: page.me }, body)),
    });
    const found = await answer.json().catch(() => ({}));
    if (!answer.ok) toast(found.error || "Something went wrong.");
    return found;
  }

  function toast(text) {
    const box = $("toast");
    box.textContent = text;
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => (box.hidden = true), 4000);
  }

  async function poll() {
    const mine = (page.polling = new AbortController());
    while (page.polling === mine) {
      const query = new URLSearchParams({ as: page.me, channel: page.channel, since: String(page.version) });
      try {
        const answer = await fetch("/sandbox/api/screen?" + query, { signal: mine.signal });
        if (!answer.ok) throw new Error(String(answer.status));
        const screen = await answer.json();
        if (page.polling !== mine) return;
        page.version = screen.version;
        render(screen);
      } catch (e) {
        if (mine.signal.aborted) return;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  function refresh() {
    if (page.polling) page.polling.abort();
    page.version = -1;
    location.hash = new URLSearchParams({ as: page.me, c: page.channel, tab: page.tab }).toString();
    poll();
  }

  // --- the person switcher ---------------------------------------------------------------------

  async function loadPeople() {
    const found = await (await fetch("/sandbox/api/people")).json();
    page.people = found.people;
    page.shortcuts = found.shortcuts;
    const select = $("person");
    const byId = Object.fromEntries(found.people.map((p) => [p.id, p]));
    const roles = el("optgroup", { label: "Play as" });
    for (const role of found.roles) {
      const p = byId[role.id];
      roles.append(el("option", { value: p.id, text: role.role + ": " + p.name + " (" + p.team + ")" }));
    }
    const others = el("optgroup", { label: "Everyone else" });
    for (const p of found.people) others.append(el("option", { value: p.id, text: p.name + " (" + p.team + ")" }));
    select.replaceChildren(roles, others);
    const wanted = new URLSearchParams(location.hash.slice(1));
    page.me = byId[wanted.get("as")] ? wanted.get("as") : found.roles.length ? found.roles[0].id : found.people[0].id;
    page.channel = wanted.get("c") || "";
    page.tab = wanted.get("tab") || "channels";
    select.value = page.me;
    select.addEventListener("change", () => {
      page.me = select.value;
      page.channel = "";
      page.thread = "";
      page.modalKey = "";
      refresh();
      if (page.tab === "home") openHome();
    });
    $("shortcuts").replaceChildren(
      ...found.shortcuts
        .filter((s) => s.type === "global")
        .map((s) => el("button", { type: "button", class: "btn", "data-shortcut": s.callback_id, text: s.name, onclick: () => post("shortcut", { callback_id: s.callback_id }) })),
    );
  }

  // --- rendering -------------------------------------------------------------------------------

  function names() {
    const found = Object.fromEntries(page.people.map((p) => [p.id, p.name]));
    for (const c of (page.screen && page.screen.channels) || []) found[c.id] = c.name;
    return found;
  }

  function render(screen) {
    page.screen = screen;
    const banner = $("banner");
    banner.hidden = !screen.banner;
    banner.textContent = screen.banner || "";
    $("me").replaceChildren(el("div", { text: screen.me.name }), el("small", { text: screen.me.title + " · " + screen.me.team }));
    renderChannels(screen);
    renderInvites(screen);
    if (!screen.channel && screen.channels.length && page.tab === "channels") {
      const first = screen.channels.find((c) => c.member) || screen.channels[0];
      page.channel = first.id;
      refresh();
      return;
    }
    renderChannel(screen.channel);
    renderHome(screen.home);
    renderModal(screen.modal, screen.depth);
    if (page.tab === "outbox") renderOutbox();
  }

  function renderChannels(screen) {
    $("channels").replaceChildren(
      ...screen.channels.map((c) => {
        const mark = el("span", { class: c.im ? "icon dm" : c.private ? "icon lock" : "icon hash", title: c.im ? "direct messages" : c.private ? "private" : "public" });
        return el(
          "li",
          {},
          el(
            "button",
            { type: "button", class: c.id === page.channel ? "active" : "", "data-channel": c.name, onclick: () => choose(c.id) },
            mark,
            c.name + (c.shared ? " ⇄" : ""),
            el("span", { class: "count", text: String(c.count) }),
          ),
        );
      }),
    );
  }

  function renderInvites(screen) {
    $("invites-box").hidden = !screen.invites.length;
    $("invites").replaceChildren(
      ...screen.invites.map((i) =>
        el("li", {}, "You are invited to #" + i.channel + " (Slack Connect). ", el("button", { type: "button", class: "btn", "data-invite": i.channel, text: "Accept", onclick: () => post("accept", { invite_id: i.id }) })),
      ),
    );
  }

  function choose(channelId) {
    page.channel = channelId;
    page.thread = "";
    showTab("channels");
  }

  function when(ts) {
    return new Date(Number(ts) * 1000).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  function renderMessage(channel, m) {
    const ctx = {
      names: names(),
      onAction: (action) => post("act", { channel: channel.id, ts: m.ts, action }),
    };
    const head = el(
      "div",
      {},
      el("span", { class: "who", text: m.name }),
      m.bot ? el("span", { class: "tag", text: "APP" }) : null,
      el("span", { class: "when", text: when(m.ts) }),
      m.edited ? el("span", { class: "tag", text: "edited" }) : null,
      m.pinned ? el("span", { class: "tag", text: "pinned" }) : null,
      m.ephemeral ? el("span", { class: "tag", text: "Only visible to you" }) : null,
    );
    const body = m.blocks && m.blocks.length ? blocks(m.blocks, ctx) : BlockKit.mrkdwn(m.text, ctx);
    const files = m.files.length
      ? el(
          "div",
          { class: "files" },
          m.files.map((f) => el("a", { href: "/sandbox/files/" + encodeURIComponent(f.id) + "?as=" + encodeURIComponent(page.me), target: "_blank", rel: "noopener", "data-file": f.name, text: "File: " + (f.title || f.name) + " (" + Math.ceil(f.size / 1024) + " KB)" })),
        )
      : null;
    const more = el("details", { class: "overflow more" }, el("summary", { "aria-label": "More actions", text: "⋮" }));
    const menu = el("div", { class: "menu" });
    for (const s of page.shortcuts.filter((s) => s.type === "message")) {
      menu.append(el("button", { type: "button", "data-shortcut": s.callback_id, text: s.name, onclick: () => { more.open = false; post("shortcut", { callback_id: s.callback_id, channel: channel.id, ts: m.ts }); } }));
    }
    if (!m.ephemeral && !m.thread_ts) menu.append(el("button", { type: "button", text: "Reply in thread", onclick: () => { more.open = false; page.thread = m.ts; noteThread(); } }));
    more.append(menu);
    return el("li", { class: "msg" + (m.ephemeral ? " ephemeral" : ""), "data-ts": m.ts }, head, body, files, m.ephemeral ? null : more);
  }

  function renderChannel(channel) {
    const list = $("messages");
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    if (!channel) {
      $("channel-head").replaceChildren(el("p", { class: "empty", text: "Pick a channel." }));
      list.replaceChildren();
      return;
    }
    const shared = channel.shared_with.length ? " · shared with " + channel.shared_with.join(", ") : "";
    $("channel-head").replaceChildren(
      el("h1", {}, el("span", { class: channel.im ? "icon dm" : channel.private ? "icon lock" : "icon hash" }), channel.name),
      el("div", { class: "topic", text: (channel.topic || channel.purpose || "") + shared }),
      el("div", { class: "topic", text: channel.members.length + " members: " + channel.members.join(", ") }),
    );
    const top = channel.messages.filter((m) => !m.thread_ts || m.thread_ts === m.ts);
    const replies = channel.messages.filter((m) => m.thread_ts && m.thread_ts !== m.ts);
    // A message is drawn again only when it changed, so an open menu, a half-made choice or
    // a focused field survives other people's messages arriving.
    const drawn = new Map();
    const items = top.map((m) => {
      const mine = replies.filter((r) => r.thread_ts === m.ts);
      const key = channel.id + JSON.stringify([m, mine]);
      const kept = page.drawn.get(key);
      if (kept) {
        drawn.set(key, kept);
        return kept;
      }
      const item = renderMessage(channel, m);
      if (mine.length) item.append(el("ol", { class: "replies messages" }, mine.map((r) => renderMessage(channel, r))));
      drawn.set(key, item);
      return item;
    });
    page.drawn = drawn;
    const shown = items.length ? items : [el("li", { class: "empty", text: "No messages yet." })];
    const same = shown.length === list.children.length && shown.every((node, i) => list.children[i] === node);
    if (!same) list.replaceChildren(...shown);
    if (atBottom || list.dataset.channel !== channel.id) list.scrollTop = list.scrollHeight;
    list.dataset.channel = channel.id;
  }

  function noteThread() {
    const note = $("thread-note");
    note.hidden = !page.thread;
    note.replaceChildren("Replying in a thread. ", el("button", { type: "button", class: "btn", text: "Cancel", onclick: () => { page.thread = ""; noteThread(); } }));
  }

  function renderHome(home) {
    const box = $("home");
    if (!home) {
      box.replaceChildren(el("p", { class: "empty", text: "Nothing published yet." }));
      return;
    }
    const key = home.id + home.hash;
    if (box.dataset.key === key) return;
    box.dataset.key = key;
    const state = {};
    box.replaceChildren(blocks(home.blocks, { names: names(), state, onAction: (action) => post("act", { view_id: home.id, values: state, action }), onSuggest: suggester(home.id) }));
  }

  function suggester(viewId) {
    return async (blockId, actionId, value) => {
      const found = await post("suggest", { view_id: viewId, block_id: blockId, action_id: actionId, value });
      return found.options || [];
    };
  }

  // --- modals ----------------------------------------------------------------------------------

  function renderModal(view, depth) {
    const back = $("modal-back");
    if (!view) {
      back.hidden = true;
      page.modalKey = "";
      return;
    }
    back.hidden = false;
    const key = view.id + view.hash;
    if (page.modalKey !== key) {
      page.modalKey = key;
      page.modalState = {};
      const modal = $("modal");
      const ctx = { names: names(), state: page.modalState, errors: {}, onAction: (action) => post("act", { view_id: view.id, values: page.modalState, action }), onSuggest: suggester(view.id) };
      modal.replaceChildren(
        el("header", {}, el("h2", { id: "modal-title", text: plainText(view.title) }), el("span", { class: "when", text: depth > 1 ? "step " + depth : "" })),
        el("div", { class: "body" }, el("div", { class: "top-error", role: "alert" }), blocks(view.blocks, ctx)),
        el(
          "footer",
          {},
          el("button", { type: "button", class: "btn", "data-modal": "close", text: plainText(view.close) || "Cancel", onclick: () => post("close", { view_id: view.id }) }),
          view.submit ? el("button", { type: "button", class: "btn btn-primary", "data-modal": "submit", text: plainText(view.submit), onclick: () => submit(view) }) : null,
        ),
      );
    }
    showErrors(view.errors || {});
  }

  function showErrors(errors) {
    const modal = $("modal");
    for (const node of modal.querySelectorAll(".bk-input")) {
      const error = errors[node.dataset.block] || "";
      node.classList.toggle("has-error", !!error);
      node.querySelector(".error").textContent = error;
    }
    modal.querySelector(".top-error").textContent = errors[""] || "";
  }

  function empty(value) {
    if (!value) return true;
    for (const key of ["value", "selected_option", "selected_date", "selected_time", "selected_date_time"]) {
      if (key in value) return value[key] === null || value[key] === "";
    }
    if ("selected_options" in value) return !value.selected_options.length;
    return false;
  }

  async function submit(view) {
    // What Slack's client checks before sending: every required input answered.
    const missing = {};
    for (const b of view.blocks.filter((b) => b.type === "input" && !b.optional)) {
      const found = (page.modalState[b.block_id] || {})[b.element.action_id];
      if (empty(found)) missing[b.block_id] = "Please complete this required field.";
    }
    if (Object.keys(missing).length) {
      showErrors(missing);
      return;
    }
    const found = await post("submit", { view_id: view.id, values: page.modalState });
    showErrors(found.errors || {});
  }

  // --- tabs, App Home, outbox ------------------------------------------------------------------

  function showTab(tab) {
    page.tab = tab;
    for (const button of document.querySelectorAll(".tab")) button.classList.toggle("active", button.dataset.tab === tab);
    $("channels-pane").hidden = tab !== "channels";
    $("home-pane").hidden = tab !== "home";
    $("outbox-pane").hidden = tab !== "outbox";
    if (tab === "home") openHome();
    refresh();
  }

  function openHome() {
    $("home").dataset.key = "";
    post("home", {});
  }

  async function renderOutbox() {
    const query = new URLSearchParams({ as: page.me, all: $("outbox-all").checked ? "1" : "0" });
    const found = await (await fetch("/sandbox/api/outbox?" + query)).json();
    $("outbox").replaceChildren(
      ...(found.sent.length
        ? found.sent.map((s) =>
            el(
              "li",
              { "data-route": s.route },
              el("div", {}, el("b", { text: s.route === "email" ? "Email" : "Text message" }), " to ", el("b", { text: s.to }), el("span", { class: "when", text: s.at })),
              s.subject ? el("div", {}, "Subject: ", el("b", { text: s.subject })) : null,
              el("div", { class: "body", text: s.body }),
            ),
          )
        : [el("li", { class: "empty", text: "Nothing sent yet." })]),
    );
  }

  // --- the message box -------------------------------------------------------------------------

  $("composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const box = $("message");
    const text = box.value;
    if (!text.trim() || !page.channel) return;
    box.value = "";
    await post("say", { channel: page.channel, text, thread_ts: page.thread });
  });
  $("message").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });
  for (const button of document.querySelectorAll(".tab")) button.addEventListener("click", () => showTab(button.dataset.tab));
  $("outbox-all").addEventListener("change", renderOutbox);

  loadPeople().then(() => showTab(page.tab));
})();
