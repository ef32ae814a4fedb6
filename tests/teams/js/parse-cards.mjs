// Parses Adaptive Cards with Microsoft's own `adaptivecards` package, as a Teams-like host
// would, and reports every error or warning its parser and validator raise.
// Input (stdin): a JSON object {name: card}. Output (stdout): a JSON object {name: [problems]},
// empty lists when a card is clean. adaptivecards needs a DOM, so it runs in jsdom.
import { readFileSync } from "node:fs";
import { AC } from "./adaptive.mjs";

const cards = JSON.parse(readFileSync(0, "utf8"));
const report = {};
for (const [name, json] of Object.entries(cards)) {
  const problems = [];
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  context.targetVersion = AC.Versions.v1_5;
  card.parse(json, context);
  for (let i = 0; i < context.eventCount; i++) {
    const e = context.getEventAt(i);
    problems.push(`parse: ${AC.ValidationEvent[e.event]}: ${e.message}`);
  }
  const results = card.validateProperties();
  for (const e of results.validationEvents) {
    problems.push(`validate: ${AC.ValidationEvent[e.event]}: ${e.message}`);
  }
  const rendered = card.render();
  if (!rendered) {
    problems.push("render: the card rendered nothing");
  }
  report[name] = problems;
}
process.stdout.write(JSON.stringify(report));
