// A TypeScript consumer of the package: every export, used with the field names of SPEC §6.
// This file is only type-checked (npx tsc -p tests/ts-consumer --noEmit), never run.
// The @ts-expect-error lines must fail to compile; while the .d.ts says `any` they do not, and tsc
// reports "Unused '@ts-expect-error' directive": the check cannot pass on untyped declarations.
import init, {
  computeReport,
  defaultMarket,
  impliedVol,
  initSync,
  listModels,
  marginImpact,
  parsePositions,
  priceOption,
  RiskSession,
  samplePositions,
  version,
} from "../../pkg/portfolio_margin.js";
import { createRiskWorker } from "../../pkg/worker-client.js";

/** The package's errors: an Error with a stable code and, where it applies, the place. */
interface PmErrorFields { code: string; line?: number; column?: number; path?: string; issues?: unknown[] }
function isPmError(e: unknown): e is Error & PmErrorFields {
  return e instanceof Error && typeof (e as Partial<PmErrorFields>).code === "string";
}

await init();
initSync; // the synchronous form takes the bytes: initSync({ module: bytes })

const v: string = version();
const sample: string = samplePositions();
const market = defaultMarket();
const asOf: string = market.asOf;
const btcIndex: number = market.underlyings["BTC"].index;

// --- computeReport: SPEC §2 in, SPEC §6 out ------------------------------------------------------
type ReportRequest = Parameters<typeof computeReport>[0];
const request = {
  positions: "BTC-27DEC26-100000-C -10\nBTC-PERPETUAL 100000",
  market: {
    asOf: "2026-11-24T08:00:00Z",
    rate: 0,
    underlyings: { BTC: { index: 95000, futures: { "2026-12-25": 95600 }, iv: 0.55 } },
  },
  model: "deribit-pm",
  account: { collateral: { BTC: 2.0, USDC: 5000 } },
} satisfies ReportRequest;
const report = computeReport(request);

const reportAsOf: string = report.asOf;
const modelName: string = report.model.name;
const initial: number = report.margin.totalUsd.initial;
const maintenance: number = report.margin.totalUsd.maintenance;
const standardInitial: number = report.margin.totalUsd.standardInitial;
const standardMaintenance: number = report.margin.totalUsd.standardMaintenance;
const pool = report.margin.pools[0];
const poolName: string = pool.pool;
const currency: string = pool.currency;
const poolInitial: number = pool.initial;
const poolMaintenance: number = pool.maintenance;
const pnl: number[][] | undefined = pool.riskMatrix?.pnl;
const priceMoves: number[] | undefined = pool.riskMatrix?.priceMoves;
const worstMove: number | undefined = pool.worstScenario?.priceMove;
const btc = report.greeks["BTC"];
const delta: number = btc.delta;
const deltaUsd: number = btc.deltaUsd;
const gamma: number = btc.gamma;
const gammaUsd1pct: number = btc.gammaUsd1pct;
const vega: number = btc.vega;
const theta: number = btc.theta;
const firstPosition = report.positions[0];
const instrumentName: string = firstPosition.instrument;
const quantity: number = firstPosition.quantity;
const markUsd: number = firstPosition.markUsd;
const valueUsd: number = firstPosition.valueUsd;
const positionDelta: number = firstPosition.greeks.delta;
const equity: number | undefined = report.account?.accounts[0]?.equity;
const closest: string | null | undefined = report.account?.closestToLiquidation;
const deltaForward: number | undefined = firstPosition.greeks.deltaForward;
const warnings: unknown[] = report.warnings;

// @ts-expect-error a margin figure is a number, not a string
report.margin.totalUsd.initial.toUpperCase();

// the JSON text form of a request is accepted as well
computeReport(JSON.stringify(request));

// --- errors carry code and place -------------------------------------------------------------------
try {
  computeReport({ positions: "BTC-25DEC26-100000-C -10\nBTC-25DEX26-90000-P 5" });
} catch (e) {
  if (isPmError(e)) {
    const code: string = e.code;
    const line: number | undefined = e.line;
    const column: number | undefined = e.column;
    const message: string = e.message;
    console.log(code, line, column, message);
  }
}

// --- the other functions ---------------------------------------------------------------------------
const parsed = parsePositions("BTC-PERPETUAL 1000\nNOPE-X 1");
const parsedCount: number = parsed.positions.length;
const firstBadLine: number | undefined = parsed.errors[0]?.line;
const firstBadCode: string | undefined = parsed.errors[0]?.code;

const models = listModels();
const modelNames: string[] = models.map((m: { name: string }) => m.name);

const option = priceOption({ forward: 95000, strike: 100000, tYears: 0.25, sigma: 0.5, callPut: "call" });
const optionPrice: number = option.price;
const optionDelta: number = option.delta;
const iv: number = impliedVol({ price: optionPrice, forward: 95000, strike: 100000, tYears: 0.25, callPut: "call" });

const impact = marginImpact(request, "BTC-27DEC26-100000-C 1");
const changeInitial: number = impact.change.initial;
const canAfford: boolean | null | undefined = impact.canAfford; // only with an account

const session = new RiskSession({ positions: sample });
const count: number = session.positionCount;
const sessionReport = session.report();
const sessionInitial: number = sessionReport.margin.totalUsd.initial;
const sessionImpact = session.impact([{ instrument: "BTC-PERPETUAL", quantity: 1000 }]);
const afterInitial: number = sessionImpact.after.initial;
session.free();
{
  using scoped = new RiskSession({ positions: sample });
  scoped.positionCount;
}

// --- the worker helper: the same functions, as promises -------------------------------------------
const risk = createRiskWorker({ onprogress: (p) => console.log(p.method, p.stage) });
const workerReport = await risk.computeReport(request);
const workerInitial: number = workerReport.margin.totalUsd.initial;
const workerModels = await risk.listModels();
const workerVersion: string = await risk.version();
try {
  await risk.parsePositions("x");
} catch (e) {
  if (isPmError(e)) console.log(e.code, e.line);
}
risk.terminate();

console.log(v, asOf, btcIndex, reportAsOf, modelName, initial, maintenance, standardInitial, standardMaintenance, poolName, currency,
  poolInitial, poolMaintenance, pnl, priceMoves, worstMove, delta, deltaUsd, gamma, gammaUsd1pct, vega, theta, instrumentName, quantity,
  markUsd, valueUsd, positionDelta, equity, warnings, parsedCount, firstBadLine, firstBadCode, modelNames, optionDelta, iv, changeInitial,
  canAfford, count, sessionInitial, afterInitial, workerInitial, workerModels, workerVersion);
export {};
