// The page end to end in real headless Chromium (Debian's /usr/bin/chromium through playwright-core):
// it loads clean, shows the sample's results, recomputes as a person types, reports bad lines, never
// turns user text into HTML, talks to no other host, and keeps the book on the machine (not in the URL). The Risk
// section (VaR/ES, stress, payoff from the full build in a Web Worker) shows the package's figures,
// cancels a run on request or when the book changes, and fits a phone-width screen.
//   node --test tests/browser/
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startServer } from "../../scripts/serve.mjs";
import { pm, full, root, browser, openPage as open, revision, recomputed } from "./harness.mjs";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const SCREENSHOT = new URL("tmp/page.png", root);

const b = browser("browser");
/** Every request any page of the context made, for the no-other-host check. */
const requests = b.requests;
/** A fresh page that records console errors, page errors, failed requests and dialogs. */
const openPage = (hash = "", { viewport } = {}) => open(b, { hash, viewport, timeout: 15000 });
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

  test("the book stays on this machine: a reload restores it, the address bar never holds it, a copied link does", async () => {
    const { page } = await openPage();
    try {
      const text = "BTC-27DEC26-100000-C -10\nETH-PERPETUAL 20000USD  # hedge & co";
      await typeText(page, text);
      const r0 = await revision(page);
      await page.selectOption("#model", "deribit-standard");
      await recomputed(page, r0);
      await page.waitForFunction((t) => JSON.parse(localStorage.getItem("portfolio-margin.book") ?? "null")?.positions === t, text);
      assert.equal(new URL(page.url()).hash, "", "typing writes nothing into the URL (history, sync)");
      const initial = await page.getAttribute("#summary", "data-initial-usd");

      await page.reload();
      await page.waitForSelector('#app[data-state="ready"]');
      assert.equal(await page.inputValue("#positions"), text);
      assert.equal(await page.inputValue("#model"), "deribit-standard");
      assert.equal(await page.getAttribute("#summary", "data-initial-usd"), initial);

      // "Copy link": the book travels in the fragment; opening the link loads it, then clears the bar
      await b.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: b.origin });
      await page.click("#copy-link");
      await page.waitForFunction(() => document.getElementById("status").textContent.length > 0);
      const link = await page.evaluate(async () => {
        try { return await navigator.clipboard.readText(); } catch { return location.href; }
      });
      const params = new URLSearchParams(new URL(link).hash.slice(1));
      assert.equal(params.get("positions"), text);
      assert.equal(params.get("model"), "deribit-standard");
      const other = await b.context.newPage();
      await other.addInitScript(() => localStorage.clear());
      await other.goto(link);
      await other.waitForSelector('#app[data-state="ready"]');
      assert.equal(await other.inputValue("#positions"), text);
      assert.equal(await other.inputValue("#model"), "deribit-standard");
      assert.equal(new URL(other.url()).hash, "", "the link's book is taken out of the address bar once loaded");
      await other.close();
    } finally {
      await page.close();
    }
  });

  test("Load sample replaces the book with one click to undo", async () => {
    const { page } = await openPage();
    try {
      const text = "ETH-PERPETUAL 1000USD";
      await typeText(page, text);
      const r0 = await revision(page);
      await page.click("#reset");
      await recomputed(page, r0);
      assert.equal(await page.inputValue("#positions"), pm.samplePositions());
      const r1 = await revision(page);
      await page.click("#undo-sample");
      await recomputed(page, r1);
      assert.equal(await page.inputValue("#positions"), text);
    } finally {
      await page.close();
    }
  });

  test("the page carries its own Content-Security-Policy, and every scroll area and the editor have names", async () => {
    const { page } = await openPage();
    try {
      const csp = await page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) => m.content);
      assert.match(csp, /default-src 'self'/);
      assert.match(csp, /connect-src 'self'/);
      assert.ok(await page.$eval("#positions", (t) => t.getAttribute("aria-label")?.length > 0));
      const unnamed = await page.$$eval(".scroll", (els) => els.filter((e) => e.tabIndex !== 0 || !e.getAttribute("aria-label")).length);
      assert.equal(unnamed, 0, "every sideways-scrolling area is reachable by keyboard and named");
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
    const elsewhere = requests.filter((u) => !u.startsWith(b.origin + "/") && !u.startsWith("data:"));
    assert.deepEqual(elsewhere, [], "requests to other hosts");
    for (const path of ["/", "/app.js", "/risk.js", "/style.css", "/pkg/portfolio_margin.js", "/pkg/portfolio_margin_bg.wasm",
      "/pkg/worker-client.js", "/pkg/worker.js", "/pkg/full/portfolio_margin.js", "/pkg/full/portfolio_margin_bg.wasm"]) {
      assert.ok(requests.includes(b.origin + path), `requested ${path}`);
    }
  });
});

// ───────────────────────────── the Risk section ─────────────────────────────

/** The page's default risk settings, as the request the page sends to the worker. */
const RISK_DEFAULTS = { method: "monte-carlo", horizonDays: 1, varConfidence: 0.99, esConfidence: 0.975, paths: 10000 };
const riskRequest = (positions, settings = {}) => {
  const v = { ...RISK_DEFAULTS, ...settings };
  if (v.method !== "monte-carlo") delete v.paths; // the page sends paths for Monte Carlo only
  return { positions, analysis: { var: v, stress: true, payoff: true } };
};
/** The risk figures of the package itself, in node, for `positions` and `settings`. */
const packageRisk = (positions, settings) => full.computeReport(riskRequest(positions, settings));

/** "−$19,141" → −19141, "$0.52" → 0.52 (the page's USD format: thousands commas, U+2212 minus). */
function shownNumber(text) {
  return Number(String(text).trim().replace(/\u2212/g, "-").replace(/[$,\s\u202f]/g, ""));
}
/** The shown text equals `expected` to the precision shown (whole dollars, or cents below $100). */
function assertShown(text, expected, what) {
  const decimals = /\.(\d+)/.exec(text)?.[1].length ?? 0;
  const shown = shownNumber(text);
  assert.ok(Number.isFinite(shown), `${what}: "${text}" is a number`);
  assert.ok(typeof expected === "number" && Number.isFinite(expected), `${what}: the package gives a number (${expected})`);
  const tolerance = 0.5 * 10 ** -decimals * (1 + 1e-9) + 1e-9 * Math.abs(expected);
  assert.ok(Math.abs(shown - expected) <= tolerance, `${what}: the page shows ${text}, the package says ${expected}`);
}

const shownRun = (page) => page.$eval("#risk-results", (el) => Number(el.dataset.run ?? 0));
const startedRun = (page) => page.$eval("#risk", (el) => Number(el.dataset.run ?? 0));
const riskState = (page) => page.getAttribute("#risk", "data-risk-state");
/** Wait until a run newer than `runBefore` has finished and its figures are on screen. */
async function riskDone(page, runBefore, timeout = 30000) {
  await page.waitForFunction((r) => document.getElementById("risk").dataset.riskState === "done"
    && Number(document.getElementById("risk-results").dataset.run ?? 0) > r, runBefore, { timeout });
}
const figure = (page, name) => page.textContent(`#risk-figures [data-figure="${name}"] .tile-value`);
/** Record, in the page, every run whose figures are shown and every state the section goes through. */
const watchRisk = (page) => page.evaluate(() => {
  window.__risk = { shown: [], states: [] };
  const results = document.getElementById("risk-results");
  const section = document.getElementById("risk");
  new MutationObserver(() => window.__risk.shown.push(Number(results.dataset.run))).observe(results, { attributeFilter: ["data-run"] });
  new MutationObserver(() => window.__risk.states.push(section.dataset.riskState)).observe(section, { attributeFilter: ["data-risk-state"] });
});
const watched = (page) => page.evaluate(() => window.__risk);
/** `promise`, or a failure after `ms`. */
const within = (promise, ms, what) => Promise.race([promise,
  new Promise((_, fail) => setTimeout(() => fail(new Error(`${what}: not within ${ms} ms`)), ms).unref())]);

/** A book and horizon heavy enough that a 200 000-path Monte Carlo run lasts long enough to cancel (the
 * sample, 20 times, over 200 days: about 1 s in node on the 2-core machine; over 30 days, 0.26 s, which a
 * cancel could miss since the grid's coarser option levels and the tail without a full sort). */
const HEAVY_BOOK = Array(20).fill(pm.samplePositions()).join("\n");
const HEAVY_HORIZON_DAYS = 200;
/** Start a 200 000-path run of the heavy book and wait until it reports progress. */
async function startHeavyRun(page) {
  await page.fill("#risk-paths", "200000");
  await page.fill("#risk-horizon", String(HEAVY_HORIZON_DAYS));
  await page.fill("#positions", HEAVY_BOOK); // the run starts once the edits pause (debounced)
  await page.waitForFunction(() => document.getElementById("risk").dataset.riskState === "running"
    && Number(document.getElementById("risk-progress").dataset.fraction) > 0, null, { timeout: 30000 });
  const fraction = Number(await page.getAttribute("#risk-progress", "data-fraction"));
  assert.ok(fraction > 0 && fraction < 1, `the run is under way (${fraction})`);
  return startedRun(page);
}

describe("the Risk section", () => {
  test("shows the package's VaR and ES, standalone figures, diversification and the largest ES contributions", async () => {
    const { page, problems } = await openPage();
    try {
      // "ready" waits for the first risk run
      assert.equal(await riskState(page), "done");
      assert.equal(await page.textContent("#risk h2"), "Risk");
      const headings = await page.$$eval("#risk h3", (hs) => hs.map((x) => x.textContent));
      assert.deepEqual(headings, ["Value at risk and expected shortfall", "Stress scenarios", "Payoff by underlying"]);

      const v = packageRisk(pm.samplePositions()).var;
      assert.equal(v.scenarios, 10000);
      assertShown(await figure(page, "var"), v.varUsd, "VaR");
      assertShown(await figure(page, "es"), v.esUsd, "ES");
      assertShown(await figure(page, "delta-normal"), v.deltaNormalVarUsd, "delta-normal VaR");
      assertShown(await figure(page, "diversification"), v.diversificationUsd, "diversification benefit");
      const figures = await page.textContent("#risk-figures");
      assert.match(figures, /VaR 99\s%, 1\sday/);
      assert.match(figures, /ES 97\.5\s%, 1\sday/);
      assert.match(figures, /Monte Carlo, 10\s000 paths/);
      assert.equal(await page.getAttribute("#risk-figures", "aria-live"), "polite");
      assert.match(await page.textContent("#risk .explain"),
        /^VaR 99\s% is the loss over 1\sday that the book should exceed with no more than a 1\s% chance; ES 97\.5\s% is the average loss over the worst 2\.5\s% of outcomes/);
      const estimator = await page.textContent("#risk .estimator");
      assert.ok(estimator.includes(v.estimator.var), estimator);
      assert.ok(estimator.includes(v.estimator.es), estimator);

      // standalone VaR/ES per underlying, the book's, and the diversification benefit
      const byUnderlying = await page.$$eval("#var-by-underlying tbody tr", (rows) =>
        rows.map((r) => [r.dataset.underlying, ...[...r.querySelectorAll("td")].map((td) => td.textContent)]));
      assert.deepEqual(byUnderlying.map((r) => r[0]), Object.keys(v.byUnderlying));
      for (const [u, varText, esText] of byUnderlying) {
        assertShown(varText, v.byUnderlying[u].varUsd, `${u} standalone VaR`);
        assertShown(esText, v.byUnderlying[u].esUsd, `${u} standalone ES`);
      }
      const foot = await page.$$eval("#var-by-underlying tfoot tr", (rows) => rows.map((r) => [...r.querySelectorAll("td")].map((td) => td.textContent)));
      assertShown(foot[0][0], v.varUsd, "book VaR");
      assertShown(foot[0][1], v.esUsd, "book ES");
      assertShown(foot[1][1], v.diversificationUsd, "diversification row");

      // the largest contributions first (by size: a big hedge counts), at most 10
      const rows = await page.$$eval("#var-contributions tbody tr", (trs) => trs.map((r) => ({
        instrument: r.querySelector("th").textContent, line: Number(r.dataset.line), value: r.querySelector("td[data-usd]").textContent })));
      const want = [...v.contributions].sort((a, b) => Math.abs(b.esUsd) - Math.abs(a.esUsd)).slice(0, 10);
      assert.equal(v.contributions.length, 12);
      assert.equal(rows.length, 10);
      assert.deepEqual(rows.map((r) => [r.instrument, r.line]), want.map((c) => [c.instrument, c.line]));
      rows.forEach((r, i) => assertShown(r.value, want[i].esUsd, `contribution of line ${r.line}`));
      const sizes = rows.map((r) => Math.abs(shownNumber(r.value)));
      assert.deepEqual(sizes, [...sizes].sort((a, b) => b - a), "largest first");
      assert.match(await page.textContent("#var-contributions caption"), /10 of 12/);

      // the worker does the work: the main thread never instantiates the full build (it fetches only the
      // margin path's WebAssembly; Chromium lists a module worker's script imports under the page)
      const mainWasm = await page.evaluate(() => performance.getEntriesByType("resource").map((e) => e.name).filter((u) => u.endsWith(".wasm")));
      assert.deepEqual(mainWasm, [`${b.origin}/pkg/portfolio_margin_bg.wasm`], "the main thread's WebAssembly");
      const worker = page.workers().find((w) => w.url() === `${b.origin}/pkg/worker.js`);
      assert.ok(worker, `a worker runs /pkg/worker.js (${page.workers().map((w) => w.url())})`);
      const workerResources = await worker.evaluate(() => performance.getEntriesByType("resource").map((e) => e.name));
      assert.ok(workerResources.includes(`${b.origin}/pkg/full/portfolio_margin_bg.wasm`), workerResources.join(" "));

      // the settings are keyboard reachable, in order; Cancel is disabled when nothing runs
      assert.equal(await page.isDisabled("#risk-cancel"), true);
      await page.focus("#risk-method");
      const order = [];
      for (let i = 0; i < 5; i++) {
        await page.keyboard.press("Tab");
        order.push(await page.evaluate(() => document.activeElement.id));
      }
      assert.deepEqual(order, ["risk-horizon", "risk-var-conf", "risk-es-conf", "risk-paths", "risk-run"]);

      // delta-gamma: its own figures and its Cornish-Fisher warning, no paths, no contributions
      let r0 = await shownRun(page);
      await page.selectOption("#risk-method", "delta-gamma");
      await riskDone(page, r0);
      const dgReport = packageRisk(pm.samplePositions(), { method: "delta-gamma" });
      assertShown(await figure(page, "var"), dgReport.var.varUsd, "delta-gamma VaR");
      assertShown(await figure(page, "es"), dgReport.var.esUsd, "delta-gamma ES");
      assertShown(await figure(page, "std"), dgReport.var.moments.stdUsd, "delta-gamma P&L spread");
      assert.equal(await page.isDisabled("#risk-paths"), true);
      assert.equal(await page.$$eval("#var-contributions", (t) => t.length), 0);
      for (const w of dgReport.warnings.filter((x) => x.path?.startsWith("analysis"))) {
        assert.equal(await page.textContent(`#risk .risk-warnings li[data-code="${w.code}"]`), w.message);
      }
      assert.ok(estimatorMatches(await page.textContent("#risk .estimator"), dgReport.var.estimator));

      // other settings, committed with Enter
      r0 = await shownRun(page);
      await page.selectOption("#risk-method", "monte-carlo");
      await page.fill("#risk-var-conf", "95");
      await page.fill("#risk-es-conf", "99");
      await page.fill("#risk-horizon", "10");
      await page.press("#risk-horizon", "Enter");
      await riskDone(page, r0);
      const other = packageRisk(pm.samplePositions(), { varConfidence: 0.95, esConfidence: 0.99, horizonDays: 10 }).var;
      assertShown(await figure(page, "var"), other.varUsd, "VaR 95 %, 10 days");
      assertShown(await figure(page, "es"), other.esUsd, "ES 99 %, 10 days");
      assert.match(await page.textContent("#risk-figures"), /VaR 95\s%, 10\sdays/);

      // a setting out of range is caught before anything is sent
      const started = await startedRun(page);
      await page.fill("#risk-var-conf", "150");
      await page.press("#risk-var-conf", "Enter");
      assert.equal(await riskState(page), "invalid");
      assert.equal(await page.getAttribute("#risk-var-conf", "aria-invalid"), "true");
      assert.equal(await page.isVisible("#risk-error"), true);
      assert.equal(await startedRun(page), started, "no run for a bad setting");
      // one the engine rejects: its message, on the field it names
      await page.fill("#risk-var-conf", "99");
      await page.fill("#risk-horizon", "0");
      await page.press("#risk-horizon", "Enter");
      await page.waitForFunction(() => document.getElementById("risk").dataset.riskState === "error");
      assert.equal(await page.getAttribute("#risk-horizon", "aria-invalid"), "true");
      assert.match(await page.textContent("#risk-error"), /^Horizon: expected a number of days in \(0, 365\], got 0$/);

      assert.deepEqual([...problems.console, ...problems.pageErrors, ...problems.failed], []);
    } finally {
      await page.close();
    }
  });

  test("the stress table lists the 11 library scenarios in the report's order and marks the worst", async () => {
    const { page } = await openPage();
    try {
      const stress = packageRisk(pm.samplePositions()).stress;
      const library = stress.scenarios.filter((sc) => sc.origin === "library");
      assert.equal(library.length, 11);
      const rows = await page.$$eval("#stress-table tbody tr", (trs) => trs.map((r) => ({
        name: r.dataset.name,
        worst: r.classList.contains("worst"),
        head: r.querySelector("th[scope=row]").textContent,
        label: r.querySelector("th .label").textContent,
        window: r.querySelector("th .window").textContent,
        source: r.querySelector("th .source")?.textContent,
        basis: r.querySelector("td.vol .basis").textContent,
        cells: [...r.querySelectorAll("td[data-usd]")].map((td) => td.textContent),
        background: getComputedStyle(r.querySelector("td")).backgroundColor,
      })));
      assert.equal(rows.length, 11);
      assert.deepEqual(rows.map((r) => r.name), stress.scenarios.map((sc) => sc.name), "the report's order");
      const headers = await page.$$eval("#stress-table thead th", (ths) => ths.map((th) => [th.getAttribute("scope"), th.firstChild.textContent]));
      assert.ok(headers.every(([scope]) => scope === "col"));
      const underlyings = Object.keys(stress.scenarios[0].byUnderlying);
      assert.deepEqual(underlyings, ["BTC", "ETH", "SOL"]);
      assert.deepEqual(headers.map((x) => x[1]).slice(1, 2 + underlyings.length), ["P&L", ...underlyings]);
      rows.forEach((row, i) => {
        const sc = stress.scenarios[i];
        assert.equal(row.label, sc.label);
        assert.equal(row.window, sc.window);
        assert.equal(row.source, sc.source);
        assert.equal(row.basis, sc.volBasis, `${sc.name}: the vol basis is shown`);
        assertShown(row.cells[0], sc.pnlUsd, `${sc.name} P&L`);
        underlyings.forEach((u, j) => assertShown(row.cells[1 + j], sc.byUnderlying[u], `${sc.name} ${u}`));
      });
      assert.ok(rows.some((r) => r.basis === "estimated") && rows.some((r) => r.basis === "measured"));
      // exactly one worst row, the report's, marked in words and in colour
      const worst = rows.filter((r) => r.worst);
      assert.equal(worst.length, 1);
      assert.equal(worst[0].name, stress.worst);
      assert.match(worst[0].head, /worst/i);
      assert.ok(rows.filter((r) => !r.worst).every((r) => r.background !== worst[0].background), "the worst row stands out");
      assert.match(await page.textContent("#stress-note"), new RegExp(`Worst: ${library.find((sc) => sc.name === stress.worst).label.replace(/[()]/g, "\\$&")}`));
    } finally {
      await page.close();
    }
  });

  test("the payoff chart renders for BTC with uPlot: a canvas on the price grid, the breakevens and the index marked, axes in USD", async () => {
    const { page } = await openPage();
    try {
      const payoff = packageRisk(pm.samplePositions()).payoff;
      assert.deepEqual(await page.$$eval("figure.payoff", (fs) => fs.map((f) => f.dataset.underlying)), Object.keys(payoff));
      const btc = payoff.BTC;
      await page.waitForSelector('figure.payoff[data-underlying="BTC"] .uplot canvas');
      const chart = await page.$eval('figure.payoff[data-underlying="BTC"]', (fig) => {
        const root = fig.querySelector(".uplot");
        const canvas = root.querySelector("canvas");
        const over = root.querySelector(".u-over").getBoundingClientRect();
        const mark = (el) => ({ price: Number(el.dataset.price), x: el.getBoundingClientRect().left + el.getBoundingClientRect().width / 2 - over.left,
          y: el.getBoundingClientRect().top + el.getBoundingClientRect().height / 2 - over.top });
        return {
          width: root.getBoundingClientRect().width,
          height: root.getBoundingClientRect().height,
          canvas: canvas ? [canvas.width, canvas.height] : null,
          overWidth: over.width,
          role: root.getAttribute("role"),
          labelledBy: root.getAttribute("aria-labelledby"),
          captionId: fig.querySelector("figcaption").id,
          caption: fig.querySelector("figcaption").textContent,
          index: [...root.querySelectorAll(".mark.index")].map((el) => ({ price: Number(el.dataset.price), x: el.getBoundingClientRect().left - over.left })),
          indexLabel: root.querySelector(".index-label")?.textContent,
          breakevens: [...root.querySelectorAll(".mark.breakeven")].map(mark),
        };
      });
      assert.ok(chart.width > 300 && chart.height > 150, `drawn ${chart.width}×${chart.height}`);
      assert.ok(chart.canvas && chart.canvas[0] > 300, "a canvas");
      assert.equal(chart.role, "img");
      assert.equal(chart.labelledBy, chart.captionId);
      assert.equal(btc.prices.length, 201);
      // uPlot draws the axes and their titles on the canvas; the caption says what they are
      assert.match(chart.caption, /^BTC P&L in USD against the index price/);
      // marks sit where their price is on the plot's price axis (the grid's first and last price at its edges)
      const xOf = (price) => ((price - btc.prices[0]) / (btc.prices.at(-1) - btc.prices[0])) * chart.overWidth;
      assert.equal(chart.index.length, 1);
      assert.equal(chart.index[0].price, btc.index);
      assert.ok(Math.abs(chart.index[0].x - xOf(btc.index)) < 1.5, `index line at ${chart.index[0].x}`);
      assert.match(chart.indexLabel, /94,250/);
      const inRange = btc.breakevens.filter((b) => b >= btc.prices[0] && b <= btc.prices.at(-1));
      assert.ok(inRange.length >= 1);
      assert.deepEqual(chart.breakevens.map((m) => m.price), inRange);
      chart.breakevens.forEach((m, i) => assert.ok(Math.abs(m.x - xOf(inRange[i])) < 1.5, `breakeven ${inRange[i]} at x ${m.x}`));
      const ys = chart.breakevens.map((m) => m.y);
      assert.ok(ys.every((y) => Math.abs(y - ys[0]) < 0.6), "breakevens sit on one (the zero) line");
      assert.match(chart.caption, /Breakevens at 2026-12-25: 103,136 USD/);
      assert.match(chart.caption, /max loss unbounded as the price rises/);
      // the chart library comes from the page's own origin
      assert.ok(requests.some((u) => u.endsWith("/vendor/uPlot.esm.js")));
    } finally {
      await page.close();
    }
  });

  test("Cancel during a 200 000-path run stops it: progress stops, no figures from that run; a later run works", async () => {
    const { page, problems } = await openPage();
    try {
      const before = await shownRun(page);
      const varBefore = await figure(page, "var");
      const running = await startHeavyRun(page);
      const worker = page.workers().find((w) => w.url() === `${b.origin}/pkg/worker.js`);
      assert.ok(worker, "the risk worker");
      const stopped = new Promise((ok) => worker.once("close", ok));
      assert.equal(await page.isEnabled("#risk-cancel"), true);
      await page.click("#risk-cancel");
      assert.equal(await riskState(page), "cancelled");
      await watchRisk(page);
      assert.match(await page.textContent("#risk-status"), /Cancelled/);
      const frozen = await page.getAttribute("#risk-progress", "data-fraction");
      assert.ok(Number(frozen) < 1, `stopped at ${frozen}`);
      await within(stopped, 5000, "the worker running it is terminated"); // WebAssembly cannot be interrupted otherwise
      // longer than the rest of the run would have taken
      await page.waitForTimeout(2500);
      assert.equal(await page.getAttribute("#risk-progress", "data-fraction"), frozen, "progress stopped");
      assert.equal(await riskState(page), "cancelled");
      assert.equal(await shownRun(page), before, "no figures from the cancelled run");
      assert.equal(await figure(page, "var"), varBefore);
      assert.deepEqual(await watched(page), { shown: [], states: [] }, "nothing happened after Cancel");
      // the figures on screen are of the earlier book: dimmed
      assert.equal(await page.$eval("#risk-results", (el) => el.classList.contains("pending")), true);
      assert.equal(await page.isDisabled("#risk-cancel"), true);

      // a later run works (a fresh worker): 200 000 paths of the same book over 1 day
      await page.fill("#risk-horizon", "1");
      await page.press("#risk-horizon", "Enter");
      await riskDone(page, before);
      const shown = await shownRun(page);
      assert.ok(shown > running, `figures of the later run (${shown}), not of the cancelled one (${running})`);
      const v = packageRisk(HEAVY_BOOK, { paths: 200000, horizonDays: 1 }).var;
      assert.equal(v.scenarios, 200000);
      assertShown(await figure(page, "var"), v.varUsd, "VaR of the later run");
      assertShown(await figure(page, "es"), v.esUsd, "ES of the later run");
      assert.match(await page.textContent("#risk-figures"), /200\s000 paths/);
      assert.equal(await page.$eval("#risk-results", (el) => el.classList.contains("pending")), false);
      assert.equal(await page.getAttribute("#risk-progress", "data-fraction"), "1");
      assert.deepEqual([...problems.console, ...problems.pageErrors], []);
    } finally {
      await page.close();
    }
  });

  test("typing in the book cancels the stale run and re-runs once the typing pauses", async () => {
    const { page } = await openPage();
    try {
      const before = await shownRun(page);
      const running = await startHeavyRun(page);
      await watchRisk(page);
      const text = "BTC-25DEC26-100000-C -10";
      await typeText(page, text); // key by key, faster than the debounce
      await riskDone(page, before);
      const { shown } = await watched(page);
      assert.ok(!shown.includes(running), `the stale run's figures never showed (${shown})`);
      assert.equal(await startedRun(page), running + 1, "one run for the whole burst of typing");
      assert.equal(await shownRun(page), running + 1);
      const v = packageRisk(text, { paths: 200000, horizonDays: HEAVY_HORIZON_DAYS }).var;
      assertShown(await figure(page, "var"), v.varUsd, "VaR of the typed book");
      assertShown(await figure(page, "es"), v.esUsd, "ES of the typed book");
      assert.deepEqual(await page.$$eval("#var-by-underlying tbody tr", (rs) => rs.map((r) => r.dataset.underlying)), ["BTC"]);
      assert.deepEqual(await page.$$eval("figure.payoff", (fs) => fs.map((f) => f.dataset.underlying)), ["BTC"]);

      // a bad line: no run, the figures are marked stale; fixing it back needs no new run
      const started = await startedRun(page);
      await appendLine(page, "BTC-32DEC26-1-C 1");
      assert.equal(await riskState(page), "stale");
      const r0 = await revision(page);
      await page.fill("#positions", text);
      await recomputed(page, r0);
      await page.waitForTimeout(DEBOUNCE_SLACK_MS);
      assert.equal(await riskState(page), "done");
      assert.equal(await startedRun(page), started, "the figures on screen are of this very book");
    } finally {
      await page.close();
    }
  });

  test("at phone width (390 px) nothing in the Risk section is cut off", async () => {
    const { page, problems } = await openPage("", { viewport: { width: 390, height: 844 } });
    try {
      assert.equal(await riskState(page), "done");
      await page.waitForSelector("figure.payoff .uplot canvas");
      const report = await page.evaluate(() => {
        const vw = document.documentElement.clientWidth;
        const out = { vw, pageWidth: document.documentElement.scrollWidth, outside: [], clipped: [] };
        const risk = document.getElementById("risk");
        for (const el of risk.querySelectorAll(".tile-label, .tile-value, .tile-note, td, th, input, select, button, progress, figcaption, .uplot, .payoff-marks span, .explain, .note, h2, h3, h4")) {
          const r = el.getBoundingClientRect();
          if (r.width === 0) continue;
          // in a scroll box, an element may lie beyond the screen (it scrolls into view); elsewhere it may not
          if (!el.closest(".scroll") && (r.left < -0.5 || r.right > vw + 0.5)) out.outside.push(`${el.tagName}.${el.getAttribute("class")} ${r.left}–${r.right}`);
          // its text fits its own box (nothing hidden behind an ellipsis or an overflow)
          if (!el.classList.contains("uplot") && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) out.clipped.push(`${el.tagName}.${el.getAttribute("class")} "${el.textContent.slice(0, 40)}" ${el.scrollWidth}>${el.clientWidth}`);
        }
        // the scenario's total P&L is visible without scrolling sideways
        const total = document.querySelector("#stress-table tbody td.total").getBoundingClientRect();
        out.totalRight = total.right;
        out.chartWidth = document.querySelector("figure.payoff .uplot").getBoundingClientRect().width;
        out.canvasWidth = document.querySelector("figure.payoff .uplot canvas").getBoundingClientRect().width;
        out.figureWidth = document.querySelector("figure.payoff").getBoundingClientRect().width;
        return out;
      });
      assert.equal(report.vw, 390);
      assert.equal(report.pageWidth, 390, "the page does not scroll sideways");
      assert.deepEqual(report.outside, [], "elements beyond the screen");
      assert.deepEqual(report.clipped, [], "clipped text");
      assert.ok(report.totalRight <= 390, `stress P&L column at ${report.totalRight}`);
      assert.ok(report.chartWidth <= report.figureWidth && report.chartWidth >= 260, `chart ${report.chartWidth} in ${report.figureWidth}`);
      assert.ok(report.canvasWidth >= 260 && report.canvasWidth <= report.figureWidth, `canvas ${report.canvasWidth}`);
      const v = packageRisk(pm.samplePositions()).var;
      assertShown(await figure(page, "var"), v.varUsd, "VaR on a phone");
      mkdirSync(new URL("tmp/", root), { recursive: true });
      await page.screenshot({ path: fileURLToPath(new URL("tmp/page-phone.png", root)), fullPage: true });
      assert.deepEqual([...problems.console, ...problems.pageErrors], []);
    } finally {
      await page.close();
    }
  });
});

/** The estimator text of the report appears on the page. */
function estimatorMatches(text, estimator) {
  return text.includes(estimator.var) && text.includes(estimator.es);
}
/** Longer than the page's debounce of a risk run (400 ms). */
const DEBOUNCE_SLACK_MS = 700;
