// "Optimise the hedge" on the page (issue 14's page part), in headless Chromium: the hedge build is
// loaded only when asked, its plan is listed (trades, margin before and after, premium, saving) with the
// figures of `optimizeHedge` computed in node, one click adds every trade to the book and the margin falls
// to the plan's figure; the solver's errors are shown as text.
//   node --test tests/browser/optimize.test.mjs
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as hedge from "../../pkg/hedge/portfolio_margin.js";
import { pm, browser, openPage as open, errorsOf, revision, recomputed, setBook, valueOf, closeRel } from "./harness.mjs";

hedge.initSync({ module: readFileSync(new URL("../../pkg/hedge/portfolio_margin_bg.wasm", import.meta.url)) });

const b = browser("optimize", { width: 1440, height: 900 });
const openPage = (o = {}) => open(b, o);
const STRANGLE = "BTC-25DEC26-110000-C -10\nBTC-25DEC26-80000-P -10\nETH-25DEC26-3600-C -5";
const settled = (page) => page.waitForFunction(() => ["done", "error"].includes(document.getElementById("optimize-panel").dataset.optimizeState), null, { timeout: 30000 });

describe("optimise the hedge", () => {
  test("lists optimizeHedge's trades and figures; one click adds them and the margin falls to the plan's figure", async () => {
    const { page, problems } = await openPage();
    // the page's own requests (the service worker keeps a copy of the hedge build for offline use: not these)
    const pageRequests = [];
    page.on("request", (r) => { if (!r.serviceWorker()) pageRequests.push(r.url()); });
    try {
      await setBook(page, STRANGLE);
      assert.ok(!pageRequests.some((u) => u.includes("/pkg/hedge/")), "the hedge build is not loaded before it is asked for");
      assert.deepEqual(await page.$$eval('[data-testid="hedge-optimize-pool"] option', (os) => os.map((o) => o.value)), ["BTC", "ETH"]);
      await page.selectOption('[data-testid="hedge-optimize-pool"]', "BTC");
      await page.fill('[data-testid="hedge-optimize-budget"]', "0.05");
      await page.click('[data-testid="hedge-optimize"]');
      await settled(page);
      assert.equal(await page.getAttribute("#optimize-panel", "data-optimize-state"), "done");
      assert.ok(pageRequests.some((u) => u.endsWith("/pkg/hedge/portfolio_margin_bg.wasm")), "loaded on demand");

      const plan = hedge.optimizeHedge({ positions: STRANGLE, model: "deribit-pm" }, { pool: "BTC", budget: 0.05 });
      assert.ok(plan.trades.length >= 1 && plan.saving > 0);
      const rows = await page.$$eval('[data-testid="hedge-optimize-trades"] tbody tr', (trs) => trs.map((tr) => ({
        instrument: tr.dataset.instrument, quantity: Number(tr.dataset.quantity), text: tr.textContent })));
      assert.deepEqual(rows.map((r) => [r.instrument, r.quantity]), plan.trades.map((t) => [t.instrument, t.quantity]));
      assert.ok(closeRel(await valueOf(page, "hedge-optimize-before"), plan.initialBefore));
      assert.ok(closeRel(await valueOf(page, "hedge-optimize-after"), plan.initialAfter));
      assert.ok(closeRel(await valueOf(page, "hedge-optimize-saving"), plan.saving));
      assert.ok(closeRel(await valueOf(page, "hedge-optimize-premium"), plan.premium));
      assert.ok(plan.premium <= 0.05 + 1e-12);
      const totalAfter = await valueOf(page, "hedge-optimize-total-after");
      const totalBefore = await valueOf(page, "total-initial-usd");
      assert.ok(totalAfter < totalBefore, `the book's total falls: ${totalBefore} → ${totalAfter}`);

      const r0 = await revision(page);
      await page.click('[data-testid="hedge-optimize-add"]');
      await recomputed(page, r0);
      const book = await page.inputValue("#positions");
      for (const line of plan.orders.split("\n").filter(Boolean)) assert.ok(book.includes(`${line}  # suggested hedge`), `the book has ${line}`);
      assert.ok(closeRel(await valueOf(page, "pool-initial-BTC"), plan.initialAfter), "the pool's IM is the plan's after-figure");
      assert.ok(closeRel(await valueOf(page, "total-initial-usd"), totalAfter), "the total is the reported after-figure");
      // the plan was of the book before: it is dropped, not shown against the new book
      assert.equal(await page.$('[data-testid="hedge-optimize-trades"]'), null);
      // the perpetual hedge button of the summary still works beside it
      assert.ok(await page.$('[data-testid="hedge-suggest-ETH"]'));
      assert.deepEqual(errorsOf(problems), []);
    } finally {
      await page.close();
    }
  });

  test("named candidates: the README's strangle hedged by wings under a budget, as optimizeHedge finds it", async () => {
    const { page, problems } = await openPage();
    try {
      const book = "BTC-25DEC26-110000-C -10\nBTC-25DEC26-80000-P -10";
      const candidates = ["BTC-25DEC26-125000-C", "BTC-25DEC26-70000-P", "BTC-PERPETUAL"];
      await setBook(page, book);
      await page.fill('[data-testid="hedge-optimize-candidates"]', candidates.join(", "));
      await page.fill('[data-testid="hedge-optimize-budget"]', "0.05");
      await page.press('[data-testid="hedge-optimize-budget"]', "Enter");
      await settled(page);
      const plan = hedge.optimizeHedge({ positions: book, model: "deribit-pm" }, { pool: "BTC", budget: 0.05, candidates });
      assert.deepEqual(await page.$$eval('[data-testid="hedge-optimize-trades"] tbody tr', (trs) => trs.map((tr) => tr.dataset.instrument)),
        plan.trades.map((t) => t.instrument));
      assert.ok(plan.trades.every((t) => candidates.includes(t.instrument)));
      assert.ok(closeRel(await valueOf(page, "hedge-optimize-after"), plan.initialAfter));
      const r0 = await revision(page);
      await page.click('[data-testid="hedge-optimize-add"]');
      await recomputed(page, r0);
      assert.ok(closeRel(await valueOf(page, "pool-initial-BTC"), plan.initialAfter));
      assert.deepEqual(errorsOf(problems), []);
    } finally {
      await page.close();
    }
  });

  test("the solver's errors are shown as text (a budget that is not a number, an unknown candidate); okx-pm is optimised", async () => {
    const { page, problems } = await openPage();
    try {
      await setBook(page, STRANGLE);
      await page.fill('[data-testid="hedge-optimize-budget"]', "abc");
      await page.click('[data-testid="hedge-optimize"]');
      await settled(page);
      assert.match(await page.textContent('[data-testid="hedge-optimize-error"]'), /budget is not a number: “abc”/);
      await page.fill('[data-testid="hedge-optimize-budget"]', "");
      // a candidate the market does not list: the solver's message, at its place, as text
      await page.fill('[data-testid="hedge-optimize-candidates"]', "<img/src=x/onerror=alert(1)>");
      await page.click('[data-testid="hedge-optimize"]');
      await settled(page);
      assert.match(await page.textContent('[data-testid="hedge-optimize-error"]'), /UNKNOWN_INSTRUMENT: hedge\.candidates\[0\]: .*<img\/src=x\/onerror=alert\(1\)>/);
      assert.equal(await page.$('[data-testid="hedge-optimize-error"] img'), null);
      // as text: the message is a text node of the error box, nothing parsed
      assert.equal(await page.$$eval('[data-testid="hedge-optimize-error"] *', (els) => els.map((e) => e.tagName).join()), "P");
      assert.equal(await page.getAttribute("#optimize-panel", "data-optimize-state"), "error");
      // a venue model is optimised too (okx-pm: MR1, MR4, MR6 and MR7 in the LP), and the error clears
      await page.fill('[data-testid="hedge-optimize-candidates"]', "");
      const r0 = await revision(page);
      await page.selectOption("#model", "okx-pm");
      await recomputed(page, r0);
      await page.click('[data-testid="hedge-optimize"]');
      await settled(page);
      assert.equal(await page.getAttribute("#optimize-panel", "data-optimize-state"), "done");
      assert.equal(await page.isVisible('[data-testid="hedge-optimize-error"]'), false);
      assert.ok((await page.$$('[data-testid="hedge-optimize-trades"] tbody tr')).length > 0, "trades listed under okx-pm");
      assert.deepEqual(errorsOf(problems), []);
    } finally {
      await page.close();
    }
  });
});
