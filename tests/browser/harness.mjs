// What every browser suite shares: the page served from this checkout, one headless Chromium context
// (Debian's /usr/bin/chromium through playwright-core, or CHROMIUM), the packages the page loads
// (initialised in node, to compute the figures the page must show), and the helpers that open a
// fresh page and wait for a recompute.
import { after, before } from "node:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { startServer } from "../../scripts/serve.mjs";
import * as pm from "../../pkg/portfolio_margin.js";
import * as full from "../../pkg/full/portfolio_margin.js";

// the same packages the page loads (the margin path on its main thread, the full build in its worker)
pm.initSync({ module: readFileSync(new URL("../../pkg/portfolio_margin_bg.wasm", import.meta.url)) });
full.initSync({ module: readFileSync(new URL("../../pkg/full/portfolio_margin_bg.wasm", import.meta.url)) });
export { pm, full };

export const root = new URL("../../", import.meta.url);

/**
 * Register the suite's browser: `before` starts the server and Chromium at `viewport`, `after` closes
 * them. The returned object's `origin`, `context` and `requests` (every URL any page asked for) are
 * set once `before` has run.
 */
export function browser(name, viewport = { width: 1280, height: 900 }) {
  const b = { origin: "", context: null, requests: [], server: null, profile: "" };
  before(async () => {
    b.server = await startServer(0, "127.0.0.1");
    b.origin = `http://127.0.0.1:${b.server.address().port}`;
    b.profile = mkdtempSync(join(tmpdir(), `pm-${name}-`));
    b.context = await chromium.launchPersistentContext(b.profile, {
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      headless: true,
      viewport,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"],
    });
    b.context.on("request", (r) => b.requests.push(r.url()));
    mkdirSync(new URL("tmp/", root), { recursive: true });
  });
  after(async () => {
    await b.context?.close();
    await new Promise((ok) => (b.server ? b.server.close(ok) : ok()));
    if (b.profile) rmSync(b.profile, { recursive: true, force: true });
  });
  return b;
}

/**
 * A fresh page of `b` at `hash`, ready. Each test starts from the sample: the book a previous test
 * left in localStorage is cleared once per tab (sessionStorage survives a reload, so a reload still
 * finds the stored book). `problems` collects console errors, page errors, failed requests and
 * dialogs (dismissed).
 */
export async function openPage(b, { hash = "", viewport, colorScheme, timeout = 20000 } = {}) {
  const page = await b.context.newPage();
  await page.addInitScript(() => {
    if (!sessionStorage.getItem("pm-test-tab")) { localStorage.clear(); sessionStorage.setItem("pm-test-tab", "1"); }
  });
  if (viewport) await page.setViewportSize(viewport);
  if (colorScheme) await page.emulateMedia({ colorScheme });
  const problems = { console: [], pageErrors: [], failed: [], dialogs: [] };
  page.on("console", (m) => { if (m.type() === "error") problems.console.push(m.text()); });
  page.on("pageerror", (e) => problems.pageErrors.push(e.message));
  page.on("requestfailed", (r) => problems.failed.push(`${r.url()}: ${r.failure()?.errorText}`));
  page.on("response", (r) => { if (r.status() >= 400) problems.failed.push(`${r.url()}: HTTP ${r.status()}`); });
  page.on("dialog", async (d) => { problems.dialogs.push(`${d.type()}: ${d.message()}`); await d.dismiss(); });
  await page.goto(`${b.origin}/${hash}`);
  await page.waitForSelector('#app[data-state="ready"]', { timeout });
  return { page, problems };
}

/** Console errors and page errors, the ones every test asserts empty. */
export const errorsOf = (problems) => [...problems.console, ...problems.pageErrors];

export const revision = (page) => page.$eval("#app", (el) => Number(el.dataset.revision));
/** Wait until the page has recomputed after `revisionBefore` and settled (no frame pending). */
export async function recomputed(page, revisionBefore) {
  await page.waitForFunction((r) => Number(document.getElementById("app").dataset.revision) > r, revisionBefore);
  // one more frame: a coalesced recompute of the last keystroke may still be queued
  await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
}
/** Replace the positions with `text` at once and wait for the recompute. */
export async function setBook(page, text) {
  const r0 = await revision(page);
  await page.fill("#positions", text);
  await recomputed(page, r0);
}
export const valueOf = async (page, id) => Number(await page.getAttribute(`[data-testid="${id}"]`, "data-value"));
export const closeRel = (a, b, rel = 1e-9) => Math.abs(a - b) <= rel * Math.max(1, Math.abs(b));
