// The page: text in → package → report out. It formats the reports the package returns and never does
// risk math itself. User text only ever reaches the DOM as text (textContent / text nodes), never as HTML.
//
// The margin path runs on the main thread: a report of a few dozen positions takes well under 2 ms, so
// every keystroke recomputes at once. The risk analytics (VaR/ES, stress, payoff; risk.js) run in a Web
// Worker with the package's full build: a Monte Carlo run takes tenths of a second to seconds.
import init, { computeReport, defaultMarket, samplePositions, listModels, version, RiskSession } from "/pkg/portfolio_margin.js";
import { createRiskWorker } from "/pkg/worker-client.js";
import { $, h, append, clear, patch } from "./dom.js";
import { DASH, NBSP, TINY, amount, fmtFix2, fmtPct1, isUsdLike, money, move, sig, usd } from "./format.js";
import { createRiskPanel } from "./risk.js";
import { createInputs } from "./inputs.js";
import { renderAccount, renderMethod, renderOrderImpact, attachCellDetail, worstInWords, crossBlock } from "./views.js";
import { createComparePanel } from "./compare.js";
import { createOptimizePanel } from "./optimize.js";

const app = $("app");
const textarea = $("positions");
const modelSelect = $("model");
const gutter = $("gutter");
const orderBox = $("order");
let inputs = null; // collateral and market (inputs.js)

const VOL_LABEL = { up: "vol up", unchanged: "vol unchanged", down: "vol down" };
function scenarioText(ws) {
  if (!ws) return DASH;
  if (ws.table === "extended") return `${move(ws.priceMove)}, extended table`;
  return `${move(ws.priceMove)}, ${VOL_LABEL[ws.vol] ?? ws.vol}`;
}
function asOfText(asOf) {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::00(?:\.0+)?)?Z$/.exec(asOf ?? "");
  return m ? `${m[1]} ${m[2]} UTC` : String(asOf ?? DASH);
}
const SOURCE_LABEL = { default: "embedded default snapshot", request: "market from the request" };

// ───────────────────────────── state: on this machine, in a link only when asked ─────────────────────────────
// The book is kept in localStorage (this browser only), never written into the address bar as one
// types: a URL lands in the history, in synced tabs and in every screenshot of the address bar.
// "Copy link" puts it in a link on request; opening such a link loads it (and it is then kept here).

const defaultModel = () => modelSelect.options[0]?.value ?? "deribit-pm";
const STORE_KEY = "portfolio-margin.book";

function readHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  const positions = params.get("positions");
  if (positions === null) return null;
  let extra = null;
  try { extra = JSON.parse(params.get("inputs") ?? "null"); } catch { extra = null; }
  let modelParams = null;
  try { modelParams = JSON.parse(params.get("modelParams") ?? "null"); } catch { modelParams = null; }
  return { positions, model: params.get("model"), inputs: extra, modelParams };
}
function readStored() {
  try {
    const state = JSON.parse(localStorage.getItem(STORE_KEY) ?? "null");
    return typeof state?.positions === "string" ? state : null;
  } catch {
    return null; // storage disabled or a foreign value: start from the sample
  }
}
let saveTimer = 0;
function scheduleSave() {
  clearTimeout(saveTimer);
  saveTimer = setTimeout(save, 250);
}
function save() {
  clearTimeout(saveTimer);
  saveTimer = 0;
  try {
    localStorage.setItem(STORE_KEY, JSON.stringify({ positions: textarea.value, model: modelSelect.value, inputs: inputs?.state(), order: orderBox.value,
      modelParams: { edits: paramEdits, cross: crossMode } }));
  } catch {
    // storage full or disabled: the page still works, the book is not kept
  }
}
/** The link that opens this book on another machine: the book travels in the fragment, which
 * browsers never send to a server. */
function shareLink() {
  const params = new URLSearchParams({ model: modelSelect.value, positions: textarea.value });
  const state = inputs?.state();
  if (state && Object.values(state).some((x) => Object.keys(x).length)) params.set("inputs", JSON.stringify(state));
  if (crossMode || Object.keys(paramEdits).length) params.set("modelParams", JSON.stringify({ edits: paramEdits, cross: crossMode }));
  return `${location.origin}${location.pathname}${location.search}#${params}`;
}
/** A shared link opened: load its book, keep it here, and take it out of the address bar. */
function takeHash() {
  const state = readHash();
  if (state) history.replaceState(null, "", location.pathname + location.search);
  return state;
}
function applyState(state) {
  textarea.value = state?.positions ?? samplePositions();
  const wanted = state?.model;
  modelSelect.value = [...modelSelect.options].some((o) => o.value === wanted) ? wanted : defaultModel();
  if (state && "inputs" in state) inputs?.restore(state.inputs);
  if (state && typeof state.order === "string") orderBox.value = state.order;
  if (state && "modelParams" in state) {
    const mp = state.modelParams && typeof state.modelParams === "object" ? state.modelParams : {};
    const edits = mp.edits && typeof mp.edits === "object" ? mp.edits : {};
    paramEdits = Object.fromEntries(Object.entries(edits).filter(([, v]) => v && typeof v === "object")
      .map(([u, v]) => [u, Object.fromEntries(Object.entries(v).filter(([k, t]) => PARAM_FIELDS.some(([f]) => f === k) && typeof t === "string"))]));
    crossMode = mp.cross === true;
    $("model-cross").checked = crossMode;
    paramsShownFor = "";
  }
}

// ───────────────────────────── compute ─────────────────────────────

let lastGood = null;
let revision = 0;
let risk = null; // the Risk section (risk.js): runs in a worker whenever the book changes
let compare = null; // "Compare models" (compare.js): compareModels in a worker, on request
let optimize = null; // "Optimise the hedge" (optimize.js): the hedge build, loaded on request
/** The full build in a worker of its own for the page's tools (the Deribit import, compareModels),
 * started on first use. */
let toolsWorker = null;
const tools = () => (toolsWorker ??= createRiskWorker());
let frame = 0;

function schedule() {
  if (!frame) frame = requestAnimationFrame(() => { frame = 0; recompute(); });
}

/** The request of everything on the page: the book, the model, the collateral and the market. */
function currentRequest() {
  const request = { positions: textarea.value, model: modelRequest() };
  const collateral = inputs?.collateral();
  if (collateral) request.account = { collateral };
  const market = inputs?.market();
  if (market) request.market = market;
  return request;
}

/** Books above this many lines are computed in a worker (the package's full build: the same figures),
 * so that typing never waits for the engine; smaller ones on the main thread, at once. */
const WORKER_LINES = 5000;
let marginWorker = null;
let workerBusy = false;
let workerNext = null; // the latest request waiting for the worker (older ones are dropped)

function recompute() {
  const t0 = performance.now();
  const text = textarea.value;
  const request = currentRequest();
  if (lineCount(text) > WORKER_LINES) {
    workerNext = { request, text, t0 };
    app.dataset.computedBy = "worker";
    if (!workerBusy) runInWorker();
    return;
  }
  workerNext = null;
  app.dataset.computedBy = "page";
  let report = null;
  let error = null;
  try {
    report = computeReport(request);
  } catch (e) {
    error = e;
  }
  // the engine's share of the page timer (the rest is rendering)
  app.dataset.engineMs = (performance.now() - t0).toFixed(2);
  show(request, text, report, error, t0);
}
function runInWorker() {
  const job = workerNext;
  workerNext = null;
  if (!job) { workerBusy = false; return; }
  workerBusy = true;
  (marginWorker ??= createRiskWorker()).computeReport(job.request).then(
    (report) => { if (!workerNext) show(job.request, job.text, report, null, job.t0); },
    (error) => { if (!workerNext) show(job.request, job.text, null, error, job.t0); },
  ).finally(runInWorker);
}
function lineCount(text) {
  let n = 1;
  for (let i = text.indexOf("\n"); i !== -1 && n <= WORKER_LINES; i = text.indexOf("\n", i + 1)) n += 1;
  return n;
}

/** Put a report (or the error) of `request` on the page. */
function show(request, text, report, error, t0) {
  revision += 1;
  app.dataset.revision = String(revision);
  if (report) {
    lastGood = report;
    renderReport(report);
    renderIssues(null);
    renderWarnings(report.warnings ?? []);
    app.classList.remove("stale");
    app.dataset.result = "ok";
    risk?.setBook(riskBase(request));
    compare?.setRequest(compareBase(request));
    optimize?.update(request);
  } else {
    renderIssues(error);
    renderWarnings([]);
    app.classList.toggle("stale", lastGood !== null);
    app.dataset.result = "error";
    risk?.setBook(null);
    compare?.setRequest(null);
    optimize?.update(null);
  }
  renderGutter(text, report ? [] : issuesOf(error), report?.warnings ?? []);
  inputs?.markPath(error?.path ?? null);
  lastRequest = report ? request : null;
  if (session) { session.free(); session = null; }
  if (orderBox.value.trim()) updateOrder();
  else renderOrderImpact(null);
  // a test-page timer: edit → updated figures, in ms (bench/typing.mjs reads it)
  app.dataset.computeMs = (performance.now() - t0).toFixed(2);
}

/** What the risk worker analyses: the same book, market and collateral (not the margin model). */
function riskBase(request) {
  const base = { positions: request.positions };
  if (request.market) base.market = request.market;
  if (request.account) base.account = request.account;
  return base;
}

/** What compareModels values: the same book, market and collateral, under every preset (the page's
 * model is not sent: the comparison runs them all). */
function compareBase(request) {
  return riskBase(request);
}

// ───────────────────────────── model parameters (overrides of the preset) ─────────────────────────────

/** Underlying parameters of the risk-matrix model that the page lets one edit, in percent. */
const PARAM_FIELDS = [["priceRange", "Price range"], ["volUp", "Vol up"], ["volDown", "Vol down"]];
let paramEdits = {}; // underlying → key → text (percent)
let crossMode = false;
let paramsShownFor = "";
function modelRequest() {
  const underlyings = {};
  for (const [u, fields] of Object.entries(paramEdits)) {
    for (const [key, text] of Object.entries(fields)) {
      const x = text.trim() === "" ? null : Number(text.trim().replace(",", "."));
      if (x !== null) (underlyings[u] ??= {})[key] = x / 100;
    }
  }
  const overrides = {};
  if (Object.keys(underlyings).length) overrides.underlyings = underlyings;
  if (crossMode) overrides.mode = "cross";
  return Object.keys(overrides).length ? { preset: modelSelect.value, overrides } : modelSelect.value;
}
/** The parameter table of the model in the report (rebuilt only when the model changes). */
function renderParams(report) {
  const details = $("model-params");
  const p = report.model?.params ?? {};
  details.hidden = p.kind !== "risk-matrix";
  const key = `${report.model?.name}|${Object.keys(p.underlyings ?? {}).join()}`;
  if (details.hidden || key === paramsShownFor) {
    for (const input of details.querySelectorAll("input[data-key]")) {
      const v = p.underlyings?.[input.dataset.underlying]?.[input.dataset.key];
      input.placeholder = typeof v === "number" ? String(Math.round(v * 1e6) / 1e4) : "";
    }
    return;
  }
  paramsShownFor = key;
  const table = $("model-params-table");
  clear(table);
  table.append(h("thead", {}, h("tr", {}, h("th", { scope: "col", class: "text" }, "Underlying"),
    PARAM_FIELDS.map(([, label]) => h("th", { scope: "col" }, label, h("span", { class: "unit" }, "%"))))));
  const body = h("tbody");
  for (const [u, values] of Object.entries(p.underlyings ?? {})) {
    body.append(h("tr", {}, h("th", { scope: "row", class: "text" }, u === "default" ? "others" : u),
      PARAM_FIELDS.map(([k, label]) => {
        const input = h("input", { id: `model-${u}-${k}`, "data-testid": `model-${u}-${k}`, "data-underlying": u, "data-key": k, inputmode: "decimal",
          size: "5", autocomplete: "off", "aria-label": `${label} of ${u === "default" ? "other underlyings" : u}, percent`,
          placeholder: typeof values[k] === "number" ? String(Math.round(values[k] * 1e6) / 1e4) : "" });
        input.value = paramEdits[u]?.[k] ?? "";
        input.addEventListener("input", () => {
          (paramEdits[u] ??= {})[k] = input.value;
          scheduleSave();
          schedule();
        });
        return h("td", {}, input);
      })));
  }
  table.append(body);
}

// ───────────────────────────── what-if order (RiskSession: values only the new legs) ─────────────────────────────

let lastRequest = null;
let session = null;
function updateOrder() {
  const orders = orderBox.value;
  if (!orders.trim()) { renderOrderImpact(null); return; }
  if (!lastRequest) { renderOrderImpact({ error: { message: "Fix the positions first." } }); return; }
  try {
    session ??= new RiskSession(lastRequest);
    renderOrderImpact({ impact: session.impact(orders), currency: "USD" });
  } catch (e) {
    renderOrderImpact({ error: e });
  }
}

// ───────────────────────────── errors, warnings, gutter ─────────────────────────────

/** Every problem of a thrown error as `{line, column, message}`. */
function issuesOf(error) {
  if (!error) return [];
  if (Array.isArray(error.issues) && error.issues.length > 0) return error.issues;
  return [{ code: error.code, message: error.message, line: error.line, column: error.column, path: error.path }];
}
/** The engine prefixes messages with "line N: "; the page shows the place separately. */
const stripPlace = (message) => String(message ?? "").replace(/^line \d+(?:, column \d+)?: /, "");

function renderIssues(error) {
  const box = $("errors");
  clear(box);
  textarea.removeAttribute("aria-invalid");
  if (!error) { box.hidden = true; return; }
  box.hidden = false;
  textarea.setAttribute("aria-invalid", "true");
  if (!error.code) {
    // not a PortfolioMarginError: the module itself failed (a trap leaves it unusable)
    box.append(h("p", { class: "issues-title" }, "The engine failed: ", String(error.message ?? error), ". Reload the page."));
    return;
  }
  const issues = issuesOf(error);
  const n = issues.length;
  box.append(h("p", { class: "issues-title" },
    n === 1 ? "1 problem" : `${n} problems`, lastGood ? " — showing the results of the last valid input" : ""));
  const list = h("ul", { class: "issues" });
  for (const issue of issues) {
    const place = issue.line != null
      ? `line ${issue.line}${issue.column != null ? `, column ${issue.column}` : ""}`
      : issue.path ?? error.path ?? null;
    const li = h("li", { "data-code": issue.code ?? error.code });
    if (issue.line != null) {
      const jump = h("button", { type: "button", class: "place", title: "Go to this place in the positions" }, place);
      jump.addEventListener("click", () => selectPlace(issue.line, issue.column));
      li.append(jump, ": ");
    } else if (place) {
      li.append(h("span", { class: "place" }, place), ": ");
    }
    li.append(stripPlace(issue.message));
    list.append(li);
  }
  box.append(list);
}

function renderWarnings(warnings) {
  const box = $("warnings");
  clear(box);
  box.hidden = warnings.length === 0;
  if (!warnings.length) return;
  const list = h("ul", { class: "issues" });
  for (const w of warnings) {
    const place = w.line != null ? `line ${w.line}` : w.path ?? null;
    list.append(h("li", { "data-code": w.code }, place ? h("span", { class: "place" }, place) : null, place ? ": " : null, w.message));
  }
  box.append(h("p", { class: "issues-title" }, warnings.length === 1 ? "1 warning" : `${warnings.length} warnings`), list);
}

/** Put the caret at a line and column (1-based) of the textarea. */
function selectPlace(line, column) {
  const lines = textarea.value.split("\n");
  let offset = 0;
  for (let i = 0; i < Math.min(line - 1, lines.length); i++) offset += lines[i].length + 1;
  const lineLength = lines[line - 1]?.length ?? 0;
  const start = offset + Math.min(Math.max((column ?? 1) - 1, 0), lineLength);
  textarea.focus();
  textarea.setSelectionRange(start, offset + lineLength);
  const lineHeight = parseFloat(getComputedStyle(textarea).lineHeight) || 18;
  textarea.scrollTop = Math.max(0, (line - 3) * lineHeight);
  syncGutter();
}

/** Line numbers beside the text, bad lines red and warned lines amber. Rebuilt only when the number
 * of lines changes; otherwise only the marks that changed are touched (a 2 000-line book recomputes
 * on every key, and rebuilding 2 000 spans and re-syncing the scroll forced a layout each time). */
let gutterLines = 0;
let gutterMarks = new Map(); // line → "bad" | "warn"
function renderGutter(text, issues, warnings) {
  let count = 1;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) count += 1;
  if (count !== gutterLines) {
    const frag = document.createDocumentFragment();
    for (let i = 1; i <= count; i++) frag.append(h("span", {}, String(i)), "\n");
    gutter.replaceChildren(frag);
    gutterLines = count;
    gutterMarks = new Map();
    syncGutter();
  }
  const marks = new Map();
  for (const w of warnings) if (w.line != null) marks.set(w.line, "warn");
  for (const i of issues) if (i.line != null) marks.set(i.line, "bad");
  const lines = gutter.children;
  for (const [line, cls] of gutterMarks) if (marks.get(line) !== cls) lines[line - 1]?.removeAttribute("class");
  for (const [line, cls] of marks) if (gutterMarks.get(line) !== cls && lines[line - 1]) lines[line - 1].className = cls;
  gutterMarks = marks;
}
function syncGutter() { gutter.scrollTop = textarea.scrollTop; }

// ───────────────────────────── report ─────────────────────────────

function renderReport(report) {
  renderSummary(report);
  renderAccount(report);
  renderGreeks(report);
  renderPools(report);
  renderPositions(report);
  renderMethod(report);
  renderParams(report);
  inputs?.showCurrent(report);
}

function tile(label, value, note, cls, testid, raw) {
  return h("div", { class: ["tile", cls] },
    h("div", { class: "tile-label" }, label),
    h("div", { class: "tile-value", "data-testid": testid, "data-value": raw }, value),
    h("div", { class: "tile-note" }, note));
}

function renderSummary(report) {
  const box = $("summary");
  const total = report.margin?.totalUsd ?? {};
  box.dataset.initialUsd = String(total.initial);
  box.dataset.maintenanceUsd = String(total.maintenance);
  const modelName = report.model?.name ?? modelSelect.value;
  const isStandard = report.model?.params?.kind === "standard";
  const saving = total.saving ?? (total.standardInitial - total.initial);
  const savingPct = total.standardInitial > 0 ? (saving / total.standardInitial) * 100 : null;
  // built detached, then patched in: only the figures that changed are touched
  const next = h("div");
  // dom.js's append skips null parts (the cross block, the hedges); Element.append would print "null"
  append(next, [
    h("div", { class: "tiles" },
      tile("Initial margin", money(total.initial), `model ${modelName}`, "primary", "total-initial-usd", total.initial),
      tile("Maintenance margin", money(total.maintenance), `${fmtPct1.format(total.initial > 0 ? (total.maintenance / total.initial) * 100 : 0)}${NBSP}% of initial`, null, "total-maintenance-usd", total.maintenance),
      tile("Standard initial margin", money(total.standardInitial), `maintenance ${money(total.standardMaintenance)}`),
      tile("Saving vs standard", money(saving),
        isStandard ? "standard model selected" : savingPct === null ? "no standard margin"
          : `${fmtPct1.format(savingPct)}${NBSP}% of standard initial`, saving > TINY ? "good" : saving < -TINY ? "bad" : null)),
    crossBlock(report),
    h("p", { class: "meta" },
      "Market ", h("strong", {}, asOfText(report.asOf)), " · ",
      h("span", { title: report.market?.description ?? "" }, SOURCE_LABEL[report.market?.source] ?? String(report.market?.source ?? DASH)),
      " · index ",
      Object.entries(report.market?.index ?? {}).map(([u, px], i) => [i ? ", " : "", `${u} ${usd(px)}`])),
    hedgeSummary(report)]);
  patch(box, next);
  $("market-line").textContent = `all figures in USD unless a currency is shown`;
}

const GREEK_COLUMNS = [
  ["delta", "Delta", "coin", sig],
  ["deltaUsd", "Delta", "USD", usd],
  ["gamma", "Gamma", "1/USD", sig],
  ["gammaUsd1pct", "Gamma", "USD per 1 %", usd],
  ["vega", "Vega", "USD / vol pt", usd],
  ["theta", "Theta", "USD / day", usd],
  ["vanna", "Vanna", "coin / vol pt", sig],
  ["volga", "Volga", "USD / vol pt²", usd],
];

function renderGreeks(report) {
  const table = $("greeks");
  const byExpiry = $("by-expiry").checked;
  const next = h("table");
  next.append(h("thead", {}, h("tr", {},
    h("th", { scope: "col", class: "text" }, "Underlying"),
    GREEK_COLUMNS.map(([, name, unit]) => h("th", { scope: "col" }, name, h("span", { class: "unit" }, unit))))));
  const body = h("tbody");
  const entries = Object.entries(report.greeks ?? {});
  if (!entries.length) body.append(h("tr", { class: "empty" }, h("td", { colspan: GREEK_COLUMNS.length + 1 }, "No positions")));
  for (const [underlying, g] of entries) {
    body.append(h("tr", { class: "underlying", "data-underlying": underlying },
      h("th", { scope: "row", class: "text" }, underlying),
      GREEK_COLUMNS.map(([key, , , fmt], i) => numCell(g[key], fmt, i === 0 ? { "data-testid": `net-delta-${underlying}`, "data-value": g[key] } : {}))));
    if (byExpiry) {
      for (const [expiry, e] of Object.entries(g.byExpiry ?? {})) {
        body.append(h("tr", { class: "expiry", "data-underlying": underlying, "data-expiry": expiry },
          h("th", { scope: "row", class: "text" }, expiryLabel(expiry)),
          GREEK_COLUMNS.map(([key, , , fmt]) => numCell(e[key], fmt))));
      }
    }
  }
  next.append(body);
  patch(table, next);
}
const expiryLabel = (e) => (e === "PERPETUAL" ? "perpetual" : e === "SPOT" ? "spot" : e);

function numCell(x, fmt, extra = {}) {
  const neg = typeof x === "number" && x < -TINY;
  return h("td", { ...extra, class: [extra.class, neg ? "neg" : null] }, fmt(x));
}

// ── pools ──

function renderPools(report) {
  const box = $("pools");
  const pools = report.margin?.pools ?? [];
  $("pools-note").textContent = pools.some((p) => p.riskMatrix || p.scenarios)
    ? "scenario P&L of each pool in its currency, after the gains haircut: red losses, blue gains, worst cell outlined"
    : "standard margin is position by position: no scenarios";
  if (!pools.length) { patch(box, h("div", {}, h("p", { class: "empty" }, "No positions"))); return; }
  const isStandard = report.model?.params?.kind === "standard";
  // a card is rebuilt only when its pool's figures changed, and then patched in (built detached): the
  // card, its cells and the figures that did not change keep their elements
  const fingerprint = (p) => `${isStandard}|${JSON.stringify(p)}|${JSON.stringify(attributionRows(p))}`;
  const cards = [...box.children];
  if (cards.length === pools.length && cards.every((c, i) => c.dataset.pool === pools[i].pool)) {
    pools.forEach((p, i) => {
      const fp = fingerprint(p);
      if (cardPrints.get(cards[i]) === fp) return;
      patch(cards[i], poolCard(p, isStandard));
      cardPrints.set(cards[i], fp);
    });
  } else {
    patch(box, h("div", {}, pools.map((p) => poolCard(p, isStandard))));
    [...box.children].forEach((c, i) => cardPrints.set(c, fingerprint(pools[i])));
  }
  // on a narrow screen the matrix scrolls sideways: bring each worst cell into view
  if (narrow.matches) requestAnimationFrame(() => {
    for (const td of box.querySelectorAll("td.worst")) {
      const scroller = td.closest(".scroll");
      if (scroller && scroller.scrollWidth > scroller.clientWidth) scroller.scrollLeft = td.offsetLeft - (scroller.clientWidth - td.offsetWidth) / 2;
    }
  });
}
const narrow = matchMedia("(max-width: 900px)");
const cardPrints = new WeakMap(); // pool card → the fingerprint of what it shows

function figure(label, value, note, cls, testid, raw) {
  return h("div", { class: ["fig", cls] }, h("dt", {}, label),
    h("dd", {}, h("span", { "data-testid": testid, "data-value": raw }, value), note ? h("span", { class: "aside" }, note) : null));
}

function poolCard(p, isStandard) {
  const ccy = p.currency;
  const a = (x) => `${amount(x, ccy)} ${ccy}`;
  const usdNote = isUsdLike(ccy) ? null : money(p.initialUsd);
  const card = h("article", { class: "pool", "data-pool": p.pool },
    h("header", {},
      h("h3", {}, p.pool),
      h("span", { class: "tag" }, `${p.settlement ?? ""} · ${ccy}`),
      typeof p.index === "number" ? h("span", { class: "tag" }, `index ${usd(p.index)}`) : null,
      h("span", { class: "pool-im", title: "initial margin of the pool" }, "IM ", h("strong", {}, a(p.initial)), usdNote ? ` ≈ ${usdNote}` : null)));

  const dl = h("dl", { class: "figures" },
    figure("Initial", a(p.initial), isUsdLike(ccy) ? null : money(p.initialUsd), null, `pool-initial-${p.pool}`, p.initial),
    figure("Maintenance", a(p.maintenance), isUsdLike(ccy) ? null : money(p.maintenanceUsd), null, `pool-maintenance-${p.pool}`, p.maintenance),
    p.riskMatrix ? [
      figure("Worst case", a(p.worstCase)),
      figure("Worst scenario", scenarioText(p.worstScenario)),
      figure("Roll shock", a(p.rollShock)),
      figure("Delta shock", a(p.deltaShock)),
    ] : null,
    p.scenarios ? [
      figure("Scan risk", a(p.scenarios.scanRisk)),
      figure("Worst scenario", p.worstScenario?.label ?? ""),
      figure("Spread charge", a(p.scenarios.spreadCharge)),
      figure("Short option min.", a(p.scenarios.shortOptionMinimum)),
    ] : null,
    isStandard ? null : figure("Standard IM", a(p.standard?.initial), `MM ${amount(p.standard?.maintenance, ccy)}`),
    isStandard ? null : figure("Saving vs standard", a(p.standard?.saving),
      p.standard?.initial > 0 ? `${fmtPct1.format(((p.standard.saving ?? 0) / p.standard.initial) * 100)}${NBSP}%` : null,
      p.standard?.saving < -TINY ? "neg" : p.standard?.saving > TINY ? "good" : null));
  const side = h("div", { class: "pool-figures" }, dl, p.riskMatrix ? compositionBar(p) : null, hedgeBox(p), attributionList(p));
  const tables = p.riskMatrix ? riskTables(p) : p.scenarios ? scenarioTable(p) : null;
  card.append(h("div", { class: ["pool-body", tables ? null : "no-matrix"] }, side, tables));
  return card;
}

/** The margin-minimising perpetual (report's `hedge`), with a button that adds it to the book. */
/** A pool's suggested hedge as a line of the book, or null when it would save nothing. */
function hedgeLine(p) {
  const hg = p.hedge;
  if (!hg || !(Math.abs(hg.quantity ?? 0) > TINY) || !(hg.saving > TINY)) return null;
  return `${hg.instrument} ${Number(hg.quantity.toPrecision(6))}${hg.quantityUnit === "usd" ? "USD" : ""}`;
}
function addLines(lines) {
  const text = textarea.value.replace(/\s*$/, "");
  textarea.value = `${text}${text ? "\n" : ""}${lines.map((l) => `${l}  # suggested hedge`).join("\n")}`;
  scheduleSave();
  schedule();
}
/** Every pool's suggested hedge, in the summary, with one button for them all (each pool's hedge is
 * its own perpetual, so together they give each pool its hedged margin). */
function hedgeSummary(report) {
  const pools = (report.margin?.pools ?? []).filter((p) => hedgeLine(p));
  if (!pools.length || report.model?.params?.kind !== "risk-matrix" || report.model?.params?.mode === "cross") return null;
  const button = h("button", { type: "button", class: "link-button", "data-testid": "hedge-suggest", "data-lines": pools.map(hedgeLine).join("\n") },
    pools.length > 1 ? "Add them to the book" : "Add it to the book");
  return h("p", { class: "meta hedges" }, "Suggested hedge", pools.length > 1 ? "s" : "", ": ",
    pools.map((p, i) => [i ? "; " : "", h("strong", { class: "nowrap" }, hedgeLine(p).replace(/USD$/, " USD")),
      ` saves ${amount(p.hedge.saving, p.currency)} ${p.currency} of IM`]), ". ", button);
}

function hedgeBox(p) {
  const hg = p.hedge;
  const line = hedgeLine(p);
  if (!line) return null;
  const ccy = p.currency;
  const qty = hg.quantityUnit === "usd" ? `${usd(hg.quantity)} USD` : `${sig(hg.quantity)} ${p.underlying ?? ""}`.trim();
  const button = h("button", { type: "button", class: "link-button", "data-testid": `hedge-suggest-${p.pool}`, "data-lines": line }, "Add to book");
  return h("p", { class: "hedge" }, "Suggested hedge: ", h("strong", { class: "nowrap" }, `${hg.instrument} ${qty}`),
    ` takes IM from ${amount(hg.initialBefore, ccy)} to ${amount(hg.initialAfter, ccy)} ${ccy} (saves ${amount(hg.saving, ccy)}). `, button);
}

/** The positions that make up the worst case (report's per-position attribution), largest first. */
/** The largest contributions to a pool's worst case (at most 5), and how many positions contribute. */
function attributionRows(p) {
  const rows = (lastGood?.positions ?? []).filter((x) => x.pool === p.pool && x.attribution && Math.abs(x.attribution.worstCaseContribution ?? 0) > TINY);
  rows.sort((a, b) => Math.abs(b.attribution.worstCaseContribution) - Math.abs(a.attribution.worstCaseContribution));
  return { count: rows.length, top: rows.slice(0, 5).map((x) => ({ line: x.line, instrument: x.instrument, attribution: x.attribution })) };
}
function attributionList(p) {
  const { count, top } = attributionRows(p);
  if (!count) return null;
  return h("details", { class: "attribution" }, h("summary", {}, `What makes the worst case (${top.length} of ${count})`),
    h("ul", {}, top.map((x) => h("li", { "data-line": x.line },
      h("span", { class: "instrument" }, x.instrument), ` line ${x.line}: ${amount(x.attribution.worstCaseContribution, p.currency)} ${p.currency}`,
      h("span", { class: "aside" }, ` standalone IM ${amount(x.attribution.standaloneInitial, p.currency)}`)))));
}

/** How the initial margin is made up: worst case + roll shock + delta shock (values from the report). */
function compositionBar(p) {
  const parts = [["worst", "worst case", p.worstCase], ["roll", "roll shock", p.rollShock], ["delta", "delta shock", p.deltaShock]]
    .filter(([, , v]) => typeof v === "number" && v > TINY);
  const total = parts.reduce((s, [, , v]) => s + v, 0);
  const bar = h("div", { class: "composition", role: "img",
    "aria-label": "initial margin = " + parts.map(([, label, v]) => `${label} ${amount(v, p.currency)}`).join(" + ") });
  for (const [cls, label, v] of parts) {
    bar.append(h("span", { class: cls, style: { flexGrow: String(v / total) }, title: `${label}: ${amount(v, p.currency)} ${p.currency}` }, label));
  }
  return bar;
}

/** Diverging scale: red losses, blue gains (told apart with any colour vision, unlike red/green),
 * the panel's own colour near zero; `scale` is the largest |P&L| of the pool. Translucent, so it
 * works on the light and the dark theme alike. */
function cellStyle(v, scale) {
  if (typeof v !== "number" || !(scale > 0) || Math.abs(v) < TINY) return {};
  const t = Math.min(1, Math.abs(v) / scale);
  const a = 0.08 + 0.8 * Math.pow(t, 0.85);
  const [r, g, b] = v < 0 ? [196, 36, 42] : [33, 102, 172];
  return { backgroundColor: `rgba(${r}, ${g}, ${b}, ${a.toFixed(3)})`, color: a > 0.55 ? "#fff" : "" };
}

function riskTables(p) {
  const m = p.riskMatrix;
  const ext = p.extended;
  const ws = p.worstScenario ?? {};
  const all = [...(m.pnl ?? []).flat(), ...(ext?.pnl ?? [])].filter((v) => typeof v === "number");
  const scale = Math.max(0, ...all.map(Math.abs));
  const fmt = (v) => amount(v, p.currency);
  const cellTitle = (label, v, raw) =>
    `${label}: ${fmt(v)} ${p.currency}` + (typeof raw === "number" && Math.abs(raw - v) > TINY ? ` (before haircut ${fmt(raw)})` : "");

  const matrix = h("table", { class: "risk-matrix" },
    h("caption", {}, `Scenario P&L (${p.currency})`),
    h("thead", {}, h("tr", {},
      h("th", { scope: "col", class: "corner" }, "vol \\ price"),
      m.priceMoves.map((mv) => h("th", { scope: "col" }, move(mv))))));
  const body = h("tbody");
  m.volStates.forEach((vol, vi) => {
    const row = h("tr", { "data-vol": vol }, h("th", { scope: "row" }, VOL_LABEL[vol] ?? vol));
    m.priceMoves.forEach((mv, pi) => {
      const v = m.pnl?.[vi]?.[pi];
      const worst = ws.table === "standard" && ws.row === vi && ws.column === pi;
      const detail = cellTitle(`${move(mv)}, ${VOL_LABEL[vol] ?? vol}`, v, m.pnlRaw?.[vi]?.[pi]) + (worst ? " — the worst case" : "");
      row.append(h("td", {
        class: worst ? "worst" : null, "data-move": mv, "data-pnl": v, style: cellStyle(v, scale),
        title: detail, "data-detail": detail, "data-cell": `standard ${vi} ${pi}`, tabindex: worst ? "0" : "-1",
        "aria-label": worst ? `${detail}` : null,
      }, fmt(v)));
    });
    body.append(row);
  });
  matrix.append(body);

  const wrap = h("div", { class: "matrices" }, h("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": "Risk matrix (scrolls sideways)" }, matrix));
  if (ext?.priceMoves?.length) {
    const extTable = h("table", { class: "extended-table" },
      h("caption", {}, "Extended moves (dampened)"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col", class: "corner" }, "price"), ext.priceMoves.map((mv) => h("th", { scope: "col" }, move(mv))))),
      h("tbody", {}, h("tr", {}, h("th", { scope: "row" }, "P&L"),
        ext.priceMoves.map((mv, i) => {
          const v = ext.pnl?.[i];
          const worst = ws.table === "extended" && ws.column === i;
          const detail = `extended ${cellTitle(move(mv), v, ext.pnlRaw?.[i])}` + (worst ? " — the worst case" : "");
          return h("td", {
            class: worst ? "worst" : null, "data-move": mv, "data-pnl": v, style: cellStyle(v, scale),
            title: detail, "data-detail": detail, "data-cell": `extended ${i}`, tabindex: worst ? "0" : "-1",
          }, fmt(v));
        }))));
    wrap.append(h("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": "Extended table (scrolls sideways)" }, extTable));
  }
  // no worst cell in a table: its first cell is the table's tab stop
  for (const t of wrap.querySelectorAll("table")) if (!t.querySelector('td[tabindex="0"]')) t.querySelector("td[data-detail]")?.setAttribute("tabindex", "0");
  wrap.append(h("p", { class: "worst-words", "data-testid": `worst-${p.pool}` }, worstInWords(p)),
    h("p", { class: "cell-detail", "aria-live": "polite" }, "Tap, focus or point at a cell for its detail."));
  return wrap;
}

/** Scenario-grid models (SPAN-style, custom): one row per scenario, weighted P&L, worst marked. */
function scenarioTable(p) {
  const sc = p.scenarios;
  const scale = Math.max(0, ...sc.pnl.map(Math.abs));
  const table = h("table", { class: "risk-matrix scenario-table" },
    h("caption", {}, `Scenario P&L (${p.currency}), weighted`),
    h("thead", {}, h("tr", {}, h("th", { scope: "col", class: "corner" }, "scenario"), h("th", { scope: "col" }, "weight"), h("th", { scope: "col" }, "P&L"))),
    h("tbody", {}, sc.labels.map((label, i) => {
      const v = sc.pnl[i];
      const worst = p.worstScenario?.table === "scenarios" && p.worstScenario.column === i && p.worstCase > 0;
      return h("tr", {}, h("th", { scope: "row" }, label), h("td", {}, String(sc.weights[i])),
        h("td", { class: worst ? "worst" : null, "data-pnl": v, style: cellStyle(v, scale) }, amount(v, p.currency)));
    })));
  return h("div", { class: "matrices" }, h("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": "Scenario table (scrolls sideways)" }, table));
}

// ── positions ──

const POSITION_COLUMNS = ["#", "Instrument", "Qty", "Mark", "IV", ["Value", "USD"], ["Delta", "coin"], ["Vega", "USD / vol pt"], ["Theta", "USD / day"], ["Std IM", "pool ccy"],
  ["In worst case", "pool ccy, of the pool's"]];

/** The positions table, updated in place: a row is built once and only the cells whose text, class
 * or title changed are touched (a 2 000-line book recomputes on every key). A book of more than
 * VIRTUAL_ROWS positions is virtualised: the table scrolls in a box of its own, and only the rows in
 * view (and a few either side) are in the DOM, between two spacer rows of the others' height; the box is
 * a tab stop, so the keyboard scrolls it (arrows, Page Up/Down, Home/End). */
const VIRTUAL_ROWS = 100;
const ROW_HEIGHT = 28; // px, fixed in the virtual table (style.css: #positions-table.virtual tbody tr)
const OVERSCAN = 12;
let positionsBody = null;
let positionsRows = []; // the row elements of the data rows, in DOM order
let positionsMode = "";
const positionsView = { box: null, top: 0, height: 600, frame: 0, spacers: null };

function positionCells(p, poolCcy) {
  const g = p.greeks ?? {};
  const ccy = poolCcy[p.pool] ?? (p.settlement === "inverse" ? p.underlying : "USD");
  const coinMark = p.settlement === "inverse" && p.kind === "option";
  const neg = (x) => (typeof x === "number" && x < -TINY ? "neg" : "");
  // [text, class, title] per cell
  return [
    [String(p.line ?? ""), "line", ""],
    [p.instrument, "text instrument", `${p.kind ?? ""} · ${p.settlement ?? ""} · pool ${p.pool ?? ""}`],
    [p.quantityUnit === "usd" ? `${usd(p.quantity)} USD` : sig(p.quantity), neg(p.quantity), ""],
    [coinMark ? `${sig(p.mark)} ${p.underlying}` : usd(p.mark), "", coinMark ? money(p.markUsd) : ""],
    [typeof p.iv === "number" ? `${fmtFix2.format(p.iv * 100)}${NBSP}%` : DASH, "", p.ivSource ? `from the ${p.ivSource}` : ""],
    [usd(p.valueUsd), neg(p.valueUsd), ""],
    [sig(g.delta), neg(g.delta), ""],
    [usd(g.vega), neg(g.vega), ""],
    [usd(g.theta), neg(g.theta), ""],
    [p.standardMargin ? `${amount(p.standardMargin.initial, ccy)} ${ccy}` : DASH, "",
      p.standardMargin ? `maintenance ${amount(p.standardMargin.maintenance, ccy)} ${ccy}` : ""],
    // attribution: the position's loss in its pool's worst cell (positive: it adds to the worst case)
    [p.attribution ? amount(p.attribution.worstCaseContribution, ccy) : DASH, neg(p.attribution?.worstCaseContribution),
      p.attribution ? `P&L in the worst cell ${amount(p.attribution.worstCellPnl, ccy)} ${ccy}; standalone IM ${amount(p.attribution.standaloneInitial, ccy)} ${ccy}` : ""],
  ];
}
/** Write a position into a row, touching only what changed. */
function fillRow(tr, p, poolCcy, rowIndex) {
  const line = String(p.line ?? "");
  if (tr.dataset.line !== line) tr.dataset.line = line;
  if (rowIndex != null && tr.getAttribute("aria-rowindex") !== String(rowIndex)) tr.setAttribute("aria-rowindex", String(rowIndex));
  const tds = tr.children;
  positionCells(p, poolCcy).forEach(([text, cls, title], j) => {
    const td = tds[j];
    if (td.textContent !== text) td.textContent = text;
    if ((td.getAttribute("class") ?? "") !== cls) { if (cls) td.setAttribute("class", cls); else td.removeAttribute("class"); }
    if ((td.getAttribute("title") ?? "") !== title) { if (title) td.setAttribute("title", title); else td.removeAttribute("title"); }
  });
}
const newRow = () => h("tr", {}, POSITION_COLUMNS.map(() => h("td")));

function renderPositions(report) {
  const table = $("positions-table");
  if (!positionsBody) {
    clear(table);
    table.append(h("thead", {}, h("tr", {}, POSITION_COLUMNS.map((c, i) =>
      h("th", { scope: "col", class: i === 1 ? "text" : null }, Array.isArray(c) ? [c[0], h("span", { class: "unit" }, c[1])] : c)))));
    positionsBody = h("tbody");
    table.append(positionsBody);
    const box = table.closest(".scroll");
    positionsView.box = box;
    box.addEventListener("scroll", () => {
      positionsView.top = box.scrollTop;
      if (positionsMode === "virtual" && !positionsView.frame) {
        positionsView.frame = requestAnimationFrame(() => { positionsView.frame = 0; if (lastGood) renderPositions(lastGood); });
      }
    }, { passive: true });
    // the box's height, kept here so that rendering never reads layout
    new ResizeObserver(([entry]) => {
      const height = entry.contentRect.height;
      if (Math.abs(height - positionsView.height) < 1) return;
      positionsView.height = height;
      if (positionsMode === "virtual" && lastGood) renderPositions(lastGood);
    }).observe(box);
  }
  const body = positionsBody;
  const poolCcy = Object.fromEntries((report.margin?.pools ?? []).map((p) => [p.pool, p.currency]));
  const positions = report.positions ?? [];
  const mode = !positions.length ? "empty" : positions.length > VIRTUAL_ROWS ? "virtual" : "all";
  if (mode !== positionsMode) {
    positionsMode = mode;
    body.replaceChildren();
    positionsRows = [];
    positionsView.spacers = null;
    table.classList.toggle("virtual", mode === "virtual");
    positionsView.box.classList.toggle("virtual-scroll", mode === "virtual");
    if (mode !== "virtual") { table.removeAttribute("aria-rowcount"); positionsView.top = 0; }
  }
  if (mode === "empty") {
    body.replaceChildren(h("tr", { class: "empty" }, h("td", { colspan: POSITION_COLUMNS.length }, "No positions")));
    return;
  }
  let first = 0;
  let last = positions.length;
  if (mode === "virtual") {
    first = Math.max(0, Math.floor(positionsView.top / ROW_HEIGHT) - OVERSCAN);
    last = Math.min(positions.length, Math.ceil((positionsView.top + positionsView.height) / ROW_HEIGHT) + OVERSCAN);
    first = Math.min(first, Math.max(0, last - 1));
    if (!positionsView.spacers) {
      const spacer = () => h("tr", { class: "spacer", "aria-hidden": "true" }, h("td", { colspan: POSITION_COLUMNS.length }));
      positionsView.spacers = [spacer(), spacer()];
      body.replaceChildren(positionsView.spacers[0], positionsView.spacers[1]);
    }
    const [above, below] = positionsView.spacers;
    const hAbove = `${first * ROW_HEIGHT}px`;
    const hBelow = `${(positions.length - last) * ROW_HEIGHT}px`;
    if (above.firstChild.style.height !== hAbove) above.firstChild.style.height = hAbove;
    if (below.firstChild.style.height !== hBelow) below.firstChild.style.height = hBelow;
    above.hidden = first === 0;
    below.hidden = last === positions.length;
    const count = String(positions.length + 1);
    if (table.getAttribute("aria-rowcount") !== count) table.setAttribute("aria-rowcount", count);
  }
  const want = last - first;
  // the rows in view, reused in place (a scroll or an edit rewrites only the cells that changed)
  while (positionsRows.length < want) {
    const tr = newRow();
    if (mode === "virtual") body.insertBefore(tr, positionsView.spacers[1]); else body.append(tr);
    positionsRows.push(tr);
  }
  while (positionsRows.length > want) positionsRows.pop().remove();
  for (let i = 0; i < want; i++) fillRow(positionsRows[i], positions[first + i], poolCcy, mode === "virtual" ? first + i + 2 : null);
}
/** The report's positions as CSV, one row per position, the report's numbers unrounded. */
const CSV_COLUMNS = [["line", (p) => p.line], ["instrument", (p) => p.instrument], ["pool", (p) => p.pool], ["quantity", (p) => p.quantity],
  ["quantityUnit", (p) => p.quantityUnit], ["mark", (p) => p.mark], ["markUsd", (p) => p.markUsd], ["iv", (p) => p.iv],
  ["valueUsd", (p) => p.valueUsd], ["delta", (p) => p.greeks?.delta], ["deltaUsd", (p) => p.greeks?.deltaUsd],
  ["gamma", (p) => p.greeks?.gamma], ["vega", (p) => p.greeks?.vega], ["theta", (p) => p.greeks?.theta],
  ["standardInitial", (p) => p.standardMargin?.initial], ["worstCaseContribution", (p) => p.attribution?.worstCaseContribution]];
function positionsCsv(report) {
  const cell = (v) => (v == null ? "" : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  return [CSV_COLUMNS.map(([name]) => name).join(","),
    ...(report.positions ?? []).map((p) => CSV_COLUMNS.map(([, get]) => cell(get(p))).join(","))].join("\n") + "\n";
}
/** Save text as a file on this machine (nothing leaves it). */
function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h("a", { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}


// ───────────────────────────── start ─────────────────────────────

async function main() {
  try {
    await init();
  } catch (e) {
    app.dataset.state = "failed";
    const box = $("errors");
    box.hidden = false;
    box.replaceChildren(h("p", { class: "issues-title" }, "Could not load the WebAssembly engine: ", String(e?.message ?? e)));
    throw e;
  }
  $("version").textContent = `v${version()}`;
  for (const m of listModels()) {
    const kind = m.kind === "standard" ? "standard" : "portfolio";
    modelSelect.append(h("option", { value: m.name, title: m.description ?? "" }, `${m.name} (${kind})`));
  }
  modelSelect.disabled = false;
  // a Deribit import runs the package's full build in the tools worker
  inputs = createInputs({
    defaultMarket,
    importMarket: (text) => tools().marketFromDeribit(text),
    onChange: () => { scheduleSave(); schedule(); },
  });
  applyState(takeHash() ?? readStored());
  save();
  risk = createRiskPanel();
  compare = createComparePanel({ compare: (request, { signal }) => tools().call("compareModels", [request, null, null], { signal }) });

  optimize = createOptimizePanel({
    request: currentRequest,
    report: () => lastGood,
    addLines,
    totalAfter: (positions) => {
      try { return computeReport({ ...currentRequest(), positions }).margin?.totalUsd?.initial ?? null; } catch { return null; }
    },
  });
  textarea.addEventListener("input", () => { scheduleSave(); schedule(); });
  let orderFrame = 0;
  orderBox.addEventListener("input", () => {
    scheduleSave();
    if (!orderFrame) orderFrame = requestAnimationFrame(() => { orderFrame = 0; updateOrder(); });
  });
  attachCellDetail($("pools"));
  // the suggested hedges' buttons (summary and pool cards), by their lines at click time
  for (const id of ["summary", "pools"]) $(id).addEventListener("click", (e) => {
    const button = e.target.closest?.("button[data-lines]");
    if (button) addLines(button.dataset.lines.split("\n").filter(Boolean));
  });
  textarea.addEventListener("scroll", syncGutter, { passive: true });
  modelSelect.addEventListener("change", () => { paramEdits = {}; paramsShownFor = ""; save(); schedule(); });
  $("model-cross").addEventListener("change", (e) => { crossMode = e.target.checked; save(); schedule(); });
  window.addEventListener("pagehide", () => { if (saveTimer) save(); });
  $("by-expiry").addEventListener("change", () => { if (lastGood) renderGreeks(lastGood); });
  window.addEventListener("hashchange", () => {
    const state = takeHash();
    if (state) { applyState(state); save(); schedule(); }
  });
  const status = $("status");
  let statusTimer = 0;
  const say = (...parts) => {
    clearTimeout(statusTimer);
    status.replaceChildren(...parts);
    statusTimer = setTimeout(() => status.replaceChildren(), 8000);
  };
  $("reset").addEventListener("click", () => {
    const before = { positions: textarea.value, model: modelSelect.value }; // collateral and market stay as they are
    applyState(null);
    save();
    schedule();
    textarea.focus();
    if (before.positions === textarea.value && before.model === modelSelect.value) return;
    // the book it replaced is one click away
    const undo = h("button", { type: "button", class: "link-button", id: "undo-sample" }, "Undo");
    undo.addEventListener("click", () => {
      applyState(before);
      save();
      schedule();
      say("Your positions are back.");
      textarea.focus();
    });
    say("Sample loaded. ", undo);
  });
  $("copy-link").addEventListener("click", async () => {
    const link = shareLink();
    try {
      await navigator.clipboard.writeText(link);
      say("Link copied: it holds the positions and the model (in the part after #, which browsers never send to a server).");
    } catch {
      history.replaceState(null, "", link);
      say("The address bar now holds the link (positions and model).");
    }
  });
  $("export-json").addEventListener("click", () => {
    if (lastGood) download("portfolio-margin-report.json", "application/json", JSON.stringify(lastGood, null, 1));
  });
  $("export-csv").addEventListener("click", () => {
    if (lastGood) download("portfolio-margin-positions.csv", "text/csv", positionsCsv(lastGood));
  });
  recompute();
  // "ready" once everything the page computes at load is on screen: the margin at once, the risk
  // figures when the worker's first run ends (or after 20 s, should the worker never answer)
  await Promise.race([risk.firstSettled, new Promise((ok) => setTimeout(ok, 20000))]);
  app.dataset.state = "ready";
  registerOffline();
}

/** The service worker (www/sw.js) keeps this site's files so that the page reloads offline; once it runs,
 * it is told every file this page loaded (the package's snippets have hashed names). */
function registerOffline() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("./sw.js").then(() => navigator.serviceWorker.ready).then((reg) => {
    const urls = performance.getEntriesByType("resource").map((e) => e.name).filter((u) => u.startsWith(location.origin));
    reg.active?.postMessage({ cache: [location.origin + location.pathname, ...urls] });
    app.dataset.offline = "ready";
  }).catch(() => { app.dataset.offline = "unavailable"; });
}

main();
