#!/usr/bin/env bash
# Build the WebAssembly package into pkg/ (wasm-pack, then binaryen's wasm-opt -Oz) and the native CLI.
# Incremental: cargo rebuilds only what changed; wasm-opt runs only on a new module.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
log() { printf '[build] %s\n' "$*" >&2; }

log "wasm-pack build --release --target web"
wasm-pack build --release --target web --out-dir pkg --out-name portfolio_margin --no-pack 2>&1 | grep -vE '^\s*$|Compiling|Checking' >&2 || true
wasm=pkg/portfolio_margin_bg.wasm
[ -f "$wasm" ] || { echo "[build] wasm-pack produced no $wasm" >&2; exit 1; }
# wasm-pack rewrites the .wasm on every run; optimise when its content is new.
sum=$(sha256sum "$wasm" | cut -d' ' -f1)
if [ "$(cat pkg/.optimised 2>/dev/null)" != "$sum" ]; then
  log "wasm-opt -Oz ($(stat -c %s "$wasm") bytes before)"
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals "$wasm" -o "$wasm.opt"
  mv "$wasm.opt" "$wasm"
  sha256sum "$wasm" | cut -d' ' -f1 > pkg/.optimised
fi
# TypeScript declarations of every request/report type, generated from the Rust types (ts-rs);
# wasm-pack rewrites the .d.ts on every run, so they are appended on every run (incremental: ~1 s)
log "generating TypeScript types from the Rust types"
cargo run --quiet --features typescript --example gen_types > pkg/types.d.ts.tmp
cat pkg/types.d.ts.tmp >> pkg/portfolio_margin.d.ts
rm pkg/types.d.ts.tmp
# the package manifest (wasm-pack --no-pack leaves it to us: one source of truth, package.pkg.json)
cp scripts/package.pkg.json pkg/package.json
# the worker helper ships beside the module
cp js/*.js js/*.d.ts pkg/
cp README.md pkg/README.md 2>/dev/null || true
log "pkg: $(stat -c %s "$wasm") bytes, $(gzip -9c "$wasm" | wc -c) gzipped"

log "cargo build --release (native CLI)"
cargo build --release --quiet --bin portfolio-margin
