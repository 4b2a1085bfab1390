// Full-page screenshot of the page in headless Chromium at 1280×900.
//   node scripts/screenshot.mjs [out.png]        (default tmp/page.png)
// Environment: CHROMIUM (default /usr/bin/chromium), WIDTH, HEIGHT, HASH (a "#model=…&positions=…" state).
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { chromium } from "playwright-core";
import { startServer } from "./serve.mjs";

const out = resolve(process.argv[2] ?? "tmp/page.png");
const width = Number(process.env.WIDTH ?? 1280);
const height = Number(process.env.HEIGHT ?? 900);

const server = await startServer(0, "127.0.0.1");
const profile = mkdtempSync(join(tmpdir(), "pm-shot-"));
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    viewport: { width, height },
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("pageerror", (e) => console.error("page error:", e.message));
  page.on("console", (m) => { if (m.type() === "error") console.error("console:", m.text()); });
  const { port } = server.address();
  await page.goto(`http://127.0.0.1:${port}/${process.env.HASH ?? ""}`);
  await page.waitForSelector('#app[data-state="ready"]', { timeout: 15000 });
  mkdirSync(dirname(out), { recursive: true });
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  await context?.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}
