// Types of ./market-edit.js.
import type { MarketInput } from "./portfolio_margin.js";

export interface MarketEdits {
  /** A new index per underlying; its futures marks move in proportion (each expiry keeps its basis). */
  index?: Record<string, number>;
  /** A flat implied vol (decimal) per underlying, in place of its smile. */
  iv?: Record<string, number>;
  /** Futures marks (USD) per underlying and expiry date (`2026-12-25`), after the index edit. */
  futures?: Record<string, Record<string, number>>;
  /** A smile tilt per underlying: every vol becomes `iv + skew·ln(K/S)` (a flat vol becomes a smile). */
  skew?: Record<string, number>;
  /** New underlyings. */
  add?: Record<string, { index: number; iv?: number; carry?: number }>;
}
export function editMarket(base: MarketInput, edits?: MarketEdits): MarketInput;
export function mergeMarkets(base: MarketInput, imported: { asOf: string; description?: string; underlyings: Record<string, unknown> }): MarketInput;
/** Every index and futures mark moved by `spot`, every vol scaled by 1 + `vol` (both relative). */
export function shiftMarket(market: MarketInput, shifts?: { spot?: number; vol?: number }): MarketInput;
