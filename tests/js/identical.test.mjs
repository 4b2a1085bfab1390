// Bit-identical figures natively and in WebAssembly (docs/CONVENTIONS.md, "Bit-identical figures"):
// 10 200 random requests (about 10 000 valid) — random books drawn from a generated 3-underlying book and the
// sample, random sizes and signs, marks and vols, every margin model, cross mode and overrides,
// collateral accounts, perturbed markets — answered by the package and by one CLI process
// (`report --lines`); every number must carry the same bits, every error the same code and message.
//   IDENTICAL_N=50000 IDENTICAL_SEED=3 node --test tests/js/identical.test.mjs
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync, execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import pm, { fixture, prng } from "./pkg.mjs";

const N = Number(process.env.IDENTICAL_N ?? 10200); // about 10 000 of them valid
const SEED = Number(process.env.IDENTICAL_SEED ?? 11);
const cli = new URL("../../target/release/portfolio-margin", import.meta.url).pathname;

const generated = JSON.parse(execFileSync(cli, ["sample", "--generated", "300"], { encoding: "utf8" })).positions;
const LINES = [
  ...(typeof generated === "string" ? generated.split("\n") : generated.map((p) => `${p.instrument} ${p.quantity}`)),
  ...pm.samplePositions().split("\n"),
].map((l) => l.replace(/#.*/, "").trim()).filter((l) => l && !l.startsWith("#"));
const fxMarket = fixture("deribit-pm-btc.json").request.market;

function randomRequest(r) {
  const n = 1 + r.int(30);
  const lines = [];
  for (let i = 0; i < n; i++) {
    const [name, qty, ...rest] = r.pick(LINES).split(/\s+/);
    const q = Number.parseFloat(qty);
    const scale = r.chance(0.3) ? 10 ** (r.int(5) - 2) : 1;
    const unit = qty.replace(/^[-+0-9.e]+/, "");
    let line = `${name} ${(r.chance(0.3) ? -1 : 1) * q * scale}${unit}`;
    if (name.split("-").length === 4 && r.chance(0.2)) line += ` iv=${(0.2 + r.next()).toFixed(3)}`;
    lines.push([line, ...rest.filter((t) => t.startsWith("entry="))].join(" "));
  }
  const request = { positions: lines.join("\n") };
  switch (r.int(7)) {
    case 0: request.model = "deribit-standard"; break;
    case 1: request.model = "span"; break;
    case 2: request.model = { preset: "deribit-pm", overrides: { mode: "cross" } }; break;
    case 3: request.model = { preset: "deribit-pm", overrides: { underlyings: { BTC: { priceRange: 0.1 + 0.2 * r.next() } }, currencies: { BTC: { mmFactor: 0.5 + 0.4 * r.next() } } } }; break;
    default: break; // deribit-pm
  }
  if (r.chance(0.4)) {
    const collateral = {};
    for (const coin of ["BTC", "ETH", "USDC", "SOL"]) if (r.chance(0.5)) collateral[coin] = Number((10 ** (r.next() * 6 - 2)).toPrecision(6));
    request.account = { collateral };
  }
  if (r.chance(0.2) && !/ETH|SOL/.test(request.positions)) {
    const market = structuredClone(fxMarket);
    for (const u of Object.values(market.underlyings)) {
      u.index *= 0.5 + 1.5 * r.next();
      if (typeof u.iv === "number") u.iv *= 0.5 + r.next();
    }
    request.market = market;
  }
  return request;
}

function sameBits(actual, expected, path) {
  if (typeof expected === "number") {
    if (!Object.is(actual, expected)) return `${path}: ${actual} (wasm) vs ${expected} (native)`;
    return null;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return `${path}: array shape`;
    for (let i = 0; i < expected.length; i++) { const d = sameBits(actual[i], expected[i], `${path}[${i}]`); if (d) return d; }
    return null;
  }
  if (expected !== null && typeof expected === "object") {
    const ka = Object.keys(actual ?? {}), ke = Object.keys(expected);
    if (ka.join() !== ke.join()) return `${path}: keys ${ka} vs ${ke}`;
    for (const k of ke) { const d = sameBits(actual[k], expected[k], `${path}.${k}`); if (d) return d; }
    return null;
  }
  return actual === expected ? null : `${path}: ${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`;
}

/** The checked-in fuzz seeds of whole requests (fuzz/corpus/request/) that are JSON. */
function corpusRequests() {
  const dir = new URL("../../fuzz/corpus/request/", import.meta.url);
  return readdirSync(dir).flatMap((f) => {
    try { return [JSON.stringify(JSON.parse(readFileSync(new URL(f, dir), "utf8")))]; } catch { return []; }
  });
}

test(`${N} random valid requests: the package's figures carry the native bits`, { timeout: 600_000 }, () => {
  const r = prng(SEED);
  const corpus = corpusRequests();
  assert.ok(corpus.length >= 50);
  const texts = [...corpus, ...Array.from({ length: N }, () => JSON.stringify(randomRequest(r)))];
  const run = spawnSync(cli, ["report", "--lines", "-"], { input: texts.join("\n"), encoding: "utf8", maxBuffer: 1 << 30 });
  assert.equal(run.status, 0, run.stderr);
  const native = run.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(native.length, texts.length);
  let reports = 0;
  for (let i = 0; i < texts.length; i++) {
    let wasm;
    try {
      wasm = pm.computeReport(JSON.parse(texts[i]));
    } catch (e) {
      wasm = { error: { code: e.code, message: e.message } };
    }
    if (native[i].error) {
      assert.ok(wasm.error, `request ${i}: native error ${native[i].error.code}, wasm a report\n${texts[i]}`);
      assert.equal(wasm.error.code, native[i].error.code, `request ${i}`);
      assert.equal(wasm.error.message, native[i].error.message, `request ${i}`);
      continue;
    }
    assert.ok(!wasm.error, `request ${i}: wasm error ${wasm.error?.code} ${wasm.error?.message}\n${texts[i]}`);
    const d = sameBits(wasm, native[i], "$");
    assert.equal(d, null, `request ${i}: ${d}\n${texts[i]}`);
    reports += 1;
  }
  console.log(`identical: ${reports} reports and ${texts.length - reports} errors (${corpus.length} fuzz seeds, ${N} random), every number bit-identical`);
  assert.ok(reports >= 0.9 * N, `only ${reports} of ${N} requests were valid`);
});
