// portfolio-margin in a module Web Worker: heavy calls off the main thread.
//
// Lives next to portfolio_margin.js (and full/) in the package (scripts/build.sh copies js/*.js into pkg/).
// Start it with `new Worker(new URL("./worker.js", import.meta.url), { type: "module" })`, or use
// createRiskWorker() from ./worker-client.js, which speaks this protocol for you:
//
//   → { id, method, args }                    method: any function the package exports
//   ← { id, progress: { stage } }             "loading" (only while the WebAssembly is being fetched and
//                                             compiled), then "computing", then "done"
//   ← { id, progress: { stage: "computing", fraction } }   computeReport: the fraction done (0…1) of
//                                             a long analysis (Monte Carlo, historical), in 1 % steps
//   ← { id, result }                          the function's return value (plain JSON data)
//   ← { id, error: { name, message, code, line, column, path, issues, fatal? } }
//
// `fatal: true` marks a WebAssembly trap (a bug in the engine): this worker's instance is not to be
// trusted afterwards and answers every later call with the same error; start a new worker.
// the full build: the margin path plus VaR/ES, stress and payoff (the long analyses belong here)
import init, * as pm from "./full/portfolio_margin.js";

/** Exports that are not engine calls. */
const NOT_CALLABLE = new Set(["default", "initSync", "start", "RiskSession"]);

let ready = null;
let broken = null;

function errorData(e) {
  if (!(e instanceof Error)) return { name: "Error", message: String(e) };
  const data = { name: e.name, message: e.message };
  for (const k of ["code", "line", "column", "path", "issues"]) if (e[k] !== undefined && e[k] !== null) data[k] = e[k];
  if (typeof WebAssembly !== "undefined" && e instanceof WebAssembly.RuntimeError) data.fatal = true;
  return data;
}

async function handle(msg) {
  const { id, method, args = [] } = msg ?? {};
  const progress = (stage) => self.postMessage({ id, progress: { stage } });
  try {
    if (broken) throw broken;
    const fn = typeof method === "string" && !NOT_CALLABLE.has(method) && Object.hasOwn(pm, method) ? pm[method] : undefined;
    if (typeof fn !== "function") {
      throw Object.assign(new TypeError(`portfolio-margin has no function '${String(method)}'`), { code: "BAD_REQUEST" });
    }
    if (!Array.isArray(args)) throw Object.assign(new TypeError("args must be an array"), { code: "BAD_REQUEST" });
    if (!ready) {
      progress("loading");
      ready = init();
      ready.catch(() => { ready = null; }); // a failed fetch may be retried by the next call
    }
    await ready;
    progress("computing");
    // computeReport reports the fraction done of a long analysis (its second parameter)
    const result = method === "computeReport"
      ? fn(args[0], (fraction) => self.postMessage({ id, progress: { stage: "computing", fraction } }))
      : fn(...args);
    progress("done");
    self.postMessage({ id, result });
  } catch (e) {
    const error = errorData(e);
    if (error.fatal) broken = e;
    self.postMessage({ id, error });
  }
}

self.onmessage = (event) => { handle(event.data); };
