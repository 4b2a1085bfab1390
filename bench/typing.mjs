// Typing latency of the page, in headless Chromium (printed, never asserted): on the default (sample)
// book and on a generated N-line book, 50 edits typed one key at a time at the end of the book, each
// timed two ways:
//   - page: the page's own timer (`#app[data-compute-ms]`: from the start of the recompute to the
//     figures written into the DOM: engine call + rendering, what the page controls);
//   - key → painted: from the keydown in the page until the page has recomputed (its `data-revision`;
//     the recompute waits for the next animation frame) and one more frame has run, measured in the page.
// Prints the median and the range of each.   node bench/typing.mjs [lines=2000]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { chromium } from "playwright-core";
import { startServer } from "../scripts/serve.mjs";

const lines = Number(process.argv[2] ?? 2000);
const EDITS = 50;
const cli = new URL("../target/release/portfolio-margin", import.meta.url).pathname;
const book = JSON.parse(execFileSync(cli, ["sample", "--generated", String(lines)], { encoding: "utf8" })).positions;
const bigText = typeof book === "string" ? book : book.map((p) => `${p.instrument} ${p.quantity}`).join("\n");

const server = await startServer(0, "127.0.0.1");
const profile = mkdtempSync(join(tmpdir(), "pm-typing-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", headless: true, viewport: { width: 1280, height: 900 },
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const fmt = (xs) => `median ${median(xs).toFixed(1)} ms (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)})`;

async function measure(page, label, text) {
  if (text !== null) await page.fill("#positions", text);
  await page.waitForTimeout(1500);
  await page.focus("#positions");
  await page.keyboard.press("Control+End");
  await page.keyboard.type("\nBTC-PERPETUAL 1");
  await page.waitForTimeout(800);
  const computeMs = [];
  const frameMs = [];
  const engineMs = [];
  for (let i = 0; i < EDITS; i++) {
    const key = i % 2 ? "Backspace" : String(1 + (i % 9)); // the book stays valid: "1" ↔ "15", "12", …
    const r0 = await page.$eval("#app", (el) => Number(el.dataset.revision));
    // the page stamps the key's arrival and, once recomputed and a frame later, the time since
    await page.evaluate((r) => {
      window.__edit = new Promise((ok) => {
        const t0 = { t: 0 };
        const box = document.getElementById("positions");
        box.addEventListener("keydown", () => { t0.t = performance.now(); }, { once: true, capture: true });
        const wait = () => (Number(document.getElementById("app").dataset.revision) > r
          ? requestAnimationFrame(() => ok(performance.now() - t0.t))
          : requestAnimationFrame(wait));
        wait();
      });
    }, r0);
    await page.keyboard.press(key);
    frameMs.push(await page.evaluate(() => window.__edit));
    computeMs.push(Number(await page.$eval("#app", (el) => el.dataset.computeMs)));
    engineMs.push(Number(await page.$eval("#app", (el) => el.dataset.engineMs)));
  }
  console.log(`${label}: ${EDITS} edits; page timer ${fmt(computeMs)} (of which the engine call ${fmt(engineMs)}); key → painted ${fmt(frameMs)}`);
}

try {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForSelector('#app[data-state="ready"]', { timeout: 30000 });
  await measure(page, "default book (the sample, 14 lines)", null);
  await measure(page, `${lines}-line book`, bigText);
} finally {
  await context.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}
