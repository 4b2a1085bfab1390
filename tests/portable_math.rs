//! One implementation of every transcendental function on every target (docs/CONVENTIONS.md,
//! "Bit-identical figures"): the engine calls the `libm` crate, never `f64::exp` and its kin, whose
//! native build uses the platform's C library (glibc here) while WebAssembly uses a port of musl's.
//! Read from the source text, like `tests/layers.rs`: a regression is named with its file and line.
#![cfg(not(target_arch = "wasm32"))]

use std::path::{Path, PathBuf};

const PLATFORM_MATH: [&str; 20] = [
    "exp", "exp2", "exp_m1", "ln", "ln_1p", "log", "log2", "log10", "powf", "sin", "cos", "tan",
    "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh", "cbrt",
];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `(line, call)` of every method call `.name(` or path call `f64::name(` outside comments and
/// test modules.
fn platform_calls(text: &str) -> Vec<(usize, String)> {
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    let mut found = Vec::new();
    for (n, line) in code.lines().enumerate() {
        let line = line.split("//").next().unwrap_or("");
        for name in PLATFORM_MATH {
            for form in [format!(".{name}("), format!("f64::{name}(")] {
                if let Some(at) = line.find(&form) {
                    // `libm::exp(` and `x.exp_m1(` are not `.exp(`
                    let before = &line[..at];
                    if !before.ends_with("libm:") {
                        found.push((n + 1, form.clone()));
                    }
                }
            }
        }
    }
    found
}

#[test]
fn the_engine_calls_libm_for_transcendental_functions() {
    let mut all = Vec::new();
    files(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut all,
    );
    let mut offenders = Vec::new();
    for p in &all {
        let text = std::fs::read_to_string(p).unwrap();
        for (line, call) in platform_calls(&text) {
            offenders.push(format!("{}:{line}: {call}", p.display()));
        }
    }
    assert!(
        offenders.is_empty(),
        "platform maths (use libm::…):\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_scan_sees_a_platform_call() {
    let calls = platform_calls(
        "fn f(x: f64) -> f64 {\n    (x / 2.0).ln() + libm::exp(x) + f64::sin(x)\n}\n",
    );
    assert_eq!(
        calls,
        vec![(2, ".ln(".to_string()), (2, "f64::sin(".to_string())]
    );
    assert!(
        platform_calls("// x.exp()\nlet y = libm::log1p(x);\n#[cfg(test)]\nx.exp()").is_empty()
    );
}
