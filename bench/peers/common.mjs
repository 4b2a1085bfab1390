// What both JS peers share, written the way a careful JS engineer would: the pasted book read into
// positions, the market (index, forward curve, smiles) and the deribit-pm parameters read from the
// same data the package ships (data/default-market.json, src/margin/presets/deribit-pm.json), and the
// deribit-pm aggregation of SPEC §3.1 (cleaning, dampener, haircut, worst case, roll and delta
// shocks, the long-option cap). The peers differ in how they price: peer (a) through the npm
// `black-scholes` and `greeks` packages, peer (b) by hand (hand.mjs). Nothing here calls the package.
//
// Scope (what the peers compute, what the comparison reads): the generated books' instruments
// (inverse and linear options, inverse futures and perpetuals; quantities as pasted, no marks, ivs
// or entries), the embedded market (rate 0), the deribit-pm preset in segregated mode. Per pool:
// the 27-cell matrix (raw and as used), the extended table (raw and as used), worst case, roll
// shock, delta shock, initial and maintenance; per underlying: the net Greeks.
import { readFileSync } from "node:fs";

const root = new URL("../../", import.meta.url);
export const DEFAULT_MARKET = JSON.parse(readFileSync(new URL("data/default-market.json", root), "utf8"));
export const DERIBIT_PM = JSON.parse(readFileSync(new URL("src/margin/presets/deribit-pm.json", root), "utf8"));

const SECONDS_PER_YEAR = 365 * 86400;
const MONTHS = { JAN: 0, FEB: 1, MAR: 2, APR: 3, MAY: 4, JUN: 5, JUL: 6, AUG: 7, SEP: 8, OCT: 9, NOV: 10, DEC: 11 };
const expirySeconds = (y, m, d) => Date.UTC(y, m, d, 8) / 1000; // crypto expiries settle at 08:00 UTC

/** The market ready for lookups: per underlying the index, the basis curve and smiles in log-moneyness. */
export function prepareMarket(market = DEFAULT_MARKET) {
  if ((market.rate ?? 0) !== 0) throw new Error("the peers value at rate 0 (the venues' convention)");
  const asOf = Date.parse(market.asOf) / 1000;
  const underlyings = {};
  for (const [name, u] of Object.entries(market.underlyings)) {
    const index = u.index;
    const basis = Object.entries(u.futures ?? {})
      .map(([date, mark]) => {
        const t = (expirySeconds(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10)) - asOf) / SECONDS_PER_YEAR;
        return [t, Math.log(mark / index) / t];
      })
      .filter(([t]) => t > 0)
      .sort((a, b) => a[0] - b[0]);
    const und = { index, basis, carry: u.carry ?? 0, smiles: [] };
    und.forward = (t) => forward(und, t);
    for (const [date, points] of Object.entries(u.smiles ?? {})) {
      const t = (expirySeconds(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10)) - asOf) / SECONDS_PER_YEAR;
      if (t <= 0) continue;
      const f = und.forward(t);
      const pts = points.map(([k, iv]) => [Math.log(k / f), iv]).sort((a, b) => a[0] - b[0]);
      und.smiles.push({ t, k: pts.map((p) => p[0]), iv: pts.map((p) => p[1]) });
    }
    und.smiles.sort((a, b) => a.t - b.t);
    underlyings[name] = und;
  }
  return { asOf, underlyings };
}

function forward(und, t) {
  if (t <= 0) return und.index;
  const c = und.basis;
  let b = und.carry;
  if (c.length) {
    if (t <= c[0][0]) b = c[0][1];
    else if (t >= c[c.length - 1][0]) b = c[c.length - 1][1];
    else {
      let i = 1;
      while (c[i][0] <= t) i++;
      const [ta, ba] = c[i - 1], [tc, bc] = c[i];
      b = ba + ((bc - ba) * (t - ta)) / (tc - ta);
    }
  }
  return und.index * Math.exp(b * t);
}

function sliceVol(s, k) {
  const n = s.k.length;
  if (k <= s.k[0]) return s.iv[0];
  if (k >= s.k[n - 1]) return s.iv[n - 1];
  let i = 1;
  while (s.k[i] <= k) i++;
  return s.iv[i - 1] + ((s.iv[i] - s.iv[i - 1]) * (k - s.k[i - 1])) / (s.k[i] - s.k[i - 1]);
}

/** Smile vol: linear in log-moneyness (flat outside), linear in total variance across expiries. */
export function vol(und, t, strike, f) {
  const sm = und.smiles;
  const k = Math.log(strike / f);
  if (t <= sm[0].t) return sliceVol(sm[0], k);
  if (t >= sm[sm.length - 1].t) return sliceVol(sm[sm.length - 1], k);
  let i = 1;
  while (sm[i].t <= t) i++;
  const a = sm[i - 1], b = sm[i];
  const wa = sliceVol(a, k) ** 2 * a.t;
  const wb = sliceVol(b, k) ** 2 * b.t;
  return Math.sqrt((wa + ((wb - wa) * (t - a.t)) / (b.t - a.t)) / t);
}

/** An instrument name (Deribit style) as { underlying, linear, kind, t, strike, call }; cached by name. */
export function instrumentReader(market) {
  const cache = new Map();
  return (name) => {
    let inst = cache.get(name);
    if (inst) return inst;
    const parts = name.split("-");
    const [underlying, quote] = parts[0].split("_");
    const linear = quote !== undefined;
    if (parts[1] === "PERPETUAL") inst = { underlying, linear, kind: "perpetual", t: 0, strike: 0, call: false };
    else {
      const e = parts[1];
      const day = parseInt(e, 10);
      const at = e.length - 5;
      const t = (expirySeconds(2000 + +e.slice(at + 3), MONTHS[e.slice(at, at + 3)], day) - market.asOf) / SECONDS_PER_YEAR;
      inst = parts.length === 2
        ? { underlying, linear, kind: "future", t, strike: 0, call: false }
        : { underlying, linear, kind: "option", t, strike: +parts[2].replace("d", "."), call: parts[3] === "C" };
    }
    if (!(inst.t >= 0) || (inst.kind !== "perpetual" && inst.t === 0)) throw new Error(`${name}: the peers value live instruments only`);
    cache.set(name, inst);
    return inst;
  };
}

/** The pool's parameters under the preset (SPEC §3.1): its underlying's shocks and its currency's figures. */
export function poolParams(underlying, linear, model = DERIBIT_PM) {
  const shock = model.underlyings[underlying] ?? model.underlyings.default;
  const cur = model.currencies[linear ? "USD" : underlying] ?? model.currencies.default;
  const n = model.pricePoints, half = (n - 1) / 2, r = shock.priceRange;
  const moves = Array.from({ length: n }, (_, j) => ((j - half) * r) / half);
  return { shock, cur, r, moves, extended: model.extendedMoves, refDays: model.volShockReferenceDays, cutoffDays: model.vegaPowerCutoffDays, minDown: model.minVolDownFactor };
}

/** Term-scaled vol shocks (SPEC §3.1 step 1): [σ_up, σ_down]. */
export function volShocks(pp, sigma, dteDays) {
  const d = Math.max(dteDays, 1);
  const p = d < pp.cutoffDays ? pp.shock.vegaPowerShort : pp.shock.vegaPowerLong;
  const s = Math.pow(pp.refDays / d, p);
  const up = Math.max(sigma * (1 + pp.shock.volUp * s), pp.shock.minVolForShockUp);
  const down = sigma * Math.max(1 - pp.shock.volDown * s, pp.minDown);
  return [up, down];
}

/** Weight R/|m| of an extended move, re-expressed at the edge price in inverse pools. */
export const extendedFactor = (m, r, inverse) => (inverse ? ((r / Math.abs(m)) * (1 + m)) / (1 + Math.sign(m) * r) : r / Math.abs(m));

const cleaned = (net, gross) => (Math.abs(net) <= 1e-12 * gross ? 0 : net);

/**
 * SPEC §3.1 steps 4–10 on a pool's aggregated cells. `agg`, `gross`: 3n standard cells (vol up,
 * unchanged, down) then the extended ones; `pool` holds the contingency sums the pricing loop gathered.
 */
export function assessPool(pool) {
  const { pp, agg, gross, inverse, index } = pool;
  const n = pp.moves.length, cells = agg.length, r = pp.r, cur = pp.cur;
  const raw = new Float64Array(cells), used = new Float64Array(cells);
  let worst = 0;
  for (let i = 0; i < cells; i++) {
    const a = cleaned(agg[i], gross[i]);
    raw[i] = a;
    let v = a;
    if (i >= 3 * n) {
      const m = pp.extended[i - 3 * n];
      const usd = (Math.abs(m) / r - 1) * cur.extendedDampener;
      const damp = Math.max(inverse ? usd / ((1 + Math.sign(m) * r) * index) : usd, 0);
      if (damp > 0) v = Math.sign(v) * Math.max(Math.abs(v) - damp, 0) + 0;
    }
    if (v > 0) v *= cur.pnlOffset;
    used[i] = v;
    if (-v > worst) worst = -v;
  }
  // 8. roll shock per futures expiry (perpetuals at the floor)
  let roll = 0;
  for (const b of pool.rollBuckets.values()) {
    const rate = b.perpetual ? cur.minAnnualisedMove : Math.max(cur.minAnnualisedMove, Math.exp(cur.annualisedMoveRisk * b.t) - 1);
    roll += Math.abs(cleaned(b.coin, b.gross)) * rate;
  }
  if (!inverse) roll *= index;
  // 9. delta shock on the pool's net delta in its own terms
  const d = cleaned(pool.delta, pool.deltaGross);
  const excess = Math.max(Math.abs(d) * index - cur.deltaTotalLiqShockThreshold, 0);
  const rate = Math.min(cur.maxDeltaShock, (pp.shock.deltaShockPerCoin / index + pp.shock.deltaShockPerUsd) * excess);
  const deltaShock = rate * Math.abs(d) * (inverse ? 1 : index);
  // 10. a pool of long options only never needs more than their value
  const uncapped = worst + roll + deltaShock;
  const initial = pool.longOptionsOnly && pool.optionValue < uncapped ? pool.optionValue : uncapped;
  return {
    matrixRaw: raw.subarray(0, 3 * n), matrix: used.subarray(0, 3 * n),
    extendedRaw: raw.subarray(3 * n), extended: used.subarray(3 * n),
    worstCase: worst, rollShock: roll, deltaShock, initial, maintenance: cur.mmFactor * initial,
  };
}

/** A fresh pool accumulator (the pricing loops fill agg, gross and the contingency sums). */
export function newPool(name, underlying, linear, index, model) {
  const pp = poolParams(underlying, linear, model);
  const cells = 3 * pp.moves.length + pp.extended.length;
  return {
    name, underlying, inverse: !linear, index, pp,
    agg: new Float64Array(cells), gross: new Float64Array(cells),
    rollBuckets: new Map(), delta: 0, deltaGross: 0, longOptionsOnly: true, optionValue: 0,
  };
}

/** Add a futures/perpetual position's coin quantity to its roll bucket. */
export function addRoll(pool, perpetual, t, coin) {
  const key = perpetual ? -1 : t;
  let b = pool.rollBuckets.get(key);
  if (!b) pool.rollBuckets.set(key, (b = { perpetual, t, coin: 0, gross: 0 }));
  b.coin += coin;
  b.gross += Math.abs(coin);
}

export const GREEK_NAMES = ["delta", "deltaUsd", "gamma", "gammaUsd1pct", "vega", "theta", "rho", "vanna", "volga"];
