// "Optimise the hedge" (issue 14, the page's part): the cheapest trades over many instruments for one
// pool, from the package's hedge build (`pkg/hedge/`, `optimizeHedge`), which is loaded only when the
// user asks for it (a dynamic import). The page formats the plan and never does risk math: every figure
// is the package's (the book's total after the trades is a `computeReport` of the book plus the plan's
// `orders`). User text reaches the DOM as text only.
import { $, h, clear } from "./dom.js";
import { DASH, TINY, amount, money, move, sig, usd } from "./format.js";
import { typedNumber } from "./inputs.js";

/** The hedge build, imported and initialised on first use (about 250 KB gzipped: never at load). */
let hedgeBuild = null;
function loadHedgeBuild() {
  hedgeBuild ??= import("/pkg/hedge/portfolio_margin.js").then(async (m) => { await m.default(); return m; })
    .catch((e) => { hedgeBuild = null; throw e; });
  return hedgeBuild;
}

/**
 * `request()`: the page's current request (book, model, market, collateral); `report()`: the last good
 * report (for its pools); `addLines(lines)`: append lines to the book; `totalAfter(positions)`: the
 * package's total initial margin (USD) of the request with these positions, or null.
 */
export function createOptimizePanel({ request, report, addLines, totalAfter }) {
  const panel = $("optimize-panel");
  const poolSelect = $("hedge-optimize-pool");
  const budgetInput = $("hedge-optimize-budget");
  const budgetUnit = $("hedge-optimize-budget-unit");
  const candidatesInput = $("hedge-optimize-candidates");
  const button = $("hedge-optimize");
  const status = $("hedge-optimize-status");
  const errorBox = $("hedge-optimize-error");
  const result = $("hedge-optimize-result");
  let plan = null; // { plan, key, totalAfter }
  let shownPools = "";
  let running = false;

  const keyOf = (req) => JSON.stringify(req);
  const setState = (s) => { panel.dataset.optimizeState = s; };
  setState("idle");

  function showError(message) {
    errorBox.hidden = false;
    errorBox.replaceChildren(h("p", {}, message));
    setState("error");
  }
  function clearError() { errorBox.hidden = true; clear(errorBox); }

  function poolsOf(r) { return (r?.margin?.pools ?? []).map((p) => ({ pool: p.pool, currency: p.currency })); }
  function syncPools() {
    const pools = poolsOf(report());
    const key = pools.map((p) => `${p.pool}:${p.currency}`).join();
    if (key !== shownPools) {
      shownPools = key;
      const was = poolSelect.value;
      poolSelect.replaceChildren(...pools.map((p) => h("option", { value: p.pool, "data-currency": p.currency }, p.pool)));
      if (pools.some((p) => p.pool === was)) poolSelect.value = was;
      poolSelect.disabled = button.disabled = pools.length === 0;
    }
    budgetUnit.textContent = poolSelect.selectedOptions[0]?.dataset.currency ?? "";
  }

  async function run() {
    if (running) return;
    clearError();
    const pool = poolSelect.value;
    if (!pool) { showError("There is no pool to hedge: add positions first."); return; }
    const budget = typedNumber(budgetInput.value);
    if (Number.isNaN(budget)) { showError(`The budget is not a number: “${budgetInput.value}”.`); budgetInput.setAttribute("aria-invalid", "true"); return; }
    budgetInput.removeAttribute("aria-invalid");
    const req = request();
    const options = { pool };
    if (budget !== null) options.budget = budget;
    const names = candidatesInput.value.split(/[\s,;]+/).map((x) => x.trim()).filter(Boolean);
    if (names.length) options.candidates = names;
    running = true;
    button.disabled = true;
    setState("running");
    status.textContent = hedgeBuild ? "Searching…" : "Loading the optimiser…";
    try {
      const build = await loadHedgeBuild();
      status.textContent = "Searching…";
      // let the status paint before the (tens of milliseconds of) solving on this thread
      await new Promise((ok) => requestAnimationFrame(() => setTimeout(ok, 0)));
      const p = build.optimizeHedge(req, options);
      const orders = p.orders ?? "";
      plan = { plan: p, key: keyOf(req), totalBefore: report()?.margin?.totalUsd?.initial,
        totalAfter: orders.trim() ? totalAfter(`${req.positions.replace(/\s*$/, "")}\n${orders}`) : null };
      status.textContent = "";
      renderPlan();
      setState("done");
    } catch (e) {
      plan = null;
      clear(result);
      status.textContent = "";
      showError(`${e?.code ? `${e.code}: ` : ""}${String(e?.message ?? e)}`);
    } finally {
      running = false;
      button.disabled = poolSelect.options.length === 0;
    }
  }

  function renderPlan() {
    clear(result);
    if (!plan) return;
    const p = plan.plan;
    const ccy = p.currency;
    const a = (x) => `${amount(x, ccy)} ${ccy}`;
    const trades = p.trades ?? [];
    if (!trades.length) {
      result.append(h("p", { class: "note", "data-testid": "hedge-optimize-none" },
        `No trade over these ${p.candidates?.length ?? 0} candidates lowers the ${p.pool} pool's initial margin (${a(p.initialBefore)}).`));
      return;
    }
    const qty = (t) => (t.quantityUnit === "usd" ? `${usd(t.quantity)} USD` : sig(t.quantity));
    const table = h("table", { class: "num-table optimize-trades", "data-testid": "hedge-optimize-trades" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col", class: "text" }, "Instrument"), h("th", { scope: "col" }, "Quantity"),
        h("th", { scope: "col" }, "Premium", h("span", { class: "unit" }, ccy)))),
      h("tbody", {}, trades.map((t) => h("tr", { "data-instrument": t.instrument, "data-quantity": t.quantity },
        h("td", { class: "text instrument" }, t.instrument),
        h("td", { class: t.quantity < 0 ? "neg" : null }, qty(t)),
        h("td", { class: t.premium < -TINY ? "neg" : null, "data-value": t.premium }, amount(t.premium, ccy))))));
    const fig = (label, value, testid, raw, note, cls) => h("div", { class: ["fig", cls] }, h("dt", {}, label),
      h("dd", {}, h("span", { "data-testid": testid, "data-value": raw }, value), note ? h("span", { class: "aside" }, note) : null));
    const perPremium = p.premium > TINY ? p.saving / p.premium : null;
    const add = h("button", { type: "button", "data-testid": "hedge-optimize-add" }, trades.length > 1 ? `Add the ${trades.length} trades to the book` : "Add the trade to the book");
    add.addEventListener("click", () => {
      const lines = (p.orders ?? "").split("\n").map((l) => l.trim()).filter(Boolean);
      if (lines.length) addLines(lines);
    });
    result.append(
      h("dl", { class: "figures optimize-figures" },
        fig(`${p.pool} initial before`, a(p.initialBefore), "hedge-optimize-before", p.initialBefore),
        fig(`${p.pool} initial after`, a(p.initialAfter), "hedge-optimize-after", p.initialAfter, p.exact ? "proven optimal before lots" : `LP bound ${amount(p.lpBound, ccy)}`),
        fig("Saving", a(p.saving), "hedge-optimize-saving", p.saving, perPremium !== null ? `${sig(perPremium)} per unit of premium` : null, p.saving > TINY ? "good" : null),
        fig(p.premium < -TINY ? "Premium received" : "Premium paid", a(Math.abs(p.premium)), "hedge-optimize-premium", p.premium,
          typeof p.budget === "number" ? `budget ${amount(p.budget, ccy)}` : "no budget"),
        fig("Book initial after", money(plan.totalAfter), "hedge-optimize-total-after", plan.totalAfter,
          typeof plan.totalBefore === "number" ? `now ${money(plan.totalBefore)}` : null)),
      h("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": "Optimised hedge trades (scrolls sideways)" }, table),
      h("p", { class: "actions" }, add),
      h("p", { class: "note" }, `Searched ${p.candidates?.length ?? 0} candidates under ${p.model}; quantities rounded to the venue's lots and the result valued by the model itself.`,
        p.bindingScenarios?.length ? ` Binding: ${p.bindingScenarios.map(bindingText).join("; ")}.` : ""));
  }

  /** The page changed (a new report): keep the pool list current; a plan of another book is dropped. */
  function update(req) {
    syncPools();
    if (plan && (!req || keyOf(req) !== plan.key)) {
      plan = null;
      clear(result);
      if (panel.dataset.optimizeState === "done") {
        result.append(h("p", { class: "note" }, "The book, market or model changed since the last search: search again for the current one."));
        setState("idle");
      }
    }
  }

  button.addEventListener("click", run);
  poolSelect.addEventListener("change", syncPools);
  for (const input of [budgetInput, candidatesInput]) input.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); run(); } });
  return { update };
}

const VOL_LABEL = { up: "vol up", unchanged: "vol unchanged", down: "vol down" };
function bindingText(b) {
  if (b?.label) return b.label;
  if (typeof b?.priceMove !== "number") return DASH;
  return b.table === "extended" ? `${move(b.priceMove)}, extended table` : `${move(b.priceMove)}, ${VOL_LABEL[b.vol] ?? b.vol}`;
}
