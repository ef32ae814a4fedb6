// Microsoft's adaptivecards package in a jsdom window, as a browser host would load it.
import { createRequire } from "node:module";
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!DOCTYPE html><html><body></body></html>", { url: "https://cards.test/" });
// The DOM's names (window, document, HTMLButtonElement, …) as globals, as in a browser.
globalThis.window = dom.window;
for (const key of Object.getOwnPropertyNames(dom.window)) {
  if (!(key in globalThis) && key !== "localStorage" && key !== "sessionStorage") {
    Object.defineProperty(globalThis, key, { value: dom.window[key], configurable: true });
  }
}
// stdout carries the scripts' reports alone: whatever the library logs goes to stderr
console.log = console.info = console.warn = (...args) => console.error(...args);

// the package's bundled build: its ES modules import files without extensions, which Node refuses
export const AC = createRequire(import.meta.url)("adaptivecards/dist/adaptivecards.js");
export const require = createRequire(import.meta.url);
