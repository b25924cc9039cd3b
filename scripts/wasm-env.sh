# Sourced by the build scripts: picks the toolchain that builds std for
# wasm32 with atomics, and exports CARGO_WASM (the cargo to call) and
# WASM_LINKER_FLAGS.
#
# 1. rustup's nightly with the rust-src component (the usual way on a
#    developer machine: `rustup toolchain install nightly -c rust-src`).
# 2. Debian's rustc-web + rust-web-src + lld-19 (machines that cannot reach
#    rustup's servers): the stable compiler is allowed -Z flags with
#    RUSTC_BOOTSTRAP=1, and links with wasm-ld-19.
pick_wasm_toolchain() {
  if command -v rustup >/dev/null 2>&1 && rustup run nightly rustc --version >/dev/null 2>&1; then
    local sysroot
    sysroot=$(rustup run nightly rustc --print sysroot)
    if [ -d "$sysroot/lib/rustlib/src/rust/library/std" ]; then
      CARGO_WASM="rustup run nightly cargo"
      WASM_LINKER_FLAGS=""
      WASM_TOOLCHAIN="rustup nightly ($(rustup run nightly rustc --version))"
      export CARGO_WASM WASM_LINKER_FLAGS WASM_TOOLCHAIN
      return 0
    fi
  fi
  if [ -x /usr/bin/cargo ] && [ -d /usr/lib/rustlib/src/rust/library/std ] && command -v wasm-ld-19 >/dev/null 2>&1; then
    CARGO_WASM="env RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc /usr/bin/cargo"
    WASM_LINKER_FLAGS="-C linker=wasm-ld-19"
    WASM_TOOLCHAIN="Debian ($(/usr/bin/rustc --version)) + wasm-ld-19"
    export CARGO_WASM WASM_LINKER_FLAGS WASM_TOOLCHAIN
    return 0
  fi
  return 1
}
