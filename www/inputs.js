// The page's inputs beside the positions: collateral per currency and the market (index and a flat vol
// per underlying, added underlyings, a Deribit import). They only collect what the user typed into the
// request's `account` and `market` fields (SPEC §2); the engine checks every value and does all the
// math. Edits become a market through the package's market-edit.js (editMarket, mergeMarkets); importing a
// Deribit response is the package's `marketFromDeribit` (full build, in a worker).
import { $, h, clear } from "./dom.js";
import { DASH, NBSP, usd } from "./format.js";
import { editMarket, mergeMarkets, shiftMarket } from "/pkg/market-edit.js";

/** Currencies offered for collateral before any is added by the market. */
const BASE_CURRENCIES = ["BTC", "ETH", "SOL", "USDC", "USDT"];
const UNDERLYING_NAME = /^[A-Z][A-Z0-9]{1,9}$/;

/** A number typed by a person: "", "2", "1,5" (a comma as a decimal point), "20000". null: empty. */
export function typedNumber(text) {
  const t = String(text ?? "").trim().replace(/[\s_\u202f]/g, "").replace(/,(?=\d{1,2}$)/, ".").replace(/,/g, "");
  if (t === "") return null;
  const x = Number(t);
  return Number.isFinite(x) ? x : NaN;
}

export function createInputs({ defaultMarket, importMarket, onChange }) {
  const base = defaultMarket(); // the embedded snapshot, as the package gives it
  let imported = null; // { market, text } from marketFromDeribit
  // what the user typed, as text (kept and restored as typed)
  let collateral = {}; // ccy → text
  let indexEdits = {}; // underlying → text
  let volEdits = {}; // underlying → text (percent)
  let futuresEdits = {}; // underlying → expiry date → text (USD)
  let skewEdits = {}; // underlying → text (vol points per 10 % lower strike)
  let added = {}; // underlying → { index, vol } as text
  let shift = { spot: 0, vol: 0 }; // the sliders, in percent
  let composed; // cached request market (undefined: the embedded default)
  let dirty = true;

  const changed = () => { dirty = true; onChange(); };

  // ── collateral ──
  const collateralBox = $("collateral-fields");
  let shownCurrencies = "";
  function currencies() {
    const list = [...BASE_CURRENCIES];
    for (const u of Object.keys(marketUnderlyings())) if (!list.includes(u)) list.splice(list.length - 2, 0, u);
    for (const c of Object.keys(collateral)) if (!list.includes(c)) list.push(c);
    return list;
  }
  function renderCollateral() {
    const list = currencies();
    if (list.join() === shownCurrencies) return; // never rebuilt under the typing
    shownCurrencies = list.join();
    const focused = document.activeElement?.id;
    clear(collateralBox);
    for (const ccy of list) {
      const id = `collateral-${ccy}`;
      const input = h("input", { id, "data-testid": id, inputmode: "decimal", autocomplete: "off", size: "8", placeholder: "0", "data-currency": ccy });
      input.value = collateral[ccy] ?? "";
      input.addEventListener("input", () => {
        if (input.value.trim() === "") delete collateral[ccy]; else collateral[ccy] = input.value;
        changed();
      });
      collateralBox.append(h("label", { class: "field", for: id }, h("span", { class: "ccy" }, ccy), input));
    }
    if (focused) $(focused)?.focus();
  }

  // ── market ──
  function marketUnderlyings() {
    const m = imported?.market ?? base;
    const out = { ...(m.underlyings ?? {}) };
    for (const u of Object.keys(added)) out[u] ??= {};
    return out;
  }
  const table = $("market-table");
  let shownRows = "";
  function renderMarketTable() {
    const names = Object.keys(marketUnderlyings());
    const key = names.join() + (imported ? "|imported" : "");
    if (key === shownRows) return;
    shownRows = key;
    clear(table);
    table.append(h("thead", {}, h("tr", {},
      h("th", { scope: "col", class: "text" }, "Underlying"),
      h("th", { scope: "col" }, "Index", h("span", { class: "unit" }, "USD")),
      h("th", { scope: "col" }, "Vol", h("span", { class: "unit" }, "flat, %")),
      h("th", { scope: "col" }, "Skew", h("span", { class: "unit" }, "pts, −10 %")))));
    const body = h("tbody");
    for (const u of names) {
      const indexInput = h("input", { id: `market-index-${u}`, "data-testid": `market-index-${u}`, inputmode: "decimal", autocomplete: "off", size: "9",
        "aria-label": `${u} index price, USD` });
      indexInput.value = indexEdits[u] ?? added[u]?.index ?? "";
      indexInput.addEventListener("input", () => {
        if (added[u]) added[u].index = indexInput.value;
        else if (indexInput.value.trim() === "") delete indexEdits[u]; else indexEdits[u] = indexInput.value;
        changed();
      });
      const volInput = h("input", { id: `market-vol-${u}`, "data-testid": `market-vol-${u}`, inputmode: "decimal", autocomplete: "off", size: "5",
        "aria-label": `${u} flat implied vol, percent (empty: the market's smile)` });
      volInput.value = volEdits[u] ?? added[u]?.vol ?? "";
      volInput.addEventListener("input", () => {
        if (added[u]) added[u].vol = volInput.value;
        else if (volInput.value.trim() === "") delete volEdits[u]; else volEdits[u] = volInput.value;
        changed();
      });
      const skewInput = h("input", { id: `market-skew-${u}`, "data-testid": `market-skew-${u}`, inputmode: "decimal", autocomplete: "off", size: "4",
        "aria-label": `${u} skew: vol points added for a strike 10 % below the index (negative: calls richer)`, "aria-describedby": "skew-help" });
      skewInput.value = skewEdits[u] ?? "";
      skewInput.disabled = Boolean(added[u]);
      skewInput.addEventListener("input", () => {
        if (skewInput.value.trim() === "") delete skewEdits[u]; else skewEdits[u] = skewInput.value;
        changed();
      });
      body.append(h("tr", { "data-underlying": u },
        h("th", { scope: "row", class: "text" }, u, added[u] ? h("span", { class: "tag" }, "added") : null),
        h("td", {}, indexInput), h("td", {}, volInput), h("td", {}, skewInput)));
      // under the row: the vol as the market holds it now, and the futures marks per expiry (folded)
      const dates = Object.keys(marketUnderlyings()[u]?.futures ?? {});
      const volNow = h("p", { class: "vol-now", id: `market-volnow-${u}` }, DASH);
      let details = null;
      if (dates.length && !added[u]) {
        const fields = dates.map((date) => {
          const id = `market-future-${u}-${date}`;
          const input = h("input", { id, "data-testid": id, inputmode: "decimal", autocomplete: "off", size: "9", "data-underlying": u, "data-date": date,
            "aria-label": `${u} futures mark for ${date}, USD` });
          input.value = futuresEdits[u]?.[date] ?? "";
          input.addEventListener("input", () => {
            if (input.value.trim() === "") { delete futuresEdits[u]?.[date]; if (futuresEdits[u] && !Object.keys(futuresEdits[u]).length) delete futuresEdits[u]; }
            else (futuresEdits[u] ??= {})[date] = input.value;
            changed();
          });
          return h("label", { class: "field", for: id }, h("span", { class: "date" }, date), input);
        });
        details = h("details", { class: "futures", "data-underlying": u },
          h("summary", { "data-testid": `market-futures-${u}` }, `futures marks (${dates.length} expiries, USD)`), h("div", { class: "futures-fields" }, fields));
        if (futuresEdits[u]) details.open = true;
      }
      body.append(h("tr", { class: "futures-row", "data-underlying": u }, h("td", { colspan: "4", class: "text" }, volNow, details)));
    }
    table.append(body);
  }
  /** The placeholders show what the market holds now (from the report and the market data). */
  function showCurrent(report) {
    const m = imported?.market ?? base;
    for (const [u, px] of Object.entries(report?.market?.index ?? {})) {
      const input = $(`market-index-${u}`);
      if (input) input.placeholder = usd(px).replace(/\u2212/g, "-");
    }
    const now = market() ?? m; // what the request holds (edits and shifts applied)
    for (const input of table.querySelectorAll("input[data-date]")) {
      const f = now.underlyings?.[input.dataset.underlying]?.futures?.[input.dataset.date];
      input.placeholder = typeof f === "number" ? usd(f).replace(/\u2212/g, "-") : "";
    }
    for (const u of Object.keys(marketUnderlyings())) {
      const cell = $(`market-volnow-${u}`);
      if (!cell) continue;
      const src = m.underlyings?.[u];
      const flat = typedNumber(volEdits[u] ?? added[u]?.vol);
      const skew = typedNumber(skewEdits[u]);
      const skewText = skew != null && Number.isFinite(skew) && skew !== 0 ? `, skew ${skew > 0 ? "+" : ""}${skew}` : "";
      const tilted = skewText && now.underlyings?.[u]?.smiles;
      cell.textContent = "vol now: " + (tilted ? `smile${skewText}, ${Object.keys(now.underlyings[u].smiles).length} expiries`
        : flat != null && Number.isFinite(flat) ? `flat ${flat}${NBSP}%`
        : src?.smiles ? `smile, ${Object.keys(src.smiles).length} expiries` : typeof src?.iv === "number" ? `flat ${Math.round(src.iv * 1000) / 10}${NBSP}%` : DASH);
    }
    const source = $("market-source");
    source.textContent = imported ? `imported: ${imported.market.asOf}` : "embedded snapshot; edit to override";
  }

  /** The request's market, or undefined for the embedded default. Bad typed numbers go as NaN: the
   * engine refuses them at their path (`market.underlyings.BTC.index`), which the page shows. */
  function market() {
    if (!dirty) return composed;
    dirty = false;
    const edited = Object.keys(indexEdits).length || Object.keys(volEdits).length || Object.keys(added).length
      || Object.keys(futuresEdits).length || Object.keys(skewEdits).length;
    const shifted = shift.spot !== 0 || shift.vol !== 0;
    if (!imported && !edited && !shifted) { composed = undefined; return composed; }
    const numbers = (texts, f = (x) => x) => Object.fromEntries(Object.entries(texts).map(([u, t]) => [u, f(typedNumber(t))]));
    const add = {};
    for (const [u, a] of Object.entries(added)) {
      add[u] = { index: typedNumber(a.index) };
      const vol = typedNumber(a.vol);
      if (vol !== null) add[u].iv = percentOf(vol);
    }
    const futures = Object.fromEntries(Object.entries(futuresEdits).map(([u, marks]) => [u, numbers(marks)]));
    // the page's skew, vol points for a strike 10 % down, as the package's tilt of ln(K/S): −pts/100/0.1
    const skew = numbers(skewEdits, (x) => (x === null ? null : -x / 10));
    composed = editMarket(imported?.market ?? base, { index: numbers(indexEdits), iv: numbers(volEdits, percentOf), add, futures, skew });
    if (shifted) composed = shiftMarket(composed, { spot: shift.spot / 100, vol: shift.vol / 100 });
    return composed;
  }
  const percentOf = (x) => (x === null ? null : x / 100);

  /** Collateral for `account.collateral`, or null when none is entered. */
  function collateralInput() {
    const out = {};
    for (const [ccy, text] of Object.entries(collateral)) {
      const x = typedNumber(text);
      if (x !== null) out[ccy] = x;
    }
    return Object.keys(out).length ? out : null;
  }

  // ── add an underlying ──
  const addForm = $("add-underlying");
  addForm.addEventListener("submit", (e) => {
    e.preventDefault();
    const nameInput = $("add-underlying-name");
    const name = nameInput.value.trim().toUpperCase();
    nameInput.removeAttribute("aria-invalid");
    if (!UNDERLYING_NAME.test(name)) {
      nameInput.setAttribute("aria-invalid", "true");
      importStatus(`"${nameInput.value}" is not a coin name (2 to 10 capital letters or digits, e.g. XRP).`, true);
      return;
    }
    added[name] = { index: $("add-underlying-index").value, vol: $("add-underlying-vol").value };
    delete indexEdits[name];
    delete volEdits[name];
    for (const id of ["add-underlying-name", "add-underlying-index", "add-underlying-vol"]) $(id).value = "";
    refresh();
    changed();
  });

  // ── import ──
  const importText = $("market-import");
  const status = $("market-import-status");
  function importStatus(text, bad = false) {
    status.textContent = text;
    status.classList.toggle("bad", bad);
  }
  async function runImport(text) {
    if (!text.trim()) { importStatus("Paste a response first.", true); return; }
    importStatus("Reading…");
    importText.removeAttribute("aria-invalid");
    try {
      const m = await importMarket(text);
      imported = { market: mergeInto(m) };
      indexEdits = {};
      volEdits = {};
      futuresEdits = {};
      skewEdits = {};
      const names = Object.keys(m.underlyings ?? {});
      importStatus(`Imported ${names.join(", ")} at ${m.asOf}: ${m.description}`);
      $("import-box").dataset.imported = names.join(" ");
      refresh();
      changed();
    } catch (e) {
      importText.setAttribute("aria-invalid", "true");
      importStatus(`Not imported: ${e?.code ? `${e.code}: ` : ""}${e?.message ?? e}`, true);
    }
  }
  /** The imported currencies replace theirs; the others keep the snapshot's data (the package's
   * mergeMarkets; the engine values them at the import's time). */
  const mergeInto = (m) => mergeMarkets(base, m);
  $("market-import-button").addEventListener("click", () => runImport(importText.value));
  importText.addEventListener("paste", () => setTimeout(() => runImport(importText.value), 0));
  importText.addEventListener("dragover", (e) => { e.preventDefault(); importText.classList.add("drop"); });
  importText.addEventListener("dragleave", () => importText.classList.remove("drop"));
  importText.addEventListener("drop", async (e) => {
    e.preventDefault();
    importText.classList.remove("drop");
    const file = e.dataTransfer?.files?.[0];
    const text = file ? await file.text() : e.dataTransfer?.getData("text") ?? "";
    importText.value = text.length > 20000 ? `${text.slice(0, 20000)}\n…` : text;
    runImport(text);
  });
  $("market-import-file").addEventListener("change", async (e) => {
    const file = e.target.files?.[0];
    if (!file) return;
    const text = await file.text();
    importText.value = text.length > 20000 ? `${text.slice(0, 20000)}\n…` : text;
    runImport(text);
  });
  $("market-reset").addEventListener("click", () => {
    imported = null;
    indexEdits = {};
    volEdits = {};
    futuresEdits = {};
    skewEdits = {};
    added = {};
    delete $("import-box").dataset.imported;
    importStatus("Back to the embedded snapshot.");
    refresh();
    changed();
  });

  // ── spot and vol sliders ──
  const sliders = { spot: $("spot-shift"), vol: $("vol-shift") };
  const showShift = () => {
    for (const [k, el] of Object.entries(sliders)) {
      el.value = String(shift[k]);
      $(`${k}-shift-out`).textContent = `${shift[k] > 0 ? "+" : ""}${shift[k]}${NBSP}%`.replace("-", "\u2212");
    }
  };
  for (const [k, el] of Object.entries(sliders)) {
    el.addEventListener("input", () => { shift = { ...shift, [k]: Number(el.value) }; showShift(); changed(); });
  }

  // ── live mode (opt-in): the same import, from the venue's public endpoint every few seconds ──
  const LIVE_URL = "https://www.deribit.com/api/v2/public/get_book_summary_by_currency?currency=";
  const LIVE_CURRENCIES = ["BTC", "ETH"];
  const LIVE_EVERY_MS = 10000;
  const liveBox = $("market-live");
  const liveStatus = $("market-live-status");
  let liveTimer = 0;
  let liveRun = 0;
  async function liveOnce(run) {
    try {
      // nothing of the book goes out: a GET of public data, no cookie, no referrer
      const texts = await Promise.all(LIVE_CURRENCIES.map(async (c) => {
        const r = await fetch(LIVE_URL + c, { credentials: "omit", referrerPolicy: "no-referrer", cache: "no-store", mode: "cors" });
        if (!r.ok) throw new Error(`HTTP ${r.status} for ${c}`);
        return r.text();
      }));
      if (run !== liveRun) return;
      const m = await importMarket(`[${texts.join(",")}]`);
      if (run !== liveRun) return;
      imported = { market: mergeInto(m) };
      indexEdits = {};
      volEdits = {};
      futuresEdits = {};
      skewEdits = {};
      liveStatus.textContent = `Live: Deribit data of ${m.asOf} (${Object.keys(m.underlyings).join(", ")}); next in ${LIVE_EVERY_MS / 1000}${NBSP}s.`;
      liveStatus.classList.remove("bad");
      liveStatus.dataset.asOf = m.asOf;
      refreshRows();
      changed();
    } catch (e) {
      if (run !== liveRun) return;
      liveStatus.textContent = `Live: no update (${e?.code ? `${e.code}: ` : ""}${e?.message ?? e}); the figures use the last market. Retrying in ${LIVE_EVERY_MS / 1000}${NBSP}s.`;
      liveStatus.classList.add("bad");
    }
    if (run === liveRun) liveTimer = setTimeout(() => liveOnce(run), LIVE_EVERY_MS);
  }
  liveBox.addEventListener("change", () => {
    clearTimeout(liveTimer);
    liveRun += 1;
    if (liveBox.checked) { liveStatus.textContent = "Live: asking Deribit…"; liveOnce(liveRun); }
    else { liveStatus.textContent = "Live off: the market stays as last loaded."; delete liveStatus.dataset.asOf; }
  });
  const refreshRows = () => { shownRows = ""; renderMarketTable(); renderCollateral(); };

  function refresh() {
    showShift();
    shownRows = "";
    shownCurrencies = "";
    renderMarketTable();
    renderCollateral();
  }
  refresh();

  return {
    collateral: collateralInput,
    market,
    showCurrent,
    /** What is kept in this browser and in a copied link (as typed; an import is not kept). */
    state: () => ({ collateral, indexEdits, volEdits, added, ...(Object.keys(futuresEdits).length ? { futuresEdits } : {}),
      ...(Object.keys(skewEdits).length ? { skewEdits } : {}), ...(shift.spot || shift.vol ? { shift } : {}) }),
    restore(state) {
      const obj = (x) => (x && typeof x === "object" && !Array.isArray(x) ? x : {});
      const texts = (x) => Object.fromEntries(Object.entries(obj(x)).filter(([k, v]) => UNDERLYING_NAME.test(k) && typeof v === "string"));
      collateral = texts(state?.collateral);
      indexEdits = texts(state?.indexEdits);
      volEdits = texts(state?.volEdits);
      skewEdits = texts(state?.skewEdits);
      const DATE = /^\d{4}-\d{2}-\d{2}$/;
      futuresEdits = Object.fromEntries(Object.entries(obj(state?.futuresEdits)).filter(([k]) => UNDERLYING_NAME.test(k))
        .map(([k, v]) => [k, Object.fromEntries(Object.entries(obj(v)).filter(([d, t]) => DATE.test(d) && typeof t === "string"))])
        .filter(([, v]) => Object.keys(v).length));
      added = Object.fromEntries(Object.entries(obj(state?.added)).filter(([k, v]) => UNDERLYING_NAME.test(k) && v && typeof v === "object")
        .map(([k, v]) => [k, { index: String(v.index ?? ""), vol: String(v.vol ?? "") }]));
      const sh = obj(state?.shift);
      const pctIn = (x, lo, hi) => (Number.isFinite(x) ? Math.min(hi, Math.max(lo, x)) : 0);
      shift = { spot: pctIn(sh.spot, -30, 30), vol: pctIn(sh.vol, -50, 100) };
      dirty = true;
      refresh();
    },
    /** Mark the input a request path names (`account.collateral.BTC`, `market.underlyings.BTC.index`). */
    markPath(path) {
      for (const el of document.querySelectorAll("#collateral-fields input, #market-table input")) if (el.hasAttribute("aria-invalid")) el.removeAttribute("aria-invalid");
      const m = /^account\.collateral\.([A-Z0-9]+)$/.exec(path ?? "") ?? null;
      if (m) { $(`collateral-${m[1]}`)?.setAttribute("aria-invalid", "true"); return; }
      const f = /^market\.underlyings\.([A-Z0-9]+)\.futures\.(\d{4}-\d{2}-\d{2})/.exec(path ?? "");
      if (f) { $(`market-future-${f[1]}-${f[2]}`)?.setAttribute("aria-invalid", "true"); return; }
      const u = /^market\.underlyings\.([A-Z0-9]+)\.(index|iv|smiles)/.exec(path ?? "");
      if (u) $(`market-${u[2] === "index" ? "index" : u[2] === "smiles" ? "skew" : "vol"}-${u[1]}`)?.setAttribute("aria-invalid", "true");
    },
  };
}
