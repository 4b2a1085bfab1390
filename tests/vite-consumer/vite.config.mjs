// Vite config of the consumer test app. The package is resolved to the repo's pkg/ by alias, as
// `npm install portfolio-margin` would resolve it to node_modules/portfolio-margin/.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const pkg = fileURLToPath(new URL("../../pkg/", import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  logLevel: "warn",
  resolve: {
    alias: [
      { find: /^portfolio-margin$/, replacement: `${pkg}portfolio_margin.js` },
      { find: /^portfolio-margin\/(.*)$/, replacement: `${pkg}$1` },
    ],
  },
  build: {
    target: "es2022", // top-level await init()
    outDir: fileURLToPath(new URL("../../tmp/vite-consumer-dist/", import.meta.url)),
    emptyOutDir: true,
    assetsInlineLimit: 0, // keep the .wasm a file, never a data: URL
  },
  worker: { format: "es" }, // the worker imports the package as an ES module
});
