// Block Kit, drawn as Slack's client draws it: blocks and their interactive elements, which
// keep their values for a form (ctx.state) and send Slack's block actions (ctx.onAction).
// Text goes through text.js: nothing here writes HTML from data.
"use strict";

const BlockKit = (() => {
  const { el, safeHref, mrkdwn, textObject, plainText, richText } = Text;

  // --- interactive elements ------------------------------------------------------------------

  function confirmed(element) {
    const ask = element.confirm;
    if (!ask) return true;
    const words = [plainText(ask.title), plainText(ask.text), ""].join("\n");
    return window.confirm(words + "(" + plainText(ask.confirm || { text: "Yes" }) + " / " + plainText(ask.deny || { text: "Cancel" }) + ")");
  }

  function optionsOf(element) {
    if (element.option_groups) return element.option_groups.flatMap((g) => g.options || []);
    return element.options || [];
  }

  function optionText(option) {
    return plainText(option.text);
  }

  // values kept for inputs: ctx.state[block_id][action_id] = {type, ...}
  function keep(ctx, blockId, element, value) {
    if (!ctx.state) return;
    ctx.state[blockId] = ctx.state[blockId] || {};
    ctx.state[blockId][element.action_id] = Object.assign({ type: element.type }, value);
  }

  function dispatch(ctx, blockId, element, value, dispatches) {
    keep(ctx, blockId, element, value);
    if (!dispatches || !ctx.onAction) return;
    const action = Object.assign({ type: element.type, action_id: element.action_id, block_id: blockId }, value);
    ctx.onAction(action);
  }

  function button(element, blockId, ctx, dispatches) {
    const cls = "btn" + (element.style ? " btn-" + element.style : "");
    return el("button", {
      class: cls,
      type: "button",
      "data-action": element.action_id,
      text: plainText(element.text),
      onclick: () => {
        if (element.url) {
          const href = safeHref(element.url);
          if (href) window.open(href, "_blank", "noopener");
        }
        if (!confirmed(element)) return;
        dispatch(ctx, blockId, element, { value: element.value, text: element.text }, dispatches);
      },
    });
  }

  function staticSelect(element, blockId, ctx, dispatches, multiple) {
    const select = el("select", { class: "select", "data-action": element.action_id, multiple: multiple || undefined });
    if (!multiple) select.append(el("option", { value: "", text: plainText(element.placeholder) || "Select an item" }));
    const options = optionsOf(element);
    const initial = multiple ? (element.initial_options || []).map((o) => o.value) : [element.initial_option && element.initial_option.value];
    const byValue = new Map(options.map((option) => [option.value, option]));
    for (const option of options) {
      select.append(el("option", { value: option.value, text: optionText(option), selected: initial.includes(option.value) || undefined }));
    }
    const read = () => {
      const chosen = Array.from(select.selectedOptions).filter((o) => byValue.has(o.value)).map((o) => byValue.get(o.value));
      return multiple ? { selected_options: chosen } : { selected_option: chosen[0] || null };
    };
    keep(ctx, blockId, element, read());
    select.addEventListener("change", () => dispatch(ctx, blockId, element, read(), dispatches));
    return select;
  }

  function externalSelect(element, blockId, ctx, dispatches) {
    const box = el("div", { class: "external" });
    const input = el("input", { type: "text", class: "text", "data-action": element.action_id, placeholder: plainText(element.placeholder) || "Type to search", autocomplete: "off" });
    const list = el("ul", { class: "suggestions", role: "listbox" });
    const chosen = el("div", { class: "chosen" });
    box.append(input, chosen, list);
    const minimum = element.min_query_length === undefined ? 3 : element.min_query_length;
    let timer = null;
    const pick = (option) => {
      chosen.textContent = "Selected: " + optionText(option);
      input.value = optionText(option);
      list.replaceChildren();
      dispatch(ctx, blockId, element, { selected_option: option }, dispatches);
    };
    const search = async () => {
      if (input.value.length < minimum || !ctx.onSuggest) return;
      const options = await ctx.onSuggest(blockId, element.action_id, input.value);
      list.replaceChildren(
        ...options.map((option) => el("li", { role: "option", tabindex: "0", text: optionText(option), onclick: () => pick(option), onkeydown: (e) => e.key === "Enter" && pick(option) })),
      );
      if (!options.length) list.append(el("li", { class: "none", text: "No results" }));
    };
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(search, 250);
    });
    input.addEventListener("focus", () => minimum === 0 && search());
    if (element.initial_option) pick(element.initial_option);
    else keep(ctx, blockId, element, { selected_option: null });
    return box;
  }

  function overflow(element, blockId, ctx, dispatches) {
    const menu = el("details", { class: "overflow" }, el("summary", { "aria-label": "More", text: "⋯" }));
    const list = el("div", { class: "menu" });
    for (const option of element.options || []) {
      list.append(
        el("button", {
          type: "button",
          text: optionText(option),
          onclick: () => {
            menu.open = false;
            if (confirmed(element)) dispatch(ctx, blockId, element, { selected_option: option }, dispatches);
          },
        }),
      );
    }
    menu.append(list);
    return menu;
  }

  function choices(element, blockId, ctx, dispatches, kind) {
    const box = el("div", { class: kind, "data-action": element.action_id, role: kind === "radio" ? "radiogroup" : "group" });
    const name = "r" + Math.random().toString(36).slice(2);
    const options = element.options || [];
    const initial = kind === "radio" ? [element.initial_option && element.initial_option.value] : (element.initial_options || []).map((o) => o.value);
    const inputs = options.map((option) => {
      const input = el("input", { type: kind === "radio" ? "radio" : "checkbox", name, value: option.value, checked: initial.includes(option.value) || undefined });
      box.append(el("label", {}, input, " ", textObject(option.text, ctx), option.description ? el("small", { text: plainText(option.description) }) : null));
      return input;
    });
    const read = () => {
      const picked = options.filter((_, i) => inputs[i].checked);
      return kind === "radio" ? { selected_option: picked[0] || null } : { selected_options: picked };
    };
    keep(ctx, blockId, element, read());
    inputs.forEach((input) => input.addEventListener("change", () => dispatch(ctx, blockId, element, read(), dispatches)));
    return box;
  }

  function textInput(element, blockId, ctx, dispatches) {
    const attrs = { class: "text", "data-action": element.action_id, placeholder: plainText(element.placeholder), maxlength: element.max_length, minlength: element.min_length };
    const input = element.multiline ? el("textarea", Object.assign({ rows: 4 }, attrs)) : el("input", Object.assign({ type: element.type === "number_input" ? "number" : element.type === "email_text_input" ? "email" : element.type === "url_text_input" ? "url" : "text" }, attrs));
    input.value = element.initial_value || "";
    const read = () => ({ value: input.value === "" ? null : input.value });
    keep(ctx, blockId, element, read());
    input.addEventListener("input", () => keep(ctx, blockId, element, read()));
    input.addEventListener("change", () => dispatch(ctx, blockId, element, read(), dispatches));
    return input;
  }

  function pickers(element, blockId, ctx, dispatches) {
    const box = el("div", { class: "pickers", "data-action": element.action_id });
    const wantDate = element.type !== "timepicker";
    const wantTime = element.type !== "datepicker";
    const date = wantDate ? el("input", { type: "date", class: "date", "aria-label": "date" }) : null;
    const time = wantTime ? el("input", { type: "time", class: "time", "aria-label": "time" }) : null;
    if (element.type === "datepicker" && element.initial_date) date.value = element.initial_date;
    if (element.type === "timepicker" && element.initial_time) time.value = element.initial_time;
    if (element.type === "datetimepicker" && element.initial_date_time) {
      const when = new Date(element.initial_date_time * 1000);
      const pad = (n) => String(n).padStart(2, "0");
      date.value = when.getFullYear() + "-" + pad(when.getMonth() + 1) + "-" + pad(when.getDate());
      time.value = pad(when.getHours()) + ":" + pad(when.getMinutes());
    }
    const read = () => {
      if (element.type === "datepicker") return { selected_date: date.value || null };
      if (element.type === "timepicker") return { selected_time: time.value || null };
      if (!date.value || !time.value) return { selected_date_time: null };
      return { selected_date_time: Math.floor(new Date(date.value + "T" + time.value).getTime() / 1000) };
    };
    for (const input of [date, time]) {
      if (!input) continue;
      box.append(input);
      input.addEventListener("change", () => dispatch(ctx, blockId, element, read(), dispatches));
    }
    keep(ctx, blockId, element, read());
    return box;
  }

  function image(element) {
    return el("span", { class: "image", role: "img", "aria-label": element.alt_text || "", text: "[image: " + (element.alt_text || "no description") + "]" });
  }

  function element(element, blockId, ctx, dispatches) {
    switch (element.type) {
      case "button":
        return button(element, blockId, ctx, dispatches);
      case "static_select":
        return staticSelect(element, blockId, ctx, dispatches, false);
      case "multi_static_select":
        return staticSelect(element, blockId, ctx, dispatches, true);
      case "external_select":
      case "multi_external_select":
        return externalSelect(element, blockId, ctx, dispatches);
      case "overflow":
        return overflow(element, blockId, ctx, dispatches);
      case "radio_buttons":
        return choices(element, blockId, ctx, dispatches, "radio");
      case "checkboxes":
        return choices(element, blockId, ctx, dispatches, "checkboxes");
      case "plain_text_input":
      case "number_input":
      case "email_text_input":
      case "url_text_input":
        return textInput(element, blockId, ctx, dispatches);
      case "datepicker":
      case "timepicker":
      case "datetimepicker":
        return pickers(element, blockId, ctx, dispatches);
      case "image":
        return image(element);
      case "plain_text":
      case "mrkdwn":
        return textObject(element, ctx);
      default:
        return el("span", { class: "unsupported", text: "[" + element.type + "]" });
    }
  }

  // --- blocks --------------------------------------------------------------------------------

  function block(b, i, ctx) {
    const blockId = b.block_id || "b" + i;
    switch (b.type) {
      case "header":
        return el("h3", { class: "bk-header", text: plainText(b.text) });
      case "divider":
        return el("hr", { class: "bk-divider" });
      case "section": {
        const node = el("div", { class: "bk-section" });
        const body = el("div", { class: "bk-body" });
        if (b.text) body.append(textObject(b.text, ctx));
        if (b.fields) body.append(el("div", { class: "bk-fields" }, b.fields.map((f) => el("div", { class: "bk-field" }, textObject(f, ctx)))));
        node.append(body);
        if (b.accessory) node.append(el("div", { class: "bk-accessory" }, element(b.accessory, blockId, ctx, true)));
        return node;
      }
      case "context":
        return el("div", { class: "bk-context" }, (b.elements || []).map((e) => element(e, blockId, ctx, false)));
      case "actions":
        return el("div", { class: "bk-actions" }, (b.elements || []).map((e) => element(e, blockId, ctx, true)));
      case "image":
        return el("figure", { class: "bk-image" }, image(b), b.title ? el("figcaption", { text: plainText(b.title) }) : null);
      case "input": {
        const error = ctx.errors && ctx.errors[blockId];
        const label = el("label", { class: "bk-label" }, plainText(b.label), b.optional ? el("span", { class: "optional", text: " (optional)" }) : null);
        const node = el("div", { class: "bk-input" + (error ? " has-error" : ""), "data-block": blockId, "data-optional": b.optional ? "1" : "0" }, label, element(b.element, blockId, ctx, !!b.dispatch_action));
        if (b.hint) node.append(el("div", { class: "hint", text: plainText(b.hint) }));
        node.append(el("div", { class: "error", role: "alert", text: error || "" }));
        return node;
      }
      case "rich_text":
        return richText(b.elements || [], ctx);
      default:
        return el("div", { class: "unsupported", text: "[unsupported block: " + b.type + "]" });
    }
  }

  // rich_text: sections, lists, quotes and preformatted runs of styled text, links and mentions

  function blocks(list, ctx) {
    const out = el("div", { class: "blocks" });
    (list || []).forEach((b, i) => out.append(block(b, i, ctx)));
    return out;
  }

  return { el, blocks, mrkdwn, textObject, plainText };
})();