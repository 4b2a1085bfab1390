// "Compare models" and cross-mode figures on the page (issue #15's items on issue #13), in headless
// Chromium: the compare button runs the full build's compareModels in a worker and shows every model's
// figures, the cheapest marked; a book across venues (OKX and Bybit names) shows the venues table; cross
// mode shows the account's cross figures and its joint worst scenario. Every figure is checked against
// the package computing the same request in node; screenshots at desktop and phone sizes go to tmp/.
//   node --test tests/browser/compare.test.mjs
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startServer } from "../../scripts/serve.mjs";
import { pm, full, root, browser, openPage as open, errorsOf, revision, recomputed, setBook, valueOf, closeRel } from "./harness.mjs";

const b = browser("compare", { width: 1440, height: 900 });
const requests = b.requests;
const openPage = (o = {}) => open(b, o);
/** Click "Compare models" and wait for that run's figures. */
async function runCompare(page) {
  const before = Number(await page.getAttribute("#compare", "data-run") ?? 0);
  await page.click('[data-testid="compare-run"]');
  await page.waitForFunction((n) => {
    const s = document.getElementById("compare");
    return Number(s.dataset.run ?? 0) > n && s.dataset.compareState === "done";
  }, before, { timeout: 30000 });
}
async function setCross(page, on) {
  const r0 = await revision(page);
  if (!(await page.$eval("#model-params", (d) => d.open))) await page.click("#model-params summary");
  if (on) await page.check('[data-testid="model-cross"]'); else await page.uncheck('[data-testid="model-cross"]');
  await recomputed(page, r0);
}
const VENUE_BOOK = `${pm.samplePositions()}\nBTC-USDT-SWAP 20\nBTCUSDT 0.5`;

describe("compare models", () => {
  test("the default book: every preset's figures are compareModels' in node, the cheapest marked, and a model's initial is the page's total when picked", async () => {
    const { page, problems } = await openPage();
    try {
      assert.equal(await page.$('[data-testid="compare-table"]'), null, "nothing is compared before the click");
      await runCompare(page);
      const expected = full.compareModels({ positions: pm.samplePositions() }, null, null);
      const rows = await page.$$eval('[data-testid="compare-table"] tbody tr', (trs) => trs.map((tr) => tr.dataset.model));
      assert.deepEqual(rows, expected.models.map((m) => m.model));
      for (const m of expected.models) {
        assert.ok(closeRel(await valueOf(page, `compare-initial-${m.model}`), m.initialUsd), `${m.model} initial`);
      }
      // the cheapest is marked, in words too
      assert.deepEqual(await page.$$eval('[data-testid="compare-table"] tr.cheapest', (trs) => trs.map((tr) => tr.dataset.model)), [expected.cheapest]);
      assert.match(await page.textContent('[data-testid="compare-table"] tr.cheapest'), /cheapest/);
      // the worst scenario in words: pool · scenario, and its loss
      const dpm = expected.models.find((m) => m.model === "deribit-pm");
      const dpmRow = '[data-testid="compare-table"] tr[data-model="deribit-pm"]';
      assert.ok((await page.textContent(`${dpmRow} td.worst`)).includes(`${dpm.worst.pool} · ${dpm.worst.scenario}`));
      assert.ok(closeRel(Number(await page.getAttribute(`${dpmRow} td:last-child`, "data-value")), dpm.worst.lossUsd));
      assert.equal(await page.$('[data-testid="venues-table"]'), null, "no venue named: no venues table");
      // picking a model in the picker shows the same initial as its row
      for (const name of ["deribit-pm", "okx-pm"]) {
        const r0 = await revision(page);
        await page.selectOption("#model", name);
        await recomputed(page, r0);
        assert.ok(closeRel(await valueOf(page, "total-initial-usd"), await valueOf(page, `compare-initial-${name}`)), `${name}: picker vs compare`);
      }
      assert.deepEqual(errorsOf(problems), []);
    } finally {
      await page.close();
    }
  });

  test("a book with OKX and Bybit names shows the venues table: each venue, the sum and each one-account figure", async () => {
    const { page, problems } = await openPage();
    try {
      await runCompare(page);
      await setBook(page, VENUE_BOOK);
      // once compared, the figures follow the book
      await page.waitForSelector('[data-testid="venues-table"]', { timeout: 30000 });
      await page.waitForFunction(() => document.getElementById("compare").dataset.compareState === "done");
      const expected = full.compareModels({ positions: VENUE_BOOK }, null, null).venues;
      assert.ok(expected, "compareModels sees the venues");
      const venues = await page.$$eval('[data-testid="venues-table"] tbody tr', (trs) => trs.map((tr) => tr.dataset.venue));
      assert.deepEqual(venues, expected.venues.map((v) => v.venue));
      assert.ok(venues.includes("okx") && venues.includes("bybit"), venues.join());
      for (const v of expected.venues) {
        assert.ok(closeRel(await valueOf(page, `venue-initial-${v.venue}`), v.initialUsd), `${v.venue} initial`);
        assert.ok((await page.textContent(`[data-testid="venues-table"] tr[data-venue="${v.venue}"]`)).includes(v.model));
      }
      assert.ok(closeRel(await valueOf(page, "venues-sum-initial-usd"), expected.initialUsd), "the sum");
      const oneAccount = await page.$$eval('[data-testid="venues-table"] tr.one-account', (trs) => trs.map((tr) => tr.dataset.model));
      assert.deepEqual(oneAccount, expected.oneAccount.map((o) => o.model));
      assert.ok(oneAccount.includes("deribit-pm cross") && oneAccount.includes("es-margin"));
      for (const o of expected.oneAccount) {
        const id = o.model.replace(/[^A-Za-z0-9_.-]+/g, "-");
        assert.ok(closeRel(await valueOf(page, `one-account-initial-${id}`), o.initialUsd), `${o.model} initial`);
        assert.ok(closeRel(await valueOf(page, `one-account-saving-${id}`), o.savingUsd), `${o.model} saving`);
      }
      assert.deepEqual(errorsOf(problems), []);
    } finally {
      await page.close();
    }
  });
});

describe("cross mode", () => {
  test("shows the account's cross figures: initial equal to the page's total, the joint worst scenario's moves and P&L", async () => {
    const { page, problems } = await openPage();
    try {
      assert.equal(await page.$('[data-testid="cross-initial-usd"]'), null, "segregated: no cross block");
      await setCross(page, true);
      const cross = pm.computeReport({ positions: pm.samplePositions(), model: { preset: "deribit-pm", overrides: { mode: "cross" } } }).margin.cross;
      const total = await valueOf(page, "total-initial-usd");
      assert.equal(await valueOf(page, "cross-initial-usd"), total, "cross initial = the page's total");
      assert.ok(closeRel(total, cross.initial));
      assert.ok(closeRel(await valueOf(page, "cross-worst-usd"), cross.worstCase));
      assert.ok(closeRel(await valueOf(page, "cross-maintenance-usd"), cross.maintenance));
      assert.ok(closeRel(await valueOf(page, "cross-roll-usd"), cross.rollShock));
      assert.ok(closeRel(await valueOf(page, "cross-delta-usd"), cross.deltaShock));
      const moves = await page.$$eval("#cross-moves tbody tr", (trs) => trs.map((tr) => [tr.dataset.underlying, Number(tr.querySelector("td").dataset.value)]));
      assert.deepEqual(moves, Object.entries(cross.worstScenario.priceMoves));
      const pnl = await page.$$eval("#cross-pnl tbody tr", (trs) => trs.map((tr) => [tr.dataset.currency, Number(tr.querySelector("td").dataset.value)]));
      assert.deepEqual(pnl, Object.entries(cross.worstScenario.pnlByCurrency));
      assert.doesNotMatch(await page.textContent("#summary"), /null|undefined|NaN/);
      await setCross(page, false);
      assert.equal(await page.$('[data-testid="cross-initial-usd"]'), null, "back to segregated");
      assert.deepEqual(errorsOf(problems), []);
    } finally {
      await page.close();
    }
  });
});

describe("compare screens", () => {
  for (const [name, viewport] of [["desktop", { width: 1440, height: 900 }], ["phone", { width: 390, height: 844 }]]) {
    test(`${name} ${viewport.width}×${viewport.height}: the compare, venues and cross tables are not cut off; screenshot saved`, async () => {
      const { page, problems } = await openPage({ viewport });
      try {
        await setBook(page, VENUE_BOOK);
        await setCross(page, true);
        await runCompare(page);
        await page.waitForSelector('[data-testid="venues-table"]');
        const check = await page.evaluate(() => {
          const vw = document.documentElement.clientWidth;
          const out = { pageWidth: document.documentElement.scrollWidth, clipped: [], outside: [], overlaps: [] };
          const sel = "#compare td, #compare th, #compare .note, #compare-status, #compare-run, #cross dd, #cross dt, #cross td, #cross th, #cross .note, #summary .tile-value";
          for (const el of document.querySelectorAll(sel)) {
            const r = el.getBoundingClientRect();
            if (r.width === 0) continue;
            if (!el.closest(".scroll") && (r.left < -0.5 || r.right > vw + 0.5)) out.outside.push(`${el.tagName} "${el.textContent.slice(0, 30)}"`);
            if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) out.clipped.push(`${el.tagName} "${el.textContent.slice(0, 30)}" ${el.scrollWidth}>${el.clientWidth}`);
          }
          // the cross figures do not run into each other
          const figs = [...document.querySelectorAll("#cross .fig")].map((f) => f.getBoundingClientRect());
          for (let i = 0; i < figs.length; i++) for (let j = i + 1; j < figs.length; j++) {
            const a = figs[i], b = figs[j];
            if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5) out.overlaps.push(`${i}/${j}`);
          }
          return out;
        });
        assert.equal(check.pageWidth, viewport.width, "the page does not scroll sideways");
        assert.deepEqual(check.outside, [], "beyond the screen");
        assert.deepEqual(check.clipped, [], "cut-off figures");
        assert.deepEqual(check.overlaps, [], "overlapping cross figures");
        await page.screenshot({ path: fileURLToPath(new URL(`tmp/compare-${name}.png`, root)), fullPage: true });
        // the two sections alone, at full size, for a closer look
        await page.locator("#compare").screenshot({ path: fileURLToPath(new URL(`tmp/compare-${name}-section.png`, root)) });
        await page.locator("#cross").screenshot({ path: fileURLToPath(new URL(`tmp/cross-${name}-section.png`, root)) });
        assert.deepEqual(errorsOf(problems), []);
      } finally {
        await page.close();
      }
    });
  }
});
