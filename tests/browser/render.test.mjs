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
