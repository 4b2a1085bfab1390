// The main-thread side of ./worker.js: every package function as an async method, run in a module
// Web Worker so a big book never freezes the page.
//
//   import { createRiskWorker } from "portfolio-margin/worker-client.js";
//   const risk = createRiskWorker({ onprogress: ({ method, stage }) => show(stage) });
//   const report = await risk.computeReport({ positions: text });   // any exported function works
//   // a long analysis: progress as a fraction, and cancellation with an AbortSignal
//   const ac = new AbortController();
//   const big = risk.computeReport({ positions: text, analysis: { var: { paths: 100000 } } },
//     { onprogress: ({ fraction }) => bar(fraction), signal: ac.signal });
//   ac.abort();   // `big` rejects with an AbortError; nothing partial; the next call gets a fresh worker
//   try { await risk.computeReport({ positions: "BTC-NOPE 1" }); } catch (e) { e.code; e.line; }
//   risk.terminate();
//
// Rejections are Errors with the package's fields (name, message, code, line, column, path, issues).
// If the engine traps (a WebAssembly RuntimeError, `fatal`), the worker is replaced by a fresh one for
// the next call; calls still queued in the old worker reject with the same error. Cancelling a call
// (its `signal` aborts) stops the worker it runs in (WebAssembly cannot be interrupted otherwise): that
// call rejects with an AbortError and the other calls queued there are sent again to a fresh worker.

const FIELDS = ["code", "line", "column", "path", "issues", "fatal"];

function toError(data) {
  const e = new Error(data?.message ?? "portfolio-margin worker error");
  if (data?.name) e.name = data.name;
  for (const k of FIELDS) if (data?.[k] !== undefined) e[k] = data[k];
  return e;
}

/**
 * Start a worker. `url` defaults to ./worker.js next to this file; options: `onprogress({ id, method,
 * stage })` for every call (a per-call callback may also be given with `call(method, args, { onprogress })`).
 * Bundlers: the default URL is written as `new Worker(new URL("./worker.js", import.meta.url), { type: "module" })`,
 * the pattern Vite and webpack recognise (Vite also needs `worker: { format: "es" }`).
 */
export function createRiskWorker(url, options = {}) {
  if (url && typeof url === "object" && !(url instanceof URL)) [url, options] = [undefined, url];
  const pending = new Map();
  let nextId = 1;
  let worker = null;
  let terminated = false;

  const failAll = (error) => {
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };

  const start = () => {
    // written out literally so that bundlers (Vite, webpack 5, Parcel) see the worker and bundle it
    const w = url ? new Worker(url, { type: "module" }) : new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
    w.onmessage = (event) => {
      const msg = event.data;
      const p = pending.get(msg?.id);
      if (!p) return;
      if (msg.progress) {
        const cb = p.onprogress ?? client.onprogress;
        if (typeof cb === "function") {
          try { cb({ id: msg.id, method: p.method, ...msg.progress }); } catch (e) { queueMicrotask(() => { throw e; }); }
        }
        return;
      }
      pending.delete(msg.id);
      if (msg.error) {
        const error = toError(msg.error);
        p.reject(error);
        if (error.fatal && worker === w) { // the instance is gone: everything queued there fails, the next call gets a new worker
          w.terminate();
          worker = null;
          failAll(error);
        }
      } else {
        p.resolve(msg.result);
      }
    };
    // the script failed to load, or threw outside a call: nothing queued will be answered
    w.onerror = (event) => {
      event?.preventDefault?.();
      const error = toError({ name: "Error", message: `portfolio-margin worker failed: ${event?.message ?? "could not start"} (${url ?? "worker.js"})` });
      if (worker === w) { w.terminate(); worker = null; }
      failAll(error);
    };
    w.onmessageerror = () => failAll(toError({ name: "DataCloneError", message: "a worker message could not be deserialised" }));
    return w;
  };

  /** Stop the current worker mid-call and send what else was queued there to a fresh one. */
  const restartWithout = (id) => {
    const old = worker;
    old?.terminate();
    worker = null;
    pending.delete(id);
    for (const [otherId, p] of pending) {
      if (p.worker !== old) continue;
      worker ??= start();
      p.worker = worker;
      worker.postMessage({ id: otherId, method: p.method, args: p.args });
    }
  };

  /** Call `method(...args)` in the worker; `signal` (an AbortSignal) cancels it. */
  const call = (method, args = [], { onprogress, signal } = {}) => {
    if (terminated) return Promise.reject(toError({ name: "AbortError", message: "the risk worker was terminated" }));
    if (signal?.aborted) return Promise.reject(toError({ name: "AbortError", message: `${method} was cancelled before it started` }));
    worker ??= start();
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const entry = { resolve, reject, method, args, onprogress, worker };
      pending.set(id, entry);
      if (signal) {
        const onAbort = () => {
          if (!pending.has(id)) return;
          restartWithout(id);
          reject(toError({ name: "AbortError", message: `${method} was cancelled` }));
        };
        signal.addEventListener("abort", onAbort, { once: true });
        const done = () => signal.removeEventListener("abort", onAbort);
        entry.resolve = (v) => { done(); resolve(v); };
        entry.reject = (e) => { done(); reject(e); };
      }
      try {
        worker.postMessage({ id, method, args });
      } catch (e) { // e.g. a function or a DOM node among the arguments
        pending.delete(id);
        const error = toError({ name: e?.name ?? "DataCloneError", message: `${method}: the arguments cannot be sent to the worker (${e?.message ?? e})`, code: "BAD_REQUEST" });
        error.cause = e;
        entry.reject(error);
      }
    });
  };

  const client = {
    onprogress: options.onprogress ?? null,
    call,
    /** Stop the worker; calls in flight reject with an AbortError. */
    terminate() {
      terminated = true;
      worker?.terminate();
      worker = null;
      failAll(toError({ name: "AbortError", message: "the risk worker was terminated" }));
    },
    get worker() { return worker; },
  };

  // every other property is a package function: risk.computeReport(request), risk.listModels(), …
  return new Proxy(client, {
    get(target, key, receiver) {
      if (key in target || typeof key === "symbol") return Reflect.get(target, key, receiver);
      if (key === "then") return undefined; // not a thenable: `await createRiskWorker()` must not hang
      // computeReport(request, { onprogress, signal }): the options stay on this side
      if (key === "computeReport") return (request, options = {}) => call(key, [request], options ?? {});
      return (...args) => call(key, args);
    },
  });
}

export default createRiskWorker;
