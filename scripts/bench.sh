#!/usr/bin/env bash
# Benchmarks (issue #16): one table from bench/bench.mjs — the package under node, the native core
# (`portfolio-margin bench`), the JS peers, the kernels — then the README's performance section is
# rewritten from it (scripts/readme-bench.mjs). Assumes `scripts/build.sh --bench` ran (npm run bench
# does both). Prints figures; never fails on time. `cargo bench` runs the criterion benches apart.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
node bench/bench.mjs
node scripts/readme-bench.mjs target/bench/latest.md
