// The bad-input corpus (tests/bad-inputs/cases.jsonl, issue #17) through the JS package (the full
// build, which has what the native CLI has) and the native CLI: every case has its expected code
// and place (or warning), and the two entry points give the same outcome, message and issues
// included. Needs pkg/ and target/release/portfolio-margin (scripts/build.sh builds both).
import test from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import pm, { full } from "./pkg.mjs";

const CLI = fileURLToPath(new URL("../../target/release/portfolio-margin", import.meta.url));
const cases = readFileSync(new URL("../bad-inputs/cases.jsonl", import.meta.url), "utf8")
  .split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));

// the generators of tests/bad_inputs.rs, the same texts
const generators = {
  "text-10mb": () => {
    const line = "BTC-PERPETUAL 1\n";
    return JSON.stringify({ positions: line.repeat(Math.floor((10 * 1024 * 1024) / line.length) + 1) });
  },
  "request-17mb": () => `{"positions": "", "pad": "${"x".repeat(17 * 1024 * 1024)}"}`,
  "positions-20001": () => JSON.stringify({ positions: "BTC-PERPETUAL 1\n".repeat(20001) }),
  "objects-20001": () => JSON.stringify({ positions: Array.from({ length: 20001 }, () => ({ instrument: "BTC-PERPETUAL", quantity: 1 })) }),
  "underlyings-201": () => JSON.stringify({ positions: "", market: { asOf: "2026-11-24", underlyings: Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`U${i}`, { index: 1 }])) } }),
  "smile-501": () => JSON.stringify({ positions: "", market: { asOf: "2026-11-24", underlyings: { BTC: { index: 94250, smiles: { "2026-12-25": Array.from({ length: 501 }, (_, i) => [1000 + 100 * i, 0.5]) } } } } }),
  "deep-nesting": () => "[".repeat(100000),
  "mc-5001": () => JSON.stringify({ positions: "BTC-PERPETUAL 1\n".repeat(5001), analysis: { var: { paths: 10000 } } }),
  "es-5001": () => JSON.stringify({ positions: "BTC-PERPETUAL 1\n".repeat(5001), model: "es-margin" }),
  "payoff-10000": () => JSON.stringify({ positions: "BTC-PERPETUAL 1\n".repeat(10000), analysis: { payoff: { points: 201 } } }),
  "book-81-account": () => JSON.stringify({ positions: "BTC-PERPETUAL 1\n".repeat(81), account: { collateral: { BTC: 1 } } }),
};

/** What the package gets (an object where the case has one, else text) and what the CLI reads. */
function inputs(c) {
  if (c.raw !== undefined) return { js: c.raw, text: c.raw };
  if (c.request !== undefined) return { js: c.request, text: JSON.stringify(c.request) };
  const text = generators[c.generate]();
  return { js: text, text };
}

const plainError = (e) => {
  const out = { code: e.code, message: e.message };
  for (const k of ["line", "column", "path"]) if (e[k] !== undefined && e[k] !== null) out[k] = e[k];
  out.issues = (e.issues ?? []).map((i) => {
    const o = { code: i.code, message: i.message };
    for (const k of ["line", "column", "path"]) if (i[k] !== undefined && i[k] !== null) o[k] = i[k];
    return o;
  });
  return out;
};

function viaPackage(request) {
  try {
    return { warnings: full.computeReport(request).warnings };
  } catch (e) {
    assert.ok(e instanceof Error && typeof e.code === "string", `a PortfolioMarginError, got ${e}`);
    return { error: plainError(e) };
  }
}

function viaCli(text) {
  const run = spawnSync(CLI, ["report", "-"], { input: text, encoding: "utf8", maxBuffer: 256 << 20 });
  if (run.status === 0) return { warnings: JSON.parse(run.stdout).warnings };
  assert.equal(run.status, 2, `CLI exit code (stderr: ${run.stderr.slice(0, 300)})`);
  return { error: plainError(JSON.parse(run.stderr.trim())) };
}

const has = (got, want) => Object.entries(want).every(([k, v]) => got?.[k] === v);

test("the corpus is large enough and the CLI is built", () => {
  assert.ok(cases.length >= 150, `${cases.length} cases`);
  assert.ok(existsSync(CLI), `${CLI} is missing: run scripts/build.sh`);
});

test(`${cases.length} corpus cases: the expected outcome, identical in the package and the CLI`, () => {
  const failures = [];
  for (const c of cases) {
    const { js, text } = inputs(c);
    const t0 = performance.now();
    const fromPackage = viaPackage(js);
    const ms = performance.now() - t0;
    if (ms > 3000) failures.push(`${c.name}: ${ms.toFixed(0)} ms in the package`);
    const fromCli = viaCli(text);
    try {
      assert.deepEqual(fromPackage, fromCli);
    } catch {
      failures.push(`${c.name}: package ${JSON.stringify(fromPackage).slice(0, 300)} ≠ CLI ${JSON.stringify(fromCli).slice(0, 300)}`);
      continue;
    }
    if (c.error) {
      if (!has(fromPackage.error, c.error)) failures.push(`${c.name}: expected ${JSON.stringify(c.error)}, got ${JSON.stringify(fromPackage).slice(0, 300)}`);
    } else if (!fromPackage.warnings?.some((w) => has(w, c.warning))) {
      failures.push(`${c.name}: expected warning ${JSON.stringify(c.warning)}, got ${JSON.stringify(fromPackage).slice(0, 300)}`);
    }
  }
  assert.deepEqual(failures, []);
});

// What only JS can send: numbers JSON cannot carry, and undefined.
test("NaN, ±Infinity and undefined from JS: BAD_NUMBER at the field, never 'missing' or ignored", () => {
  const expectError = (request, path, what) => {
    let e;
    try {
      full.computeReport(request);
    } catch (err) {
      e = err;
    }
    assert.ok(e, `${what}: no error`);
    assert.deepEqual({ code: e.code, path: e.path }, { code: "BAD_NUMBER", path }, `${what}: ${e.message}`);
    // the margin-path build reads requests with the same code
    assert.throws(() => pm.computeReport(request), (x) => x.code === e.code && x.path === e.path && x.message === e.message);
  };
  const p = (f) => ({ positions: [{ instrument: "BTC-25DEC26-100000-C", quantity: 1, ...f }] });
  const mk = (u) => ({ asOf: "2026-11-24", underlyings: { BTC: { index: 94250, iv: 0.5, ...u } } });
  for (const v of [NaN, Infinity, -Infinity]) {
    expectError(p({ quantity: v }), "positions[0].quantity", `quantity ${v}`);
    expectError(p({ iv: v }), "positions[0].iv", `iv ${v}`);
    expectError(p({ mark: v }), "positions[0].mark", `mark ${v}`);
    expectError(p({ entry: v }), "positions[0].entry", `entry ${v}`);
    expectError({ positions: "BTC-PERPETUAL 1", market: mk({ index: v }) }, "market.underlyings.BTC.index", `index ${v}`);
    expectError({ positions: "BTC-PERPETUAL 1", market: mk({ iv: v }) }, "market.underlyings.BTC.iv", `market iv ${v}`);
    expectError({ positions: "BTC-PERPETUAL 1", account: { collateral: { BTC: v } } }, "account.collateral.BTC", `collateral ${v}`);
  }
  expectError(p({ quantity: undefined }), "positions[0].quantity", "quantity undefined");
  const e = (() => { try { full.computeReport(p({ quantity: NaN })); } catch (x) { return x; } })();
  assert.match(e.message, /NaN is not a finite number/);
  // an optional field left undefined is absent, as in JSON.stringify
  assert.equal(full.computeReport(p({ iv: undefined })).positions.length, 1);
});
