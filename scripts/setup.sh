#!/usr/bin/env bash
# Idempotent setup for a fresh machine of this kind (Rust, Node, npm; nothing else).
# Installs only from the package registries: rustup target, cargo install, npm, Debian apt.
# Fast when everything is already there (each step checks first).
#   scripts/setup.sh            everything (build + browser tests)
#   scripts/setup.sh --no-browser   skip Chromium (npm start does not need it)
set -euo pipefail
cd "$(dirname "$0")/.."
want_browser=1
[ "${1:-}" = "--no-browser" ] && want_browser=0
log() { printf '[setup] %s\n' "$*" >&2; }
export PATH="$HOME/.cargo/bin:$PATH"

# 1. wasm32 target
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# 2. wasm-bindgen-cli pinned to the exact wasm-bindgen in Cargo.lock (or Cargo.toml's =x.y.z pin)
wb_version=""
if [ -f Cargo.lock ]; then
  wb_version=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
fi
if [ -z "$wb_version" ]; then
  wb_version=$(grep -Eo 'wasm-bindgen *= *"=[0-9.]+"' Cargo.toml | grep -Eo '[0-9]+\.[0-9]+\.[0-9]+')
fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wb_version" ]; then
  log "installing wasm-bindgen-cli $wb_version with cargo (about 2 minutes)"
  # no --locked: the registry mirror lacks one version the CLI's lock file names
  cargo install wasm-bindgen-cli --version "$wb_version" --force
fi

# 3. wasm-pack (cargo-built; with a matching wasm-bindgen on PATH it downloads nothing)
WASM_PACK_VERSION=0.15.1
if [ "$(wasm-pack --version 2>/dev/null | awk '{print $2}')" != "$WASM_PACK_VERSION" ]; then
  log "installing wasm-pack $WASM_PACK_VERSION with cargo (about 2 minutes)"
  cargo install wasm-pack --version "$WASM_PACK_VERSION" --locked --force
fi

# 4. npm dependencies (binaryen's wasm-opt, playwright-core, typescript, vite; black-scholes and greeks for the bench's peer)
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ]; then
  log "installing npm dependencies"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
fi

# 5. Debian's Chromium + ChromeDriver for the browser tests
if [ "$want_browser" = 1 ] && { [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; }; then
  log "installing Debian chromium and chromium-driver"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi
log "ok"
