//! The fuzz targets (`fuzz/targets.rs`) on stable Rust, time-boxed, for `npm test`: a mutation
//! fuzzer over the checked-in seed corpus (`fuzz/corpus/<target>/`), without coverage feedback.
//! The coverage-guided campaigns are `npm run fuzz` (cargo-fuzz, nightly: scripts/fuzz.sh).
//!
//! `PM_FUZZ_SECONDS` (default 12) is each target's budget; `PM_FUZZ_SEED` picks the mutations
//! (default 1, so `npm test` is reproducible; `npm run fuzz` passes fresh seeds). A panic prints the input that caused it
//! and writes it to `target/fuzz-failure-<target>.bin`; every such input becomes a file in
//! `fuzz/regressions/<target>/`, which the test replays first.
#![cfg(not(target_arch = "wasm32"))]

#[path = "../fuzz/targets.rs"]
mod targets;

use rand_xoshiro::rand_core::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files(dir: &Path) -> Vec<Vec<u8>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    paths.sort();
    paths
        .iter()
        .filter(|p| p.is_file())
        .map(|p| std::fs::read(p).unwrap())
        .collect()
}

/// Tokens the parsers treat specially, spliced in by the mutator.
const TOKENS: [&str; 48] = [
    "-",
    "@",
    "iv=",
    "mark=",
    "venue=",
    ",",
    ";",
    "\t",
    "\n",
    "\r\n",
    "\"",
    "{",
    "}",
    "[",
    "]",
    ":",
    "null",
    "true",
    "0",
    "-0",
    "1e309",
    "1e-320",
    "5e-324",
    "NaN",
    "Infinity",
    "1e308",
    "-1",
    "0.0",
    "99999999999999999999",
    "BTC",
    "ETH",
    "SOL",
    "USDC",
    "-PERPETUAL",
    "_USDC-",
    "-C",
    "-P",
    "25DEC26",
    "29FEB27",
    "00JAN00",
    "2026-11-24T08:00:00Z",
    "\u{feff}",
    "\u{0}",
    "é",
    "𝄞",
    "\"$serde_json::private::Number\"",
    "quantity",
    "instrument",
];

fn mutate(rng: &mut Xoshiro256PlusPlus, input: &[u8], corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.next_u32() % 4 {
        let len = out.len();
        let at = if len == 0 {
            0
        } else {
            rng.next_u32() as usize % (len + 1)
        };
        match rng.next_u32() % 8 {
            0 if len > 0 => {
                let i = at.min(len - 1);
                out[i] ^= 1 << (rng.next_u32() % 8);
            }
            1 if len > 0 => {
                let i = at.min(len - 1);
                let bytes = b"0123456789-.e+ ,\n\"{}[]:@=";
                out[i] = bytes[rng.next_u32() as usize % bytes.len()];
            }
            2 => {
                let t = TOKENS[rng.next_u32() as usize % TOKENS.len()];
                out.splice(at..at, t.bytes());
            }
            3 if len > 0 => {
                let end = (at + 1 + rng.next_u32() as usize % 16).min(len);
                out.drain(at.min(end)..end);
            }
            4 if len > 0 => {
                let end = (at + 1 + rng.next_u32() as usize % 64).min(len);
                let piece = out[at.min(end)..end].to_vec();
                out.splice(at..at, piece);
            }
            5 if !corpus.is_empty() => {
                let other = &corpus[rng.next_u32() as usize % corpus.len()];
                if !other.is_empty() {
                    let a = rng.next_u32() as usize % other.len();
                    let b = (a + 1 + rng.next_u32() as usize % 128).min(other.len());
                    out.splice(at..at, other[a..b].iter().copied());
                }
            }
            6 => {
                // a number replaced by an extreme one
                let t = [
                    "1e309",
                    "-1e308",
                    "0",
                    "-0",
                    "1e-320",
                    "NaN",
                    "4294967296",
                    "1.5",
                ][rng.next_u32() as usize % 8];
                if let Some(i) = (at..len).find(|&i| out[i].is_ascii_digit()) {
                    let j = (i..len)
                        .find(|&j| !out[j].is_ascii_digit() && out[j] != b'.')
                        .unwrap_or(len);
                    out.splice(i..j, t.bytes());
                }
            }
            _ => {
                let end = (at + 1 + rng.next_u32() as usize % 8).min(len);
                out.truncate(if rng.next_u32() % 4 == 0 {
                    at
                } else {
                    end.max(at)
                });
            }
        }
    }
    out.truncate(1 << 16);
    out
}

fn shown(data: &[u8]) -> String {
    String::from_utf8_lossy(&data[..data.len().min(2000)])
        .escape_debug()
        .to_string()
}

/// `Err` with a report naming the input, when the target panics on it.
fn run_one(name: &str, target: fn(&[u8]), data: &[u8]) -> Result<(), String> {
    let Err(payload) = std::panic::catch_unwind(|| target(data)) else {
        return Ok(());
    };
    let why = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    let path = root().join(format!("target/fuzz-failure-{name}.bin"));
    let _ = std::fs::write(&path, data);
    Err(format!(
        "fuzz target '{name}' failed ({why}) on {} bytes (written to {}; add it to fuzz/regressions/{name}/): \"{}\"",
        data.len(),
        path.display(),
        shown(data)
    ))
}

/// Every regression and seed input, then mutations until the budget is spent: the executions.
fn campaign(name: &str, target: fn(&[u8]), seed: u64, seconds: f64) -> Result<u64, String> {
    let corpus = files(&root().join("fuzz/corpus").join(name));
    if corpus.is_empty() {
        return Err(format!("no seed corpus for {name}"));
    }
    let regressions = files(&root().join("fuzz/regressions").join(name));
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ name.len() as u64);
    let start = Instant::now();
    let mut runs = 0u64;
    for data in regressions.iter().chain(&corpus) {
        run_one(name, target, data)?;
        runs += 1;
    }
    while start.elapsed() < Duration::from_secs_f64(seconds) {
        let base = &corpus[rng.next_u32() as usize % corpus.len()];
        let data = mutate(&mut rng, base, &corpus);
        run_one(name, target, &data)?;
        runs += 1;
    }
    eprintln!(
        "fuzz_stable: {name}: {runs} executions in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    Ok(runs)
}

#[test]
fn fuzz_targets_time_boxed() {
    let seconds: f64 = std::env::var("PM_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(12.0);
    let seed: u64 = std::env::var("PM_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    eprintln!("fuzz_stable: PM_FUZZ_SEED={seed}, {seconds} s per target");
    // quiet while the targets run: their panics are caught and reported with their input
    struct Quiet;
    impl Drop for Quiet {
        fn drop(&mut self) {
            let _ = std::panic::take_hook();
        }
    }
    let quiet = Quiet;
    std::panic::set_hook(Box::new(|_| {}));
    let outcome: Result<Vec<u64>, String> = targets::TARGETS
        .iter()
        .map(|(name, target)| campaign(name, *target, seed, seconds))
        .collect();
    drop(quiet);
    match outcome {
        Ok(runs) => eprintln!(
            "fuzz_stable: {} executions in all",
            runs.iter().sum::<u64>()
        ),
        Err(report) => {
            eprintln!("{report}");
            panic!("{report} (PM_FUZZ_SEED={seed})")
        }
    }
}

#[test]
fn the_mutator_changes_inputs_and_the_targets_catch_a_bad_outcome() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let base = b"BTC-25DEC26-100000-C -10".to_vec();
    let changed = (0..50)
        .filter(|_| mutate(&mut rng, &base, &[]) != base)
        .count();
    assert!(changed >= 45, "{changed}");
    // a located error at column 0 is a failure of the target
    let bad = std::panic::catch_unwind(|| {
        targets::located_for_test(portfolio_margin::ErrorCode::BadLine, Some(1), Some(0))
    });
    assert!(bad.is_err());
}
