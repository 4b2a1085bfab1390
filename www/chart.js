// The payoff chart, drawn with uPlot (www/vendor/, copied from the npm package by scripts/build.sh and
// served from the page's own origin): P&L at the date and today against the index price. The index and
// the breakevens are DOM marks over the plot (text, readable in both themes, and reachable by tests and
// screen readers through the caption). Drawing only: every number plotted comes from the report.
import { h } from "./dom.js";
import { compact, usd } from "./format.js";

/** uPlot, imported on first use (the Risk section's first payoff). */
let lib = null;
export function loadChartLibrary() {
  lib ??= import("./vendor/uPlot.esm.js").then((m) => m.default).catch((e) => { lib = null; throw e; });
  return lib;
}

const css = (name, fallback) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

/**
 * One underlying's payoff (`report.payoff[underlying]`) in `box`, `width` CSS pixels wide; returns the
 * uPlot instance (destroy it before drawing again). `labelledBy`: the id of the caption.
 */
export function payoffChart(uPlot, box, p, underlying, width, labelledBy) {
  const W = Math.max(260, Math.round(width));
  const H = W < 440 ? 230 : 270;
  const prices = p.prices ?? [];
  const num = (xs) => prices.map((_, i) => (Number.isFinite(xs?.[i]) ? xs[i] : null));
  const ink = css("--ink", "#1b1f24");
  const muted = css("--muted", "#5f6b7a");
  const line = css("--line", "#e2e5ea");
  const axis = (label) => ({
    label, stroke: muted, labelSize: 18, labelFont: "11px system-ui, sans-serif", font: "10.5px system-ui, sans-serif",
    grid: { stroke: line, width: 1 }, ticks: { stroke: line, width: 1, size: 4 },
  });
  const opts = {
    width: W,
    height: H,
    padding: [22, 14, 0, 0],
    legend: { show: false },
    cursor: { drag: { x: false, y: false }, points: { show: false } },
    scales: { x: { time: false }, y: { range: (u, lo, hi) => padRange(Math.min(0, lo ?? 0), Math.max(0, hi ?? 0)) } },
    axes: [
      { ...axis(`${underlying} index price (USD)`), values: (u, vals) => vals.map(compact), space: 60, size: 30, labelGap: 0 },
      { ...axis("P&L (USD)"), values: (u, vals) => vals.map(compact), size: 50, space: 36 },
    ],
    series: [
      { label: "index price" },
      { label: "today", stroke: css("--payoff-today", "#8a94a3"), width: 1.5, dash: [5, 4], points: { show: false } },
      { label: `at ${p.at ?? ""}`, stroke: css("--accent", "#1f5fbf"), width: 2, points: { show: false } },
    ],
    hooks: {
      // the zero line, stronger than the grid
      drawAxes: [(u) => {
        const y = u.valToPos(0, "y", true);
        const { ctx } = u;
        ctx.save();
        ctx.strokeStyle = css("--payoff-zero", "#9aa3b0");
        ctx.lineWidth = 1;
        ctx.beginPath();
        ctx.moveTo(u.bbox.left, Math.round(y) + 0.5);
        ctx.lineTo(u.bbox.left + u.bbox.width, Math.round(y) + 0.5);
        ctx.stroke();
        ctx.restore();
      }],
      draw: [(u) => placeMarks(u, p)],
    },
  };
  const chart = new uPlot(opts, [prices, num(p.pnlTodayUsd), num(p.pnlAtUsd)], box);
  const root = chart.root;
  root.classList.add("payoff-chart");
  root.setAttribute("role", "img");
  root.setAttribute("aria-labelledby", labelledBy);
  root.dataset.underlying = underlying;
  chart.over.append(h("div", { class: "payoff-marks" }));
  placeMarks(chart, p);
  return chart;
}

function padRange(lo, hi) {
  if (!(hi - lo > 1e-9)) { lo -= 1; hi += 1; }
  const pad = (hi - lo) * 0.06;
  return [lo - pad, hi + pad];
}

/** The index line and the breakeven dots (with labels), placed over the plot at their prices. */
function placeMarks(u, p) {
  const layer = u.over.querySelector(".payoff-marks");
  if (!layer) return;
  const prices = p.prices ?? [];
  const x0 = prices[0];
  const x1 = prices[prices.length - 1];
  const marks = [];
  const zero = u.valToPos(0, "y");
  const height = u.over.clientHeight || u.bbox.height / devicePixelRatio;
  const width = u.over.clientWidth || u.bbox.width / devicePixelRatio;
  if (typeof p.index === "number" && p.index >= x0 && p.index <= x1) {
    const x = u.valToPos(p.index, "x");
    const label = h("span", { class: "index-label" }, `index ${usd(p.index)}`);
    if (x < 40) label.classList.add("start"); else if (x > width - 40) label.classList.add("end");
    const mark = h("div", { class: "mark index", "data-price": p.index, style: { left: `${x}px` } }, label);
    marks.push(mark);
  }
  let lastLabelX = -Infinity;
  for (const b of (p.breakevens ?? []).filter((v) => typeof v === "number" && Number.isFinite(v))) {
    if (b < x0 || b > x1) continue;
    const x = u.valToPos(b, "x");
    const showLabel = x - lastLabelX > 52;
    if (showLabel) lastLabelX = x;
    const below = zero + 18 < height;
    marks.push(h("div", { class: "mark breakeven", "data-price": b, title: `breakeven ${usd(b)} USD`, style: { left: `${x}px`, top: `${zero}px` } },
      showLabel ? h("span", { class: ["breakeven-label", below ? null : "above"] }, usd(b)) : null));
  }
  layer.replaceChildren(...marks);
}
