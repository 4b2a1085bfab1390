// The page end to end in real headless Chromium (Debian's /usr/bin/chromium through playwright-core):
// it loads clean, shows the sample's results, recomputes as a person types, reports bad lines, never
// turns user text into HTML, talks to no other host, and keeps its state in the URL hash.
//   node --test tests/browser/
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startServer } from "../../scripts/serve.mjs";
import * as pm from "../../pkg/portfolio_margin.js";

// the same package the page loads, in node
pm.initSync({ module: readFileSync(new URL("../../pkg/portfolio_margin_bg.wasm", import.meta.url)) });

const root = new URL("../../", import.meta.url);
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const SCREENSHOT = new URL("tmp/page.png", root);

let server;
let origin;
let context;
let profile;
/** Every request any page of the context made, for the no-other-host check. */
const requests = [];

before(async () => {
  server = await startServer(0, "127.0.0.1");
  origin = `http://127.0.0.1:${server.address().port}`;
  profile = mkdtempSync(join(tmpdir(), "pm-browser-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  context.on("request", (r) => requests.push(r.url()));
});

after(async () => {
  await context?.close();
  await new Promise((ok) => (server ? server.close(ok) : ok()));
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/** A fresh page that records console errors, page errors, failed requests and dialogs. */
async function openPage(hash = "") {
  const page = await context.newPage();
  const problems = { console: [], pageErrors: [], failed: [], dialogs: [] };
  page.on("console", (m) => { if (m.type() === "error") problems.console.push(m.text()); });
  page.on("pageerror", (e) => problems.pageErrors.push(e.message));
  page.on("requestfailed", (r) => problems.failed.push(`${r.url()}: ${r.failure()?.errorText}`));
  page.on("response", (r) => { if (r.status() >= 400) problems.failed.push(`${r.url()}: HTTP ${r.status()}`); });
  page.on("dialog", async (d) => { problems.dialogs.push(`${d.type()}: ${d.message()}`); await d.dismiss(); });
  await page.goto(`${origin}/${hash}`);
  await page.waitForSelector('#app[data-state="ready"]', { timeout: 15000 });
  return { page, problems };
}

const revision = (page) => page.$eval("#app", (el) => Number(el.dataset.revision));
/** Wait until the page has recomputed after `revisionBefore` and settled (no frame pending). */
async function recomputed(page, revisionBefore) {
  await page.waitForFunction((r) => Number(document.getElementById("app").dataset.revision) > r, revisionBefore);
  // one more frame: a coalesced recompute of the last keystroke may still be queued
  await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
}
/** Replace the positions with `text`, typed key by key as a person would. */
async function typeText(page, text) {
  const r0 = await revision(page);
  await page.fill("#positions", "");
  await page.focus("#positions");
  await page.keyboard.type(text);
  await recomputed(page, r0);
}
async function appendLine(page, line) {
  const r0 = await revision(page);
  await page.focus("#positions");
  await page.keyboard.press("Control+End");
  await page.keyboard.type("\n" + line);
  await recomputed(page, r0);
}
const closeRel = (a, b, rel = 1e-9) => Math.abs(a - b) <= rel * Math.max(1, Math.abs(b));

describe("the page", () => {
  test("loads clean and shows the sample's Greeks, margin and risk matrices", async () => {
    const { page, problems } = await openPage();
    try {
      assert.equal(await page.title(), "portfolio-margin");
      assert.match(await page.textContent("header"), /computed locally in your browser/);
      assert.equal(await page.inputValue("#positions"), pm.samplePositions());
      assert.equal(await page.inputValue("#model"), "deribit-pm");
      assert.deepEqual(await page.$$eval("#model option", (os) => os.map((o) => o.value)),
        pm.listModels().map((m) => m.name));

      // Greeks: one row per underlying
      const underlyings = await page.$$eval("#greeks tbody tr.underlying", (rows) => rows.map((r) => r.dataset.underlying));
      assert.deepEqual(underlyings.sort(), ["BTC", "ETH", "SOL"]);
      const headers = await page.textContent("#greeks thead");
      for (const h of ["Delta", "coin", "Gamma", "Vega", "Theta", "USD / day", "Vanna", "Volga"]) assert.ok(headers.includes(h), `greeks header ${h}`);

      // summary: positive total initial margin, equal to the package's
      const initialUsd = Number(await page.getAttribute("#summary", "data-initial-usd"));
      assert.ok(initialUsd > 0, `initial margin ${initialUsd}`);
      const expected = pm.computeReport({ positions: pm.samplePositions(), model: "deribit-pm" });
      assert.ok(closeRel(initialUsd, expected.margin.totalUsd.initial), `${initialUsd} vs ${expected.margin.totalUsd.initial}`);
      const summary = await page.textContent("#summary");
      assert.match(summary, /2026-11-24/);
      assert.match(summary, /embedded default snapshot/);

      // one card per pool, each with a 3×9 risk matrix and exactly one worst cell (matrix or extended row)
      const pools = await page.$$eval(".pool", (cards) => cards.map((c) => ({
        pool: c.dataset.pool,
        rows: [...c.querySelectorAll("table.risk-matrix tbody tr")].map((r) => r.querySelectorAll("td").length),
        worstInMatrix: c.querySelectorAll("table.risk-matrix td.worst").length,
        worstInExtended: c.querySelectorAll("table.extended-table td.worst").length,
        extendedCells: c.querySelectorAll("table.extended-table tbody td").length,
        outline: (() => { const w = c.querySelector("td.worst"); return w ? getComputedStyle(w).outlineStyle : null; })(),
      })));
      assert.deepEqual(pools.map((p) => p.pool), expected.margin.pools.map((p) => p.pool));
      for (const [i, p] of pools.entries()) {
        const want = expected.margin.pools[i];
        assert.deepEqual(p.rows, [9, 9, 9], `${p.pool}: 3×9 risk matrix`);
        assert.equal(p.extendedCells, want.extended.priceMoves.length, `${p.pool}: extended row`);
        if (want.worstScenario.table === "extended") {
          assert.equal(p.worstInMatrix, 0, `${p.pool}: no worst cell in the matrix`);
          assert.equal(p.worstInExtended, 1, `${p.pool}: one worst cell in the extended row`);
        } else {
          assert.equal(p.worstInMatrix, 1, `${p.pool}: exactly one worst cell`);
          assert.equal(p.worstInExtended, 0, `${p.pool}: no worst cell in the extended row`);
        }
        assert.notEqual(p.outline, "none", `${p.pool}: the worst cell is outlined`);
      }
      // the worst cell sits where the report says, and shows the report's number
      const btc = expected.margin.pools.find((p) => p.pool === "BTC");
      const worstCell = await page.$eval('.pool[data-pool="BTC"] td.worst', (td) => ({
        vol: td.parentElement.dataset.vol, move: Number(td.dataset.move), pnl: Number(td.dataset.pnl) }));
      assert.equal(worstCell.vol, btc.worstScenario.vol);
      assert.ok(closeRel(worstCell.move, btc.worstScenario.priceMove));
      assert.ok(closeRel(-worstCell.pnl, btc.worstCase), `worst cell ${worstCell.pnl} vs worst case ${btc.worstCase}`);

      // positions table: one row per position
      assert.equal(await page.$$eval("#positions-table tbody tr", (rows) => rows.length), expected.positions.length);
      assert.equal(await page.isHidden("#errors"), true);

      mkdirSync(new URL("tmp/", root), { recursive: true });
      await page.screenshot({ path: fileURLToPath(SCREENSHOT), fullPage: true });

      assert.deepEqual(problems.console, [], "console errors");
      assert.deepEqual(problems.pageErrors, [], "page errors");
      assert.deepEqual(problems.failed, [], "failed requests");
    } finally {
      await page.close();
    }
  });

  test("typing recomputes, and the page shows the package's number", async () => {
    const { page, problems } = await openPage();
    try {
      const text = "BTC-27DEC26-100000-C -10";
      await typeText(page, text);
      assert.equal(await page.getAttribute("#app", "data-result"), "ok");
      const shown = Number(await page.getAttribute("#summary", "data-initial-usd"));
      const expected = pm.computeReport({ positions: text, model: "deribit-pm" }).margin.totalUsd.initial;
      assert.ok(expected > 0);
      assert.ok(closeRel(shown, expected), `page ${shown} vs package ${expected}`);
      assert.deepEqual(await page.$$eval(".pool", (cs) => cs.map((c) => c.dataset.pool)), ["BTC"]);
      assert.deepEqual(await page.$$eval("#greeks tbody tr.underlying", (rs) => rs.map((r) => r.dataset.underlying)), ["BTC"]);

      // the model select recomputes too
      const r0 = await revision(page);
      await page.selectOption("#model", "deribit-standard");
      await recomputed(page, r0);
      const standard = pm.computeReport({ positions: text, model: "deribit-standard" }).margin.totalUsd.initial;
      assert.ok(closeRel(Number(await page.getAttribute("#summary", "data-initial-usd")), standard));
      assert.deepEqual([...problems.console, ...problems.pageErrors], []);
    } finally {
      await page.close();
    }
  });

  test("a bad line shows every issue with its line and column and keeps the last good report", async () => {
    const { page } = await openPage();
    try {
      await typeText(page, "BTC-27DEC26-100000-C -10");
      const good = await page.getAttribute("#summary", "data-initial-usd");
      await appendLine(page, "BTC-32DEC26-1-C 1");
      assert.equal(await page.getAttribute("#app", "data-result"), "error");
      assert.equal(await page.isVisible("#errors"), true);
      assert.equal(await page.getAttribute("#errors", "role"), "alert");
      const errors = await page.textContent("#errors");
      let thrown;
      try { pm.computeReport({ positions: "BTC-27DEC26-100000-C -10\nBTC-32DEC26-1-C 1" }); } catch (e) { thrown = e; }
      assert.ok(thrown, "the package rejects the line too");
      assert.ok(errors.includes(`line 2, column ${thrown.issues[0].column}`), errors);
      assert.match(errors, /line 2, column 5: unknown instrument/);
      assert.match(errors, /32DEC26/);
      // the last good report stays, dimmed
      assert.equal(await page.getAttribute("#summary", "data-initial-usd"), good);
      assert.equal(await page.$eval("#app", (el) => el.classList.contains("stale")), true);
      assert.ok(Number(await page.$eval("#pools", (el) => getComputedStyle(el.closest(".results-part")).opacity)) < 1);
      assert.equal(await page.$eval("#gutter .bad", (el) => el.textContent), "2");

      // every bad line is listed
      await appendLine(page, "FOO");
      const items = await page.$$eval("#errors li", (lis) => lis.map((li) => li.textContent));
      assert.equal(items.length, 2, items.join(" | "));
      assert.match(items[1], /^line 3, column \d+: /);

      // fixing it clears the errors
      const r0 = await revision(page);
      await page.fill("#positions", "BTC-27DEC26-100000-C -10");
      await recomputed(page, r0);
      assert.equal(await page.isHidden("#errors"), true);
      assert.equal(await page.$eval("#app", (el) => el.classList.contains("stale")), false);
    } finally {
      await page.close();
    }
  });

  test("pasted HTML is shown as text, never parsed", async () => {
    const { page, problems } = await openPage();
    try {
      const evil = "<img src=x onerror=alert(1)>";
      const r0 = await revision(page);
      await page.focus("#positions");
      await page.keyboard.press("Control+End");
      await page.keyboard.insertText("\n" + evil); // a paste: one input event
      await recomputed(page, r0);
      const errors = await page.textContent("#errors");
      assert.ok(errors.includes("<img"), errors);
      assert.equal(await page.$$eval("#errors *", (els) => els.filter((e) => !["P", "UL", "LI", "BUTTON", "SPAN"].includes(e.tagName)).length), 0);
      // a bare instrument-looking name with markup, and markup after a valid instrument
      await appendLine(page, "BTC-27DEC26-100000-C <b>1</b>");
      await appendLine(page, `${evil} 1`);
      await page.waitForTimeout(200);
      assert.equal(await page.$$eval("img", (imgs) => imgs.length), 0, "no img element");
      assert.equal(await page.$$eval("body b, body script:not([src])", (els) => els.length), 0, "no injected elements");
      assert.deepEqual(problems.dialogs, [], "no dialog");
      assert.deepEqual(problems.pageErrors, []);
      assert.ok(!requests.some((u) => /\/x$/.test(new URL(u).pathname)), "the img was never requested");
    } finally {
      await page.close();
    }
  });

  test("the state lives in the URL hash: a reload restores the text and the model", async () => {
    const { page } = await openPage();
    try {
      const text = "BTC-27DEC26-100000-C -10\nETH-PERPETUAL 20000USD  # hedge & co";
      await typeText(page, text);
      const r0 = await revision(page);
      await page.selectOption("#model", "deribit-standard");
      await recomputed(page, r0);
      // the hash follows the input (debounced)
      await page.waitForFunction((t) => {
        const params = new URLSearchParams(location.hash.slice(1));
        return params.get("positions") === t && params.get("model") === "deribit-standard";
      }, text);
      const url = page.url();
      const initial = await page.getAttribute("#summary", "data-initial-usd");

      await page.reload();
      await page.waitForSelector('#app[data-state="ready"]');
      assert.equal(await page.inputValue("#positions"), text);
      assert.equal(await page.inputValue("#model"), "deribit-standard");
      assert.equal(await page.getAttribute("#summary", "data-initial-usd"), initial);

      // the same link in a new tab
      const other = await context.newPage();
      await other.goto(url);
      await other.waitForSelector('#app[data-state="ready"]');
      assert.equal(await other.inputValue("#positions"), text);
      await other.close();
    } finally {
      await page.close();
    }
  });

  test("the page talks to no host but the local server", async () => {
    const { page } = await openPage();
    try {
      await typeText(page, "ETH-25DEC26-3600-C -5");
      await page.click("#reset");
      await page.selectOption("#model", "deribit-standard");
      await page.check("#by-expiry");
      await page.waitForTimeout(100);
    } finally {
      await page.close();
    }
    assert.ok(requests.length > 0);
    const elsewhere = requests.filter((u) => !u.startsWith(origin + "/") && !u.startsWith("data:"));
    assert.deepEqual(elsewhere, [], "requests to other hosts");
    for (const path of ["/", "/app.js", "/style.css", "/pkg/portfolio_margin.js", "/pkg/portfolio_margin_bg.wasm"]) {
      assert.ok(requests.includes(origin + path), `requested ${path}`);
    }
  });
});
