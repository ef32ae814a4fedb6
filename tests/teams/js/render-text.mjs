// Shows what a reader sees of TextBlock text: each string is rendered in a TextBlock by
// Microsoft's adaptivecards with CommonMark Markdown (markdown-it, HTML allowed, the most a host
// could interpret), and the text the reader sees is reported.
// Input (stdin): a JSON object {name: text}. Output (stdout): a JSON object {name: shown}.
import { readFileSync } from "node:fs";
import { AC, require } from "./adaptive.mjs";

const markdown = require("markdown-it")({ html: true, linkify: true });
AC.AdaptiveCard.onProcessMarkdown = (text, result) => {
  result.outputHtml = markdown.render(text);
  result.didProcess = true;
};

const texts = JSON.parse(readFileSync(0, "utf8"));
const shown = {};
for (const [name, text] of Object.entries(texts)) {
  const card = new AC.AdaptiveCard();
  card.parse({ type: "AdaptiveCard", version: "1.5", body: [{ type: "TextBlock", text, wrap: true }] });
  const element = card.render();
  const block = element.querySelector(".ac-textBlock");
  // what is shown, and whether any of it became a link, an image, code or emphasis
  shown[name] = {
    text: block.textContent,
    markup: [...block.querySelectorAll("a, img, code, pre, em, strong, del, s, b, h1, h2, li, table, blockquote")].map((e) => e.tagName.toLowerCase()),
  };
}
process.stdout.write(JSON.stringify(shown));
