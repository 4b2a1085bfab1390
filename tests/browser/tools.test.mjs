// The page as the tool (issue #15), in headless Chromium: collateral → the account, a what-if order's
// impact, the market panel (an edited index, an added underlying, a Deribit import), the risk
// matrix's cell detail on tap and focus, the hedge button, the "how it is computed" panel, and
// screenshots at desktop and phone sizes in both themes (saved in tmp/, looked at by a person).
// Every figure is checked against the package computing the same request in node.
//   node --test tests/browser/tools.test.mjs
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
import { chromium } from "playwright-core";
import { startServer } from "../../scripts/serve.mjs";
import { pm, full, root, browser, openPage as open, errorsOf, revision, recomputed, setBook, valueOf, closeRel } from "./harness.mjs";

const FIXTURE = readFileSync(new URL("../fixtures/deribit-book-summary-btc.json", import.meta.url), "utf8");
const FIXTURE_ETH = readFileSync(new URL("../fixtures/deribit-book-summary-eth.json", import.meta.url), "utf8");
const b = browser("tools", { width: 1440, height: 900 });
const requests = b.requests;
const openPage = (o = {}) => open(b, o);
async function fillAndWait(page, selector, value) {
  const r0 = await revision(page);
  await page.fill(selector, value);
  await recomputed(page, r0);
}
const byTestId = (page, id) => page.$(`[data-testid="${id}"]`);

const BOOK = "BTC-25DEC26-100000-C -10\nBTC-PERPETUAL 250000\nETH-25DEC26-3600-C -5";

describe("the page as the tool", () => {
  test("collateral per currency → equity, margin ratio, available funds and liquidation prices", async () => {
    const { page, problems } = await openPage();
    try {
      await setBook(page, BOOK);
      assert.match(await page.textContent("#account"), /Enter collateral/);
      await fillAndWait(page, '[data-testid="collateral-BTC"]', "2");
      await fillAndWait(page, '[data-testid="collateral-ETH"]', "10");
      const expected = pm.computeReport({ positions: BOOK, model: "deribit-pm", account: { collateral: { BTC: 2, ETH: 10 } } }).account;
      const btc = expected.accounts.find((a) => a.currency === "BTC");
      const eth = expected.accounts.find((a) => a.currency === "ETH");
      assert.ok(closeRel(await valueOf(page, "equity-BTC"), btc.equity), "BTC equity");
      assert.ok(closeRel(await valueOf(page, "equity-ETH"), eth.equity), "ETH equity");
      assert.ok(closeRel(await valueOf(page, "margin-ratio-BTC"), btc.marginRatio));
      assert.ok(closeRel(await valueOf(page, "available-BTC"), btc.availableFunds));
      assert.ok(btc.liquidation.BTC.down > 0 && btc.liquidation.BTC.up > 0, "the package finds both crossings");
      assert.ok(closeRel(await valueOf(page, "liquidation-BTC-down"), btc.liquidation.BTC.down));
      assert.ok(closeRel(await valueOf(page, "liquidation-BTC-up"), btc.liquidation.BTC.up));
      // shown as text, in words, with the USD figure
      assert.match(await page.textContent('[data-testid="liquidation-BTC-down"]'), /^\d{2},\d{3} USD$/);
      assert.match(await page.textContent('.account[data-currency="BTC"] .liquidation'), /Liquidation if the BTC index goes below .* or above /);
      assert.match(await page.textContent('.account[data-currency="BTC"] header'), /closest to liquidation/);
      // a bad amount is the engine's error, at its input
      await fillAndWait(page, '[data-testid="collateral-BTC"]', "1e400");
      assert.equal(await page.getAttribute("#app", "data-result"), "error");
      assert.equal(await page.getAttribute('[data-testid="collateral-BTC"]', "aria-invalid"), "true");
      assert.match(await page.textContent('[data-testid="errors"]'), /account\.collateral\.BTC/);
      await fillAndWait(page, '[data-testid="collateral-BTC"]', "2");
      assert.equal(await page.getAttribute("#app", "data-result"), "ok");
      assert.deepEqual(errorsOf(problems), []);
    } finally {
      await page.close();
    }
  });

  test("an order shows its margin impact as it is typed (RiskSession)", async () => {
    const { page, problems } = await openPage();
    try {
      await setBook(page, BOOK);
      await page.fill('[data-testid="collateral-BTC"]', "2");
      await page.focus('[data-testid="order"]');
      await page.keyboard.type("BTC-PERPETUAL -50000");
      await page.waitForFunction(() => document.querySelector('[data-testid="impact-initial-usd"]'));
      const request = { positions: BOOK, model: "deribit-pm", account: { collateral: { BTC: 2 } } };
      const impact = pm.marginImpact(request, "BTC-PERPETUAL -50000");
      await page.waitForFunction((x) => Math.abs(Number(document.querySelector('[data-testid="impact-initial-usd"]').dataset.value) - x) < 1e-6 * Math.max(1, Math.abs(x)),
        impact.change.initial);
      assert.ok(Math.abs(impact.change.initial) > 1, "the order changes the margin");
      assert.ok(closeRel(await valueOf(page, "impact-maintenance-usd"), impact.change.maintenance));
      const text = await page.textContent("#order-result");
      assert.ok(text.includes("Before") && text.includes("After"), text);
      // a bad order says why, the book's figures stay
      await page.fill('[data-testid="order"]', "BTC-32DEC26-1-C 1");
      await page.waitForSelector("#order-result .order-error");
      assert.match(await page.textContent("#order-result"), /unknown instrument/);
      assert.equal(await page.getAttribute("#app", "data-result"), "ok");
      assert.deepEqual(errorsOf(problems), []);
    } finally {
      await page.close();
    }
  });

  test("the market panel: an edited index, an added underlying for XRP_USDC lines", async () => {
    const { page, problems } = await openPage();
    try {
      await setBook(page, BOOK);
      await fillAndWait(page, '[data-testid="market-index-BTC"]', "95000");
      const market = pm.defaultMarket();
      // an edited index moves the futures with it (market-edit.js: each expiry keeps its basis)
      for (const d of Object.keys(market.underlyings.BTC.futures)) market.underlyings.BTC.futures[d] *= 95000 / 94250;
      market.underlyings.BTC.index = 95000;
      const expected = pm.computeReport({ positions: BOOK, model: "deribit-pm", market });
      assert.ok(closeRel(await valueOf(page, "total-initial-usd"), expected.margin.totalUsd.initial));
      assert.match(await page.textContent("#summary .meta"), /BTC 95,000/);

      // XRP is not in the snapshot: the engine asks for it, the panel adds it
      const r0 = await revision(page);
      await page.fill("#positions", BOOK + "\nXRP_USDC-PERPETUAL 1000");
      await recomputed(page, r0);
      assert.match(await page.textContent('[data-testid="errors"]'), /XRP/);
      await page.fill('[data-testid="add-underlying-name"]', "xrp");
      await page.fill('[data-testid="add-underlying-index"]', "2.31");
      await page.fill('[data-testid="add-underlying-vol"]', "80");
      const r1 = await revision(page);
      await page.click('[data-testid="add-underlying"]');
      await recomputed(page, r1);
      assert.equal(await page.getAttribute("#app", "data-result"), "ok");
      assert.ok(await byTestId(page, "market-index-XRP"), "an XRP row");
      assert.ok(await byTestId(page, "collateral-XRP"), "XRP collateral can be entered");
      market.underlyings.XRP = { index: 2.31, iv: 0.8 };
      const withXrp = pm.computeReport({ positions: BOOK + "\nXRP_USDC-PERPETUAL 1000", model: "deribit-pm", market });
      assert.ok(closeRel(await valueOf(page, "pool-initial-XRP_USDC"), withXrp.margin.pools.find((p) => p.pool === "XRP_USDC").initial));
      assert.deepEqual(errorsOf(problems), []);
    } finally {
      await page.close();
    }
  });

  test("moving the spot and vol sliders re-stresses the book: the risk matrix changes to the package's", async () => {
    const { page, problems } = await openPage();
    try {
      const cellsOf = () => page.$$eval('.pool[data-pool="BTC"] table.risk-matrix td', (tds) => tds.map((td) => Number(td.dataset.pnl)));
      const before = await cellsOf();
      const r0 = await revision(page);
      await page.focus('[data-testid="spot-shift"]');
      for (let i = 0; i < 10; i++) await page.keyboard.press("ArrowRight"); // as a person drags it: +10 %
      await recomputed(page, r0);
      await page.waitForFunction(() => document.getElementById("spot-shift-out").textContent === "+10\u00a0%");
      await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
      const shifted = await cellsOf();
      const market = pm.defaultMarket();
      for (const u of Object.values(market.underlyings)) {
        u.index *= 1.1;
        for (const d of Object.keys(u.futures ?? {})) u.futures[d] *= 1.1;
      }
      const expected = pm.computeReport({ positions: pm.samplePositions(), model: "deribit-pm", market });
      assert.match(await page.textContent("#summary .meta"), /BTC 103,675/);
      const want = expected.margin.pools.find((p) => p.pool === "BTC").riskMatrix.pnl.flat();
      assert.equal(shifted.length, want.length);
      shifted.forEach((x, i) => assert.ok(closeRel(x, want[i], 1e-9), `cell ${i}: ${x} vs ${want[i]}`));
      assert.ok(shifted.some((x, i) => Math.abs(x - before[i]) > 1e-6), "the matrix changed");
      // vol: +50 % on every vol
      const r1 = await revision(page);
      await page.$eval('[data-testid="vol-shift"]', (el) => { el.value = "50"; el.dispatchEvent(new Event("input", { bubbles: true })); });
      await recomputed(page, r1);
      for (const u of Object.values(market.underlyings)) for (const pts of Object.values(u.smiles ?? {})) for (const pt of pts) pt[1] *= 1.5;
      const volShifted = pm.computeReport({ positions: pm.samplePositions(), model: "deribit-pm", market });
      assert.ok(closeRel(await valueOf(page, "total-initial-usd"), volShifted.margin.totalUsd.initial));
      assert.deepEqual(errorsOf(problems), []);
    } finally {
      await page.close();
    }
  });

  test("importing a recorded Deribit response changes the index (marketFromDeribit in the full build)", async () => {
    const { page, problems } = await openPage();
    try {
      assert.match(await page.textContent("#summary .meta"), /BTC 94,250/);
      await page.click("#import-box summary");
      assert.equal(await page.$eval("#import-box", (d) => d.open), true);
      // as a paste would put it (one input event; page.fill types 120 KB slowly)
      await page.$eval('[data-testid="market-import"]', (el, text) => { el.value = text; el.dispatchEvent(new Event("input", { bubbles: true })); }, FIXTURE);
      const r0 = await revision(page);
      await page.click('[data-testid="market-import-button"]');
      await recomputed(page, r0);
      await page.waitForFunction(() => document.getElementById("import-box").dataset.imported === "BTC");
      const imported = full.marketFromDeribit(FIXTURE);
      assert.equal(imported.underlyings.BTC.index, 91523.47);
      assert.match(await page.textContent("#summary .meta"), /BTC 91,523/);
      assert.match(await page.textContent("#summary .meta"), /2026-12-01/);
      assert.match(await page.textContent("#market-import-status"), /Imported BTC at 2026-12-01T19:59:59\.863Z/);
      // the figures are the package's for the same market: the snapshot with BTC replaced
      const market = pm.defaultMarket();
      market.asOf = imported.asOf;
      market.description = imported.description + "; other underlyings from the base market";
      market.underlyings.BTC = imported.underlyings.BTC;
      const expected = pm.computeReport({ positions: pm.samplePositions(), model: "deribit-pm", market });
      assert.ok(closeRel(await valueOf(page, "total-initial-usd"), expected.margin.totalUsd.initial));
      // a broken response: the reader's message with its JSON path, nothing changes
      await page.fill('[data-testid="market-import"]', '{"jsonrpc":"2.0","result":[{"instrument_name":"BTC-PERPETUAL","creation_timestamp":1,"mark_price":"x"}]}');
      await page.click('[data-testid="market-import-button"]');
      await page.waitForFunction(() => /Not imported/.test(document.getElementById("market-import-status").textContent));
      assert.match(await page.textContent("#market-import-status"), /BAD_REQUEST: result\[0\]\.mark_price: expected a number/);
      assert.match(await page.textContent("#summary .meta"), /BTC 91,523/);
      // back to the snapshot
      const r1 = await revision(page);
      await page.click('[data-testid="market-reset"]');
      await recomputed(page, r1);
      assert.match(await page.textContent("#summary .meta"), /BTC 94,250/);
      assert.deepEqual(errorsOf(problems), []);
      assert.deepEqual(requests.filter((u) => !u.startsWith(b.origin + "/") && !u.startsWith("data:")), [], "nothing leaves the machine");
    } finally {
      await page.close();
    }
  });

  test("live mode is off by default; on, it refreshes from Deribit's public endpoint (a local mock replays recorded responses) and sends no position", async () => {
    const { page, problems } = await openPage();
    try {
      const seen = [];
      // the venue, replayed: Playwright answers every request to it from the recorded-format fixtures
      await page.route("https://www.deribit.com/**", (route) => {
        const req = route.request();
        seen.push({ url: req.url(), method: req.method(), body: req.postData(), headers: req.headers() });
        const currency = new URL(req.url()).searchParams.get("currency");
        route.fulfill({ status: 200, contentType: "application/json", headers: { "access-control-allow-origin": "*" },
          body: currency === "ETH" ? FIXTURE_ETH : FIXTURE });
      });
      await setBook(page, BOOK);
      await page.waitForTimeout(300);
      assert.equal(await page.isChecked('[data-testid="market-live"]'), false, "off by default");
      assert.deepEqual(seen, [], "nothing asked of the venue while live mode is off");
      const r0 = await revision(page);
      await page.check('[data-testid="market-live"]');
      await page.waitForFunction(() => document.querySelector('[data-testid="market-live-status"]').dataset.asOf, null, { timeout: 15000 });
      await recomputed(page, r0);
      assert.match(await page.textContent('[data-testid="market-live-status"]'), /Live: Deribit data of 2026-12-01T19:59:59\.863Z \(BTC, ETH\)/);
      assert.match(await page.textContent("#summary .meta"), /BTC 91,523, ETH 3,013/);
      assert.deepEqual(seen.map((x) => x.url).sort(), ["BTC", "ETH"].map((c) => `https://www.deribit.com/api/v2/public/get_book_summary_by_currency?currency=${c}`));
      for (const x of seen) {
        assert.equal(x.method, "GET");
        assert.equal(x.body ?? null, null, "no body");
        assert.equal(x.headers.cookie, undefined, "no cookie");
        assert.equal(x.headers.referer, undefined, "no referrer");
        assert.ok(!x.url.includes("PERPETUAL") && !x.url.includes("25DEC26"), "no position in the URL");
      }
      // the figures are the package's for the same two responses
      const market = pm.defaultMarket();
      const imported = full.marketFromDeribit(`[${FIXTURE},${FIXTURE_ETH}]`);
      const merged = { ...market, asOf: imported.asOf, underlyings: { ...market.underlyings, ...imported.underlyings } };
      const expected = pm.computeReport({ positions: BOOK, model: "deribit-pm", market: merged });
      assert.ok(closeRel(await valueOf(page, "total-initial-usd"), expected.margin.totalUsd.initial));
      await page.uncheck('[data-testid="market-live"]');
      assert.match(await page.textContent('[data-testid="market-live-status"]'), /Live off/);
      assert.deepEqual(errorsOf(problems), []);
    } finally {
      await page.close();
    }
  });

  test("risk-matrix cells show their detail on tap and on keyboard focus; the worst cell is explained in words", async () => {
    const { page } = await openPage();
    try {
      const report = pm.computeReport({ positions: pm.samplePositions(), model: "deribit-pm" });
      const btc = report.margin.pools.find((p) => p.pool === "BTC");
      const words = await page.textContent('[data-testid="worst-BTC"]');
      assert.match(words, /^Worst case: /);
      assert.ok(words.includes(btc.worstScenario.table === "extended" ? "extended move" : "vol"), words);
      const card = '.pool[data-pool="BTC"]';
      // tap (a click) on a cell that is not the worst
      const cell = await page.$(`${card} table.risk-matrix tbody tr:nth-child(2) td:nth-of-type(1)`);
      const detail = await cell.getAttribute("data-detail");
      await cell.click();
      assert.equal(await page.textContent(`${card} .cell-detail`), detail);
      assert.match(detail, /^−16\s%, vol unchanged: /);
      // keyboard: one tab stop per table, arrows move between cells
      const stops = await page.$$eval(`${card} table.risk-matrix td[tabindex="0"]`, (tds) => tds.length);
      assert.equal(stops, 1);
      await page.focus(`${card} table.risk-matrix td[tabindex="0"]`);
      await page.keyboard.press("ArrowRight");
      const focused = await page.evaluate(() => document.activeElement.dataset.detail);
      assert.ok(focused, "a cell has the focus");
      assert.equal(await page.textContent(`${card} .cell-detail`), focused);
    } finally {
      await page.close();
    }
  });

  test("model parameters: an edited price range and cross mode go to the engine as overrides of the preset", async () => {
    const { page, problems } = await openPage();
    try {
      await setBook(page, BOOK);
      await page.click("#model-params summary");
      assert.equal(await page.getAttribute('[data-testid="model-BTC-priceRange"]', "placeholder"), "16");
      await fillAndWait(page, '[data-testid="model-BTC-priceRange"]', "20");
      const model = { preset: "deribit-pm", overrides: { underlyings: { BTC: { priceRange: 0.2 } } } };
      let expected = pm.computeReport({ positions: BOOK, model });
      assert.ok(closeRel(await valueOf(page, "total-initial-usd"), expected.margin.totalUsd.initial));
      assert.match(await page.textContent("#method"), /BTC R = 20\s%/);
      const r0 = await revision(page);
      await page.check('[data-testid="model-cross"]');
      await recomputed(page, r0);
      model.overrides.mode = "cross";
      expected = pm.computeReport({ positions: BOOK, model });
      assert.ok(closeRel(await valueOf(page, "total-initial-usd"), expected.margin.totalUsd.initial));
      assert.deepEqual(errorsOf(problems), []);
    } finally {
      await page.close();
    }
  });

  test("the suggested hedge is added to the book with one click; the margin falls to the report's figure", async () => {
    const { page } = await openPage();
    try {
      await setBook(page, "BTC-25DEC26-100000-C -10");
      const hedge = pm.computeReport({ positions: "BTC-25DEC26-100000-C -10", model: "deribit-pm" }).margin.pools[0].hedge;
      assert.ok(hedge.saving > 0);
      const r0 = await revision(page);
      await page.click('[data-testid="hedge-suggest-BTC"]');
      await recomputed(page, r0);
      assert.match(await page.inputValue("#positions"), /\nBTC-PERPETUAL -?\d+(\.\d+)?USD {2}# suggested hedge$/);
      assert.ok(closeRel(await valueOf(page, "pool-initial-BTC"), hedge.initialAfter, 1e-4), "IM at the hedge");
      // the summary's button adds every pool's hedge at once
      const two = "BTC-25DEC26-100000-C -10\nETH-25DEC26-3600-C -40";
      await setBook(page, two);
      const pools = pm.computeReport({ positions: two, model: "deribit-pm" }).margin.pools;
      assert.match(await page.textContent("#summary .hedges"), /Suggested hedges: BTC-PERPETUAL .* ETH-PERPETUAL /);
      const r1 = await revision(page);
      await page.click('[data-testid="hedge-suggest"]');
      await recomputed(page, r1);
      for (const p of pools) assert.ok(closeRel(await valueOf(page, `pool-initial-${p.pool}`), p.hedge.initialAfter, 1e-4), `${p.pool} at its hedge`);
      const method = await page.textContent("#method");
      assert.match(method, /BTC R = 16\s%/);
      assert.match(method, /dampener/);
    } finally {
      await page.close();
    }
  });

  test("a copied link carries the collateral and market edits; opening it gives the same figures", async () => {
    const { page } = await openPage();
    try {
      await setBook(page, BOOK);
      await fillAndWait(page, '[data-testid="collateral-BTC"]', "2");
      await fillAndWait(page, '[data-testid="market-index-ETH"]', "3500");
      const initial = await valueOf(page, "total-initial-usd");
      const equity = await valueOf(page, "equity-BTC");
      await b.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: b.origin });
      await page.click("#copy-link");
      await page.waitForFunction(() => document.getElementById("status").textContent.length > 0);
      const link = await page.evaluate(async () => { try { return await navigator.clipboard.readText(); } catch { return location.href; } });
      const other = await b.context.newPage();
      await other.addInitScript(() => localStorage.clear());
      await other.goto(link);
      await other.waitForSelector('#app[data-state="ready"]');
      assert.equal(await other.inputValue('[data-testid="collateral-BTC"]'), "2");
      assert.equal(await other.inputValue('[data-testid="market-index-ETH"]'), "3500");
      assert.equal(await valueOf(other, "total-initial-usd"), initial);
      assert.equal(await valueOf(other, "equity-BTC"), equity);
      await other.close();
      // and a reload keeps it (localStorage)
      await page.reload();
      await page.waitForSelector('#app[data-state="ready"]');
      assert.equal(await valueOf(page, "equity-BTC"), equity);
    } finally {
      await page.close();
    }
  });
});

describe("big books", () => {
  test("a book over 5 000 lines is computed in a worker: the same figures, and its errors with their lines", async () => {
    const cli = fileURLToPath(new URL("target/release/portfolio-margin", root));
    const book = JSON.parse(execFileSync(cli, ["sample", "--generated", "6000"], { encoding: "utf8", maxBuffer: 1 << 26 })).positions;
    const text = typeof book === "string" ? book : book.map((p) => `${p.instrument} ${p.quantity}`).join("\n");
    const { page, problems } = await openPage();
    try {
      const r = await revision(page);
      // as a paste puts it: one input event (page.fill of 200 KB is slow)
      await page.$eval("#positions", (el, t) => { el.value = t; el.dispatchEvent(new Event("input", { bubbles: true })); }, text);
      await recomputed(page, r);
      assert.equal(await page.getAttribute("#app", "data-computed-by"), "worker");
      assert.equal(await page.getAttribute("#app", "data-result"), "ok");
      const expected = pm.computeReport({ positions: text, model: "deribit-pm" });
      assert.ok(closeRel(await valueOf(page, "total-initial-usd"), expected.margin.totalUsd.initial));
      // the main thread's WebAssembly is the margin path only; the big book went to the worker
      const r0 = await revision(page);
      await page.$eval("#positions", (el) => { el.value += "\nBTC-32DEC26-1-C 1"; el.dispatchEvent(new Event("input", { bubbles: true })); });
      await recomputed(page, r0);
      assert.equal(await page.getAttribute("#app", "data-result"), "error");
      assert.match(await page.textContent('[data-testid="errors"]'), new RegExp(`line ${text.split("\n").length + 1}, column 5: unknown instrument`));
      // back under the threshold: on the page again
      await setBook(page, BOOK);
      assert.equal(await page.getAttribute("#app", "data-computed-by"), "page");
      assert.deepEqual(errorsOf(problems), []);
    } finally {
      await page.close();
    }
  });
});

describe("export", () => {
  test("the report exports as JSON and the positions as CSV, saved on this machine", async () => {
    const { page, problems } = await openPage();
    try {
      await setBook(page, BOOK);
      const [json] = await Promise.all([page.waitForEvent("download"), page.click('[data-testid="export-json"]')]);
      assert.equal(json.suggestedFilename(), "portfolio-margin-report.json");
      const report = JSON.parse(readFileSync(await json.path(), "utf8"));
      assert.deepEqual(report, JSON.parse(JSON.stringify(pm.computeReport({ positions: BOOK, model: "deribit-pm" }))));
      const [csv] = await Promise.all([page.waitForEvent("download"), page.click('[data-testid="export-csv"]')]);
      const rows = readFileSync(await csv.path(), "utf8").trim().split("\n");
      assert.equal(rows.length, 1 + report.positions.length);
      assert.match(rows[0], /^line,instrument,pool,quantity,/);
      assert.match(rows[1], /^1,BTC-25DEC26-100000-C,BTC,-10,coin,/);
      assert.deepEqual(errorsOf(problems), []);
    } finally {
      await page.close();
    }
  });
});

describe("offline", () => {
  test("the page reloads offline: the service worker keeps the page and the package", async () => {
    const { page, problems } = await openPage();
    try {
      await page.waitForFunction(() => document.getElementById("app").dataset.offline === "ready", null, { timeout: 20000 });
      await setBook(page, BOOK);
      await page.waitForFunction((t) => JSON.parse(localStorage.getItem("portfolio-margin.book") ?? "null")?.positions === t, BOOK);
      const initial = await valueOf(page, "total-initial-usd");
      // the message with the loaded files has been handled once every one is in the cache
      await page.waitForFunction(async () => {
        const cache = await caches.open("portfolio-margin-v2");
        const urls = performance.getEntriesByType("resource").map((e) => e.name).filter((u) => u.startsWith(location.origin));
        // the hedge build and the chart library, kept at install for the optimiser and the payoff offline
        urls.push(...["/pkg/hedge/portfolio_margin.js", "/pkg/hedge/portfolio_margin_bg.wasm", "/vendor/uPlot.esm.js", "/vendor/uPlot.min.css"].map((u) => location.origin + u));
        return (await Promise.all(urls.map((u) => cache.match(u)))).every(Boolean);
      }, null, { timeout: 20000, polling: 200 });
      await b.context.setOffline(true);
      try {
        await page.reload();
        await page.waitForSelector('#app[data-state="ready"]', { timeout: 20000 });
        assert.equal(await page.inputValue("#positions"), BOOK);
        assert.equal(await valueOf(page, "total-initial-usd"), initial);
        assert.ok(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL.endsWith("/sw.js")));
        assert.equal(await page.getAttribute("#risk", "data-risk-state"), "done", "the risk worker's full build loads offline too");
      } finally {
        await b.context.setOffline(false);
      }
      assert.deepEqual(errorsOf(problems).filter((p) => !/ERR_INTERNET_DISCONNECTED/.test(p)), []);
    } finally {
      await page.close();
    }
  });
});

describe("screens", () => {
  for (const [name, viewport] of [["desktop", { width: 1440, height: 900 }], ["phone", { width: 390, height: 844 }]]) {
    for (const colorScheme of ["light", "dark"]) {
      test(`${name} ${viewport.width}×${viewport.height}, ${colorScheme}: no figure cut off, the worst cells in view; screenshot saved`, async () => {
        const { page, problems } = await openPage({ viewport, colorScheme });
        try {
          await setBook(page, pm.samplePositions());
          await page.fill('[data-testid="collateral-BTC"]', "5");
          await fillAndWait(page, '[data-testid="collateral-ETH"]', "60");
          await page.evaluate(() => new Promise((ok) => setTimeout(ok, 100)));
          const check = await page.evaluate(() => {
            const vw = document.documentElement.clientWidth;
            const out = { pageWidth: document.documentElement.scrollWidth, clipped: [], outside: [], worst: [] };
            const sel = "#summary .tile-value, #summary .tile-label, #account dd, #account dt, #account li, .pool dd, .pool dt, .risk-matrix td, .extended-table td, #greeks td, .impact td, .market-table td";
            for (const el of document.querySelectorAll(sel)) {
              const r = el.getBoundingClientRect();
              if (r.width === 0) continue;
              if (!el.closest(".scroll") && (r.left < -0.5 || r.right > vw + 0.5)) out.outside.push(`${el.tagName} "${el.textContent.slice(0, 30)}"`);
              if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) out.clipped.push(`${el.tagName} "${el.textContent.slice(0, 30)}" ${el.scrollWidth}>${el.clientWidth}`);
            }
            for (const td of document.querySelectorAll("td.worst")) {
              const box = td.closest(".scroll").getBoundingClientRect();
              const r = td.getBoundingClientRect();
              out.worst.push({ pool: td.closest(".pool").dataset.pool, inView: r.left >= box.left - 1 && r.right <= box.right + 1,
                label: getComputedStyle(td, "::before").content });
            }
            // the summary comes before the editor on the page
            out.summaryTop = document.getElementById("summary").getBoundingClientRect().top;
            out.editorTop = document.getElementById("positions").getBoundingClientRect().top;
            return out;
          });
          assert.equal(check.pageWidth, viewport.width, "the page does not scroll sideways");
          assert.deepEqual(check.outside, [], "beyond the screen");
          assert.deepEqual(check.clipped, [], "cut-off figures");
          assert.ok(check.worst.length >= 1);
          for (const w of check.worst) {
            assert.ok(w.inView, `${w.pool}: the worst cell is in view`);
            assert.equal(w.label, '"worst"', `${w.pool}: the worst cell is labelled`);
          }
          if (name === "phone") assert.ok(check.summaryTop < check.editorTop, "the summary comes first on a phone");
          await page.screenshot({ path: fileURLToPath(new URL(`tmp/page-${name}-${colorScheme}.png`, root)), fullPage: true });
          assert.deepEqual(errorsOf(problems), []);
        } finally {
          await page.close();
        }
      });
    }
  }
});
