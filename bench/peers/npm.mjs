// Peer (a): the same figures (SPEC §3.1 on the bench books) over what a JS user finds first on npm,
// the `black-scholes` (price) and `greeks` (delta, gamma, vega, theta) packages, written plainly:
// one object per position, one package call per cell and per Greek. At rate 0 their Black-Scholes
// on the spot is Black-76 on the forward (the forward passed as the spot). What the packages do not
// give is written beside them in one line each: rho of Black-76 (−T·V/100; the package's rho is
// Black-Scholes' K·T·N(d2), another quantity), vanna and volga (from the package's d1 and vega).
import { createRequire } from "node:module";
import { prepareMarket, instrumentReader, vol, newPool, volShocks, extendedFactor, addRoll, assessPool, GREEK_NAMES, DERIBIT_PM } from "./common.mjs";

const require = createRequire(import.meta.url);
const bs = require("black-scholes");
const greeksPkg = require("greeks");

const pdf = (x) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);

/** The peer's figures for a pasted book: per pool the tables and margin, per underlying net Greeks. */
export function computeNpm(text, market = prepareMarket(), model = DERIBIT_PM) {
  const read = instrumentReader(market);
  const pools = new Map();
  const greeks = {};
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const [name, qty] = line.trim().split(/\s+/);
    const q = Number(qty);
    const inst = read(name);
    const und = market.underlyings[inst.underlying];
    const S = und.index;
    const poolName = inst.linear ? inst.underlying + "_USDC" : inst.underlying;
    if (!pools.has(poolName)) pools.set(poolName, { ...newPool(poolName, inst.underlying, inst.linear, S, model), positions: [] });
    const pool = pools.get(poolName);
    greeks[inst.underlying] ??= Object.fromEntries(GREEK_NAMES.map((k) => [k, 0]));
    const g = greeks[inst.underlying];
    const F = inst.kind === "perpetual" ? S : und.forward(inst.t);
    const pos = { ...inst, q, F };
    if (inst.kind === "option") {
      const cp = inst.call ? "call" : "put";
      pos.sigma = vol(und, inst.t, inst.strike, F);
      pos.cp = cp;
      pos.price = bs.blackScholes(F, inst.strike, inst.t, pos.sigma, 0, cp);
      [pos.up, pos.down] = volShocks(pool.pp, pos.sigma, inst.t * 365);
      const args = [F, inst.strike, inst.t, pos.sigma, 0];
      const delta = greeksPkg.getDelta(...args, cp);
      const vega = greeksPkg.getVega(...args);
      const d1 = bs.getW(...args);
      const d2 = d1 - pos.sigma * Math.sqrt(inst.t);
      const fs = F / S;
      g.delta += q * delta * fs;
      g.gamma += q * greeksPkg.getGamma(...args) * fs * fs;
      g.vega += q * vega;
      g.theta += q * greeksPkg.getTheta(...args, cp);
      g.rho += q * (-inst.t * pos.price / 100);
      g.vanna += q * (-pdf(d1) * d2 / pos.sigma / 100) * fs;
      g.volga += q * (vega * d1 * d2 / pos.sigma / 100);
      const own = inst.linear ? q * delta * fs : q * (delta - pos.price / F);
      pool.delta += own;
      pool.deltaGross += Math.abs(own);
      if (q <= 0) pool.longOptionsOnly = false;
      pool.optionValue += inst.linear ? q * pos.price : q * pos.price / F;
    } else {
      pos.coin = inst.linear ? q : q / F;
      g.delta += pos.coin * F / S;
      const own = inst.linear ? pos.coin * F / S : pos.coin;
      pool.delta += own;
      pool.deltaGross += Math.abs(own);
      addRoll(pool, inst.kind === "perpetual", inst.t, pos.coin);
      pool.longOptionsOnly = false;
    }
    pool.positions.push(pos);
  }
  const out = { pools: {}, greeks: {} };
  for (const pool of pools.values()) {
    const { pp, inverse } = pool;
    for (const pos of pool.positions) {
      const cells = positionVector(pos, pp, inverse);
      cells.forEach((v, i) => {
        pool.agg[i] += v;
        pool.gross[i] += Math.abs(v);
      });
    }
    out.pools[pool.name] = assessPool(pool);
  }
  for (const [u, g] of Object.entries(greeks)) {
    const S = market.underlyings[u].index;
    g.deltaUsd = g.delta * S;
    g.gammaUsd1pct = g.gamma * S * S / 100;
    out.greeks[u] = g;
  }
  return out;
}

/** One position's P&L in every cell: 3 vol states × the price moves, then the extended moves. */
function positionVector(pos, pp, inverse) {
  const pnl = (m, sigma) => {
    if (pos.kind !== "option") return inverse ? pos.coin * (m / (1 + m)) : pos.q * pos.F * m;
    const fm = pos.F * (1 + m);
    const value = bs.blackScholes(fm, pos.strike, pos.t, sigma, 0, pos.cp);
    return inverse ? pos.q * (value / fm - pos.price / pos.F) : pos.q * (value - pos.price);
  };
  const out = [];
  for (const sigma of [pos.up, pos.sigma, pos.down]) {
    for (const m of pp.moves) out.push(m === 0 && sigma === pos.sigma ? 0 : pnl(m, sigma));
  }
  for (const m of pp.extended) out.push(pnl(m, pos.up) * extendedFactor(m, pp.r, inverse));
  return out;
}
