// The package through a bundler: Vite's JS API builds the consumer app in this folder (the package by
// name, top-level await init(), the worker helper); the output must hold the package's .wasm byte for
// byte and a bundled worker, and the built app must show the same margin as node, in headless Chromium.
//   node --test tests/vite-consumer/
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";
import * as pm from "../../pkg/portfolio_margin.js";

const root = new URL("../../", import.meta.url);
const wasmBytes = readFileSync(new URL("pkg/portfolio_margin_bg.wasm", root));
const fullWasmBytes = readFileSync(new URL("pkg/full/portfolio_margin_bg.wasm", root));
pm.initSync({ module: wasmBytes });
const config = fileURLToPath(new URL("vite.config.mjs", import.meta.url));
const dist = fileURLToPath(new URL("tmp/vite-consumer-dist/", root));
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const expected = pm.computeReport({ positions: "BTC-27DEC26-100000-C -10" }).margin.totalUsd.initial;

for (const f of ["worker.js", "worker-client.js"]) {
  const shipped = new URL(`pkg/${f}`, root);
  if (!existsSync(shipped) || readFileSync(shipped, "utf8") !== readFileSync(new URL(`js/${f}`, root), "utf8")) {
    throw new Error(`pkg/${f} is missing or older than js/${f}: run bash scripts/build.sh (it copies js/*.js into pkg/)`);
  }
}

const cleanup = [];
after(async () => { for (const f of cleanup.reverse()) await f(); });

let built = null;
test("vite build (es2022) bundles the app and the worker and ships both .wasm builds unchanged", async () => {
  const t0 = performance.now();
  await build({ configFile: config });
  const ms = performance.now() - t0;
  const assets = readdirSync(join(dist, "assets"));
  const wasm = assets.filter((f) => f.endsWith(".wasm"));
  const js = assets.filter((f) => f.endsWith(".js"));
  // the app loads the margin path, the worker the full build (pkg/full/)
  assert.equal(wasm.length, 2, `two .wasm assets (${assets.join(", ")})`);
  const shipped = wasm.map((f) => readFileSync(join(dist, "assets", f)));
  assert.ok(shipped.some((b) => b.equals(wasmBytes)), "one .wasm asset is byte-identical to pkg/portfolio_margin_bg.wasm");
  assert.ok(shipped.some((b) => b.equals(fullWasmBytes)), "the other is byte-identical to pkg/full/portfolio_margin_bg.wasm");
  const html = readFileSync(join(dist, "index.html"), "utf8");
  const entry = html.match(/<script type="module"[^>]*src="\.\/assets\/([^"]+\.js)"/)?.[1];
  assert.ok(entry && js.includes(entry), `index.html loads a bundled entry (${js.join(", ")})`);
  const worker = js.find((f) => f !== entry && readFileSync(join(dist, "assets", f), "utf8").includes("postMessage"));
  assert.ok(worker, "the worker is bundled as its own chunk");
  assert.ok(readFileSync(join(dist, "assets", entry), "utf8").includes(worker), "the entry starts the bundled worker");
  for (const f of js) assert.ok(!readFileSync(join(dist, "assets", f), "utf8").includes("data:application/wasm"), `${f}: no inlined wasm`);
  built = { ms };
  console.log(`vite build: ${ms.toFixed(0)} ms; assets ${assets.join(", ")}`);
});

test("the built app shows the package's margin, from the main thread and from the worker (Chromium)", { skip: !existsSync(CHROMIUM) && `no ${CHROMIUM}` }, async () => {
  assert.ok(built, "the build test ran first");
  const types = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".wasm": "application/wasm" };
  const server = createServer(async (req, res) => {
    const path = normalize(join(dist, decodeURIComponent(new URL(req.url, "http://x").pathname).replace(/\/$/, "/index.html")));
    try {
      if (!path.startsWith(dist)) throw new Error("outside");
      const body = await readFile(path);
      res.writeHead(200, { "content-type": types[extname(path)] ?? "application/octet-stream",
        "content-security-policy": "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; img-src data:" });
      res.end(body);
    } catch {
      res.writeHead(404).end("not found");
    }
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  cleanup.push(() => new Promise((ok) => server.close(ok)));
  const { chromium } = await import("playwright-core");
  const profile = mkdtempSync(join(tmpdir(), "pm-vite-"));
  cleanup.push(() => rmSync(profile, { recursive: true, force: true }));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  cleanup.push(() => context.close());
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("response", (r) => { if (r.status() >= 400) problems.push(`${r.url()}: HTTP ${r.status()}`); });
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForSelector("body[data-state=ready]", { timeout: 15000 });
  assert.equal(await page.textContent("#im"), String(expected));
  assert.equal(await page.textContent("#im-worker"), String(expected));
  assert.deepEqual(problems, []);
});
