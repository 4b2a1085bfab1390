#!/usr/bin/env bash
# Build the WebAssembly package into pkg/ (wasm-pack, then binaryen's wasm-opt -Oz) and the native CLI.
# Incremental: cargo rebuilds only what changed; wasm-opt runs only on a new module.
# `--bench` also builds pkg/bench/: the margin path with the kernel benchmarks exported (cargo feature
# `bench-kernel`, src/wasm/kernel.rs), for bench/bench.mjs only; it is never shipped.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
log() { printf '[build] %s\n' "$*" >&2; }

# Three WebAssembly builds of the same core (docs/ARCHITECTURE.md): the margin path (pkg/, without the
# cargo features `analysis` and `optimize`), the full build with VaR/ES, stress and payoff (pkg/full/),
# and the margin path with the hedge optimiser (pkg/hedge/, `optimizeHedge`).
build_wasm() { # out-dir, extra cargo args…
  local out=$1; shift
  log "wasm-pack build --release --target web --out-dir $out $*"
  # opt-level "s" for the WebAssembly (the native CLI stays at 3): 10 KB less gzipped on the margin
  # path (212 048 -> 201 873 B) and 16 KB on the full build, for a 1 000-position report about 8 %
  # slower (interleaved medians 12.8-13.0 against 11.8-11.9 ms; README, Performance).
  CARGO_PROFILE_RELEASE_OPT_LEVEL=s wasm-pack build --release --target web --out-dir "$out" --out-name portfolio_margin --no-pack -- "$@" 2>&1 | grep -vE '^\s*$|Compiling|Checking' >&2 || true
  local wasm=$out/portfolio_margin_bg.wasm
  [ -f "$wasm" ] || { echo "[build] wasm-pack produced no $wasm" >&2; exit 1; }
  # wasm-pack's --no-pack still writes a package.json (the workspace's dependencies, no "type"), so
  # node would read the ES modules of pkg/full, pkg/hedge and pkg/bench as CommonJS first and warn;
  # pkg/package.json is written from scripts/package.pkg.json below
  [ "$out" = pkg ] || echo '{ "type": "module" }' > "$out/package.json"
  # wasm-pack rewrites the .wasm on every run; optimise when its content is new.
  local sum; sum=$(sha256sum "$wasm" | cut -d' ' -f1)
  if [ "$(cat "$out/.optimised" 2>/dev/null)" != "$sum" ]; then
    log "wasm-opt -Oz $out ($(stat -c %s "$wasm") bytes before)"
    # --converge repeats -Oz until it stops shrinking (~650 B gzipped on the margin path); the producers
    # section names the compilers (~100 B)
    wasm-opt -Oz --converge --strip-producers --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals "$wasm" -o "$wasm.opt"
    mv "$wasm.opt" "$wasm"
    sha256sum "$wasm" | cut -d' ' -f1 > "$out/.optimised"
  fi
  # TypeScript declarations of every request/report type (ts-rs); wasm-pack rewrites the .d.ts on
  # every run, so they are appended on every run
  cat pkg/types.d.ts.tmp >> "$out/portfolio_margin.d.ts"
}
# the page's chart library (npm uplot, pinned in package.json) is served from the page's own origin:
# copied into www/vendor/ (gitignored), only when it differs
mkdir -p www/vendor
for f in uPlot.esm.js uPlot.min.css; do
  cmp -s "node_modules/uplot/dist/$f" "www/vendor/$f" || cp "node_modules/uplot/dist/$f" "www/vendor/$f"
done

log "generating TypeScript types from the Rust types"
mkdir -p pkg
cargo run --quiet --features typescript --example gen_types > pkg/types.d.ts.tmp
build_wasm pkg --no-default-features
build_wasm pkg/full --no-default-features --features analysis
# the margin path plus the hedge optimiser (cargo feature `optimize`, issue 14), loaded on demand
build_wasm pkg/hedge --no-default-features --features optimize
if [ "${1:-}" = "--bench" ]; then build_wasm pkg/bench --no-default-features --features bench-kernel; fi
rm pkg/types.d.ts.tmp
# the package manifest (wasm-pack --no-pack leaves it to us: one source of truth, package.pkg.json)
cp scripts/package.pkg.json pkg/package.json
# the worker helper ships beside the module
cp js/*.js js/*.d.ts pkg/
cp README.md pkg/README.md 2>/dev/null || true
for w in pkg/portfolio_margin_bg.wasm pkg/full/portfolio_margin_bg.wasm pkg/hedge/portfolio_margin_bg.wasm; do
  log "$w: $(stat -c %s "$w") bytes, $(gzip -9c "$w" | wc -c) gzipped"
done

log "cargo build --release (native CLI)"
cargo build --release --quiet --bin portfolio-margin
