//! The JavaScript edge: the tape that carries results to JS (`tape`, native too, for tests), and
//! the wasm-bindgen facade (`facade`, WebAssembly builds only).

pub mod tape;

/// Kernel benchmarks: native always, WebAssembly only in the bench build (feature `bench-kernel`), so
/// the shipped `.wasm` files do not change.
#[cfg(any(not(target_arch = "wasm32"), feature = "bench-kernel"))]
pub mod kernel;

#[cfg(target_arch = "wasm32")]
pub mod facade;
