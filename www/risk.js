// The Risk section: VaR/ES, stress scenarios and payoff curves of the book, computed by the package's
// full build in a Web Worker (/pkg/worker-client.js → /pkg/worker.js), never on the main thread. This
// file sends the request, shows progress, cancels stale runs, and formats and draws the report; it does
// no risk math itself. Everything reaches the DOM as text.
import { createRiskWorker } from "/pkg/worker-client.js";
import { $, h, append, clear } from "./dom.js";
import { DASH, MINUS, NBSP, TINY, count, money, move, percent, sig, usd } from "./format.js";
import { loadChartLibrary, payoffChart } from "./chart.js";

const DEBOUNCE_MS = 400;
const TOP_CONTRIBUTIONS = 10;
const METHOD_LABEL = { "monte-carlo": "Monte Carlo", historical: "historical simulation", "delta-gamma": "delta-gamma (Cornish-Fisher)" };
/** Which input (and its label) a request path of the engine's error belongs to. */
const FIELD_OF_PATH = {
  "analysis.var.horizonDays": ["risk-horizon", "Horizon"],
  "analysis.var.varConfidence": ["risk-var-conf", "VaR confidence"],
  "analysis.var.esConfidence": ["risk-es-conf", "ES confidence"],
  "analysis.var.paths": ["risk-paths", "Paths"],
  "analysis.var.method": ["risk-method", "Method"],
};

const days = (n) => `${typeof n === "number" ? sig(n) : DASH}${NBSP}${n === 1 ? "day" : "days"}`;
const tailsText = (t) => (t === "normal" ? "normal tails" : t?.studentT ? `Student-t tails (ν = ${t.studentT})` : t ? String(t) : null);

/** Stable test ids of the headline figures (README, "Test ids"). */
const TILE_TESTID = { var: "var-usd", es: "var-es-usd" };
function tile(label, value, note, { cls, figure, raw } = {}) {
  return h("div", { class: ["tile", cls], "data-figure": figure, "data-usd": raw },
    h("div", { class: "tile-label" }, label),
    h("div", { class: "tile-value", "data-testid": TILE_TESTID[figure] }, value),
    note ? h("div", { class: "tile-note" }, note) : null);
}
function numCell(x, fmt = usd, attrs = {}) {
  const neg = typeof x === "number" && x < -TINY;
  return h("td", { ...attrs, class: [attrs.class, neg ? "neg" : null], "data-usd": typeof x === "number" ? x : null }, fmt(x));
}

export function createRiskPanel() {
  const section = $("risk");
  const form = $("risk-form");
  const inputs = {
    method: $("risk-method"), horizon: $("risk-horizon"), varConf: $("risk-var-conf"), esConf: $("risk-es-conf"), paths: $("risk-paths"),
  };
  const cancelButton = $("risk-cancel");
  const runButton = $("risk-run");
  const bar = $("risk-progress");
  const barText = $("risk-progress-text");
  const status = $("risk-status");
  const errorBox = $("risk-error");
  const results = $("risk-results");

  let worker = null;
  let positions = null; // what to analyse: the last book (with its market and collateral) the margin path accepted (null: none)
  let positionsKey = null;
  let runs = 0;
  let current = null; // the run in flight: { id, controller, key, started }
  let timer = 0;
  let shown = null; // what is on screen: { id, key, report }
  let state = "idle";
  let settle;
  /** Resolves when the first run has ended one way or another (figures, an error, a cancel, a bad book). */
  const firstSettled = new Promise((ok) => { settle = ok; });

  // ── state ──

  function setState(next) {
    state = next;
    section.dataset.riskState = next;
    if (next !== "idle" && next !== "running" && next !== "scheduled") settle();
    const busy = next === "running" || next === "scheduled";
    if (!busy && document.activeElement === cancelButton) runButton.focus(); // a disabled button drops the focus
    cancelButton.disabled = !busy;
    results.setAttribute("aria-busy", busy ? "true" : "false");
    // figures that do not belong to the current book and settings are dimmed
    results.classList.toggle("pending", !!shown && (busy || shown.key !== wantedKey()));
  }

  function setProgress(fraction) {
    if (typeof fraction === "number") {
      bar.value = fraction;
      bar.dataset.fraction = String(fraction);
      barText.textContent = `${Math.round(fraction * 100)}${NBSP}%`;
    } else {
      bar.removeAttribute("value"); // indeterminate
      delete bar.dataset.fraction;
      barText.textContent = "";
    }
  }

  /** The run's settings from the inputs, or the problems with them (the inputs say their own limits). */
  function readSettings({ mark = false } = {}) {
    const problems = [];
    if (mark) for (const el of Object.values(inputs)) el.removeAttribute("aria-invalid");
    const num = (el, label) => {
      if (el.disabled) return undefined;
      const text = el.value.trim();
      if (text === "" || !el.checkValidity()) {
        problems.push({ el, message: `${label}: ${el.validationMessage || "enter a number"}` });
        return undefined;
      }
      return Number(text);
    };
    const horizonDays = num(inputs.horizon, "Horizon");
    const varPct = num(inputs.varConf, "VaR confidence");
    const esPct = num(inputs.esConf, "ES confidence");
    const paths = num(inputs.paths, "Paths");
    if (mark) for (const p of problems) p.el.setAttribute("aria-invalid", "true");
    if (problems.length) return { problems };
    const v = { method: inputs.method.value, horizonDays, varConfidence: varPct / 100, esConfidence: esPct / 100 };
    if (v.method === "monte-carlo") v.paths = paths;
    return { settings: v, problems };
  }

  function requestFor(book, settings) {
    return { ...book, analysis: { var: settings, stress: true, payoff: true } };
  }
  function wantedKey() {
    if (positions === null) return null;
    const { settings } = readSettings();
    return settings ? JSON.stringify(requestFor(positions, settings)) : null;
  }

  function showError(message) {
    clear(errorBox);
    errorBox.hidden = !message;
    if (message) errorBox.append(h("p", {}, message));
  }

  // ── runs ──

  /** Stop the run in flight (its worker is stopped; its answer, if any, is never shown). */
  function abortCurrent() {
    const run = current;
    current = null;
    run?.controller.abort();
  }

  /** A run after a pause (typing, editing a setting); stale runs are cancelled at once. */
  function schedule() {
    clearTimeout(timer);
    timer = 0;
    abortCurrent();
    if (positions === null) return;
    const key = wantedKey();
    if (shown && key === shown.key) { // back to what is on screen (an edit undone): nothing to compute
      setProgress(1);
      setState("done");
      status.textContent = "Up to date.";
      return;
    }
    setState("scheduled");
    timer = setTimeout(run, DEBOUNCE_MS);
  }

  function run() {
    clearTimeout(timer);
    timer = 0;
    abortCurrent();
    showError(null);
    if (positions === null) { setState("stale"); return; }
    const { settings, problems } = readSettings({ mark: true });
    if (!settings) {
      setState("invalid");
      status.textContent = "Not computed: check the settings.";
      showError(problems.map((p) => p.message).join(" "));
      return;
    }
    const request = requestFor(positions, settings);
    const id = ++runs;
    const controller = new AbortController();
    const me = { id, controller, key: JSON.stringify(request), started: performance.now() };
    current = me;
    section.dataset.run = String(id);
    setProgress(undefined);
    barText.textContent = "";
    status.textContent = "Computing…";
    setState("running");
    try {
      worker ??= createRiskWorker();
    } catch (e) {
      current = null;
      setState("error");
      status.textContent = "";
      showError(`Could not start the risk worker: ${e?.message ?? e}`);
      return;
    }
    worker.computeReport(request, {
      signal: controller.signal,
      onprogress: ({ stage, fraction }) => {
        if (current !== me) return; // cancelled or superseded: its progress no longer shows
        if (stage === "loading") { setProgress(undefined); barText.textContent = "loading the engine"; }
        else if (typeof fraction === "number") setProgress(fraction);
      },
    }).then((report) => {
      if (current !== me) return;
      current = null;
      const seconds = (performance.now() - me.started) / 1000;
      shown = { id, key: me.key, report };
      render(report, id);
      setProgress(1);
      setState("done");
      const v = report.var;
      status.textContent = `Computed in ${seconds < 10 ? seconds.toFixed(2) : Math.round(seconds)}${NBSP}s`
        + (v?.scenarios ? ` (${count(v.scenarios)} paths)` : "") + ".";
    }, (error) => {
      if (current !== me) return; // cancelled by the user, by a newer run or by typing: handled there
      current = null;
      setState("error");
      status.textContent = "Not computed.";
      const [field, label] = FIELD_OF_PATH[error?.path] ?? [];
      if (field) $(field).setAttribute("aria-invalid", "true");
      const message = String(error?.message ?? error);
      showError(error?.name === "AbortError" ? "The run was stopped."
        : field ? `${label}: ${message.replace(`${error.path}: `, "")}` : message);
    });
  }

  /** The Cancel button: stops the run in flight (or the one about to start); the figures stay as they were. */
  function cancel() {
    if (state !== "running" && state !== "scheduled") return;
    clearTimeout(timer);
    timer = 0;
    abortCurrent();
    setState("cancelled");
    status.textContent = shown
      ? (shown.key === wantedKey() ? "Cancelled." : "Cancelled: the figures below are from an earlier run.")
      : "Cancelled.";
  }

  // ── rendering ──

  function render(report, id) {
    results.dataset.run = String(id);
    renderVar(report.var, (report.warnings ?? []).filter((w) => String(w.path ?? "").startsWith("analysis")));
    renderStress(report.stress);
    renderPayoff(report.payoff);
  }

  function renderVar(v, warnings) {
    const box = $("risk-var");
    clear(box);
    if (!v) { box.append(h("p", { class: "empty" }, "No VaR in the report.")); return; }
    const horizon = days(v.horizonDays);
    const isDeltaGamma = v.method === "delta-gamma";
    const methodNote = `${METHOD_LABEL[v.method] ?? v.method}${v.scenarios ? `, ${count(v.scenarios)} paths` : ""}`;
    const figures = h("div", { class: "tiles", id: "risk-figures", "aria-live": "polite", "aria-atomic": "true" },
      tile(`VaR ${percent(v.varConfidence)}, ${horizon}`, money(v.varUsd), methodNote, { cls: "primary", figure: "var", raw: v.varUsd }),
      tile(`ES ${percent(v.esConfidence)}, ${horizon}`, money(v.esUsd), "expected shortfall", { cls: "primary", figure: "es", raw: v.esUsd }),
      tile("Delta-normal VaR", money(v.deltaNormalVarUsd), `${percent(v.varConfidence)}, linear in delta`, { figure: "delta-normal", raw: v.deltaNormalVarUsd }),
      isDeltaGamma
        ? tile("P&L spread (1 σ)", money(v.moments?.stdUsd),
          v.moments ? `mean ${money(v.moments.meanUsd)}, skew ${sig(v.moments.skewness)}, excess kurtosis ${sig(v.moments.excessKurtosis)}` : null,
          { figure: "std", raw: v.moments?.stdUsd })
        : tile("Diversification benefit", money(v.diversificationUsd), "standalone ES summed, less the book's ES",
          { cls: v.diversificationUsd > TINY ? "good" : null, figure: "diversification", raw: v.diversificationUsd }));

    const tail = (c) => percent(1 - c);
    const explain = h("p", { class: "explain" },
      `VaR ${percent(v.varConfidence)} is the loss over ${horizon} that the book should exceed with no more than a ${tail(v.varConfidence)} chance; `
      + `ES ${percent(v.esConfidence)} is the average loss over the worst ${tail(v.esConfidence)} of outcomes, so it also counts how bad the tail is.`);
    const details = [v.scenarios ? `${count(v.scenarios)} scenarios` : null, v.seed != null ? `seed ${v.seed}` : null, tailsText(v.tails),
      v.revaluation ? `${v.revaluation} revaluation` : null, v.includeCollateral === false ? "collateral excluded" : v.includeCollateral ? "coin collateral included" : null]
      .filter(Boolean).join(" · ");
    const estimator = h("dl", { class: "estimator" },
      h("div", {}, h("dt", {}, "VaR estimator"), h("dd", {}, v.estimator?.var ?? DASH)),
      h("div", {}, h("dt", {}, "ES estimator"), h("dd", {}, v.estimator?.es ?? DASH)),
      details ? h("div", {}, h("dt", {}, "Run"), h("dd", {}, details)) : null);

    const warningBox = warnings.length
      ? h("ul", { class: "risk-warnings issues" }, warnings.map((w) => h("li", { "data-code": w.code }, w.message)))
      : null;

    append(box, [figures, explain, estimator, warningBox, h("div", { class: "risk-tables" }, byUnderlyingTable(v), contributionsTable(v))]);
  }

  function byUnderlyingTable(v) {
    const entries = Object.entries(v.byUnderlying ?? {});
    const table = h("table", { class: "num-table", id: "var-by-underlying" },
      h("caption", {}, "Standalone, by underlying (USD)"),
      h("thead", {}, h("tr", {},
        h("th", { scope: "col", class: "text" }, "Underlying"),
        h("th", { scope: "col" }, "VaR", h("span", { class: "unit" }, percent(v.varConfidence))),
        h("th", { scope: "col" }, "ES", h("span", { class: "unit" }, percent(v.esConfidence))))));
    const body = h("tbody");
    if (!entries.length) body.append(h("tr", { class: "empty" }, h("td", { colspan: 3 }, "No positions")));
    for (const [u, x] of entries) {
      body.append(h("tr", { "data-underlying": u }, h("th", { scope: "row", class: "text" }, u), numCell(x.varUsd), numCell(x.esUsd)));
    }
    const foot = h("tfoot", {},
      h("tr", { class: "book" }, h("th", { scope: "row", class: "text" }, "Whole book"), numCell(v.varUsd), numCell(v.esUsd)),
      typeof v.diversificationUsd === "number"
        ? h("tr", { class: "diversification" }, h("th", { scope: "row", class: "text" }, "Diversification benefit"), h("td", {}, ""), numCell(v.diversificationUsd))
        : null);
    table.append(body, foot);
    return h("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": "VaR and ES by underlying (scrolls sideways)" }, table);
  }

  function contributionsTable(v) {
    const all = v.contributions ?? [];
    if (!all.length) {
      return h("p", { class: "note" }, v.method === "delta-gamma"
        ? "ES contributions come with the scenario methods (Monte Carlo, historical); delta-gamma has no scenarios."
        : "No ES contributions.");
    }
    // the largest in size first: a big hedge (negative) matters as much as a big risk
    const top = [...all].sort((a, b) => Math.abs(b.esUsd) - Math.abs(a.esUsd)).slice(0, TOP_CONTRIBUTIONS);
    const scale = Math.max(...top.map((c) => Math.abs(c.esUsd)), TINY);
    const table = h("table", { class: "num-table contributions", id: "var-contributions" },
      h("caption", {}, all.length > top.length
        ? `Largest ES contributions, ${top.length} of ${all.length} (USD; all of them sum to the ES)`
        : "ES contributions, largest first (USD; they sum to the ES)"),
      h("thead", {}, h("tr", {},
        h("th", { scope: "col", class: "text" }, "Position"),
        h("th", { scope: "col", class: "line-col" }, "Line"),
        h("th", { scope: "col" }, "ES contribution", h("span", { class: "unit" }, "USD; " + MINUS + " reduces ES")),
        h("th", { scope: "col", class: "bar-col" }, h("span", { class: "visually-hidden" }, "Size")))),
      h("tbody", {}, top.map((c) => {
        const name = c.instrument ?? (c.collateral ? `${c.collateral} collateral` : c.path ?? DASH);
        const neg = c.esUsd < -TINY;
        return h("tr", { "data-line": c.line },
          h("th", { scope: "row", class: "text instrument" }, name),
          h("td", { class: "line" }, c.line ?? ""),
          numCell(c.esUsd),
          h("td", { class: "bar-col", "aria-hidden": "true" },
            h("span", { class: ["bar", neg ? "neg" : null], style: { width: `${(Math.abs(c.esUsd) / scale) * 100}%` } })));
      })));
    return h("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": "Largest ES contributions (scrolls sideways)" }, table);
  }

  function renderStress(stress) {
    const table = $("stress-table");
    clear(table);
    const scenarios = stress?.scenarios ?? [];
    const underlyings = [...new Set(scenarios.flatMap((sc) => Object.keys(sc.byUnderlying ?? {})))];
    table.append(
      h("caption", { class: "visually-hidden" }, "Stress scenarios in the report's order: P&L in USD (positive: a gain), in total and per underlying, with the price and vol moves"),
      h("thead", {}, h("tr", {},
        h("th", { scope: "col", class: "text scenario" }, "Scenario", h("span", { class: "unit" }, "window · source")),
        h("th", { scope: "col" }, "P&L", h("span", { class: "unit" }, "USD")),
        underlyings.map((u) => h("th", { scope: "col" }, u, h("span", { class: "unit" }, "USD"))),
        h("th", { scope: "col", class: "text" }, "Price moves"),
        h("th", { scope: "col" }, "Vol", h("span", { class: "unit" }, "relative")))));
    const body = h("tbody");
    if (!scenarios.length) body.append(h("tr", { class: "empty" }, h("td", { colspan: 4 + underlyings.length }, "No stress scenarios in the report")));
    for (const sc of scenarios) {
      const worst = sc.name === stress.worst;
      const estimated = sc.volBasis === "estimated";
      const vols = Object.values(sc.vol ?? {});
      const volText = vols.length && vols.every((x) => x === vols[0])
        ? move(vols[0])
        : Object.entries(sc.vol ?? {}).map(([u, x]) => `${u} ${move(x)}`).join(", ") || DASH;
      body.append(h("tr", { class: worst ? "worst" : null, "data-name": sc.name, "data-vol-basis": sc.volBasis, "data-pnl-usd": sc.pnlUsd },
        h("th", { scope: "row", class: "text scenario" },
          h("span", { class: "label" }, sc.label ?? sc.name),
          worst ? [" ", h("strong", { class: "worst-tag" }, "worst")] : null,
          // the dates of the window never break at their hyphens
          h("span", { class: "window" }, String(sc.window ?? DASH).split(" ").map((w, i) => [i ? " " : "", h("span", { class: "nowrap" }, w)])),
          sc.source ? h("span", { class: "source" }, sc.source) : null),
        numCell(sc.pnlUsd, usd, { class: "total" }),
        underlyings.map((u) => numCell(sc.byUnderlying?.[u])),
        h("td", { class: "text moves" }, Object.entries(sc.moves ?? {}).map(([u, x], i) => [i ? ", " : "", h("span", { class: "nowrap" }, `${u}${NBSP}${move(x)}`)])),
        h("td", { class: ["vol", estimated ? "estimated" : null] },
          volText, h("span", { class: "basis" }, estimated ? "estimated" : sc.volBasis ?? ""))));
    }
    table.append(body);
    const note = $("stress-note");
    clear(note);
    const worst = scenarios.find((sc) => sc.name === stress?.worst);
    if (worst) {
      note.append("Worst: ", h("strong", {}, worst.label ?? worst.name), ", ", h("span", { class: "nowrap" }, money(worst.pnlUsd)), ". ");
    }
    if (scenarios.length) {
      note.append("Each scenario moves price and vol at once (P&L in USD, positive: a gain). Vol moves marked ",
        h("em", {}, "estimated"), " are the library's own estimates; ", h("em", {}, "measured"), " ones come from a vol index (DVOL, BVIV).");
    }
  }

  // payoff charts are drawn at the width of their box, and again when it changes
  let payoffData = null;
  const payoffBox = $("payoff");
  function renderPayoff(payoff) {
    payoffData = payoff ?? {};
    clear(payoffBox);
    const entries = Object.entries(payoffData);
    if (!entries.length) { payoffBox.append(h("p", { class: "empty" }, "No positions")); return; }
    for (const [u, p] of entries) {
      const captionId = `payoff-caption-${u.replace(/[^A-Za-z0-9_-]/g, "_")}`;
      const gainText = p.unboundedGain ? "unbounded as the price rises" : money(p.maxGainUsd);
      const lossText = p.unboundedLoss ? "unbounded as the price rises" : money(p.maxLossUsd);
      const bes = p.breakevens ?? [];
      const fig = h("figure", { class: "payoff", "data-underlying": u },
        h("h4", {}, u, h("span", { class: "sub" }, ` at ${p.at ?? DASH} and today`)),
        h("ul", { class: "legend", "aria-hidden": "true" },
          h("li", {}, h("span", { class: "swatch at" }), `at ${p.at ?? DASH}`),
          h("li", {}, h("span", { class: "swatch today" }), "today"),
          h("li", {}, h("span", { class: "swatch index" }), "index"),
          h("li", {}, h("span", { class: "swatch breakeven" }), "breakeven")),
        h("div", { class: "chart-box" }),
        h("figcaption", { id: captionId },
          `${u} P&L in USD against the index price, at ${p.at ?? DASH} (solid) and today (dashed); index ${usd(p.index)} USD. `,
          `Breakevens at ${p.at ?? "the date"}: ${bes.length ? bes.map((b) => `${usd(b)} USD`).join(", ") : "none"}. `,
          `Max gain ${gainText}; max loss ${lossText}.`));
      fig.dataset.captionId = captionId;
      payoffBox.append(fig);
    }
    drawPayoff();
  }
  const charts = new Map(); // chart box → uPlot instance
  let uPlot = null;
  function drawPayoff() {
    for (const [box, chart] of charts) if (!box.isConnected) { chart.destroy(); charts.delete(box); }
    if (!uPlot) {
      if (payoffBox.querySelector("figure.payoff")) loadChartLibrary().then((lib) => { uPlot = lib; drawPayoff(); }, (e) => {
        for (const box of payoffBox.querySelectorAll(".chart-box")) box.replaceChildren(h("p", { class: "empty" }, `The chart library did not load: ${String(e?.message ?? e)}`));
      });
      return;
    }
    for (const fig of payoffBox.querySelectorAll("figure.payoff")) {
      const u = fig.dataset.underlying;
      const box = fig.querySelector(".chart-box");
      const width = box.clientWidth;
      if (!payoffData?.[u] || width <= 0) continue;
      if (Number(box.dataset.width) === width && box.dataset.scheme === dark.matches.toString() && charts.has(box)) continue;
      box.dataset.width = String(width);
      box.dataset.scheme = dark.matches.toString();
      charts.get(box)?.destroy();
      box.replaceChildren();
      charts.set(box, payoffChart(uPlot, box, payoffData[u], u, width, fig.dataset.captionId));
    }
  }
  // the canvas takes its colours from the theme: drawn again when it changes
  const dark = matchMedia("(prefers-color-scheme: dark)");
  dark.addEventListener("change", () => drawPayoff());
  let resizeFrame = 0;
  new ResizeObserver(() => {
    if (!resizeFrame) resizeFrame = requestAnimationFrame(() => { resizeFrame = 0; drawPayoff(); });
  }).observe(payoffBox);

  // ── events ──

  form.addEventListener("submit", (e) => { e.preventDefault(); run(); });
  cancelButton.addEventListener("click", cancel);
  inputs.method.addEventListener("change", () => {
    inputs.paths.disabled = inputs.method.value !== "monte-carlo";
    run();
  });
  for (const el of [inputs.horizon, inputs.varConf, inputs.esConf, inputs.paths]) el.addEventListener("input", schedule);
  inputs.paths.disabled = inputs.method.value !== "monte-carlo";
  setState("idle");

  return {
    /** The margin path accepted `book` (`{ positions, market?, account? }`; null: it rejected it): re-run,
     * or mark the figures stale. */
    setBook(book) {
      if (book === null) {
        positions = null;
        positionsKey = null;
        clearTimeout(timer);
        timer = 0;
        abortCurrent();
        setState("stale");
        status.textContent = "Not updated: fix the positions first.";
        return;
      }
      const key = JSON.stringify(book);
      if (key === positionsKey && state !== "stale") return; // e.g. the margin model changed: the risk figures do not use it
      const first = positions === null && runs === 0;
      positions = book;
      positionsKey = key;
      if (first) run(); else schedule();
    },
    run,
    cancel,
    firstSettled,
  };
}
