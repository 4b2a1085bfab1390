// A consumer app as a Vite user would write it: the package by name (aliased to ../../pkg in
// vite.config.mjs), top-level await init(), and the worker helper.
import init, { computeReport } from "portfolio-margin";
import { createRiskWorker } from "portfolio-margin/worker-client.js";

const request = { positions: "BTC-27DEC26-100000-C -10" };

await init();
const report = computeReport(request);
document.getElementById("im").textContent = String(report.margin.totalUsd.initial);

const risk = createRiskWorker();
try {
  const fromWorker = await risk.computeReport(request);
  document.getElementById("im-worker").textContent = String(fromWorker.margin.totalUsd.initial);
} catch (e) {
  document.getElementById("im-worker").textContent = `error ${e.code ?? e.name}: ${e.message}`;
} finally {
  risk.terminate();
}
document.body.dataset.state = "ready";
