#!/usr/bin/env bash
# Every test suite. Assumes scripts/setup.sh and scripts/build.sh ran (npm test does both).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
step() { printf '\n=== %s ===\n' "$*"; }

step "cargo test (core unit, integration, golden, laws, reference)"
cargo test

step "node --test: the JS package (pkg/) against the same golden vectors"
node --test tests/js/

step "wasm-bindgen tests under node"
wasm-pack test --node -- --test wasm

step "TypeScript consumer type-checks against the generated .d.ts"
tsc -p tests/ts-consumer --noEmit && echo "tsc: ok"

step "Vite: a bundler consumer builds and runs"
node --test tests/vite-consumer/

step "browser: headless Chromium drives the page, the package without a bundler, the worker"
node --test tests/browser/
