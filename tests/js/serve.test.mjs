// The page's static server (scripts/serve.mjs): it serves www/ and pkg/ and nothing else of the
// repository, whatever the path's encoding, with the page's Content-Security-Policy.
import test from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { startServer, resolveFile, CSP, HEADER_CSP } from "../../scripts/serve.mjs";

/** A raw GET (no URL normalisation by the client): status and headers. */
function get(port, path) {
  return new Promise((ok, fail) => {
    const req = request({ host: "127.0.0.1", port, path, method: "GET" }, (res) => {
      res.resume();
      res.on("end", () => ok({ status: res.statusCode, headers: res.headers }));
    });
    req.on("error", fail);
    req.end();
  });
}

test("serves the page and the package, and no other file of the repository", async () => {
  const server = await startServer(0, "127.0.0.1");
  const { port } = server.address();
  try {
    for (const path of ["/", "/index.html", "/app.js", "/pkg/portfolio_margin.js", "/pkg/portfolio_margin_bg.wasm"]) {
      const r = await get(port, path);
      assert.equal(r.status, 200, path);
      assert.equal(r.headers["content-security-policy"], HEADER_CSP, path);
      assert.ok(HEADER_CSP.startsWith(CSP) && HEADER_CSP.endsWith("; frame-ancestors 'none'"), "the header adds frame-ancestors");
    }
    for (const path of ["/pkg/..%2f.git/config", "/pkg/%2e%2e/.git/config", "/pkg/../Cargo.toml", "/..%2fCargo.toml",
      "/%2e%2e/%2e%2e/etc/passwd", "/pkg/..%5c..%5cCargo.toml", "/pkg/%00", "/pkg/%E0%A4%A", "/src/lib.rs", "/pkg/../src/lib.rs",
      "/pkg", "/pkg/", "/.git/config", "/../package.json"]) {
      const r = await get(port, path);
      assert.equal(r.status, 404, path);
    }
  } finally {
    server.close();
  }
});

test("resolveFile keeps every path inside its mount", () => {
  assert.equal(resolveFile("/pkg/../.git/config"), null);
  assert.equal(resolveFile("/../../etc/passwd"), null);
  assert.ok(resolveFile("/pkg/portfolio_margin.js").endsWith("/pkg/portfolio_margin.js"));
  assert.ok(resolveFile("/").endsWith("/www/index.html"));
});

test("the page's <meta> policy is the server's", async () => {
  const { readFileSync } = await import("node:fs");
  const html = readFileSync(new URL("../../www/index.html", import.meta.url), "utf8");
  const meta = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
  assert.equal(meta, CSP);
});
