// Market edits for a page or a script: the package's small JS helpers that turn a person's edits into
// a request `market` (SPEC §2). Pure data in, data out; the engine checks every value.
//
//   import { editMarket, mergeMarkets } from "portfolio-margin/market-edit.js";
//   const market = editMarket(defaultMarket(), { index: { BTC: 95000 }, iv: { ETH: 0.6 }, add: { XRP: { index: 2.31, iv: 0.8 } } });
//   const merged = mergeMarkets(defaultMarket(), marketFromDeribit(response));   // the full build's reader
//   const stressed = shiftMarket(market, { spot: -0.1, vol: 0.25 });            // every index −10 %, every vol +25 %

/** A deep copy of `base` with edits applied:
 * - `index[U]`: a new index for U; U's futures marks move in proportion, so that each expiry keeps its
 *   basis ln(F/S) (an index alone far from short-dated futures would imply an absurd carry, which the
 *   engine refuses); delivery prices of past expiries stay;
 * - `iv[U]`: a flat implied vol (decimal) for U, in place of its smile;
 * - `futures[U][date]`: a futures mark (USD) for one expiry of U, after the index edit (it replaces the
 *   mark that edit moved, or adds the expiry);
 * - `skew[U]`: a tilt of U's smile: every smile point's vol becomes `iv + skew·ln(K/S)` (S the index
 *   after the edit; negative skew: puts richer than calls), kept within [0.01, 20]. A flat vol (the
 *   market's or `iv[U]`) becomes a smile of 21 strikes `S·e^k`, k = −1…+1, at each of U's futures
 *   expiries and smile dates (none: the vol stays flat);
 * - `add[U]`: a new underlying `{ index, iv?, carry? }` (e.g. XRP for `XRP_USDC-…` lines).
 * A value that is not a finite number is passed on as it is, for the engine to refuse at its path. */
export function editMarket(base, { index = {}, iv = {}, add = {}, futures = {}, skew = {} } = {}) {
  const market = structuredClone(base);
  market.underlyings ??= {};
  for (const [u, s] of Object.entries(index)) {
    const x = market.underlyings[u];
    if (!x) continue;
    const old = x.index;
    if (Number.isFinite(s) && Number.isFinite(old) && old > 0 && s > 0 && x.futures) {
      for (const [date, f] of Object.entries(x.futures)) x.futures[date] = f * (s / old);
    }
    x.index = s;
  }
  for (const [u, vol] of Object.entries(iv)) {
    const x = market.underlyings[u];
    if (!x) continue;
    delete x.smiles;
    x.iv = vol;
  }
  for (const [u, marks] of Object.entries(futures)) {
    const x = market.underlyings[u];
    if (!x || !marks || typeof marks !== "object") continue;
    for (const [date, f] of Object.entries(marks)) (x.futures ??= {})[date] = f;
  }
  for (const [u, k] of Object.entries(skew)) {
    const x = market.underlyings[u];
    if (!x || !Number.isFinite(k) || k === 0 || !(x.index > 0)) continue;
    const s = x.index;
    const tilt = (strike, vol) => [strike, Math.min(20, Math.max(0.01, vol + k * Math.log(strike / s)))];
    if (x.smiles) {
      for (const [date, points] of Object.entries(x.smiles)) x.smiles[date] = points.map(([strike, vol]) => tilt(strike, vol));
    } else if (Number.isFinite(x.iv)) {
      const dates = Object.keys(x.futures ?? {});
      if (!dates.length) continue;
      const grid = Array.from({ length: 21 }, (_, i) => Number((s * Math.exp((i - 10) / 10)).toPrecision(8)));
      x.smiles = Object.fromEntries(dates.map((date) => [date, grid.map((strike) => tilt(strike, x.iv))]));
      delete x.iv;
    }
  }
  for (const [u, entry] of Object.entries(add)) market.underlyings[u] = { ...entry };
  return market;
}

/** `base` with the underlyings of `imported` replacing its own (the others kept), at the imported
 * market's time; the description says so. */
export function mergeMarkets(base, imported) {
  const market = structuredClone(base);
  market.asOf = imported.asOf ?? market.asOf;
  market.description = `${imported.description ?? "imported market"}; other underlyings from ${base.description ? "the base market" : "the base"}`;
  market.underlyings = { ...(market.underlyings ?? {}), ...structuredClone(imported.underlyings ?? {}) };
  return market;
}

/** `market` with every underlying's index and futures marks moved by `spot` (relative: −0.1 is 10 %
 * down) and every implied vol (smile points and flat `iv`) scaled by 1 + `vol` (relative). */
export function shiftMarket(market, { spot = 0, vol = 0 } = {}) {
  const out = structuredClone(market);
  for (const x of Object.values(out.underlyings ?? {})) {
    if (spot) {
      if (typeof x.index === "number") x.index *= 1 + spot;
      for (const d of Object.keys(x.futures ?? {})) x.futures[d] *= 1 + spot;
    }
    if (vol) {
      if (typeof x.iv === "number") x.iv *= 1 + vol;
      for (const points of Object.values(x.smiles ?? {})) for (const p of points) p[1] *= 1 + vol;
    }
  }
  return out;
}
