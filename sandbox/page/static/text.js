// Text as Slack's client shows it: mrkdwn (bold, italic, strike, code, quotes, links, mentions,
// dates) and rich_text. People's words reach the page inside these, so nothing here ever writes
// HTML from data: every text becomes a text node, and a link is kept only if it is http(s),
// mailto or tel.
"use strict";

const Text = (() => {
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // --- mrkdwn --------------------------------------------------------------------------------

  const ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">" };
  function unescape(text) {
    return text.replace(/&(amp|lt|gt);/g, (m) => ENTITIES[m]);
  }

  function safeHref(url) {
    try {
      const parsed = new URL(url); // absolute only: "<b>" is no link
      return ["http:", "https:", "mailto:", "tel:"].includes(parsed.protocol) ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  function formatDate(seconds, format, fallback) {
    const when = new Date(Number(seconds) * 1000);
    if (Number.isNaN(when.getTime())) return fallback;
    const date = when.toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" });
    const time = when.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
    return format
      .replace(/\{date_short_pretty\}|\{date_short\}|\{date_long\}|\{date_long_pretty\}|\{date\}|\{date_pretty\}/g, date)
      .replace(/\{time_secs\}|\{time\}/g, time)
      .replace(/\{date_num\}/g, when.toISOString().slice(0, 10));
  }

  // <...> tokens: links, mentions, channels, dates and special mentions
  function angle(token, ctx) {
    const inner = token.slice(1, -1);
    const [target, label] = splitOnce(inner, "|");
    if (target.startsWith("@")) {
      const name = ctx.names && ctx.names[target.slice(1)];
      return el("span", { class: "mention", text: "@" + (label || name || target.slice(1)) });
    }
    if (target.startsWith("#")) {
      const known = ctx.names && ctx.names[target.slice(1)];
      return el("span", { class: "mention", text: known ? "#" + known : label ? "#" + label : "private channel" });
    }
    if (target.startsWith("!date^")) {
      const [, seconds, format] = target.split("^");
      return el("time", { text: formatDate(seconds, format || "{date}", unescape(label || "")) });
    }
    if (target.startsWith("!subteam^")) return el("span", { class: "mention", text: "@" + (label || "group") });
    if (target.startsWith("!")) return el("span", { class: "mention", text: "@" + target.slice(1) });
    const href = safeHref(unescape(target));
    if (!href) return document.createTextNode(unescape(token));
    return el("a", { href, target: "_blank", rel: "noopener noreferrer", text: unescape(label || target) });
  }

  function splitOnce(text, sep) {
    const at = text.indexOf(sep);
    return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + 1)];
  }

  const INLINE = /(```[\s\S]*?```)|(`[^`\n]+`)|(<[^<>\n]+>)|(\*[^*\n]+\*)|(_[^_\n]+_)|(~[^~\n]+~)/g;

  function inline(text, ctx, into) {
    let last = 0;
    for (const match of text.matchAll(INLINE)) {
      const token = match[0];
      const before = text[match.index - 1];
      // emphasis needs a boundary before it, as in Slack (snake_case stays as it is)
      if (/^[*_~]/.test(token) && before && /[\w]/.test(before)) continue;
      into.append(document.createTextNode(unescape(text.slice(last, match.index))));
      last = match.index + token.length;
      if (token.startsWith("```")) into.append(el("pre", { text: unescape(token.slice(3, -3)) }));
      else if (token.startsWith("`")) into.append(el("code", { text: unescape(token.slice(1, -1)) }));
      else if (token.startsWith("<")) into.append(angle(token, ctx));
      else {
        const tag = { "*": "b", _: "i", "~": "s" }[token[0]];
        const node = el(tag);
        inline(token.slice(1, -1), ctx, node);
        into.append(node);
      }
    }
    into.append(document.createTextNode(unescape(text.slice(last))));
  }

  function mrkdwn(text, ctx) {
    const out = el("div", { class: "mrkdwn" });
    const lines = String(text || "").split("\n");
    let quote = null;
    lines.forEach((line, i) => {
      const quoted = line.match(/^(&gt;|>)\s?(.*)$/);
      if (quoted) {
        if (!quote) {
          quote = el("blockquote");
          out.append(quote);
        } else quote.append(el("br"));
        inline(quoted[2], ctx, quote);
        return;
      }
      quote = null;
      inline(line, ctx, out);
      if (i < lines.length - 1) out.append(el("br"));
    });
    return out;
  }

  function textObject(obj, ctx) {
    if (!obj) return el("span");
    if (obj.type === "mrkdwn" && !obj.verbatim) return mrkdwn(obj.text, ctx);
    if (obj.type === "mrkdwn") return el("div", { class: "mrkdwn", text: unescape(obj.text || "") });
    return el("span", { class: "plain", text: obj.text || "" });
  }

  const plainText = (obj) => (obj && obj.text) || "";

  // --- rich_text: sections, lists, quotes and preformatted runs of styled text, links, mentions

  function richRun(node, ctx) {
    if (node.type === "link") {
      const href = safeHref(node.url || "");
      return href ? el("a", { href, target: "_blank", rel: "noopener noreferrer", text: node.text || node.url }) : document.createTextNode(node.text || "");
    }
    if (node.type === "user") return el("span", { class: "mention", text: "@" + ((ctx.names && ctx.names[node.user_id]) || node.user_id) });
    if (node.type === "channel") return el("span", { class: "mention", text: "#" + ((ctx.names && ctx.names[node.channel_id]) || "private channel") });
    if (node.type === "emoji") return document.createTextNode(":" + node.name + ":");
    let out = document.createTextNode(node.text || "");
    const style = node.style || {};
    for (const [key, tag] of [["code", "code"], ["strike", "s"], ["italic", "i"], ["bold", "b"]]) {
      if (style[key]) out = el(tag, {}, out);
    }
    return out;
  }

  function richText(elements, ctx) {
    const out = el("div", { class: "mrkdwn" });
    for (const part of elements) {
      const runs = (part.elements || []).map((n) => (n.type && n.type.startsWith("rich_text") ? richText([n], ctx) : richRun(n, ctx)));
      if (part.type === "rich_text_list") out.append(el(part.style === "ordered" ? "ol" : "ul", {}, runs.map((r) => el("li", {}, r))));
      else if (part.type === "rich_text_quote") out.append(el("blockquote", {}, runs));
      else if (part.type === "rich_text_preformatted") out.append(el("pre", {}, runs));
      else out.append(el("div", {}, runs));
    }
    return out;
  }

  return { el, safeHref, mrkdwn, textObject, plainText, richText };
})();
