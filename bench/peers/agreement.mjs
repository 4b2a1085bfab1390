// How far a peer's figures are from the package's report, cell by cell (SPEC §3.1 tables, margin
// figures, net Greeks). A deviation is |peer − ours| / max(|ours|, floor): relative, with a floor of
// 1e-6 of the largest |cell| of the same table (margin figures: of the pool's standard table; net
// Greeks: of the sum of the positions' |Greek|), so that a cell that nets to about zero is compared
// at the scale of what was summed into it.
import { GREEK_NAMES } from "./common.mjs";

const FLOOR = 1e-6;

export function agreement(peer, report) {
  let max = 0, where = "";
  let cells = 0;
  const dev = (a, b, floor, what) => {
    const d = Math.abs(a - b) / Math.max(Math.abs(b), floor, Number.MIN_VALUE);
    cells++;
    if (!(d <= max)) { max = d; where = `${what}: peer ${a}, ours ${b}`; } // NaN counts as worst
  };
  const names = (o) => Object.keys(o).sort().join(",");
  const ourPools = Object.fromEntries(report.margin.pools.map((p) => [p.pool, p]));
  if (names(ourPools) !== names(peer.pools)) return { max: Infinity, where: `pools ${names(peer.pools)} vs ${names(ourPools)}`, cells };
  if (names(report.greeks) !== names(peer.greeks)) return { max: Infinity, where: `underlyings ${names(peer.greeks)} vs ${names(report.greeks)}`, cells };
  for (const [name, ours] of Object.entries(ourPools)) {
    const p = peer.pools[name];
    const tables = [
      ["riskMatrix.pnlRaw", p.matrixRaw, ours.riskMatrix.pnlRaw.flat()],
      ["riskMatrix.pnl", p.matrix, ours.riskMatrix.pnl.flat()],
      ["extended.pnlRaw", p.extendedRaw, ours.extended.pnlRaw],
      ["extended.pnl", p.extended, ours.extended.pnl],
    ];
    const standardScale = Math.max(...ours.riskMatrix.pnlRaw.flat().map(Math.abs));
    for (const [what, a, b] of tables) {
      if (a.length !== b.length) return { max: Infinity, where: `${name} ${what}: ${a.length} cells vs ${b.length}`, cells };
      const scale = Math.max(...b.map(Math.abs));
      b.forEach((x, i) => dev(a[i], x, FLOOR * scale, `${name} ${what}[${i}]`));
    }
    for (const k of ["worstCase", "rollShock", "deltaShock", "initial", "maintenance"]) dev(p[k], ours[k], FLOOR * standardScale, `${name} ${k}`);
  }
  for (const [u, ours] of Object.entries(report.greeks)) {
    for (const k of GREEK_NAMES) {
      const gross = report.positions.filter((x) => x.underlying === u).reduce((s, x) => s + Math.abs(x.greeks[k]), 0);
      dev(peer.greeks[u][k], ours[k], FLOOR * gross, `greeks.${u}.${k}`);
    }
  }
  return { max, where, cells };
}
