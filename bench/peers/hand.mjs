// Peer (b): a careful hand-written Black-76 in JavaScript, what a strong engineer would write for
// the same job (SPEC §3.1 on the bench books): W. J. Cody's rational erfc (CALERF), the option's
// terms shared across the 35 cells (ln(F/K) and √T once per position, σ√T once per vol state,
// ln(1+m) once per pool), the options of a pool in typed arrays (structure of arrays), delta-one
// positions netted per pool before the sweep (their P&L is linear in their coin size).
import { prepareMarket, instrumentReader, vol, newPool, volShocks, extendedFactor, addRoll, assessPool, GREEK_NAMES, DERIBIT_PM } from "./common.mjs";

// W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969);
// the coefficients of his CALERF (netlib specfun), erfc branch.
const A = [3.1611237438705656, 113.864154151050156, 377.485237685302021, 3209.37758913846947, 0.185777706184603153];
const B = [23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062];
const C = [0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131, 881.95222124176909,
  1712.04761263407058, 2051.07837782607147, 1230.33935479799725, 2.15311535474403846e-8];
const D = [15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019, 3290.79923573345963,
  4362.61909014324716, 3439.36767414372164, 1230.33935480374942];
const P = [0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766,
  6.58749161529837803e-4, 0.0163153871373020978];
const Q = [2.56852019228982242, 1.87295284992346047, 0.527905102951428412, 0.0605183413124413191, 0.00233520497626869185];
const SQRPI = 0.56418958354775628695; // 1/√π

/** erfc(x), Cody's three ranges; about 1e-16 relative. */
export function erfc(x) {
  const y = Math.abs(x);
  let r;
  if (y <= 0.46875) {
    const z = y > 1.11e-16 ? y * y : 0;
    let num = A[4] * z, den = z;
    for (let i = 0; i < 3; i++) { num = (num + A[i]) * z; den = (den + B[i]) * z; }
    return 1 - (x * (num + A[3])) / (den + B[3]);
  } else if (y <= 4) {
    let num = C[8] * y, den = y;
    for (let i = 0; i < 7; i++) { num = (num + C[i]) * y; den = (den + D[i]) * y; }
    r = (num + C[7]) / (den + D[7]);
  } else if (y >= 26.543) {
    r = 0;
  } else {
    const z = 1 / (y * y);
    let num = P[5] * z, den = z;
    for (let i = 0; i < 4; i++) { num = (num + P[i]) * z; den = (den + Q[i]) * z; }
    r = (SQRPI - (z * (num + P[4])) / (den + Q[4])) / y;
  }
  if (r !== 0) {
    const ys = Math.trunc(y * 16) / 16; // exp(−y²) split so that its rounding error stays small
    r *= Math.exp(-ys * ys) * Math.exp(-(y - ys) * (y + ys));
  }
  return x < 0 ? 2 - r : r;
}

const FRAC_1_SQRT_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 0.3989422804014327;
export const normCdf = (x) => 0.5 * erfc(-x * FRAC_1_SQRT_2);

/** Black-76 at rate 0 with ln(F/K) and σ√T given: the out-of-the-money side, the other by parity. */
export function price(f, k, lnFK, sd, call) {
  const d1 = lnFK / sd + 0.5 * sd, d2 = d1 - sd;
  const otmCall = f <= k;
  const otm = otmCall ? f * normCdf(d1) - k * normCdf(d2) : k * normCdf(-d2) - f * normCdf(-d1);
  const v = call === otmCall ? otm : call ? otm + (f - k) : otm + (k - f);
  return v > 0 ? v : 0;
}

const GREEKS = GREEK_NAMES.length;

/** The peer's figures for a pasted book: per pool the tables and margin, per underlying net Greeks. */
export function computeHand(text, market = prepareMarket(), model = DERIBIT_PM) {
  const read = instrumentReader(market);
  const pools = new Map();
  const greeks = new Map();
  const lines = text.split("\n");
  const cap = lines.length;
  for (const line of lines) {
    if (!line) continue;
    const sp = line.indexOf(" ");
    const name = line.slice(0, sp);
    const q = +line.slice(sp + 1);
    const inst = read(name);
    const und = market.underlyings[inst.underlying];
    const S = und.index;
    const poolName = inst.linear ? inst.underlying + "_USDC" : inst.underlying;
    let pool = pools.get(poolName);
    if (!pool) {
      pool = newPool(poolName, inst.underlying, inst.linear, S, model);
      // options in structure of arrays, sized for the whole book
      Object.assign(pool, { n: 0, f: new Float64Array(cap), k: new Float64Array(cap), lnFK: new Float64Array(cap), sqrtT: new Float64Array(cap),
        sig: new Float64Array(cap * 3), q: new Float64Array(cap), base: new Float64Array(cap), call: new Uint8Array(cap), coin: 0, coinAbs: 0 });
      pools.set(poolName, pool);
    }
    let g = greeks.get(inst.underlying);
    if (!g) greeks.set(inst.underlying, (g = new Float64Array(GREEKS)));
    if (inst.kind === "option") {
      const t = inst.t, K = inst.strike;
      const F = und.forward(t);
      const sigma = vol(und, t, K, F);
      const sqrtT = Math.sqrt(t), sd = sigma * sqrtT, lnFK = Math.log(F / K);
      const base = price(F, K, lnFK, sd, inst.call);
      const [up, down] = volShocks(pool.pp, sigma, t * 365);
      const i = pool.n++;
      pool.f[i] = F; pool.k[i] = K; pool.lnFK[i] = lnFK; pool.sqrtT[i] = sqrtT; pool.q[i] = q; pool.base[i] = base; pool.call[i] = inst.call ? 1 : 0;
      pool.sig[3 * i] = up; pool.sig[3 * i + 1] = sigma; pool.sig[3 * i + 2] = down;
      // Greeks per coin (rate 0), then the position's share, perpetual-equivalent (SPEC §1)
      const d1 = lnFK / sd + 0.5 * sd, d2 = d1 - sd;
      const pdf = INV_SQRT_2PI * Math.exp(-0.5 * d1 * d1);
      const delta = inst.call ? normCdf(d1) : -normCdf(-d1);
      const vega = (F * pdf * sqrtT) / 100;
      const fs = F / S;
      g[0] += q * delta * fs;
      g[2] += (q * pdf * fs * fs) / (F * sd);
      g[4] += q * vega;
      g[5] += (q * (-F * pdf * sigma) / (2 * sqrtT)) / 365;
      g[6] += (q * (-t * base)) / 100;
      g[7] += (q * ((-pdf * d2) / sigma / 100)) * fs;
      g[8] += (q * ((vega * d1 * d2) / sigma)) / 100;
      const own = inst.linear ? q * delta * fs : q * (delta - base / F); // pool delta: deltaCoinAccount in inverse pools
      pool.delta += own;
      pool.deltaGross += Math.abs(own);
      if (q <= 0) pool.longOptionsOnly = false;
      pool.optionValue += inst.linear ? q * base : (q * base) / F;
    } else {
      const perpetual = inst.kind === "perpetual";
      const F = perpetual ? S : und.forward(inst.t);
      const coin = inst.linear ? q : q / F; // inverse futures and perpetuals: USD notional
      g[0] += (coin * F) / S;
      const own = inst.linear ? (coin * F) / S : coin;
      pool.delta += own;
      pool.deltaGross += Math.abs(own);
      addRoll(pool, perpetual, inst.t, coin);
      // P&L is linear in the coin size: inverse N/F·m/(1+m), linear q·F·m; netted before the sweep
      const size = inst.linear ? q * F : coin;
      pool.coin += size;
      pool.coinAbs += Math.abs(size);
      pool.longOptionsOnly = false;
    }
  }
  const out = { pools: {}, greeks: {} };
  for (const pool of pools.values()) {
    sweep(pool);
    out.pools[pool.name] = assessPool(pool);
  }
  for (const [u, g] of greeks) {
    const S = market.underlyings[u].index;
    g[1] = g[0] * S;
    g[3] = (g[2] * S * S) / 100;
    out.greeks[u] = Object.fromEntries(GREEK_NAMES.map((k, i) => [k, g[i]]));
  }
  return out;
}

/** The 27 + 8 cells of every option of the pool, and the netted delta-one P&L. */
function sweep(pool) {
  const { pp, agg, gross, inverse } = pool;
  const moves = pp.moves, ext = pp.extended, n = moves.length, ne = ext.length, r = pp.r;
  const lnM = Float64Array.from(moves, Math.log1p), lnE = Float64Array.from(ext, Math.log1p);
  const mult = Float64Array.from(moves, (m) => 1 + m), multE = Float64Array.from(ext, (m) => 1 + m);
  const factor = Float64Array.from(ext, (m) => extendedFactor(m, r, inverse));
  const { f, k, lnFK, sqrtT, sig, q, base, call } = pool;
  for (let i = 0; i < pool.n; i++) {
    const F = f[i], K = k[i], l = lnFK[i], st = sqrtT[i], qi = q[i], isCall = call[i] === 1;
    const b = inverse ? base[i] / F : base[i];
    for (let v = 0; v < 3; v++) {
      const sd = sig[3 * i + v] * st;
      for (let j = 0; j < n; j++) {
        if (v === 1 && moves[j] === 0) continue; // the unchanged state at no move: 0
        const fm = F * mult[j];
        const value = price(fm, K, l + lnM[j], sd, isCall);
        const pnl = qi * (inverse ? value / fm - b : value - b);
        agg[v * n + j] += pnl;
        gross[v * n + j] += Math.abs(pnl);
      }
    }
    const sdUp = sig[3 * i] * st;
    for (let e = 0; e < ne; e++) {
      const fm = F * multE[e];
      const value = price(fm, K, l + lnE[e], sdUp, isCall);
      const pnl = qi * (inverse ? value / fm - b : value - b) * factor[e];
      agg[3 * n + e] += pnl;
      gross[3 * n + e] += Math.abs(pnl);
    }
  }
  // delta-one: one netted size per pool
  const unit = (m) => (inverse ? m / (1 + m) : m);
  for (let v = 0; v < 3; v++) {
    for (let j = 0; j < n; j++) {
      agg[v * n + j] += pool.coin * unit(moves[j]);
      gross[v * n + j] += pool.coinAbs * Math.abs(unit(moves[j]));
    }
  }
  for (let e = 0; e < ne; e++) {
    agg[3 * n + e] += pool.coin * unit(ext[e]) * factor[e];
    gross[3 * n + e] += pool.coinAbs * Math.abs(unit(ext[e]) * factor[e]);
  }
}
