// Views of report figures the first screens did not show: the account (equity, margin ratio,
// available funds, liquidation prices), the what-if order's impact, "how this margin is computed"
// (written from the model's parameters in the report), and the risk matrix's cell detail on tap,
// focus and hover. Formatting only: every number shown is the package's.
import { $, h, clear, patch } from "./dom.js";
import { DASH, NBSP, TINY, amount, isUsdLike, money, move, sig, usd } from "./format.js";

const VOL_LABEL = { up: "vol up", unchanged: "vol unchanged", down: "vol down" };

// ───────────────────────────── account ─────────────────────────────

/** A share as a percentage with one decimal: 0.3106 → "31.1 %". */
const ratio = (x) => (typeof x === "number" && Number.isFinite(x) ? `${(Math.round(x * 1000) / 10).toFixed(1)}${NBSP}%` : DASH);

export function renderAccount(report) {
  const box = $("account");
  const note = $("account-note");
  // built detached and patched in: an edit touches only the figures that changed
  const out = h("div");
  const account = report.account;
  const accounts = account?.accounts ?? [];
  const funded = accounts.some((a) => Math.abs(a.collateral ?? 0) > TINY || Math.abs(a.equity ?? 0) > TINY);
  if (!account || !accounts.length) {
    note.textContent = "";
    out.append(h("p", { class: "empty" }, "Enter collateral (left) to see equity, margin ratio, available funds and liquidation prices."));
    patch(box, out);
    return;
  }
  note.textContent = account.mode === "cross" ? "cross margin: one USD account" : "segregated: one account per currency, never summed as if fungible";
  const notSearched = (report.warnings ?? []).find((w) => w.code === "NOT_COMPUTED" && w.path === "account");
  // a liquidation test id names the underlying where only one account holds it, else the account too
  const holders = {};
  for (const a of accounts) for (const u of Object.keys(a.liquidation ?? {})) holders[u] = (holders[u] ?? 0) + 1;
  const grid = h("div", { class: "accounts" });
  for (const a of accounts) {
    const ccy = a.currency;
    const amt = (x) => `${amount(x, ccy)} ${ccy}`;
    const closest = account.closestToLiquidation === ccy && accounts.length > 1;
    const liq = Object.entries(a.liquidation ?? {});
    grid.append(h("article", { class: ["account", closest ? "closest" : null], "data-currency": ccy },
      h("header", {}, h("h3", {}, `${ccy} account`), closest ? h("span", { class: "tag warn" }, "closest to liquidation") : null,
        a.pools?.length ? h("span", { class: "tag" }, `pools ${a.pools.join(", ")}`) : null),
      h("dl", { class: "figures" },
        fig("Equity", amt(a.equity), isUsdLike(ccy) ? null : money(a.equityUsd), `equity-${ccy}`, a.equity, a.equity < -TINY ? "neg" : null),
        fig("Initial margin", amt(a.initial), null, `account-initial-${ccy}`, a.initial),
        fig("Maintenance", amt(a.maintenance), null, `account-maintenance-${ccy}`, a.maintenance),
        fig("Margin ratio", a.marginRatio == null ? DASH : ratio(a.marginRatio), "MM / equity", `margin-ratio-${ccy}`, a.marginRatio,
          a.marginRatio >= 1 ? "neg" : null),
        fig("Available funds", amt(a.availableFunds), "equity − IM", `available-${ccy}`, a.availableFunds, a.availableFunds < -TINY ? "neg" : "good")),
      liq.length
        ? h("ul", { class: "liquidation" }, liq.map(([u, x]) => {
          const id = (side) => (holders[u] > 1 && ccy !== u ? `liquidation-${ccy}-${u}-${side}` : `liquidation-${u}-${side}`);
          return h("li", { "data-underlying": u },
            `Liquidation if the ${u} index goes `,
            h("span", { class: "nowrap" }, "below ", h("strong", { "data-testid": id("down"), "data-value": x.down }, x.down == null ? "— (none)" : `${usd(x.down)} USD`)),
            " or ",
            h("span", { class: "nowrap" }, "above ", h("strong", { "data-testid": id("up"), "data-value": x.up }, x.up == null ? "— (none)" : `${usd(x.up)} USD`)),
            x.down == null && x.up == null ? " (no crossing between ×0.01 and ×100 of the index)" : "");
        }))
        : h("p", { class: "note" }, notSearched && a.pools?.length ? "Liquidation prices not searched: " + notSearched.message : a.pools?.length ? "" : "No positions in this account: it cannot be liquidated.")));
  }
  out.append(grid);
  const first = account.liquidatesFirst;
  if (first && funded) {
    out.append(h("p", { class: "meta", id: "liquidates-first" }, "Nearest liquidation: the ", h("strong", {}, `${first.currency} account`),
      ` if ${first.underlying} moves ${move(first.moveFrac)} to ${usd(first.price)} USD (${first.direction}).`));
  }
  patch(box, out);
}

function fig(label, value, note, testid, raw, cls) {
  return h("div", { class: ["fig", cls] }, h("dt", {}, label),
    h("dd", {}, h("span", { "data-testid": testid, "data-value": raw }, value), note ? h("span", { class: "aside" }, note) : null));
}

// ───────────────────────────── what-if order ─────────────────────────────

/** `{ impact }` from RiskSession.impact, `{ error }`, or null (no order typed). */
export function renderOrderImpact(state) {
  const box = $("order-result");
  const orderBox = $("order");
  clear(box);
  orderBox.removeAttribute("aria-invalid");
  if (!state) { box.append(h("p", { class: "note" }, "Type an order to see what it does to the margin.")); return; }
  if (state.error) {
    orderBox.setAttribute("aria-invalid", "true");
    const e = state.error;
    box.append(h("p", { class: "order-error", "data-code": e.code ?? null }, e.line != null ? `line ${e.line}: ` : "",
      String(e.message ?? e).replace(/^line \d+(?:, column \d+)?: /, "")));
    return;
  }
  const { before, after, change } = state.impact;
  const row = (label, key, testid, betterDown) => {
    const d = change?.[key];
    const cls = Math.abs(d ?? 0) < TINY ? null : (d > 0) === betterDown ? "neg" : "good";
    return h("tr", {}, h("th", { scope: "row", class: "text" }, label),
      h("td", {}, money(before?.[key])), h("td", {}, money(after?.[key])),
      h("td", { class: cls }, h("span", { "data-testid": testid, "data-value": d }, (d > TINY ? "+" : "") + money(d))));
  };
  box.append(h("table", { class: "num-table impact" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col", class: "text" }, "USD"), h("th", { scope: "col" }, "Before"), h("th", { scope: "col" }, "After"), h("th", { scope: "col" }, "Change"))),
    h("tbody", {}, row("Initial margin", "initial", "impact-initial-usd", true), row("Maintenance", "maintenance", "impact-maintenance-usd", true),
      before?.availableFunds != null ? row("Available funds", "availableFunds", "impact-available-usd", false) : null)),
  h("p", { class: ["note", state.impact.canAfford === false ? "bad" : null], "data-testid": "impact-can-afford" },
    state.impact.canAfford === false ? "Not enough available funds for this order." : state.impact.canAfford ? "Affordable with the available funds." : "",
    state.impact.orders?.length ? ` Orders: ${state.impact.orders.join(", ")}.` : ""));
}

// ───────────────────────────── how this margin is computed ─────────────────────────────

const pct = (x) => (typeof x === "number" ? `${Math.round(x * 10000) / 100}${NBSP}%` : DASH);
const num = (x) => (typeof x === "number" ? sig(x) : DASH);

export function renderMethod(report) {
  const box = $("method");
  const out = h("div");
  const model = report.model ?? {};
  const p = model.params ?? {};
  const pools = report.margin?.pools ?? [];
  const underlyings = [...new Set(pools.map((x) => x.underlying).filter(Boolean))];
  const paramsOf = (u) => p.underlyings?.[u] ?? p.underlyings?.default ?? {};
  const items = [];
  if (box.dataset.kind !== (p.kind ?? "")) box.dataset.kind = p.kind ?? "";
  if (p.kind === "risk-matrix") {
    items.push(
      h("li", {}, `Each pool (one per settlement coin; one per underlying for linear ${DASH} USDC ${DASH} contracts) is revalued in full in ${p.pricePoints ?? 9} price moves × 3 vol states. `,
        "The price moves run from −R to +R: ",
        underlyings.length ? underlyings.map((u, i) => [i ? ", " : "", h("strong", {}, `${u} R = ${pct(paramsOf(u).priceRange)}`)]) : "per underlying", "."),
      h("li", {}, "Vol up multiplies every implied vol by 1 + volUp·(30/DTE)", h("sup", {}, "p"), `, at least ${pct(paramsOf(underlyings[0]).minVolForShockUp)}; vol down by 1 − volDown·(30/DTE)`, h("sup", {}, "p"),
        ` (p = ${num(paramsOf(underlyings[0]).vegaPowerShort)} under ${p.vegaPowerCutoffDays ?? 30} days, ${num(paramsOf(underlyings[0]).vegaPowerLong)} after): `,
        underlyings.map((u, i) => [i ? "; " : "", `${u} up ${pct(paramsOf(u).volUp)}, down ${pct(paramsOf(u).volDown)}`]), "."),
      h("li", {}, `Extended moves ${(p.extendedMoves ?? []).map(move).join(", ")} (vol up) count at weight R/|move| and are pulled toward zero by the dampener `,
        currencyList(p, pools, "extendedDampener", (x) => `${usd(x)} USD`), ": a row of zeros means the dampener absorbs those losses."),
      h("li", {}, "Gains count at the pool currency's pnlOffset ", currencyList(p, pools, "pnlOffset", pct),
        ": a gain shown as 0 is a gain that may not offset (in a segregated pool this never changes the worst case)."),
      h("li", {}, h("strong", {}, "Worst case"), " = the largest loss among all those cells (0 if none loses)."),
      h("li", {}, h("strong", {}, "Roll shock"), ": per futures expiry, |net futures in coin| × max(minAnnualisedMove, e", h("sup", {}, "annualisedMoveRisk·T"), " − 1) ",
        currencyList(p, pools, "annualisedMoveRisk", pct), "."),
      h("li", {}, h("strong", {}, "Delta shock"), ": on net delta above ", currencyList(p, pools, "deltaTotalLiqShockThreshold", (x) => `${usd(x)} USD`),
        `, a rate growing with the excess, at most ${pct(p.currencies?.default?.maxDeltaShock)}.`),
      h("li", {}, h("strong", {}, "Initial margin"), " = worst case + roll shock + delta shock; ", h("strong", {}, "maintenance"), " = mmFactor × initial ",
        currencyList(p, pools, "mmFactor", pct), p.mode === "cross" ? ". Cross mode: every cell is one joint scenario of all pools and collateral, in USD." : "."));
  } else if (p.kind === "standard") {
    items.push(h("li", {}, "Position by position, summed (no offsets): short options IM max(0.15 − OTM/S, 0.10) + mark per coin, MM 0.075 + mark; futures and perpetuals a rate of notional growing with size; long options need none."));
  } else if (p.kind === "scenario-grid") {
    items.push(h("li", {}, `${(p.priceMoves ?? []).length || "A grid of"} price moves × ${(p.volShifts ?? []).length || ""} vol shifts per underlying, each position revalued; the scan risk is the largest weighted loss, plus a calendar spread charge and a short option minimum.`));
  } else if (p.kind === "es") {
    items.push(h("li", {}, "Expected shortfall of the whole account's USD P&L over joint Monte Carlo paths of every underlying (the market's correlations), plus the roll shock."));
  }
  if (!items.length) items.push(h("li", {}, model.name ?? DASH));
  out.append(h("p", { class: "note" }, "Model ", h("strong", {}, model.name ?? DASH), p.description ? `: ${p.description}` : ""), h("ul", { class: "method" }, items));
  if (p.figuresAsOf) out.append(h("p", { class: "note source" }, `Sources: ${p.figuresAsOf}`));
  patch(box, out);
}

/** "(BTC 0 %, ETH 60 %)" for the currencies of the book's pools. */
function currencyList(p, pools, key, fmt) {
  const currencies = [...new Set(pools.map((x) => (isUsdLike(x.currency) ? "USD" : x.currency)))];
  const parts = currencies.map((c) => `${c} ${fmt((p.currencies?.[c] ?? p.currencies?.default ?? {})[key])}`);
  return parts.length ? `(${parts.join(", ")})` : "";
}

// ───────────────────────────── risk-matrix cell detail ─────────────────────────────

/** Cell detail on tap, keyboard focus and hover, in the line under each pool's matrix; arrow keys move
 * between cells (one tab stop per table: the worst cell, or the first). */
export function attachCellDetail(container) {
  const show = (td) => {
    const card = td.closest(".pool");
    const line = card?.querySelector(".cell-detail");
    if (!line || !td.dataset.detail) return;
    line.textContent = td.dataset.detail;
    line.dataset.cell = td.dataset.cell ?? "";
    for (const x of card.querySelectorAll("td.selected")) x.classList.remove("selected");
    td.classList.add("selected");
  };
  const cellOf = (e) => e.target.closest?.("td[data-detail]");
  container.addEventListener("click", (e) => { const td = cellOf(e); if (td) { show(td); td.focus({ preventScroll: true }); } });
  container.addEventListener("focusin", (e) => { const td = cellOf(e); if (td) show(td); });
  container.addEventListener("mouseover", (e) => { const td = cellOf(e); if (td) show(td); });
  container.addEventListener("keydown", (e) => {
    const td = cellOf(e);
    if (!td) return;
    const row = td.parentElement;
    const cells = [...row.querySelectorAll("td[data-detail]")];
    const i = cells.indexOf(td);
    let next = null;
    if (e.key === "ArrowRight") next = cells[i + 1];
    else if (e.key === "ArrowLeft") next = cells[i - 1];
    else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      const sibling = e.key === "ArrowDown" ? row.nextElementSibling : row.previousElementSibling;
      next = sibling?.querySelectorAll("td[data-detail]")[i];
    }
    if (next) { e.preventDefault(); next.focus(); }
  });
}

/** The worst cell in words, from the report's worst scenario and worst case. */
export function worstInWords(p) {
  const ws = p.worstScenario ?? {};
  const ccy = p.currency;
  if (!(p.worstCase > TINY)) return `No scenario loses: the worst case is 0 ${ccy}.`;
  const what = ws.table === "extended"
    ? `the extended move ${move(ws.priceMove)} (vol up, weighted and dampened)`
    : `the index and every forward of the pool ${move(ws.priceMove)} with ${VOL_LABEL[ws.vol] ?? ws.vol}`;
  return `Worst case: ${what} — the pool loses ${amount(p.worstCase, ccy)} ${ccy}, the largest loss of all its scenarios, so it is the margin's main part.`;
}


// ───────────────────────────── cross margin (one USD account) ─────────────────────────────

/** Cross mode's account figures (`report.margin.cross`): initial, maintenance, worst case and its
 * joint worst cell (each underlying's move, each currency's P&L there), roll and delta shock. Null
 * when the report has none (segregated mode). */
export function crossBlock(report) {
  const c = report.margin?.cross;
  if (!c) return null;
  const ws = c.worstScenario ?? {};
  // the cell's vol state: the label of its row in the pools' matrices (the same grid in every pool)
  const volStates = (report.margin?.pools ?? []).find((p) => p.riskMatrix)?.riskMatrix.volStates ?? [];
  const where = ws.table === "extended" ? "extended table (vol up)"
    : ws.table === "standard" ? (VOL_LABEL[volStates[ws.row]] ?? volStates[ws.row] ?? `row ${ws.row + 1}`) : String(ws.table ?? DASH);
  const moves = Object.entries(ws.priceMoves ?? {});
  const pnl = Object.entries(ws.pnlByCurrency ?? {});
  const cell = (x) => h("td", { class: typeof x === "number" && x < -TINY ? "neg" : null, "data-value": x }, money(x));
  return h("div", { class: "cross", id: "cross", "data-testid": "cross" },
    h("h3", {}, "Cross margin: one USD account"),
    h("dl", { class: "figures cross-figures" },
      fig("Initial", money(c.initial), null, "cross-initial-usd", c.initial),
      fig("Maintenance", money(c.maintenance), null, "cross-maintenance-usd", c.maintenance),
      fig("Worst case", money(c.worstCase), "joint, all pools", "cross-worst-usd", c.worstCase),
      fig("Roll shock", money(c.rollShock), null, "cross-roll-usd", c.rollShock),
      fig("Delta shock", money(c.deltaShock), null, "cross-delta-usd", c.deltaShock)),
    h("p", { class: "note" }, "The worst joint scenario: every underlying moves at once, ", h("strong", {}, where), "."),
    h("div", { class: "cross-tables" },
      h("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": "Moves of the worst joint scenario (scrolls sideways)" },
        h("table", { class: "num-table", id: "cross-moves" },
          h("thead", {}, h("tr", {}, h("th", { scope: "col", class: "text" }, "Underlying"), h("th", { scope: "col" }, "Move", h("span", { class: "unit" }, "index and forwards")))),
          h("tbody", {}, moves.map(([u, m]) => h("tr", { "data-underlying": u }, h("th", { scope: "row", class: "text" }, u),
            h("td", { "data-value": m }, move(m))))))),
      h("div", { class: "scroll", tabindex: "0", role: "region", "aria-label": "P&L per currency in the worst joint scenario (scrolls sideways)" },
        h("table", { class: "num-table", id: "cross-pnl" },
          h("thead", {}, h("tr", {}, h("th", { scope: "col", class: "text" }, "Currency"), h("th", { scope: "col" }, "P&L there", h("span", { class: "unit" }, "USD, after the haircut")))),
          h("tbody", {}, pnl.map(([ccy, x]) => h("tr", { "data-currency": ccy }, h("th", { scope: "row", class: "text" }, ccy), cell(x))))))));
}
