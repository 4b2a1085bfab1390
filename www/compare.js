// "Compare models": the book under every preset side by side, and across venues when positions name
// theirs — the full build's compareModels, run in a Web Worker (the same route as the risk analytics:
// es-margin's Monte Carlo runs among the presets). This file sends the request, keeps the figures in
// step with the book once asked for, and formats the Comparison; it does no risk math. Text only.
import { $, h, clear } from "./dom.js";
import { DASH, NBSP, TINY, count, money } from "./format.js";

const DEBOUNCE_MS = 400;
const KIND_LABEL = { "risk-matrix": "risk matrix", standard: "standard", "scenario-grid": "scenario grid", es: "expected shortfall" };
const VENUE_LABEL = { deribit: "Deribit", okx: "OKX", bybit: "Bybit" };
/** A model or account name as a test id part: "deribit-pm cross" → "deribit-pm-cross". */
export const slug = (name) => String(name).trim().replace(/[^A-Za-z0-9_.-]+/g, "-");

function usdCell(x, attrs = {}) {
  const neg = typeof x === "number" && x < -TINY;
  return h("td", { ...attrs, class: [attrs.class, neg ? "neg" : null], "data-value": typeof x === "number" ? x : null }, money(x));
}

/** `compare(request, { signal })` runs compareModels off the main thread and resolves with the Comparison. */
export function createComparePanel({ compare }) {
  const section = $("compare");
  const button = $("compare-run");
  const status = $("compare-status");
  const errorBox = $("compare-error");
  const results = $("compare-results");

  let request = null; // the page's current request (null: the book has errors)
  let key = null;
  let asked = false; // after the first click the figures follow the book
  let current = null; // { controller, key }
  let shownKey = null;
  let timer = 0;
  let runs = 0;

  const setState = (s) => {
    section.dataset.compareState = s;
    results.classList.toggle("pending", shownKey !== null && shownKey !== key);
    results.setAttribute("aria-busy", s === "running" ? "true" : "false");
  };
  const showError = (message) => {
    clear(errorBox);
    errorBox.hidden = !message;
    if (message) errorBox.append(h("p", {}, message));
  };

  function run() {
    clearTimeout(timer);
    timer = 0;
    current?.controller.abort();
    current = null;
    if (!request) { setState("stale"); status.textContent = "Not compared: fix the positions first."; return; }
    asked = true;
    const me = { controller: new AbortController(), key, started: performance.now(), id: ++runs };
    current = me;
    showError(null);
    status.textContent = "Comparing…";
    setState("running");
    compare(request, { signal: me.controller.signal }).then((comparison) => {
      if (current !== me) return;
      current = null;
      shownKey = me.key;
      section.dataset.run = String(me.id);
      render(comparison);
      const seconds = (performance.now() - me.started) / 1000;
      status.textContent = `${comparison.models?.length ?? 0} models in ${seconds.toFixed(2)}${NBSP}s.`;
      setState("done");
    }, (error) => {
      if (current !== me) return;
      current = null;
      status.textContent = "Not compared.";
      showError(error?.name === "AbortError" ? "The comparison was stopped." : String(error?.message ?? error));
      setState("error");
    });
  }

  function render(c) {
    clear(results);
    const models = c.models ?? [];
    const captionText = "The book under each model (USD); collateral does not change a requirement.";
    const table = h("table", { class: "num-table compare-table", id: "compare-table", "data-testid": "compare-table" },
      h("caption", { class: "visually-hidden" }, captionText),
      h("thead", {}, h("tr", {},
        h("th", { scope: "col", class: "text" }, "Model"),
        h("th", { scope: "col" }, "Initial", h("span", { class: "unit" }, "USD")),
        h("th", { scope: "col" }, "Maintenance", h("span", { class: "unit" }, "USD")),
        h("th", { scope: "col" }, "Saving", h("span", { class: "unit" }, "vs standard, USD")),
        h("th", { scope: "col", class: "text" }, "Worst scenario", h("span", { class: "unit" }, "pool · scenario")),
        h("th", { scope: "col" }, "Loss", h("span", { class: "unit" }, "USD")))),
      h("tbody", {}, models.map((m) => {
        const cheapest = m.model === c.cheapest;
        return h("tr", { class: cheapest ? "cheapest" : null, "data-model": m.model },
          h("th", { scope: "row", class: "text model" },
            h("span", { class: "name" }, m.model),
            cheapest ? [" ", h("strong", { class: "cheapest-tag" }, "cheapest")] : null,
            h("span", { class: "kind" }, KIND_LABEL[m.kind] ?? m.kind ?? "")),
          usdCell(m.initialUsd, { class: "initial", "data-testid": `compare-initial-${slug(m.model)}` }),
          usdCell(m.maintenanceUsd),
          usdCell(m.savingUsd, { class: m.savingUsd > TINY ? "good" : null }),
          h("td", { class: "text worst" }, m.worst ? [h("span", { class: "pool-name" }, m.worst.pool), ` · ${m.worst.scenario}`] : DASH),
          usdCell(m.worst?.lossUsd));
      })));
    // the caption is a line above the scroll box: inside it, a phone would cut it with the table
    results.append(h("p", { class: "note caption", "aria-hidden": "true" }, captionText),
      h("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": "Models compared (scrolls sideways)" }, table));
    const cheapest = models.find((m) => m.model === c.cheapest);
    if (cheapest) {
      results.append(h("p", { class: "note" }, "Cheapest: ", h("strong", {}, cheapest.model), `, ${money(cheapest.initialUsd)} initial. `,
        "Saving: the standard margin (position by position) less the model's initial margin."));
    }
    if (c.venues) results.append(venuesTable(c.venues));
    if (c.warnings?.length) {
      results.append(h("ul", { class: "risk-warnings issues" }, c.warnings.map((w) => h("li", { "data-code": w.code },
        w.line != null ? `line ${w.line}: ` : "", String(w.message ?? "").replace(/^line \d+(?:, column \d+)?: /, "")))));
    }
  }

  function venuesTable(v) {
    const venues = v.venues ?? [];
    const positions = venues.reduce((n, x) => n + (x.positions ?? 0), 0); // a count for the label only
    const captionText = "Each venue's positions under its own model, summed, against the whole book in one account (USD; collateral left out).";
    const who = (label, model) => [h("span", { class: "who" }, label), h("span", { class: "model" }, model)];
    const table = h("table", { class: "num-table venues-table", id: "venues-table", "data-testid": "venues-table" },
      h("caption", { class: "visually-hidden" }, captionText),
      h("thead", {}, h("tr", {},
        h("th", { scope: "col", class: "text" }, "Venue", h("span", { class: "unit" }, "model")),
        h("th", { scope: "col", class: "count" }, "Positions"),
        h("th", { scope: "col" }, "Initial", h("span", { class: "unit" }, "USD")),
        h("th", { scope: "col" }, "Saving", h("span", { class: "unit" }, "USD")))),
      h("tbody", {}, venues.map((x) => h("tr", { "data-venue": x.venue },
        h("th", { scope: "row", class: "text" }, who(VENUE_LABEL[x.venue] ?? x.venue, x.model)),
        h("td", { class: "count" }, count(x.positions)),
        usdCell(x.initialUsd, { "data-testid": `venue-initial-${slug(x.venue)}` }),
        h("td", {}, "")))),
      h("tfoot", {},
        h("tr", { class: "sum" }, h("th", { scope: "row", class: "text" }, "Sum of the venues"), h("td", { class: "count" }, count(positions)),
          usdCell(v.initialUsd, { "data-testid": "venues-sum-initial-usd" }), h("td", {}, "")),
        (v.oneAccount ?? []).map((o) => h("tr", { class: "one-account", "data-model": o.model },
          h("th", { scope: "row", class: "text" }, who("One account", o.model)),
          h("td", { class: "count" }, count(positions)),
          usdCell(o.initialUsd, { "data-testid": `one-account-initial-${slug(o.model)}` }),
          usdCell(o.savingUsd, { class: o.savingUsd > TINY ? "good" : null, "data-testid": `one-account-saving-${slug(o.model)}` })))));
    return h("div", { class: "venues" },
      h("h3", {}, "A book across venues"),
      h("p", { class: "note caption", "aria-hidden": "true" }, captionText),
      h("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": "Venues compared (scrolls sideways)" }, table),
      h("p", { class: "note" }, "Saving: the venues' initial margins summed, less the one account's (negative: one account would cost more)."));
  }

  button.addEventListener("click", run);
  setState("idle");
  status.textContent = "Every preset on this book, valued once; es-margin runs its Monte Carlo.";

  return {
    /** The page's request changed (null: the book has errors). Once compared, the figures follow. */
    setRequest(next) {
      request = next;
      key = next ? JSON.stringify(next) : null;
      if (!asked) return;
      clearTimeout(timer);
      timer = 0;
      if (!next) {
        current?.controller.abort();
        current = null;
        status.textContent = "Not updated: fix the positions first.";
        setState("stale");
        return;
      }
      if (key === shownKey) { current?.controller.abort(); current = null; setState("done"); return; }
      if (current && current.key === key) return;
      setState("scheduled");
      timer = setTimeout(run, DEBOUNCE_MS);
    },
    run,
  };
}
