// The sandbox's Teams page: one Teams person at a time. It shows what the Bot Connector stand-in
// recorded in that person's conversations (/sandbox/api/teams/screen, long polling), draws each
// Adaptive Card with Microsoft's renderer (adaptivecards.min.js), and turns a click on an
// Action.Execute button into the adaptiveCard/action invoke Teams sends (/sandbox/api/teams/act;
// the server signs it and posts it to the bot). The bot's answer replaces the card for this
// person, as in Teams; a card listing this person in refresh.userIds is fetched for them first.
"use strict";

(() => {
  const token = document.querySelector('meta[name="sandbox-token"]').content;
  const $ = (id) => document.getElementById(id);
  const CARD = "application/vnd.microsoft.card.adaptive";
  const MESSAGE = "application/vnd.microsoft.activity.message";
  const page = { me: null, conversation: "", version: -1, polling: null, people: [], screen: null, mine: new Map(), asked: new Set() };

  // --- Teams' Markdown subset in TextBlock and FactSet text ---------------------------------------
  // Teams reads card text as a Markdown subset: **bold**, _italic_, [links](https://...), lists,
  // blank-line paragraphs (a single newline is a space), and CommonMark's backslash escapes,
  // which the bot uses to keep what people type literal. Everything else is HTML-escaped, so the
  // only tags in the output are the ones made here.
  const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  const escapeHtml = (text) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]);

  function inline(text) {
    return text
      .replace(/\[([^\]\u0000]+)\]\((https?:\/\/[^\s()]+)\)/g, (_, words, url) => '<a href="' + url + '" target="_blank" rel="noopener noreferrer">' + words + "</a>")
      .replace(/\*\*(?=\S)(.+?)\*\*/g, "<strong>$1</strong>")
      .replace(/__(?=\S)(.+?)__/g, "<strong>$1</strong>")
      .replace(/\*(?=\S)(.+?)\*/g, "<em>$1</em>")
      .replace(/(^|[^\w])_(?=\S)(.+?)_(?![\w])/g, "$1<em>$2</em>");
  }

  function block(lines) {
    if (lines.every((l) => /^\s*[-*+] /.test(l))) return "<ul>" + lines.map((l) => "<li>" + inline(l.replace(/^\s*[-*+] /, "")) + "</li>").join("") + "</ul>";
    if (lines.every((l) => /^\s*\d+[.)] /.test(l))) return "<ol>" + lines.map((l) => "<li>" + inline(l.replace(/^\s*\d+[.)] /, "")) + "</li>").join("") + "</ol>";
    return "<p>" + inline(lines.join(" ")) + "</p>";
  }

  function markdown(text) {
    const literal = [];
    let source = String(text).replace(/\u0000/g, "");
    source = source.replace(/\\([!-\/:-@[-`{-~])/g, (_, c) => "\u0000" + (literal.push(c) - 1) + "\u0000");
    const html = escapeHtml(source)
      .split(/\n\s*\n/)
      .map((part) => block(part.split("\n")))
      .join("");
    return html.replace(/\u0000(\d+)\u0000/g, (_, i) => escapeHtml(literal[Number(i)]));
  }

  AdaptiveCards.AdaptiveCard.onProcessMarkdown = (text, result) => {
    result.outputHtml = markdown(text);
    result.didProcess = true;
  };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    node.append(...children);
    return node;
  }

  function toast(text) {
    const box = $("toast");
    box.textContent = text;
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => (box.hidden = true), 5000);
  }

  async function post(path, body) {
    const answer = await fetch("/sandbox/api/teams/" + path, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Sandbox-Token": token },
      body: JSON.stringify(Object.assign({ as: page.me && page.me.id, conversation: page.conversation }, body)),
    });
    const found = await answer.json().catch(() => ({}));
    if (!answer.ok) toast(found.error || "Something went wrong.");
    return answer.ok ? found : null;
  }

  async function poll() {
    const mine = (page.polling = new AbortController());
    while (page.polling === mine) {
      const query = new URLSearchParams({ as: page.me.id, conversation: page.conversation, since: String(page.version) });
      try {
        const answer = await fetch("/sandbox/api/teams/screen?" + query, { signal: mine.signal });
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

  function restart() {
    if (page.polling) page.polling.abort();
    page.version = -1;
    location.hash = new URLSearchParams({ as: page.me.id, c: page.conversation }).toString();
    poll();
  }

  async function loadPeople() {
    const found = await (await fetch("/sandbox/api/teams/people")).json();
    page.people = found.people;
    const select = $("person");
    select.replaceChildren(...found.people.map((p) => el("option", { value: p.id, text: p.role + ": " + p.name + " (" + p.org + ")" })));
    const wanted = new URLSearchParams(location.hash.slice(1));
    page.me = found.people.find((p) => p.id === wanted.get("as")) || found.people[0] || null;
    page.conversation = wanted.get("c") || "";
    if (!page.me) {
      $("conversation-head").textContent = "Nobody is on Teams in this sandbox: start it with --teams (a council or provider id).";
      return;
    }
    select.value = page.me.id;
    select.addEventListener("change", () => {
      page.me = page.people.find((p) => p.id === select.value);
      page.conversation = "";
      restart();
    });
    restart();
  }

  // --- rendering -------------------------------------------------------------------------------

  function render(screen) {
    page.screen = screen;
    const banner = $("banner");
    banner.hidden = !screen.banner;
    banner.textContent = screen.banner || "";
    $("me").replaceChildren(el("div", { text: screen.me.name }), el("small", { text: screen.me.role + " · " + screen.me.org }));
    $("conversations").replaceChildren(
      ...screen.conversations.map((c) =>
        el("li", { class: c.id === (screen.conversation && screen.conversation.id) ? "active" : "" },
          el("button", { type: "button", "data-conversation": c.id, text: c.name, onclick: () => { page.conversation = c.id; restart(); } })),
      ),
    );
    const shown = screen.conversation;
    if (shown && shown.id !== page.conversation) page.conversation = shown.id;
    $("conversation-head").textContent = shown ? shown.name : "No conversations yet.";
    $("activities").replaceChildren(...(shown ? shown.activities.map(activityItem) : []));
    if (shown) for (const a of shown.activities) a.cards.forEach((card, i) => maybeRefresh(a, i, card));
  }

  function key(activity, index) {
    return page.me.id + "|" + activity.id + "|" + activity.version + "|" + index;
  }

  function activityItem(activity) {
    const when = new Date(activity.at * 1000).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
    const head = el("div", {}, el("span", { class: "from", text: "CIR bot" }), el("span", { class: "when", text: when }));
    if (activity.edited) head.append(el("span", { class: "edited", text: "Edited" }));
    const item = el("li", { "data-activity": activity.id }, head);
    if (activity.text) item.append(el("div", { class: "text", text: activity.text }));
    activity.cards.forEach((card, i) => item.append(cardBox(activity, i, card)));
    return item;
  }

  function cardBox(activity, index, card) {
    const yours = page.mine.get(key(activity, index));
    const box = el("div", { class: "teams-card" + (yours ? " for-you" : ""), "data-card": activity.id + ":" + index });
    if (yours) box.append(el("div", { class: "for-you-note", text: "Only you can see this version of the card" }));
    box.append(drawCard(yours || card, activity, index));
    return box;
  }

  function drawCard(json, activity, index) {
    const card = new AdaptiveCards.AdaptiveCard();
    card.onExecuteAction = (action) => execute(action, activity, index);
    try {
      card.parse(json);
      const drawn = card.render();
      if (drawn) return drawn;
    } catch (e) {
      // shown below: the card could not be drawn, as Teams says so
    }
    return el("div", { class: "text", text: "This card could not be displayed." });
  }

  function listed(card) {
    // Teams names users in refresh.userIds by their 29: id or as 8:orgid:<Entra object id>
    const ids = (card.refresh && card.refresh.userIds) || [];
    return [page.me.id, page.me.aad, "8:orgid:" + page.me.aad].some((id) => ids.includes(id));
  }

  function maybeRefresh(activity, index, card) {
    const k = key(activity, index);
    if (!card.refresh || !listed(card) || page.asked.has(k)) return;
    page.asked.add(k);
    const action = card.refresh.action || {};
    invoke(activity, index, action.verb || "refresh", action.data || {});
  }

  async function execute(action, activity, index) {
    const type = action.getJsonTypeName();
    if (type === "Action.Execute" || type === "Action.Submit") {
      await invoke(activity, index, action.verb || "", action.data || {});
    } else if (type === "Action.OpenUrl" && /^https?:/.test(action.url || "")) {
      window.open(action.url, "_blank", "noopener");
    }
  }

  async function invoke(activity, index, verb, data) {
    const found = await post("act", { activity: activity.id, verb, data });
    if (!found) return;
    const answer = found.answer || {};
    if (found.status !== 200) {
      toast("The bot answered " + found.status + ".");
    } else if (answer.type === CARD && answer.value) {
      page.mine.set(key(activity, index), answer.value);
      if (page.screen) render(page.screen);
    } else if (answer.type === MESSAGE) {
      toast(String(answer.value || ""));
    }
  }

  $("composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const box = $("message");
    const text = box.value.trim();
    if (!text || !page.me) return;
    const found = await post("say", { text });
    if (found) {
      box.value = "";
      if (found.status !== 200) toast("The bot answered " + found.status + ".");
    }
  });

  loadPeople();
})();
