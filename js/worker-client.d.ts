// Types of ./worker-client.js (the main-thread side of ./worker.js).
import type * as pm from "./full/portfolio_margin.js";

export interface RiskWorkerProgress {
  id: number;
  method: string;
  /** "loading" only while the WebAssembly is fetched and compiled (the first call). */
  stage: "loading" | "computing" | "done";
  /** computeReport: the fraction done (0…1) of a long analysis, in 1 % steps. */
  fraction?: number;
}

/** Per-call options: progress and cancellation (an aborted call rejects with an AbortError). */
export interface RiskWorkerCallOptions {
  onprogress?: (progress: RiskWorkerProgress) => void;
  signal?: AbortSignal;
}

export interface RiskWorkerOptions {
  onprogress?: ((progress: RiskWorkerProgress) => void) | null;
}

/** A rejection from the worker: the package's error fields, carried across the thread boundary. */
export interface RiskWorkerError extends Error {
  code?: string;
  line?: number;
  column?: number;
  path?: string;
  issues?: Array<{ code: string; message: string; line?: number; column?: number; path?: string }>;
  /** The engine trapped; the worker was replaced. */
  fatal?: boolean;
}

type Callable = Exclude<keyof typeof pm, "default" | "initSync" | "start" | "RiskSession">;
type Fn<K extends Callable> = (typeof pm)[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;

export type RiskWorker = { [K in Exclude<Callable, "computeReport">]: Fn<K> } & {
  computeReport(request: Parameters<typeof pm.computeReport>[0], options?: RiskWorkerCallOptions): Promise<ReturnType<typeof pm.computeReport>>;
  onprogress: ((progress: RiskWorkerProgress) => void) | null;
  call(method: string, args?: unknown[], options?: RiskWorkerCallOptions): Promise<unknown>;
  terminate(): void;
  readonly worker: Worker | null;
};

export function createRiskWorker(url?: string | URL, options?: RiskWorkerOptions): RiskWorker;
export function createRiskWorker(options: RiskWorkerOptions): RiskWorker;
export default createRiskWorker;
