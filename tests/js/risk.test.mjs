// Risk beyond margin in the JS package (SPEC §4): the full build (pkg/full/) against the native CLI
// (the same seed gives the same figures to 1e-12 relative, another seed others), the numpy reference
// goldens through the package, progress fractions, and the margin-path build's NOT_COMPUTED.
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import pm, { full, readJson, assertClose } from "./pkg.mjs";

const CLI = fileURLToPath(new URL("../../target/release/portfolio-margin", import.meta.url));
const native = (request) => {
  const out = spawnSync(CLI, ["report", "-"], { input: JSON.stringify(request), encoding: "utf8", maxBuffer: 1 << 28 });
  assert.equal(out.status, 0, out.stderr);
  return JSON.parse(out.stdout);
};
const book = pm.samplePositions();
const request = (var_) => ({ positions: book, account: { collateral: { BTC: 1.5, ETH: 10, USDC: 20000 } }, analysis: { var: var_, stress: true, payoff: true } });

/** Every number of `a` within `rel` (relative, floor 1e-9 absolute) of `b`, recursively. */
function near(a, b, rel, what = "") {
  if (typeof b === "number") {
    assert.ok(Math.abs(a - b) <= rel * Math.max(Math.abs(b), 1e-9 / rel), `${what}: ${a} vs ${b}`);
  } else if (Array.isArray(b)) {
    assert.equal(a.length, b.length, what);
    b.forEach((x, i) => near(a[i], x, rel, `${what}[${i}]`));
  } else if (b && typeof b === "object") {
    assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort(), what);
    for (const k of Object.keys(b)) near(a[k], b[k], rel, `${what}.${k}`);
  } else {
    assert.deepEqual(a, b, what);
  }
}

test("the same seed gives the same VaR, ES, stress and payoff natively and in WebAssembly", () => {
  for (const v of [{ seed: 42 }, { seed: 7, tails: { studentT: 4 }, spotVolBeta: -1.5, horizonDays: 2, paths: 20000 },
    { method: "delta-gamma", horizonDays: 3 }, { revaluation: "full", paths: 3000 }]) {
    const r = request(v);
    const [js, cli] = [full.computeReport(r), native(r)];
    near(js.var, cli.var, 1e-12, `var ${JSON.stringify(v)}`);
    near(js.stress, cli.stress, 1e-12, "stress");
    near(js.payoff, cli.payoff, 1e-12, "payoff");
  }
  const a = full.computeReport(request({ seed: 1 })).var.esUsd;
  const b = full.computeReport(request({ seed: 2 })).var.esUsd;
  assert.notEqual(a, b);
});

test("the numpy reference goldens through the package (historical and delta-gamma)", () => {
  const dir = new URL("../golden/risk/", import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
  assert.ok(files.length >= 10, `${files.length} goldens`);
  for (const f of files) {
    const g = readJson(`tests/golden/risk/${f}`);
    const r = full.computeReport(g.request);
    for (const k of ["varUsd", "esUsd"]) {
      assert.ok(Math.abs(r.var[k] - g.expected.var[k]) <= 1e-9 * Math.max(1, Math.abs(g.expected.var[k])), `${f} ${k}: ${r.var[k]} vs ${g.expected.var[k]}`);
    }
  }
});

test("computeReport(request, onProgress) hears increasing fractions up to 1", () => {
  const seen = [];
  const r = full.computeReport({ positions: pm.samplePositions(), analysis: { var: { paths: 50000 } } }, (f) => seen.push(f));
  assert.ok(r.var.esUsd > 0);
  assert.ok(seen.length >= 3, JSON.stringify(seen));
  assert.ok(seen.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f > seen[i - 1])), JSON.stringify(seen));
  assert.equal(seen.at(-1), 1);
  // no callback: the same figures
  const again = full.computeReport({ positions: pm.samplePositions(), analysis: { var: { paths: 50000 } } });
  assert.equal(again.var.esUsd, r.var.esUsd);
});

test("the margin-path build reads analysis and says NOT_COMPUTED; its margin figures equal the full build's", () => {
  const r = { positions: book, analysis: { var: true } };
  const small = pm.computeReport(r);
  assert.equal(small.var, undefined);
  assert.ok(small.warnings.some((w) => w.code === "NOT_COMPUTED" && w.path === "analysis"));
  assert.deepEqual(small.margin, full.computeReport(r).margin);
  assert.throws(() => pm.computeReport({ positions: book, analysis: { typo: true } }), (e) => e.code === "BAD_REQUEST" && e.path === "analysis.typo");
  assert.equal(pm.computeReport({ positions: book }).warnings.length, full.computeReport({ positions: book }).warnings.length);
  void assertClose;
});
