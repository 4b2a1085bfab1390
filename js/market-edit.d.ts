// Types of ./market-edit.js.
import type { MarketInput } from "./portfolio_margin.js";

export interface MarketEdits {
  /** A new index per underlying; its futures marks move in proportion (each expiry keeps its basis). */
  index?: Record<string, number>;
  /** A flat implied vol (decimal) per underlying, in place of its smile. */
  iv?: Record<string, number>;
  /** New underlyings. */
  add?: Record<string, { index: number; iv?: number; carry?: number }>;
}
export function editMarket(base: MarketInput, edits?: MarketEdits): MarketInput;
export function mergeMarkets(base: MarketInput, imported: { asOf: string; description?: string; underlyings: Record<string, unknown> }): MarketInput;
/** Every index and futures mark moved by `spot`, every vol scaled by 1 + `vol` (both relative). */
export function shiftMarket(market: MarketInput, shifts?: { spot?: number; vol?: number }): MarketInput;
