// The worker helper (js/worker.js + js/worker-client.js, shipped in pkg/) under node.
// Node's worker_threads Worker is not a Web Worker, so a small shim gives the worker script the
// Web Worker globals it uses (self.onmessage, self.postMessage, fetch of its file: URL). The same
// files run in a real module Web Worker in tests/browser/nobundler.test.mjs.
//   node --test tests/js/worker.test.mjs
import test, { after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { Worker as NodeWorker } from "node:worker_threads";
import pm from "./pkg.mjs";

const root = new URL("../../", import.meta.url);
for (const f of ["worker.js", "worker-client.js"]) {
  const shipped = new URL(`pkg/${f}`, root);
  const source = readFileSync(new URL(`js/${f}`, root), "utf8");
  if (!existsSync(shipped) || readFileSync(shipped, "utf8") !== source) {
    throw new Error(`pkg/${f} is missing or older than js/${f}: run bash scripts/build.sh (it copies js/*.js into pkg/)`);
  }
}

// --- a Web Worker on top of worker_threads (just what worker-client.js and worker.js use) ---------
const BOOT = `
const { parentPort, workerData } = require("node:worker_threads");
const { readFile } = require("node:fs/promises");
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const url = String(input?.url ?? input);
  if (!url.startsWith("file:")) return realFetch(input, init);
  return new Response(await readFile(new URL(url)), { headers: { "content-type": "application/wasm" } });
};
globalThis.self = globalThis;
globalThis.postMessage = (m) => parentPort.postMessage(m);
let handler = null;
const queue = [];
Object.defineProperty(globalThis, "onmessage", {
  get: () => handler,
  set: (fn) => { handler = fn; while (handler && queue.length) handler({ data: queue.shift() }); },
});
parentPort.on("message", (data) => (handler ? handler({ data }) : queue.push(data)));
import(workerData.url).catch((e) => setTimeout(() => { throw e; }));
`;
const live = new Set();
class WebWorkerShim {
  #w;
  constructor(url, options) {
    assert.equal(options?.type, "module", "the client starts a module worker");
    this.onmessage = this.onerror = this.onmessageerror = null;
    this.#w = new NodeWorker(BOOT, { eval: true, workerData: { url: String(url) } });
    live.add(this.#w);
    this.#w.on("message", (data) => this.onmessage?.({ data }));
    this.#w.on("error", (error) => this.onerror?.({ message: error.message, error, preventDefault() {} }));
    this.#w.on("messageerror", () => this.onmessageerror?.({}));
    this.#w.on("exit", () => live.delete(this.#w));
  }
  postMessage(m) { this.#w.postMessage(m); }
  terminate() { this.#w.terminate(); }
}
globalThis.Worker ??= WebWorkerShim;
after(() => { for (const w of live) w.terminate(); });

const { createRiskWorker } = await import("../../pkg/worker-client.js");
const SAMPLE = { positions: pm.samplePositions() };

test("a report computed in the worker equals the direct call, with progress events in order", async () => {
  const stages = [];
  const risk = createRiskWorker({ onprogress: (p) => stages.push([p.id, p.method, p.stage]) });
  try {
    const report = await risk.computeReport(SAMPLE);
    assert.deepEqual(report, pm.computeReport(SAMPLE));
    assert.deepEqual(stages, [[1, "computeReport", "loading"], [1, "computeReport", "computing"], [1, "computeReport", "done"]]);
    stages.length = 0;
    await risk.computeReport(SAMPLE); // loaded now: no "loading"
    assert.deepEqual(stages.map((s) => s[2]), ["computing", "done"]);
  } finally {
    risk.terminate();
  }
});

test("every package function is proxied", async () => {
  const risk = createRiskWorker();
  try {
    const opt = { forward: 95000, strike: 100000, tYears: 0.25, sigma: 0.5, callPut: "call" };
    const price = pm.priceOption(opt).price;
    const cases = {
      listModels: [], defaultMarket: [], samplePositions: [], version: [],
      parsePositions: ["BTC-PERPETUAL 1000\nNOPE-X 1"], priceOption: [opt],
      impliedVol: [{ price, forward: 95000, strike: 100000, tYears: 0.25, callPut: "call" }],
      marginImpact: [SAMPLE, "BTC-25DEC26-100000-C 1"],
    };
    const got = await Promise.all(Object.entries(cases).map(([m, args]) => risk[m](...args)));
    Object.entries(cases).forEach(([m, args], i) => assert.deepEqual(got[i], pm[m](...args), m));
  } finally {
    risk.terminate();
  }
});

test("errors arrive as Errors with code, line, column and issues", async () => {
  const risk = createRiskWorker();
  try {
    const e = await risk.computeReport({ positions: "BTC-25DEC26-100000-C -10\nBTC-25DEX26-90000-P 5\nBTC-PERPETUAL x" }).then(
      () => assert.fail("expected a rejection"), (err) => err);
    assert.ok(e instanceof Error);
    assert.equal(e.name, "PortfolioMarginError");
    assert.equal(e.code, "UNKNOWN_INSTRUMENT");
    assert.equal(e.line, 2);
    assert.equal(e.column, 5);
    assert.match(e.message, /line 2/);
    assert.deepEqual(e.issues.map((i) => [i.code, i.line]), [["UNKNOWN_INSTRUMENT", 2], ["BAD_NUMBER", 3]]);
    await assert.rejects(risk.computeReport({ positions: "BTC-PERPETUAL 1", market: { asOf: "2026-11-24T08:00:00Z", underlyings: { BTC: { index: -5 } } } }),
      (err) => err instanceof Error && err.code === "BAD_NUMBER" && err.path === "market.underlyings.BTC.index");
    await assert.rejects(risk.impliedVol({ price: 1, forward: 100, strike: 50, tYears: 1, callPut: "call" }), { code: "BELOW_INTRINSIC" });
    await assert.rejects(risk.noSuchFunction(), (err) => err instanceof Error && err.code === "BAD_REQUEST" && /noSuchFunction/.test(err.message));
    await assert.rejects(risk.initSync({}), { code: "BAD_REQUEST" });
    await assert.rejects(risk.computeReport({ positions: "BTC-PERPETUAL 1", f: () => 1 }), { code: "BAD_REQUEST" }); // not cloneable
    // the worker keeps working after errors
    assert.equal((await risk.computeReport({ positions: "BTC-PERPETUAL 1000" })).margin.pools.length, 1);
  } finally {
    risk.terminate();
  }
});

test("concurrent calls resolve to their own results; per-call progress", async () => {
  const risk = createRiskWorker();
  try {
    const texts = Array.from({ length: 20 }, (_, i) => `BTC-PERPETUAL ${1000 * (i + 1)}`);
    const reports = await Promise.all(texts.map((t) => risk.computeReport({ positions: t })));
    reports.forEach((r, i) => assert.equal(r.positions[0].quantity, 1000 * (i + 1)));
    const stages = [];
    const models = await risk.call("listModels", [], { onprogress: (p) => stages.push(p.stage) });
    assert.deepEqual(models, pm.listModels());
    assert.deepEqual(stages, ["computing", "done"]);
  } finally {
    risk.terminate();
  }
});

test("terminate rejects calls in flight and later calls; await on the client does not hang", async () => {
  const risk = createRiskWorker();
  assert.equal(await Promise.resolve(risk), risk); // not a thenable
  const inFlight = risk.computeReport(SAMPLE);
  risk.terminate();
  await assert.rejects(inFlight, { name: "AbortError" });
  await assert.rejects(risk.listModels(), { name: "AbortError" });
});

test("a worker script that fails to load rejects the call instead of hanging", async () => {
  const risk = createRiskWorker(new URL("pkg/no-such-worker.js", root));
  try {
    await assert.rejects(risk.listModels(), (e) => e instanceof Error && /worker failed/.test(e.message));
  } finally {
    risk.terminate();
  }
});

test("after an engine trap (fatal) the next call gets a fresh worker", async () => {
  // a stand-in worker: traps on "crash", otherwise answers with its instance id
  const fake = `data:text/javascript,${encodeURIComponent(`
    const me = Math.random();
    self.onmessage = ({ data: { id, method } }) => self.postMessage(method === "crash"
      ? { id, error: { name: "RuntimeError", message: "unreachable", fatal: true } }
      : { id, result: me });`)}`;
  const risk = createRiskWorker(fake);
  try {
    const first = await risk.whoami();
    assert.equal(await risk.whoami(), first);
    await assert.rejects(risk.crash(), (e) => e.name === "RuntimeError" && e.fatal === true);
    const second = await risk.whoami();
    assert.notEqual(second, first);
  } finally {
    risk.terminate();
  }
});
