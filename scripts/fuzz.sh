#!/usr/bin/env bash
# Long fuzz campaigns (`npm run fuzz`). Coverage-guided with cargo-fuzz (libFuzzer) when a nightly
# toolchain is installed; otherwise, said clearly, the stable mutation fuzzer of `npm test` with a
# longer budget and a fresh seed. PM_FUZZ_SECONDS: seconds per target (default 600).
# Seeds: fuzz/corpus/<target>/ (checked in; cargo-fuzz adds what it finds under fuzz/corpus too).
# A crash is written under fuzz/artifacts/<target>/ (cargo-fuzz) or target/fuzz-failure-<target>.bin
# (stable): copy it into fuzz/regressions/<target>/ and it is replayed by every `npm test`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
seconds=${PM_FUZZ_SECONDS:-600}
targets=(positions market model request)
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "[fuzz] installing cargo-fuzz (crates.io)" >&2
    cargo install --locked cargo-fuzz
  fi
  for t in "${targets[@]}"; do
    echo "[fuzz] cargo +nightly fuzz run $t for ${seconds}s" >&2
    mkdir -p "fuzz/regressions/$t"
    # regressions are part of the corpus libFuzzer starts from
    mkdir -p "fuzz/work/$t"
    # new inputs go to fuzz/work/ (not committed); the seeds and regressions are read only
    cargo +nightly fuzz run "$t" "fuzz/work/$t" "fuzz/corpus/$t" "fuzz/regressions/$t" -- \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 2>&1 |
      grep -E '^(#[0-9]+.*(DONE|pulse|NEW))|stat::number_of_executed_units|ERROR|SUMMARY|artifact' | tail -n 5
  done
else
  echo "[fuzz] no nightly toolchain (rustup toolchain install nightly): cargo-fuzz needs one." >&2
  echo "[fuzz] running the stable mutation fuzzer instead (no coverage feedback), ${seconds}s per target" >&2
  PM_FUZZ_SECONDS="$seconds" PM_FUZZ_SEED="${PM_FUZZ_SEED:-$(date +%s)}" \
    cargo test --test fuzz_stable fuzz_targets_time_boxed -- --nocapture
fi
