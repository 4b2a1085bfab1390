// Typing latency of the page on a big book, in headless Chromium: paste an N-line book, then type
// ten keys one by one at the end, and time each key from keydown to the page's recompute (the
// `data-revision` attribute) plus the next frame.  node bench/typing.mjs [lines=2000]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { chromium } from "playwright-core";
import { startServer } from "../scripts/serve.mjs";

const lines = Number(process.argv[2] ?? 2000);
const cli = new URL("../target/release/portfolio-margin", import.meta.url).pathname;
const book = JSON.parse(execFileSync(cli, ["sample", "--generated", String(lines)], { encoding: "utf8" })).positions;
const text = typeof book === "string" ? book : book.map((p) => `${p.instrument} ${p.quantity}`).join("\n");

const server = await startServer(0, "127.0.0.1");
const profile = mkdtempSync(join(tmpdir(), "pm-typing-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", headless: true, viewport: { width: 1280, height: 900 },
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForSelector('#app[data-state="ready"]', { timeout: 30000 });
  await page.fill("#positions", text);
  await page.waitForTimeout(1500);
  await page.focus("#positions");
  await page.keyboard.press("Control+End");
  await page.keyboard.type("\nBTC-PERPETUAL 1");
  await page.waitForTimeout(1000);
  const times = [];
  for (const key of "0123456789") {
    const r0 = await page.$eval("#app", (el) => Number(el.dataset.revision));
    const t0 = Date.now();
    await page.keyboard.press(key);
    await page.waitForFunction((r) => Number(document.getElementById("app").dataset.revision) > r, r0);
    await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
    times.push(Date.now() - t0);
  }
  const t0 = Date.now();
  await page.keyboard.type("000000");
  await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
  const burst = Date.now() - t0;
  times.sort((a, b) => a - b);
  console.log(`${lines} lines: per key median ${times[5]} ms (min ${times[0]}, max ${times[9]}); 6 fast keys ${burst} ms`);
} finally {
  await context.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}
