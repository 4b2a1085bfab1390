// A tiny static server for the page: www/ at /, the built package at /pkg/. Local only.
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
// the same policy as the page's <meta> (www/index.html), which is what static hosting gets: its own
// origin, and the one public market-data host of the opt-in live mode (off by default)
export const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' https://www.deribit.com; worker-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";
/** The header adds what a <meta> cannot carry: the page may not be framed. */
export const HEADER_CSP = `${CSP}; frame-ancestors 'none'`;
const types = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css",
  ".wasm": "application/wasm", ".json": "application/json", ".svg": "image/svg+xml", ".png": "image/png", ".ts": "text/plain" };

/** The two mounts: the built package at /pkg/, the page at /. */
const mounts = [["/pkg/", join(root, "pkg")], ["/", join(root, "www")]];

/** The file a URL path names, or null when it would leave its mount (`/pkg/..%2f.git/config`). */
export function resolveFile(path) {
  if (path.includes("\0")) return null;
  const [prefix, dir] = mounts.find(([p]) => path.startsWith(p));
  let rest = path.slice(prefix.length);
  if (rest === "" || rest.endsWith("/")) rest += "index.html";
  const file = resolve(dir, rest);
  return file.startsWith(dir + sep) ? file : null;
}

export function startServer(port = Number(process.env.PORT ?? 8080), host = process.env.HOST ?? "127.0.0.1") {
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", "http://localhost");
      const file = resolveFile(decodeURIComponent(url.pathname));
      if (!file || !(await stat(file)).isFile()) throw Object.assign(new Error("not a file"), { code: "ENOENT" });
      res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream", "cache-control": "no-cache",
        // the page talks to nothing but itself
        "content-security-policy": HEADER_CSP });
      res.end(await readFile(file));
    } catch {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
    }
  });
  return new Promise((ok) => server.listen(port, host, () => ok(server)));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const server = await startServer();
  const { port, address } = server.address();
  console.log(`portfolio-margin page: http://${address}:${port}/  (Ctrl-C to stop)`);
}
