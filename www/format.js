// Number formatting shared by the margin and risk parts of the page (formatting only: no risk math).

export const MINUS = "\u2212";
export const NBSP = "\u00a0";
export const DASH = "–";
export const TINY = 1e-12;

const nf = (opts) => new Intl.NumberFormat("en-US", opts);
const fmtSig4 = nf({ maximumSignificantDigits: 4 });
const fmtInt = nf({ maximumFractionDigits: 0 });
export const fmtFix2 = nf({ minimumFractionDigits: 2, maximumFractionDigits: 2 });
export const fmtPct1 = nf({ minimumFractionDigits: 1, maximumFractionDigits: 1 });
const fmtMovePct = nf({ maximumFractionDigits: 2 });
const fmtCompact = nf({ notation: "compact", maximumSignificantDigits: 3 });
export const typographic = (s) => s.replace(/-/g, MINUS);

/** Coin amounts and other quantities: 4 significant digits, thousands separators, exponent when tiny. */
export function sig(x) {
  if (typeof x !== "number" || !Number.isFinite(x)) return DASH;
  if (Math.abs(x) < TINY) return "0";
  if (Math.abs(x) < 1e-3) return typographic(x.toExponential(3));
  return typographic(fmtSig4.format(x));
}
/** USD amounts: whole dollars from 100 up, cents below. */
export function usd(x) {
  if (typeof x !== "number" || !Number.isFinite(x)) return DASH;
  const a = Math.abs(x);
  if (a < TINY) return "0";
  if (a >= 100) return typographic(fmtInt.format(x));
  if (a >= 0.01) return typographic(fmtFix2.format(x));
  return sig(x);
}
/** Axis ticks: 50K, −1.2M. */
export const compact = (x) => (Math.abs(x) < TINY ? "0" : typographic(fmtCompact.format(x)));
export const isUsdLike = (ccy) => ccy === "USD" || ccy === "USDC" || ccy === "USDT";
/** An amount in a pool currency: USD-like currencies as dollars, coins to 4 significant digits. */
export const amount = (x, ccy) => (isUsdLike(ccy) ? usd(x) : sig(x));
export const money = (x) => (typeof x === "number" && Number.isFinite(x) ? (x < -TINY ? MINUS : "") + "$" + usd(Math.abs(x)) : DASH);
/** A relative move: 0.16 → "+16 %". */
export function move(m) {
  if (typeof m !== "number") return DASH;
  const pct = Math.round(m * 1e6) / 1e4; // 0.16 → 16, without 16.000000000000004
  return (pct > 0 ? "+" : pct < 0 ? MINUS : "") + fmtMovePct.format(Math.abs(pct)) + NBSP + "%";
}
/** A confidence or probability as a percentage: 0.975 → "97.5 %". */
export function percent(p) {
  if (typeof p !== "number" || !Number.isFinite(p)) return DASH;
  const pct = Math.round(p * 1e8) / 1e6;
  return fmtMovePct.format(pct) + NBSP + "%";
}
/** Whole counts with thousands separators (10 000 paths), thin-spaced as in print. */
export const count = (n) => (typeof n === "number" ? fmtInt.format(n).replace(/,/g, "\u202f") : DASH);
