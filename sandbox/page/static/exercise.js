// The Exercise panel: the scenarios the sandbox can play (GET /sandbox/exercise), a button to
// start one (POST /sandbox/exercise/start, with the page's token like every other POST), the one
// being played and its log, and the downloads it leaves (the timeline, each incident's report).
// Everything from the server becomes text nodes (Text.el); nothing is written as HTML.
"use strict";

(() => {
  const { el } = Text;
  const token = document.querySelector('meta[name="sandbox-token"]').content;
  const $ = (id) => document.getElementById(id);
  const panel = { listed: "", scenarios: [] };

  function say(text) {
    $("exercise-error").textContent = text;
    $("exercise-error").hidden = !text;
  }

  function renderScenarios(scenarios) {
    const listed = JSON.stringify(scenarios);
    if (listed === panel.listed) return; // keep the person's choice while polling
    panel.listed = listed;
    panel.scenarios = scenarios;
    const select = $("exercise-scenario");
    const chosen = select.value;
    select.replaceChildren(
      ...scenarios.map((s) =>
        el("option", { value: s.name, disabled: Boolean(s.error), text: s.error ? s.name + " (cannot be played)" : s.title || s.name })
      )
    );
    if (scenarios.some((s) => s.name === chosen)) select.value = chosen;
    describe();
  }

  function describe() {
    const found = panel.scenarios.find((s) => s.name === $("exercise-scenario").value);
    $("exercise-summary").textContent = found ? found.error || found.summary || "" : "";
  }

  function render(status) {
    // Outside an exercise nothing here applies (a scenario may not be started), and the
    // incidents people report by hand are not listed for whoever is acting.
    $("exercise-off").hidden = Boolean(status.exercise);
    $("exercise-on").hidden = !status.exercise;
    if (!status.exercise) return;
    renderScenarios(status.scenarios || []);
    $("exercise-start").disabled = Boolean(status.playing);
    const state = $("exercise-state");
    if (!status.scenario) state.textContent = "No scenario started yet.";
    else state.textContent = (status.playing ? "Playing: " : "Played: ") + status.scenario;
    $("exercise-log").replaceChildren(...(status.log || []).map((line) => el("li", { text: line })));
    const links = [el("li", {}, el("a", { href: "/sandbox/exercise/timeline.json", download: "", text: "Timeline (JSON)" }))];
    for (const reference of status.incidents || []) {
      const href = "/sandbox/exercise/report/" + encodeURIComponent(reference) + ".pdf";
      links.push(el("li", {}, el("a", { href, target: "_blank", rel: "noopener", text: reference + " report (PDF)" })));
    }
    $("exercise-downloads").replaceChildren(...links);
  }

  async function load() {
    try {
      const answer = await fetch("/sandbox/exercise");
      if (answer.ok) render(await answer.json());
    } catch (e) {
      // the server is restarting or gone: the next poll tries again
    }
  }

  async function start() {
    say("");
    const answer = await fetch("/sandbox/exercise/start", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Sandbox-Token": token },
      body: JSON.stringify({ scenario: $("exercise-scenario").value }),
    });
    const found = await answer.json().catch(() => ({}));
    if (!answer.ok) say(found.error || "The scenario could not be started.");
    else render(Object.assign({ incidents: [] }, found));
    load();
  }

  $("exercise-start").addEventListener("click", start);
  $("exercise-scenario").addEventListener("change", describe);
  load();
  setInterval(load, 2000);
})();
