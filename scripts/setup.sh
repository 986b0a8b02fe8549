# Sourced by the scripts: make sure the pinned toolchain and the wasm target are present.
# The toolchain itself comes from rust-toolchain.toml; rustup installs it on first use.
set -euo pipefail
if ! command -v cargo >/dev/null; then
    echo "error: cargo not found; install Rust from https://rustup.rs and rerun" >&2
    exit 3
fi
rustup show active-toolchain >/dev/null 2>&1 || rustup toolchain install
rustup target add wasm32-wasip2 >/dev/null
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/claimtrack-target}"
