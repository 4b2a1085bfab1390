// The package with no bundler, in real headless Chromium (Debian's /usr/bin/chromium via playwright-core):
// a plain page imports /pkg/portfolio_margin.js as an ES module, the golden margin cases give the same
// figures as in node, and the worker helper (/pkg/worker-client.js + /pkg/worker.js, a module Web
// Worker) computes off the main thread with progress events and typed errors.
//   node --test tests/browser/nobundler.test.mjs
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { startServer } from "../../scripts/serve.mjs";
import * as pm from "../../pkg/portfolio_margin.js";

const root = new URL("../../", import.meta.url);
pm.initSync({ module: readFileSync(new URL("pkg/portfolio_margin_bg.wasm", root)) });
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const readJson = (rel) => JSON.parse(readFileSync(new URL(rel, root), "utf8"));
const goldens = readdirSync(new URL("tests/golden/margin/", root)).filter((f) => f.endsWith(".json")).sort()
  .map((file) => ({ file, ...readJson(`tests/golden/margin/${file}`) }));

// the worker files are copied into pkg/ by scripts/build.sh; a stale copy would test old code
for (const f of ["worker.js", "worker-client.js"]) {
  const shipped = new URL(`pkg/${f}`, root);
  if (!existsSync(shipped) || readFileSync(shipped, "utf8") !== readFileSync(new URL(`js/${f}`, root), "utf8")) {
    throw new Error(`pkg/${f} is missing or older than js/${f}: run bash scripts/build.sh (it copies js/*.js into pkg/)`);
  }
}

// A plain consumer page: a module script importing the package by URL. Served (by page.route) at a
// path of the test server's origin, with the same strict CSP the app page gets.
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>portfolio-margin, no bundler</title></head>
<body><p>initial margin: <output id="im">…</output></p>
<script type="module">
  import init, { computeReport } from "/pkg/portfolio_margin.js";
  await init();
  const report = computeReport({ positions: "BTC-27DEC26-100000-C -10" });
  document.getElementById("im").textContent = String(report.margin.totalUsd.initial);
  document.body.dataset.state = "ready";
</script></body></html>`;
const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'";

let server, origin, context, profile, page;
const problems = { console: [], pageErrors: [], failed: [] };

before(async () => {
  server = await startServer(0, "127.0.0.1");
  origin = `http://127.0.0.1:${server.address().port}`;
  profile = mkdtempSync(join(tmpdir(), "pm-nobundler-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  // the inline module script needs its hash in the CSP (the page is ours; the package needs nothing inline)
  const { createHash } = await import("node:crypto");
  const inline = PAGE.match(/<script type="module">([\s\S]*?)<\/script>/)[1];
  const hash = `'sha256-${createHash("sha256").update(inline).digest("base64")}'`;
  await context.route(`${origin}/__nobundler.html`, (route) => route.fulfill({
    status: 200, contentType: "text/html; charset=utf-8", body: PAGE,
    headers: { "content-security-policy": CSP.replace("script-src 'self'", `script-src 'self' ${hash}`) },
  }));
  page = await context.newPage();
  page.on("console", (m) => { if (m.type() === "error") problems.console.push(m.text()); });
  page.on("pageerror", (e) => problems.pageErrors.push(e.message));
  page.on("requestfailed", (r) => problems.failed.push(`${r.url()}: ${r.failure()?.errorText}`));
  page.on("response", (r) => { if (r.status() >= 400) problems.failed.push(`${r.url()}: HTTP ${r.status()}`); });
  await page.goto(`${origin}/__nobundler.html`);
  await page.waitForSelector("body[data-state=ready]", { timeout: 15000 });
});

after(async () => {
  await context?.close();
  await new Promise((ok) => (server ? server.close(ok) : ok()));
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe("no bundler: the package as a plain ES module in Chromium", () => {
  test("a module script imports the package by URL and shows the margin", async () => {
    const shown = Number(await page.textContent("#im"));
    assert.equal(shown, pm.computeReport({ positions: "BTC-27DEC26-100000-C -10" }).margin.totalUsd.initial);
  });

  test("golden margin cases: initial and maintenance to 1e-9, and the whole report equals node's", async () => {
    const results = await page.evaluate(async (requests) => {
      const m = await import("/pkg/portfolio_margin.js");
      await m.default();
      return requests.map((request) => {
        try { return { report: m.computeReport(request) }; } catch (e) { return { error: `${e.code}: ${e.message}` }; }
      });
    }, goldens.map((c) => c.request));
    assert.equal(results.length, goldens.length);
    let identical = 0;
    goldens.forEach((c, i) => {
      const { report, error } = results[i];
      assert.ok(report, `${c.file}: ${error}`);
      const close = (a, e, what) => assert.ok(typeof a === "number" && Math.abs(a - e) <= 1e-9 * Math.max(1, Math.abs(e)), `${c.file} ${what}: ${a} vs ${e}`);
      assert.equal(report.margin.pools.length, c.expected.pools.length, `${c.file} pools`);
      c.expected.pools.forEach((exp, k) => {
        close(report.margin.pools[k].initial, exp.initial, `${exp.pool} initial`);
        close(report.margin.pools[k].maintenance, exp.maintenance, `${exp.pool} maintenance`);
      });
      close(report.margin.totalUsd.initial, c.expected.totalUsd.initial, "totalUsd.initial");
      close(report.margin.totalUsd.maintenance, c.expected.totalUsd.maintenance, "totalUsd.maintenance");
      assert.deepEqual(report, pm.computeReport(c.request), `${c.file}: browser and node reports differ`);
      identical++;
    });
    assert.equal(identical, goldens.length);
  });

  test("errors are Errors with code and line in the browser too", async () => {
    const e = await page.evaluate(async () => {
      const m = await import("/pkg/portfolio_margin.js");
      try { m.computeReport({ positions: "BTC-25DEC26-100000-C -10\nBTC-25DEX26-90000-P 5" }); return null; } catch (err) {
        return { isError: err instanceof Error, name: err.name, code: err.code, line: err.line, column: err.column, message: err.message };
      }
    });
    assert.deepEqual({ ...e, message: undefined }, { isError: true, name: "PortfolioMarginError", code: "UNKNOWN_INSTRUMENT", line: 2, column: 5, message: undefined });
  });
});

describe("the worker helper in a real module Web Worker", () => {
  test("a report arrives with progress events, equal to the direct call", async () => {
    const sample = pm.samplePositions();
    const out = await page.evaluate(async (positions) => {
      const { createRiskWorker } = await import("/pkg/worker-client.js");
      const stages = [];
      const risk = createRiskWorker("/pkg/worker.js", { onprogress: (p) => stages.push(`${p.method}:${p.stage}`) });
      try {
        const report = await risk.computeReport({ positions });
        const models = await risk.listModels();
        return { report, models, stages, isWorker: risk.worker instanceof Worker };
      } finally {
        risk.terminate();
      }
    }, sample);
    assert.ok(out.isWorker);
    assert.deepEqual(out.stages, ["computeReport:loading", "computeReport:computing", "computeReport:done", "listModels:computing", "listModels:done"]);
    assert.deepEqual(out.report, pm.computeReport({ positions: sample }));
    assert.deepEqual(out.models, pm.listModels());
  });

  test("an error from a bad line arrives as an Error with code, line and issues", async () => {
    const e = await page.evaluate(async () => {
      const { createRiskWorker } = await import("/pkg/worker-client.js");
      const risk = createRiskWorker(); // default URL: worker.js next to worker-client.js
      try {
        await risk.computeReport({ positions: "BTC-PERPETUAL 1000\nBTC-25DEX26-90000-P 5\nETH-PERPETUAL" });
        return null;
      } catch (err) {
        return { isError: err instanceof Error, name: err.name, code: err.code, line: err.line, column: err.column, message: err.message, issues: err.issues };
      } finally {
        risk.terminate();
      }
    });
    assert.ok(e, "the call should have rejected");
    assert.equal(e.isError, true);
    assert.equal(e.name, "PortfolioMarginError");
    assert.equal(e.code, "UNKNOWN_INSTRUMENT");
    assert.equal(e.line, 2);
    assert.equal(e.column, 5);
    assert.match(e.message, /line 2/);
    assert.deepEqual(e.issues.map((i) => [i.code, i.line]), [["UNKNOWN_INSTRUMENT", 2], ["BAD_LINE", 3]]);
  });

  test("the main thread keeps running while the worker values 20 000 positions", async () => {
    const lines = ["BTC-25DEC26-100000-C -1", "BTC-PERPETUAL 1000", "ETH-25DEC26-3000-P 2", "BTC_USDC-PERPETUAL -1.5", "SOL_USDC-29JAN27-260-C -3"];
    const positions = Array.from({ length: 20000 }, (_, i) => lines[i % lines.length]).join("\n");
    const out = await page.evaluate(async (positions) => {
      const { createRiskWorker } = await import("/pkg/worker-client.js");
      const risk = createRiskWorker();
      try {
        await risk.listModels(); // loaded
        let ticks = 0;
        let running = true;
        const tick = () => { if (running) { ticks++; setTimeout(tick, 0); } };
        tick();
        const t0 = performance.now();
        const report = await risk.computeReport({ positions });
        running = false;
        return { ticks, ms: performance.now() - t0, n: report.positions.length, initial: report.margin.totalUsd.initial };
      } finally {
        risk.terminate();
      }
    }, positions);
    assert.equal(out.n, 20000);
    assert.equal(out.initial, pm.computeReport({ positions }).margin.totalUsd.initial);
    assert.ok(out.ticks >= 3, `main thread ran ${out.ticks} timer ticks in ${out.ms.toFixed(0)} ms`);
    console.log(`20 000 positions in the worker: ${out.ms.toFixed(0)} ms, ${out.ticks} main-thread ticks meanwhile`);
  });

  test("a long analysis reports fractions, cancels with an AbortSignal, and the next call works", async () => {
    const out = await page.evaluate(async () => {
      const { createRiskWorker } = await import("/pkg/worker-client.js");
      const risk = createRiskWorker();
      try {
        const positions = "BTC-25DEC26-100000-C -10\nETH_USDC-PERPETUAL 50\nSOL_USDC-29JAN27-260-C -3";
        // progress: increasing fractions up to 1, then the report with its VaR
        const fractions = [];
        const done = await risk.computeReport({ positions, analysis: { var: { paths: 50000 } } },
          { onprogress: (p) => { if (p.fraction !== undefined) fractions.push(p.fraction); } });
        // cancel a 200 000-path run as soon as it reports progress (48 positions fully revalued:
        // within the bound of 10⁷ path revaluations, about a second)
        const ac = new AbortController();
        let cancelledAt = null;
        const big = risk.computeReport({ positions: Array(16).fill(positions).join("\n"), analysis: { var: { paths: 200000, revaluation: "full" } } },
          { signal: ac.signal, onprogress: (p) => { if (p.fraction !== undefined && cancelledAt === null) { cancelledAt = p.fraction; ac.abort(); } } });
        const outcome = await big.then(() => "resolved", (e) => e.name);
        // the module is usable afterwards (a fresh worker), with the same figures as before
        const after = await risk.computeReport({ positions, analysis: { var: { paths: 50000 } } });
        const already = await risk.computeReport({ positions }, { signal: AbortSignal.abort() }).then(() => "resolved", (e) => e.name);
        return { fractions, es: done.var.esUsd, outcome, cancelledAt, esAfter: after.var.esUsd, already };
      } finally {
        risk.terminate();
      }
    });
    assert.ok(out.fractions.length >= 3 && out.fractions.at(-1) === 1, JSON.stringify(out.fractions));
    assert.ok(out.fractions.every((f, i) => i === 0 || f > out.fractions[i - 1]));
    assert.equal(out.outcome, "AbortError");
    assert.ok(out.cancelledAt < 1, `cancelled at ${out.cancelledAt}`);
    assert.equal(out.esAfter, out.es);
    assert.equal(out.already, "AbortError");
  });

  test("the page stayed clean: no console errors, page errors or failed requests", () => {
    assert.deepEqual(problems, { console: [], pageErrors: [], failed: [] });
  });
});
