// The page's market panel (futures marks and skew per underlying), its big-book table (virtualised:
// only the visible rows in the DOM) and its incremental rendering (an edit touches the figures that
// changed, the pool cards stay), in headless Chromium; every figure checked against the package in node.
//   node --test tests/browser/render.test.mjs
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { editMarket } from "../../pkg/market-edit.js";
import { pm, browser, openPage as open, errorsOf, revision, recomputed, setBook, valueOf, closeRel } from "./harness.mjs";

const b = browser("render", { width: 1440, height: 900 });
const openPage = (o = {}) => open(b, o);
async function fillAndWait(page, selector, value) {
  const r0 = await revision(page);
  await page.fill(selector, value);
  await recomputed(page, r0);
}

const BOOK = "BTC-26MAR27 -150000\nBTC-25DEC26-80000-P -10\nBTC-25DEC26-120000-C -10\nETH-25DEC26-3600-C -5";

describe("market panel: futures and skew", () => {
  test("a futures mark and a skew edit change the figures to the package's on the same edited market", async () => {
    const { page, problems } = await openPage();
    try {
      await setBook(page, BOOK);
      const before = await valueOf(page, "pool-initial-BTC");
      await page.click('[data-testid="market-futures-BTC"]');
      await fillAndWait(page, '[data-testid="market-future-BTC-2027-03-26"]', "99000");
      const base = pm.defaultMarket();
      const m1 = editMarket(base, { futures: { BTC: { "2027-03-26": 99000 } } });
      const r1 = pm.computeReport({ positions: BOOK, model: "deribit-pm", market: m1 });
      const after = await valueOf(page, "pool-initial-BTC");
      assert.notEqual(after, before, "the futures edit changes the BTC pool's margin");
      assert.ok(closeRel(after, r1.margin.pools.find((p) => p.pool === "BTC").initial));
      assert.ok(closeRel(await valueOf(page, "total-initial-usd"), r1.margin.totalUsd.initial));

      // skew: 5 vol points for a strike 10 % down is the package's tilt −0.5 of ln(K/S)
      await fillAndWait(page, '[data-testid="market-skew-BTC"]', "5");
      const m2 = editMarket(base, { futures: { BTC: { "2027-03-26": 99000 } }, skew: { BTC: -0.5 } });
      const r2 = pm.computeReport({ positions: BOOK, model: "deribit-pm", market: m2 });
      assert.ok(closeRel(await valueOf(page, "total-initial-usd"), r2.margin.totalUsd.initial));
      assert.notEqual(r2.margin.totalUsd.initial, r1.margin.totalUsd.initial);
      assert.match(await page.textContent("#market-volnow-BTC"), /skew \+5/);
      // a flat vol with a skew: a smile at each futures expiry, which the engine accepts
      await fillAndWait(page, '[data-testid="market-vol-ETH"]', "60");
      await fillAndWait(page, '[data-testid="market-skew-ETH"]', "-2");
      const m3 = editMarket(base, { futures: { BTC: { "2027-03-26": 99000 } }, skew: { BTC: -0.5, ETH: 0.2 }, iv: { ETH: 0.6 } });
      const r3 = pm.computeReport({ positions: BOOK, model: "deribit-pm", market: m3 });
      assert.equal(await page.getAttribute("#app", "data-result"), "ok");
      assert.ok(closeRel(await valueOf(page, "pool-initial-ETH"), r3.margin.pools.find((p) => p.pool === "ETH").initial));
      // a mark the engine refuses is marked at its input, by the engine's path
      await fillAndWait(page, '[data-testid="market-future-BTC-2027-03-26"]', "-5");
      assert.equal(await page.getAttribute("#app", "data-result"), "error");
      assert.equal(await page.getAttribute('[data-testid="market-future-BTC-2027-03-26"]', "aria-invalid"), "true");
      assert.match(await page.textContent('[data-testid="errors"]'), /futures/);
      // the edits are kept in this browser: a reload restores them
      await fillAndWait(page, '[data-testid="market-future-BTC-2027-03-26"]', "99000");
      await page.waitForTimeout(400);
      await page.reload();
      await page.waitForSelector('#app[data-state="ready"]');
      assert.equal(await page.inputValue('[data-testid="market-future-BTC-2027-03-26"]'), "99000");
      assert.equal(await page.inputValue('[data-testid="market-skew-BTC"]'), "5");
      assert.ok(closeRel(await valueOf(page, "total-initial-usd"), r3.margin.totalUsd.initial));
      assert.deepEqual(errorsOf(problems), []);
    } finally {
      await page.close();
    }
  });
});

/** A valid book of `n` lines over a few instruments (quantities vary, so the rows differ). */
function bigBook(n) {
  const names = ["BTC-25DEC26-100000-C", "BTC-25DEC26-85000-P", "ETH-25DEC26-3600-C", "BTC-PERPETUAL", "SOL_USDC-29JAN27-260-C", "ETH-26MAR27-3000-P"];
  return Array.from({ length: n }, (_, i) => `${names[i % names.length]} ${names[i % names.length].endsWith("PERPETUAL") ? `${(i % 13) + 1}000USD` : (i % 2 ? 1 : -1) * ((i % 9) + 1)}`).join("\n");
}

describe("the positions table of a big book", () => {
  test("virtualised: a 2 000-line book keeps few rows in the DOM; scrolling (keyboard or wheel) shows later rows, as the report has them", async () => {
    const { page, problems } = await openPage();
    try {
      const text = bigBook(2000);
      await setBook(page, text);
      const report = pm.computeReport({ positions: text, model: "deribit-pm" });
      assert.equal(report.positions.length, 2000);
      const rows = () => page.$$eval("#positions-table tbody tr[data-line]", (trs) => trs.map((tr) => ({
        line: Number(tr.dataset.line), index: Number(tr.getAttribute("aria-rowindex")), instrument: tr.children[1].textContent, qty: tr.children[2].textContent })));
      let shown = await rows();
      assert.ok(shown.length >= 10 && shown.length < 100, `${shown.length} rows in the DOM for 2 000 positions`);
      assert.equal(shown[0].line, 1);
      assert.equal(await page.getAttribute("#positions-table", "aria-rowcount"), "2001");
      // every row is 28 px: the spacers stand for the others, so the box scrolls the whole book's height
      const geometry = await page.$eval("#positions-table", (t) => ({ row: t.querySelector("tbody tr[data-line]").getBoundingClientRect().height,
        height: t.getBoundingClientRect().height, box: t.closest(".scroll").clientHeight, tabindex: t.closest(".scroll").getAttribute("tabindex") }));
      assert.ok(Math.abs(geometry.row - 28) < 0.5, `row height ${geometry.row}`);
      assert.ok(geometry.height > 2000 * 28 && geometry.height < 2000 * 28 + 200, `table height ${geometry.height}`);
      assert.ok(geometry.box < 700, "the table scrolls in its own box");
      assert.equal(geometry.tabindex, "0", "the box is a tab stop");

      // the keyboard: focus the box, End goes to the last rows
      await page.focus('#positions-table');
      await page.$eval("#positions-table", (t) => t.closest(".scroll").focus());
      await page.keyboard.press("End");
      await page.waitForFunction(() => [...document.querySelectorAll("#positions-table tbody tr[data-line]")].some((tr) => tr.dataset.line === "2000"));
      shown = await rows();
      assert.ok(shown.length < 100);
      const last = shown.find((r) => r.line === 2000);
      assert.equal(last.instrument, report.positions[1999].instrument);
      assert.equal(last.index, 2001);
      // a scroll to the middle shows the rows there, visible in the box
      await page.$eval("#positions-table", (t) => { t.closest(".scroll").scrollTop = 1000 * 28; });
      await page.waitForFunction(() => [...document.querySelectorAll("#positions-table tbody tr[data-line]")].some((tr) => tr.dataset.line === "1005"));
      const visible = await page.$eval("#positions-table", (t) => {
        const box = t.closest(".scroll").getBoundingClientRect();
        return [...t.querySelectorAll("tbody tr[data-line]")].filter((tr) => { const r = tr.getBoundingClientRect(); return r.top >= box.top && r.bottom <= box.bottom; })
          .map((tr) => Number(tr.dataset.line));
      });
      assert.ok(visible.length >= 5, `${visible.length} rows visible`);
      assert.ok(visible.every((l) => l > 990 && l < 1040), `the rows in view are those of the scroll: ${visible[0]}…${visible.at(-1)}`);
      for (const l of visible) {
        const r = (await rows()).find((x) => x.line === l);
        assert.equal(r.instrument, report.positions[l - 1].instrument);
      }
      // an edit keeps the scroll place and updates the rows in view
      const r0 = await revision(page);
      await page.$eval("#positions", (ta) => { ta.value = ta.value.replace(/^(\S+) \S+$/m, "$1 -7"); ta.dispatchEvent(new Event("input")); });
      await recomputed(page, r0);
      assert.ok((await rows()).some((x) => x.line === 1005));
      // a small book again: every row, no spacers
      await setBook(page, pm.samplePositions());
      const small = pm.computeReport({ positions: pm.samplePositions(), model: "deribit-pm" });
      assert.equal(await page.$$eval("#positions-table tbody tr", (trs) => trs.length), small.positions.length);
      assert.equal(await page.getAttribute("#positions-table", "aria-rowcount"), null);
      assert.deepEqual(errorsOf(problems), []);
    } finally {
      await page.close();
    }
  });
});

describe("incremental rendering", () => {
  test("an edit of one BTC line touches the BTC figures only: the pool cards and the Greeks' rows keep their elements", async () => {
    const { page, problems } = await openPage();
    try {
      await setBook(page, pm.samplePositions());
      // mark the elements, and watch the ETH pool card and the ETH Greeks row for any change
      await page.evaluate(() => {
        window.__keep = {
          btcCard: document.querySelector('.pool[data-pool="BTC"]'),
          btcInitial: document.querySelector('[data-testid="pool-initial-BTC"]'),
          btcWorst: document.querySelector('.pool[data-pool="BTC"] td.worst'),
          ethCard: document.querySelector('.pool[data-pool="ETH"]'),
          greeksBtc: document.querySelector('#greeks tr[data-underlying="BTC"]'),
          total: document.querySelector('[data-testid="total-initial-usd"]'),
        };
        window.__mutations = [];
        const watch = (el, label) => new MutationObserver((ms) => window.__mutations.push(...ms.map((m) => `${label} ${m.type}`)))
          .observe(el, { subtree: true, childList: true, attributes: true, characterData: true });
        watch(document.querySelector('.pool[data-pool="ETH"]'), "ETH card");
        watch(document.querySelector('#greeks tr[data-underlying="ETH"]'), "ETH greeks");
        window.__btcMutations = 0;
        new MutationObserver((ms) => { window.__btcMutations += ms.length; })
          .observe(document.querySelector('.pool[data-pool="BTC"]'), { subtree: true, childList: true, attributes: true, characterData: true });
      });
      const before = await valueOf(page, "pool-initial-BTC");
      const text = pm.samplePositions().replace("BTC-25DEC26-100000-C        -10", "BTC-25DEC26-100000-C        -12");
      assert.notEqual(text, pm.samplePositions());
      await setBook(page, text);
      const expected = pm.computeReport({ positions: text, model: "deribit-pm" });
      const after = await valueOf(page, "pool-initial-BTC");
      assert.notEqual(after, before);
      assert.ok(closeRel(after, expected.margin.pools.find((p) => p.pool === "BTC").initial));
      const kept = await page.evaluate(() => ({
        btcCard: window.__keep.btcCard === document.querySelector('.pool[data-pool="BTC"]'),
        btcInitial: window.__keep.btcInitial === document.querySelector('[data-testid="pool-initial-BTC"]'),
        btcWorst: window.__keep.btcWorst.isConnected,
        ethCard: window.__keep.ethCard === document.querySelector('.pool[data-pool="ETH"]'),
        greeksBtc: window.__keep.greeksBtc === document.querySelector('#greeks tr[data-underlying="BTC"]'),
        total: window.__keep.total === document.querySelector('[data-testid="total-initial-usd"]'),
        mutations: window.__mutations,
        btcMutations: window.__btcMutations,
        btcCells: document.querySelectorAll('.pool[data-pool="BTC"] *').length,
      }));
      assert.deepEqual(kept.mutations, [], "nothing of the ETH card or the ETH Greeks changed");
      for (const k of ["btcCard", "btcInitial", "btcWorst", "ethCard", "greeksBtc", "total"]) assert.ok(kept[k], `${k} is the same element`);
      assert.ok(kept.btcMutations > 0 && kept.btcMutations < kept.btcCells, `${kept.btcMutations} changes in the BTC card of ${kept.btcCells} elements`);
      // and the figures are the package's
      assert.ok(closeRel(await valueOf(page, "total-initial-usd"), expected.margin.totalUsd.initial));
      assert.ok(closeRel(await valueOf(page, "net-delta-BTC"), expected.greeks.BTC.delta));
      // the hedge buttons of a patched card still add the current hedge
      const hedge = expected.margin.pools.find((p) => p.pool === "BTC").hedge;
      const r0 = await revision(page);
      await page.click('[data-testid="hedge-suggest-BTC"]');
      await recomputed(page, r0);
      assert.ok(closeRel(await valueOf(page, "pool-initial-BTC"), hedge.initialAfter, 1e-4));
      assert.deepEqual(errorsOf(problems), []);
    } finally {
      await page.close();
    }
  });
});

describe("the payoff chart (uPlot)", () => {
  for (const [viewport, colorScheme] of [[{ width: 1440, height: 900 }, "light"], [{ width: 1440, height: 900 }, "dark"], [{ width: 390, height: 844 }, "dark"]]) {
    test(`a canvas per underlying at ${viewport.width} px, ${colorScheme}: inside its figure, the index and breakevens marked`, async () => {
      const { page, problems } = await openPage({ viewport, colorScheme });
      try {
        await page.waitForFunction(() => document.querySelectorAll("figure.payoff .uplot canvas").length === document.querySelectorAll("figure.payoff").length
          && document.querySelectorAll("figure.payoff").length > 0, null, { timeout: 30000 });
        const charts = await page.$$eval("figure.payoff", (figs) => figs.map((f) => {
          const fig = f.getBoundingClientRect();
          const canvas = f.querySelector(".uplot canvas").getBoundingClientRect();
          return { u: f.dataset.underlying, inside: canvas.left >= fig.left - 0.5 && canvas.right <= fig.right + 0.5, width: canvas.width,
            index: f.querySelectorAll(".mark.index").length, breakevens: f.querySelectorAll(".mark.breakeven").length };
        }));
        assert.deepEqual(charts.map((c) => c.u), ["BTC", "ETH", "SOL"]);
        for (const c of charts) {
          assert.ok(c.inside && c.width >= 240, `${c.u}: canvas ${c.width} px inside its figure`);
          assert.equal(c.index, 1, `${c.u}: the index marked`);
          assert.ok(c.breakevens >= 1, `${c.u}: breakevens marked`);
        }
        assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), viewport.width, "the page does not scroll sideways");
        assert.deepEqual(errorsOf(problems), []);
      } finally {
        await page.close();
      }
    });
  }

  test("the account block and the method panel are patched, not rebuilt: an edit keeps their elements", async () => {
    const { page, problems } = await openPage();
    try {
      await setBook(page, BOOK);
      await fillAndWait(page, '[data-testid="collateral-BTC"]', "20");
      await page.evaluate(() => {
        window.__acct = {
          article: document.querySelector('#account article[data-currency="BTC"]'),
          equity: document.querySelector('[data-testid="equity-BTC"]'),
          method: document.querySelector("#method ul.method"),
        };
        window.__methodMutations = 0;
        new MutationObserver((ms) => { window.__methodMutations += ms.length; })
          .observe(document.querySelector("#method"), { subtree: true, childList: true, attributes: true, characterData: true });
      });
      const before = await valueOf(page, "equity-BTC");
      const text = BOOK.replace("BTC-25DEC26-80000-P -10", "BTC-25DEC26-80000-P -12");
      await setBook(page, text);
      const expected = pm.computeReport({ positions: text, model: "deribit-pm", account: { collateral: { BTC: 20 } } });
      const account = expected.account.accounts.find((a) => a.currency === "BTC");
      assert.ok(closeRel(await valueOf(page, "equity-BTC"), account.equity), "equity is the package's");
      assert.notEqual(await valueOf(page, "equity-BTC"), before);
      const kept = await page.evaluate(() => ({
        article: window.__acct.article === document.querySelector('#account article[data-currency="BTC"]'),
        equity: window.__acct.equity === document.querySelector('[data-testid="equity-BTC"]'),
        method: window.__acct.method === document.querySelector("#method ul.method"),
        methodMutations: window.__methodMutations,
      }));
      assert.ok(kept.article && kept.equity, "the account's elements are kept");
      assert.ok(kept.method, "the method list is kept");
      assert.equal(kept.methodMutations, 0, "the method panel did not change: same model, same parameters");
      assert.deepEqual(errorsOf(problems), []);
    } finally {
      await page.close();
    }
  });
});
