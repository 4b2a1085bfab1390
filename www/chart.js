// The payoff chart, drawn by hand in SVG (the project has no chart library): P&L at a date and today
// against the index price, with the breakevens and today's index marked. Drawing only: every number
// plotted comes from the report.
import { s } from "./dom.js";
import { compact, usd } from "./format.js";

/** Round tick values covering [lo, hi], about `count` of them. */
function ticks(lo, hi, count) {
  const raw = (hi - lo) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / magnitude;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * magnitude;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

const finite = (xs) => xs.filter((v) => typeof v === "number" && Number.isFinite(v));

/**
 * The chart of one underlying's payoff (`report.payoff[underlying]`), `width` CSS pixels wide.
 * `labelledBy`: the id of the text that describes it (the figure caption).
 */
export function payoffChart(p, underlying, width, labelledBy) {
  const W = Math.max(260, Math.round(width));
  const H = W < 440 ? 230 : 270;
  const m = { top: 22, right: 14, bottom: 42, left: 54 };
  const prices = p.prices ?? [];
  const at = p.pnlAtUsd ?? [];
  const today = p.pnlTodayUsd ?? [];
  const svg = s("svg", { class: "payoff-chart", width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": labelledBy });
  if (prices.length < 2) return svg;

  const ys = finite([...at, ...today]);
  let lo = Math.min(0, ...ys);
  let hi = Math.max(0, ...ys);
  if (!(hi - lo > 1e-9)) { lo -= 1; hi += 1; }
  const pad = (hi - lo) * 0.06;
  lo -= pad;
  hi += pad;
  const x0 = prices[0];
  const x1 = prices[prices.length - 1];
  const plotW = W - m.left - m.right;
  const plotH = H - m.top - m.bottom;
  const X = (v) => m.left + ((v - x0) / (x1 - x0)) * plotW;
  const Y = (v) => m.top + ((hi - v) / (hi - lo)) * plotH;
  const r1 = (v) => Math.round(v * 10) / 10;

  // grid and y axis
  const grid = s("g", { class: "grid" });
  for (const t of ticks(lo, hi, Math.max(3, Math.round(plotH / 45)))) {
    const y = r1(Y(t));
    grid.append(
      s("line", { x1: m.left, x2: W - m.right, y1: y, y2: y, class: t === 0 ? "zero" : null }),
      s("text", { x: m.left - 6, y, dy: "0.32em", "text-anchor": "end", class: "tick" }, compact(t)));
  }
  // x axis
  const xAxis = s("g", { class: "x-axis" },
    s("line", { x1: m.left, x2: W - m.right, y1: m.top + plotH, y2: m.top + plotH, class: "axis" }));
  for (const t of ticks(x0, x1, Math.max(2, Math.floor(plotW / 70)))) {
    const x = r1(X(t));
    xAxis.append(
      s("line", { x1: x, x2: x, y1: m.top + plotH, y2: m.top + plotH + 4, class: "axis" }),
      s("text", { x, y: m.top + plotH + 16, "text-anchor": "middle", class: "tick" }, compact(t)));
  }
  const titles = s("g", { class: "axis-title" },
    s("text", { x: m.left + plotW / 2, y: H - 6, "text-anchor": "middle" }, `${underlying} index price (USD)`),
    s("text", { x: 12, y: m.top + plotH / 2, "text-anchor": "middle", transform: `rotate(-90 12 ${r1(m.top + plotH / 2)})` }, "P&L (USD)"));

  // today's index
  const marks = s("g", { class: "marks" });
  if (typeof p.index === "number" && p.index >= x0 && p.index <= x1) {
    const x = r1(X(p.index));
    const anchor = x < m.left + 40 ? "start" : x > W - m.right - 40 ? "end" : "middle";
    marks.append(
      s("line", { x1: x, x2: x, y1: m.top, y2: m.top + plotH, class: "index" }),
      s("text", { x, y: m.top - 7, "text-anchor": anchor, class: "index-label" }, `index ${usd(p.index)}`));
  }

  // the two curves
  const line = (values, cls) => {
    const pts = [];
    prices.forEach((px, i) => { if (Number.isFinite(values[i])) pts.push(`${r1(X(px))},${r1(Y(values[i]))}`); });
    return s("polyline", { points: pts.join(" "), class: cls, fill: "none" });
  };
  const curves = s("g", { class: "curves" }, line(today, "today"), line(at, "at"));

  // breakevens (of the curve at the date) on the zero line
  const be = s("g", { class: "breakevens" });
  let lastLabelX = -Infinity;
  for (const b of finite(p.breakevens ?? [])) {
    if (b < x0 || b > x1) continue;
    const x = r1(X(b));
    const y = r1(Y(0));
    be.append(s("circle", { cx: x, cy: y, r: 4, class: "breakeven" }, s("title", {}, `breakeven ${usd(b)} USD`)));
    if (x - lastLabelX > 52) {
      const ly = y + 15 < m.top + plotH - 2 ? y + 15 : y - 8; // below the zero line, unless the axis is there
      be.append(s("text", { x, y: ly, "text-anchor": "middle", class: "breakeven-label" }, usd(b)));
      lastLabelX = x;
    }
  }

  svg.append(s("title", {}, `${underlying} payoff`), grid, xAxis, titles, marks, curves, be);
  return svg;
}
