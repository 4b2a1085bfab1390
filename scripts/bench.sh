#!/usr/bin/env bash
# Benchmarks: criterion (native) and the package under node. They print figures; they never fail on time.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
echo "=== native (criterion) ==="
cargo bench --bench pricing 2>&1 | grep -E '^(black76|report)/|time:|thrpt:'
echo "=== package (WebAssembly under node) ==="
node bench/bench.mjs
