//! The JavaScript edge: the tape that carries results to JS (`tape`, native too, for tests), and
//! the wasm-bindgen facade (`facade`, WebAssembly builds only).

pub mod tape;

#[cfg(target_arch = "wasm32")]
pub mod facade;
