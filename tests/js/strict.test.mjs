// One strict reader behind both entry points (SPEC §2 "Bad input"): an unknown key or a key given
// twice, inserted at a random depth of a valid request, is BAD_REQUEST at the path where it was
// inserted — the same from the built package (computeReport on the JSON text) and from the native
// CLI (`portfolio-margin report -`: the error as JSON on stderr, exit code 2).
//
// Duplicates cannot live in a JS object, so every case is JSON text written here. Each iteration
// draws from its own PRNG seeded by (seed, iteration), so an iteration reproduces alone:
//   node --test tests/js/strict.test.mjs
//   STRICT_SEED=7 STRICT_N=2000 node --test tests/js/strict.test.mjs
//   STRICT_ONLY=123 node --test tests/js/strict.test.mjs          # one iteration, its text printed
//
// Needs pkg/ and target/release/portfolio-margin (scripts/build.sh builds both).
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
// the full build: it reads the analysis block strictly too (the margin-path build only its top level)
import { full as pm, fixture, readJson, goldenMarginFiles, prng, iterationSeed as seedOf } from "./pkg.mjs";

const SEED = Number(process.env.STRICT_SEED ?? 20261124);
const N = Number(process.env.STRICT_N ?? 400);
const ONLY = process.env.STRICT_ONLY === undefined ? null : Number(process.env.STRICT_ONLY);
const CLI = fileURLToPath(new URL("../../target/release/portfolio-margin", import.meta.url));

const iterationSeed = (i) => seedOf(SEED, i);

// ---------------------------------------------------------------------------------------------
// seed requests: the golden books, the fixture and the sample, each also with every optional
// block filled in (position objects, explicit instruments, a preset with overrides, an account, an
// analysis block), so that every depth has something to mutate
const bases = [
  { name: "sample", request: { positions: pm.samplePositions() } },
  { name: "fixture", request: fixture("deribit-pm-btc.json").request },
  ...goldenMarginFiles().map((f) => ({ name: `golden/${f}`, request: readJson(`tests/golden/margin/${f}`).request })),
];
const defaultMarket = pm.defaultMarket();

function positionObject(p, explicit) {
  const i = p.instrument;
  const o = { instrument: i.name, quantity: p.quantity, unit: p.unit };
  if (explicit && i.kind !== "spot") {
    o.instrument = { underlying: i.underlying, kind: i.kind, settlement: i.settlement };
    if (i.settlement === "linear") o.instrument.quote = i.settlementCurrency;
    if (i.expiry) o.instrument.expiry = i.expiry;
    if (i.strike !== undefined) o.instrument.strike = i.strike;
    if (i.optionType) o.instrument.optionType = i.optionType;
  }
  for (const k of ["mark", "iv", "entry"]) if (p[k] !== undefined) o[k] = p[k];
  return o;
}

function enriched(request) {
  const out = structuredClone(request);
  out.market ??= structuredClone(defaultMarket);
  const coins = Object.keys(out.market.underlyings);
  const parsed = pm.parsePositions(out.positions);
  out.positions = parsed.positions.map((p, i) => positionObject(p, i % 2 === 1));
  const preset = typeof out.model === "string" ? out.model : "deribit-pm";
  // overrides name fields of the preset's own kind
  const overrides = {
    "deribit-pm": { underlyings: { [coins[0]]: { priceRange: 0.16, volUp: 0.5 } }, currencies: { [coins[0]]: { mmFactor: 0.8 } } },
    span: { scanRanges: { [coins[0]]: 0.2 }, intraSpreadRate: 0.01 },
    "deribit-standard": { underlyings: { [coins[0]]: { futuresInitialBase: 0.03 } } },
  }[preset];
  out.model = { preset, overrides };
  out.account = { collateral: { [coins[0]]: 2, USDC: 5000 } };
  out.analysis = {
    var: { varConfidence: 0.99, horizonDays: 1, paths: 200, tails: { studentT: 5 } },
    stress: { include: ["ftx-2022"], custom: [{ name: "down", label: "down 20 %", moves: { default: -0.2 }, vol: { default: 0.1 } }] },
    payoff: { points: 41 },
  };
  return out;
}

const SEEDS = [...bases, ...bases.map(({ name, request }) => ({ name: `${name}+all`, request: enriched(request) }))];
// a pasted JSON array: its errors are at `[i]…` (the paths of pasted JSON text, SPEC §2)
const pastedJson = { name: "pasted JSON array", request: { positions: JSON.stringify(enriched(bases[0].request).positions) }, pasted: true };

// ---------------------------------------------------------------------------------------------
// where a key may go. Strict objects reject an unknown key; in maps (underlyings, futures,
// collateral, a new underlying row in overrides…) any name is an entry, so those only get
// duplicates. Every object gets duplicates. A model's overrides name fields of the preset: an
// unknown one is BAD_REQUEST too.
const STRICT = [[], ["market"], ["market", "underlyings", "*"], ["positions", "#"], ["positions", "#", "instrument"], ["model"], ["account"], ["analysis"],
  ["model", "overrides"], ["model", "overrides", "underlyings", "*"], ["model", "overrides", "currencies", "*"],
  ["analysis", "var"], ["analysis", "var", "tails"], ["analysis", "stress"], ["analysis", "stress", "custom", "#"], ["analysis", "payoff"]];
const matches = (pattern, path) =>
  pattern.length === path.length && pattern.every((p, i) => (p === "*" ? typeof path[i] === "string" : p === "#" ? typeof path[i] === "number" : p === path[i]));
const isStrict = (request, path) =>
  STRICT.some((pattern) => matches(pattern, path)) && !(path.length === 1 && path[0] === "model" && !("preset" in request.model));

function objectPaths(v, path = [], out = []) {
  if (v && typeof v === "object") {
    if (!Array.isArray(v)) out.push(path);
    for (const [k, x] of Object.entries(v)) objectPaths(x, [...path, Array.isArray(v) ? Number(k) : k], out);
  }
  return out;
}
const showPath = (path) => path.map((k, i) => (typeof k === "number" ? `[${k}]` : i ? `.${k}` : k)).join("");
const samePath = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

const UNKNOWN_KEYS = ["typo", "Positions", "asof", "Index", "quantityy", "colateral", "overide", "unit_", "iV", "x-extra", "clé", "💥", "preset2", "null"];
const VALUES = [1, 0, -1.5, 1e300, "x", "", null, true, false, [], {}, [1, 2], { a: 1 }, "BTC-PERPETUAL 1"];
const space = (r) => r.pick(["", "", " ", "\n", "\t", "  \r\n"]);

/**
 * JSON text of `value`, with one edit in the object at `target`: `{ unknown: key, value }` adds the
 * key, `{ duplicate: key, value }` writes the key a second time (with `value`, or its own value).
 */
function write(r, value, target, edit, path = []) {
  if (Array.isArray(value)) return `[${value.map((x, i) => space(r) + write(r, x, target, edit, [...path, i])).join(",")}${space(r)}]`;
  if (!value || typeof value !== "object") return JSON.stringify(value);
  const entry = (k, x) => `${space(r)}${JSON.stringify(k)}${space(r)}:${space(r)}${write(r, x, target, edit, [...path, k])}`;
  const entries = Object.entries(value).map(([k, x]) => entry(k, x));
  if (samePath(path, target)) {
    if ("unknown" in edit) {
      entries.splice(r.int(entries.length + 1), 0, entry(edit.unknown, edit.value));
    } else {
      const first = Object.keys(value).indexOf(edit.duplicate);
      const again = entry(edit.duplicate, "value" in edit ? edit.value : value[edit.duplicate]);
      entries.splice(first + 1 + r.int(entries.length - first), 0, again); // after the first one
    }
  }
  return `{${entries.join(",")}${space(r)}}`;
}

/** One case for iteration i (deterministic): { text, path, what }. */
function makeCase(i) {
  const r = prng(iterationSeed(i));
  const seed = r.chance(0.05) ? pastedJson : r.pick(SEEDS);
  let request = seed.request;
  let inner = null; // the pasted JSON array, mutated instead of the request
  if (seed.pasted) inner = JSON.parse(request.positions);
  const tree = inner ?? request;
  const paths = objectPaths(tree);
  const target = r.pick(paths);
  const object = target.reduce((o, k) => o[k], tree);
  const keys = Object.keys(object);
  const strict = !inner ? isStrict(request, target) : target.length === 1 || (target.length === 2 && target[1] === "instrument");
  let edit;
  if (strict && (!keys.length || r.chance(0.5))) {
    const unknown = r.pick(UNKNOWN_KEYS.filter((k) => !keys.includes(k)));
    edit = { unknown, value: r.pick(VALUES) };
  } else if (keys.length) {
    edit = { duplicate: r.pick(keys) };
    if (r.chance(0.4)) edit.value = r.pick(VALUES);
  } else {
    return makeCase(i + 1_000_000); // an empty map: nothing to duplicate, nothing unknown
  }
  const key = edit.unknown ?? edit.duplicate;
  const path = showPath([...target, key]);
  let text = write(r, tree, target, edit);
  if (inner) text = JSON.stringify({ ...request, positions: text });
  const what = `#${i} ${seed.name}: ${"unknown" in edit ? "unknown" : "duplicate"} key at ${path}`;
  return { text, path, what };
}

// ---------------------------------------------------------------------------------------------
function viaPackage(text) {
  try {
    pm.computeReport(text);
    return { ok: true };
  } catch (e) {
    return { code: e.code, path: e.path, message: e.message };
  }
}

function viaCli(text) {
  const run = spawnSync(CLI, ["report", "-"], { input: text, encoding: "utf8", maxBuffer: 64 << 20 });
  if (run.status === 0) return { ok: true };
  assert.equal(run.status, 2, `CLI exit code (stderr: ${run.stderr.slice(0, 300)})`);
  const e = JSON.parse(run.stderr.trim());
  return { code: e.code, path: e.path, message: e.message };
}

test("the CLI is built", () => {
  assert.ok(existsSync(CLI), `${CLI} is missing: run scripts/build.sh`);
});

test("every seed request is valid as JSON text, in the package and in the CLI", () => {
  for (const { name, request } of [...SEEDS, pastedJson]) {
    const text = JSON.stringify(request);
    assert.deepEqual(viaPackage(text), { ok: true }, `${name}: package`);
  }
  for (const { name, request } of [SEEDS[0], SEEDS.at(-1), pastedJson]) assert.deepEqual(viaCli(JSON.stringify(request)), { ok: true }, `${name}: CLI`);
});

test(`${N} unknown or repeated keys at random depths: BAD_REQUEST at the same path from both entry points`, () => {
  const counts = { unknown: 0, duplicate: 0 };
  const depths = new Set();
  for (let i = 0; i < N; i++) {
    if (ONLY !== null && i !== ONLY) continue;
    const c = makeCase(i);
    if (ONLY !== null) console.log(c.what, "\n", c.text);
    const fromPackage = viaPackage(c.text);
    const fromCli = viaCli(c.text);
    assert.deepEqual({ code: fromPackage.code, path: fromPackage.path }, { code: "BAD_REQUEST", path: c.path }, `${c.what} (package: ${fromPackage.message})`);
    assert.deepEqual({ code: fromCli.code, path: fromCli.path }, { code: "BAD_REQUEST", path: c.path }, `${c.what} (CLI: ${fromCli.message})`);
    counts[c.what.includes("unknown key") ? "unknown" : "duplicate"]++;
    depths.add(c.path.replace(/\[\d+\]/g, "[]").replace(/underlyings\.[^.]+/, "underlyings.X").split(".").slice(0, 3).join("."));
  }
  if (ONLY === null) {
    // the round reached both kinds and many places (a guard against a generator that degenerates)
    assert.ok(counts.unknown > N / 10 && counts.duplicate > N / 10, JSON.stringify(counts));
    assert.ok(depths.size > 20, [...depths].join(" "));
  }
});
